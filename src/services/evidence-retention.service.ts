import type { Actor } from '../domain/actor.js';
import { systemActor } from '../domain/actor.js';
import type { EvidenceItem, EvidenceKind } from '../domain/evidence.js';
import type { Incident } from '../domain/incident.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { bytesKept, dropBytes } from './evidence-bytes.js';

/**
 * Evidence retention: files of incidents closed long enough ago are removed
 * (the items stay as tombstones with their custody), never under legal hold.
 */
export const EVIDENCE_RETENTION_JOB = 'evidence.retention';
const RETENTION_ACTOR = systemActor('retention');

export interface RetentionResult {
  /** False when no retention period is configured (nothing was looked at). */
  enabled: boolean;
  days: number | null;
  closedBefore: string | null;
  dryRun: boolean;
  removed: { itemId: string; incident: string; kind: EvidenceKind; filename: string | null; sha256: string; file: 'deleted' | 'kept (still held by other items)' | 'database row deleted' }[];
  /** Items due but kept because an incident they belong to is under legal hold. */
  held: { itemId: string; incident: string }[];
  filesDeleted: number;
}

/**
 * Remove the evidence of incidents closed more than `days` ago (default:
 * RENKEI_EVIDENCE_RETENTION_DAYS). An item of an incident merged into
 * another follows that one; a legal hold on either keeps it. Never a file
 * another live item still holds. Each removal: the item tombstoned, a `removed` custody
 * event, an audit event, one timeline entry per incident.
 */
