import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { systemActor } from '../domain/actor.js';
import type { Incident } from '../domain/incident.js';
import { DEFAULT_SLA_POLICIES, SLA_CLOCKS, SlaPolicySchema, policyFor, readClock, type ClockFacts, type ClockReading, type SlaClock, type SlaPolicy } from '../domain/sla.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { Store } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { afterIncidentChange } from './incident-change.service.js';
import { loadIncident } from './incident.service.js';

export const SLA_CHECK_JOB = 'sla.check';

/** The built-in policies, or those of a JSON file (RENKEI_SLA_POLICIES), validated at start with a clear message. */
export function loadSlaPolicies(file: string | undefined): SlaPolicy[] {
  if (!file) return DEFAULT_SLA_POLICIES;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`RENKEI_SLA_POLICIES=${file}: ${(err as Error).message}`);
  }
  const parsed = z.array(SlaPolicySchema).min(1).safeParse(raw);
  if (!parsed.success) throw new Error(`RENKEI_SLA_POLICIES=${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const statusOf = (e: TimelineEntry) => (e.changes.status as { before?: string; after?: string } | undefined)?.after;

/** When each step started and was done, and when the incident waited, from the incident and its timeline. */
export function clockFacts(incident: Incident, timeline: TimelineEntry[]): Record<SlaClock, ClockFacts> {
  const first = (pred: (e: TimelineEntry) => boolean) => timeline.find(pred)?.at ?? null;
  const resolved = first((e) => e.action === 'incident.status' && (statusOf(e) === 'resolved' || statusOf(e) === 'closed'));
  const down = first((e) => e.action === 'takedown.state' && (e.changes.state as { after?: string } | undefined)?.after === 'down');
  const pauses: ClockFacts['pauses'] = [];
  for (const e of timeline) {
    if (e.action !== 'incident.status') continue;
    const after = statusOf(e);
    const open = pauses.at(-1);
    if (after === 'waiting' && (!open || open.to !== null)) pauses.push({ from: e.at, to: null });
    else if (after !== 'waiting' && open && open.to === null) open.to = e.at;
  }
  const created = incident.createdAt;
  const earliest = (...xs: (string | null)[]) => xs.filter((x): x is string => x !== null).sort()[0] ?? null;
  return {
    triage: { startedAt: incident.fiveW1H.reportedAt && incident.fiveW1H.reportedAt < created ? incident.fiveW1H.reportedAt : created, metAt: created, pauses: [] },
    'first-notification': { startedAt: created, metAt: first((e) => e.action === 'coordination.sent'), pauses },
    containment: { startedAt: created, metAt: earliest(down, resolved), pauses },
    resolution: { startedAt: created, metAt: resolved, pauses },
  };
}

export interface IncidentSla {
  policy: string | null;
  counting: SlaPolicy['counting'] | null;
  clocks: ClockReading[];
}

/** The clocks of an incident as they stand (no access check: callers have loaded the incident). */
export async function readAll(deps: ServiceDeps, store: Store, incident: Incident): Promise<IncidentSla> {
  const policy = policyFor(deps.settings.sla.policies, incident.priority, incident.category);
  if (!policy) return { policy: null, counting: null, clocks: [] };
  const facts = clockFacts(incident, await store.timeline.forIncident([incident.id]));
  // A closed or rejected incident's clocks stop where it ended.
  const ended = incident.status === 'closed' || incident.status === 'rejected' ? new Date(incident.closedAt ?? incident.updatedAt) : null;
  const now = ended ?? deps.clock();
  const clocks = SLA_CLOCKS.map((c) => readClock(c, policy, facts[c], deps.settings.sla.calendar, now)).filter((r): r is ClockReading => r !== null);
  return { policy: policy.name, counting: policy.counting, clocks };
}

/** The incident's SLA clocks now: running, paused, met, met late or breached, and when each falls due. */
export async function getIncidentSla(deps: ServiceDeps, actor: Actor, incidentRef: string): Promise<IncidentSla> {
  const incident = await loadIncident(deps.store, actor, incidentRef);
  return readAll(deps, deps.store, incident);
}

/**
 * After any change to an incident: a check is queued for the moment each
 * running clock falls due (one job per clock and due time — a change that
 * does not move the due time queues nothing new).
 */
export async function scheduleSlaChecks(deps: ServiceDeps, tx: Store, incident: Incident): Promise<IncidentSla> {
  const sla = await readAll(deps, tx, incident);
  const at = deps.clock().toISOString();
  await tx.incidents.setSlaDue(incident.id, slaDueAt(incident, sla.clocks, at));
  for (const c of sla.clocks) {
    if (c.state !== 'running' || !c.dueAt) continue;
    await tx.jobs.enqueue({ kind: SLA_CHECK_JOB, payload: { incidentId: incident.id }, runAt: c.dueAt, dedupeKey: `${SLA_CHECK_JOB}:${incident.id}:${c.clock}:${c.dueAt}` }, at);
  }
  return sla;
}

/**
 * The moment that orders the "due soon" list: the earliest running clock's
 * due time; a breached clock that is not yet met keeps the time it fell due
 * (so overdue incidents sort first); nothing once the incident is done.
 */
export function slaDueAt(incident: Incident, clocks: ClockReading[], now: string): string | null {
  if (['resolved', 'closed', 'rejected'].includes(incident.status) || incident.mergedInto) return null;
  const due = clocks.flatMap((c) => {
    if (c.state === 'running' && c.dueAt) return [c.dueAt];
    if (c.state === 'breached') return [incident.slaDueAt && incident.slaDueAt <= now ? incident.slaDueAt : now];
    return [];
  });
  return due.sort()[0] ?? null;
}

const SLA_ACTOR = systemActor('sla');

/** The job: every clock now breached and not yet recorded gets one `sla.breached` entry; clocks still running are checked again when due. */
export async function runSlaCheck(deps: ServiceDeps, payload: unknown): Promise<SlaClock[]> {
  const id = (payload as { incidentId?: unknown } | null)?.incidentId;
  if (typeof id !== 'string') return [];
  return deps.store.transaction(async (tx) => {
    const incident = await tx.incidents.findById({ kind: 'all' }, id, true);
    if (!incident) return [];
    const sla = await readAll(deps, tx, incident);
    const timeline = await tx.timeline.forIncident([incident.id]);
    const recorded = new Set(timeline.filter((e) => e.action === 'sla.breached').map((e) => String(e.changes.clock)));
    const breached = sla.clocks.filter((c) => c.state === 'breached' && !recorded.has(c.clock));
    if (breached.length)
      await tx.timeline.append(
        breached.map((c) => ({
          incidentId: incident.id,
          reportId: null,
          actor: SLA_ACTOR.id,
          action: 'sla.breached' as const,
          changes: { clock: c.clock, policy: sla.policy, targetMinutes: c.targetMinutes, counting: c.counting, elapsedMinutes: c.elapsedMinutes },
          note: null,
        })),
      );
    // Rules on a breached (or soon due) clock run now too.
    await afterIncidentChange(deps, tx, incident, { actions: breached.length ? ['sla.breached'] : ['sla.check'] });
    return breached.map((c) => c.clock);
  });
}
