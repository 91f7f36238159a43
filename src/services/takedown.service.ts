import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { systemActor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { FETCH_PROFILES, afterCheck, verdictOf, type FetchOutcome, type TakedownState, type Verdict } from '../domain/liveness.js';
import { normaliseObservable } from '../domain/observables/index.js';
import { afterIncidentChangeById } from './incident-change.service.js';
import type { TakedownRow } from '../store/repositories/takedown.repository.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident } from './incident.service.js';
import { recordLivenessCaptures } from './evidence-collection.service.js';
import { parseInput } from './validate.js';

export const TAKEDOWN_CHECK_JOB = 'takedown.check';
/** Scheduled checks run this often until the takedown is verified down. */
export const CHECK_EVERY_MINUTES = 30;

export const TakedownCreateSchema = z.strictObject({ url: z.string().min(1).max(2048) });

export interface TakedownView {
  id: string;
  incidentId: string;
  url: string;
  state: TakedownState;
  reportedAt: string;
  requestedAt: string | null;
  acknowledgedAt: string | null;
  downSince: string | null;
  verifiedAt: string | null;
  relapsedAt: string | null;
  lastVerdict: Verdict | null;
  lastCheckAt: string | null;
  /** From the takedown request to verified down, in hours; null until verified. */
  hoursToTakedown: number | null;
  checks: { id: string; at: string; verdict: Verdict; outcomes: Omit<FetchOutcome, 'body'>[] }[];
}

const CHECK_ACTOR = systemActor('liveness');

async function view(store: Store, row: TakedownRow): Promise<TakedownView> {
  const checks = await store.takedowns.checks(row.id);
  const from = row.requested_at ?? row.reported_at;
  return {
    id: row.id,
    incidentId: row.incident_id,
    url: row.url,
    state: row.state as TakedownState,
    reportedAt: row.reported_at,
    requestedAt: row.requested_at,
    acknowledgedAt: row.acknowledged_at,
    downSince: row.down_since,
    verifiedAt: row.verified_at,
    relapsedAt: row.relapsed_at,
    lastVerdict: row.last_verdict as Verdict | null,
    lastCheckAt: row.last_check_at,
    hoursToTakedown: row.verified_at && row.down_since ? Math.round(((Date.parse(row.down_since) - Date.parse(from)) / 3600_000) * 10) / 10 : null,
    checks: checks.map((c) => ({ id: c.id, at: c.at, verdict: c.verdict as Verdict, outcomes: JSON.parse(c.outcomes) as Omit<FetchOutcome, 'body'>[] })),
  };
}

/** Track the takedown of a URL of an incident; the first liveness check is queued at once. */
export async function createTakedown(deps: ServiceDeps, actor: Actor, incidentRef: string, input: unknown): Promise<TakedownView> {
  assertCan(actor, 'coordination.send');
  const { url } = parseInput(TakedownCreateSchema, input);
  const normal = normaliseObservable('url', url.trim());
  if (!normal || !/^https?:\/\//.test(normal.value))
    throw new AppError('VALIDATION', `not an http(s) URL to take down: ${url.slice(0, 200)}`, { issues: [{ path: ['url'], message: 'an http:// or https:// URL (defanged is fine)' }] });
  const now = deps.clock();
  const at = now.toISOString();
  const row = await deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    const existing = await tx.takedowns.findByUrl(incident.id, normal.value);
    if (existing) return existing;
    const created: TakedownRow = {
      id: newId(),
      incident_id: incident.id,
      url: normal.value,
      state: 'reported',
      reported_at: at,
      requested_at: null,
      acknowledged_at: null,
      down_since: null,
      verified_at: null,
      relapsed_at: null,
      last_verdict: null,
      last_check_at: null,
      created_by: actor.id,
    };
    await tx.takedowns.insert(created);
    await tx.timeline.append([{ incidentId: incident.id, reportId: null, actor: actor.id, action: 'takedown.created', changes: { url: created.url, state: 'reported' }, note: null }]);
    await tx.jobs.enqueue({ kind: TAKEDOWN_CHECK_JOB, payload: { takedownId: created.id }, runAt: at, dedupeKey: `${TAKEDOWN_CHECK_JOB}:${created.id}:first` }, at);
    return created;
  });
  deps.wakeJobs();
  return view(deps.store, row);
}