export async function runEvidenceRetention(deps: ServiceDeps, actor: Actor, options: { days?: number | null; dryRun?: boolean } = {}): Promise<RetentionResult> {
  const days = options.days ?? deps.settings.evidence?.retentionDays ?? null;
  const dryRun = options.dryRun ?? false;
  const result: RetentionResult = { enabled: Boolean(days), days: days || null, closedBefore: null, dryRun, removed: [], held: [], filesDeleted: 0 };
  if (!days) return result;
  // A file a run moved aside to delete, when that run stopped midway, goes back first (it may be held again since).
  if (!dryRun) await deps.evidence.restoreMovedAside();
  const now = deps.clock();
  const closedBefore = new Date(now.getTime() - days * 86_400_000).toISOString();
  result.closedBefore = closedBefore;
  const candidates = await deps.store.evidence.retentionCandidates(closedBefore);

  // Each candidate's incident, followed through merges to the one it lives on now.
  const incidents = new Map<string, Incident>();
  const fetch = async (ids: string[]) => {
    const missing = [...new Set(ids)].filter((id) => !incidents.has(id));
    if (missing.length) for (const i of await deps.store.incidents.findManyById({ kind: 'all' }, missing)) incidents.set(i.id, i);
  };
  await fetch(candidates.map((c) => c.incidentId));
  for (let depth = 0; depth < 10; depth++) {
    const next = [...incidents.values()].map((i) => i.mergedInto).filter((id): id is string => Boolean(id) && !incidents.has(id!));
    if (next.length === 0) break;
    await fetch(next);
  }
  const chainOf = (id: string): Incident[] => {
    const chain: Incident[] = [];
    for (let i = incidents.get(id); i && chain.length < 10 && !chain.includes(i); i = i.mergedInto ? incidents.get(i.mergedInto) : undefined) chain.push(i);
    return chain;
  };
  const due = new Map<string, { incident: Incident; items: EvidenceItem[] }>();
  for (const c of candidates) {
    const chain = chainOf(c.incidentId);
    const last = chain[chain.length - 1];
    if (!last) continue;
    if (chain.some((i) => i.legalHold)) {
      result.held.push({ itemId: c.item.id, incident: chain[0]!.number });
      continue;
    }
    if (last.status !== 'closed' || !last.closedAt || last.closedAt >= closedBefore) continue;
    const entry = due.get(last.id) ?? { incident: last, items: [] };
    entry.items.push(c.item);
    due.set(last.id, entry);
  }

  const toDelete = new Set<string>();
  for (const { incident, items } of due.values()) {
    if (dryRun) {
      for (const item of items) result.removed.push({ itemId: item.id, incident: incident.number, kind: item.kind, filename: item.filename, sha256: item.sha256, file: item.kind === 'raw-original' ? 'database row deleted' : 'deleted' });
      continue;
    }
    const at = deps.clock().toISOString();
    await deps.store.transaction(async (tx) => {
      // Locked, then checked again: a hold set a moment ago wins.
      const current = await tx.incidents.findById({ kind: 'all' }, incident.id, true);
      if (!current || current.legalHold || current.status !== 'closed' || !current.closedAt || current.closedAt >= closedBefore) {
        for (const item of items) if (current?.legalHold) result.held.push({ itemId: item.id, incident: incident.number });
        return;
      }
      const reason = `retention: ${current.number} closed on ${current.closedAt}, more than ${days} days ago`;
      const removedHere: RetentionResult['removed'] = [];
      for (const item of items) {
        await tx.evidence.markRemoved(item.id, at, actor.id, reason);
        let file: RetentionResult['removed'][number]['file'];
        if (item.kind === 'raw-original') {
          if (item.reportId) await tx.evidence.deleteRaw(item.reportId);
          file = 'database row deleted';
        } else if ((await tx.evidence.liveFileItems(item.sha256)).length === 0) {
          toDelete.add(item.sha256);
          file = 'deleted';
        } else file = 'kept (still held by other items)';
        await tx.evidence.appendCustody([{ itemId: item.id, at, actor: actor.id, action: 'removed', detail: { reason, file, days } }]);
        await audit(tx, actor, 'evidence.removed', { type: 'evidence', id: item.id }, { incident: current.number, sha256: item.sha256, filename: item.filename, kind: item.kind, reason, file });
        removedHere.push({ itemId: item.id, incident: current.number, kind: item.kind, filename: item.filename, sha256: item.sha256, file });
      }
      await tx.timeline.append([
        {
          incidentId: current.id,
          reportId: null,
          actor: actor.id,
          action: 'evidence.removed',
          changes: { items: removedHere.length, files: removedHere.filter((r) => r.file !== 'kept (still held by other items)').length, days },
          note: reason,
        },
      ]);
      result.removed.push(...removedHere);
    });
  }
  if (dryRun) return result;
  // After the commit: the bytes go once nothing holds them (and files whose deletion failed before are tried again).
  for (const sha of await deps.store.evidence.removedFiles()) if ((await bytesKept(deps, sha)) && (await deps.store.evidence.liveFileItems(sha)).length === 0) toDelete.add(sha);
  for (const sha of toDelete) if (await dropBytes(deps, sha)) result.filesDeleted++;
  return result;
}

const DAY_MS = 86_400_000;

/** The next daily retention run (once per day, whoever schedules it): from the worker's start, then by each run. False when retention is off. */
export async function scheduleEvidenceRetention(deps: ServiceDeps, runAt: Date = new Date(deps.clock().getTime() + 5 * 60_000)): Promise<boolean> {
  if (!deps.settings.evidence?.retentionDays) return false;
  const at = deps.clock().toISOString();
  const queued = await deps.store.jobs.enqueue(
    { kind: EVIDENCE_RETENTION_JOB, payload: {}, runAt: runAt.toISOString(), dedupeKey: `${EVIDENCE_RETENTION_JOB}:${runAt.toISOString().slice(0, 10)}`, maxAttempts: 3 },
    at,
  );
  if (queued) deps.wakeJobs();
  return queued;
}

/** The job: the next run is queued a day later first (so a failing run does not end the schedule), then this one runs. */
export async function runScheduledEvidenceRetention(deps: ServiceDeps): Promise<RetentionResult> {
  await scheduleEvidenceRetention(deps, new Date(deps.clock().getTime() + DAY_MS));
  return runEvidenceRetention(deps, RETENTION_ACTOR);
}