export async function listTakedowns(deps: ServiceDeps, actor: Actor, incidentRef: string): Promise<TakedownView[]> {
  assertCan(actor, 'coordination.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  return Promise.all((await deps.store.takedowns.forIncident(incident.id)).map((r) => view(deps.store, r)));
}

/** Check now, on demand, and answer with the result. */
export async function checkTakedownNow(deps: ServiceDeps, actor: Actor, incidentRef: string, takedownId: string): Promise<TakedownView> {
  assertCan(actor, 'coordination.send');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  const row = await deps.store.takedowns.find(takedownId);
  if (!row || row.incident_id !== incident.id) throw notFound('takedown', takedownId);
  await runLivenessCheck(deps, row.id, false);
  return view(deps.store, (await deps.store.takedowns.find(row.id))!);
}

/**
 * One liveness check: every profile at once, each page kept as evidence by
 * its hash, the verdict recorded, the takedown moved (down, verified,
 * relapsed) with a timeline entry for each change, and the next check
 * scheduled while the takedown is not verified.
 */
export async function runLivenessCheck(deps: ServiceDeps, takedownId: string, schedule = true): Promise<Verdict | null> {
  const row = await deps.store.takedowns.find(takedownId);
  if (!row) return null;
  const outcomes = await Promise.all(FETCH_PROFILES.map((p) => deps.fetchSite(row.url, p)));
  const captures: Parameters<typeof recordLivenessCaptures>[2] = [];
  for (const o of outcomes) if (o.body && o.body.length) captures.push({ stored: await deps.evidence.put(o.body), url: row.url, finalUrl: o.finalUrl, profile: o.profile, body: o.body });
  const verdict = verdictOf(outcomes);
  const now = deps.clock();
  const at = now.toISOString();
  await deps.store.transaction(async (tx) => {
    const current = (await tx.takedowns.find(takedownId))!;
    const next = afterCheck({ state: current.state as TakedownState, downSince: current.down_since }, verdict, now);
    const verifiedAt = next.state === 'down' ? (current.verified_at ?? (next.verified ? at : null)) : null;
    await tx.takedowns.addCheck({ id: newId(), takedown_id: takedownId, at, verdict, outcomes: JSON.stringify(outcomes.map(({ body: _b, ...o }) => o)) });
    // Each page seen is evidence of the incident (once per distinct page), with where and how it was fetched.
    await recordLivenessCaptures(tx, current.incident_id, captures, at);
    await tx.takedowns.update(takedownId, {
      state: next.state,
      down_since: next.downSince,
      verified_at: verifiedAt,
      ...(next.state === 'relapsed' && current.state !== 'relapsed' ? { relapsed_at: at } : {}),
      last_verdict: verdict,
      last_check_at: at,
    });
    const changes: Record<string, unknown> = {};
    if (next.state !== current.state) changes.state = { before: current.state, after: next.state };
    if (verifiedAt && !current.verified_at) changes.verified = true;
    if (Object.keys(changes).length)
      await tx.timeline.append([
        {
          incidentId: current.incident_id,
          reportId: null,
          actor: CHECK_ACTOR.id,
          action: 'takedown.state',
          changes: { url: current.url, verdict, ...changes, profiles: outcomes.map((o) => `${o.profile}: ${o.status ?? o.errorKind}`) },
          note: next.state === 'relapsed' ? 'the site answers again after it was down: relapse' : null,
        },
      ]);
    if (changes.state) await afterIncidentChangeById(deps, tx, current.incident_id, { actions: ['takedown.state'] });
    if (schedule && !verifiedAt) {
      const runAt = new Date(now.getTime() + CHECK_EVERY_MINUTES * 60_000);
      await tx.jobs.enqueue(
        { kind: TAKEDOWN_CHECK_JOB, payload: { takedownId }, runAt: runAt.toISOString(), dedupeKey: `${TAKEDOWN_CHECK_JOB}:${takedownId}:${Math.floor(runAt.getTime() / (CHECK_EVERY_MINUTES * 60_000))}` },
        at,
      );
    }
  });
  return verdict;
}

/** A takedown request went out for the incident (or the party answered): its takedowns say so. */
export async function markTakedowns(tx: Store, incidentId: string, step: 'requested' | 'acknowledged', at: string, actor: Actor): Promise<void> {
  for (const t of await tx.takedowns.forIncident(incidentId)) {
    const moves = step === 'requested' ? t.state === 'reported' || t.state === 'relapsed' : t.state === 'requested';
    if (!moves) continue;
    await tx.takedowns.update(t.id, step === 'requested' ? { state: 'requested', requested_at: t.requested_at ?? at } : { state: 'acknowledged', acknowledged_at: at });
    await tx.timeline.append([{ incidentId, reportId: null, actor: actor.id, action: 'takedown.state', changes: { url: t.url, state: { before: t.state, after: step } }, note: null }]);
  }
}
