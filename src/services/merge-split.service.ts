import { z } from 'zod';
import { multiLine } from '../domain/text.js';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { IncidentCreateSchema, type Incident } from '../domain/incident.js';
import { isActiveStatus } from '../domain/incident-lifecycle.js';
import { TLP_LABELS, stricterTlp } from '../domain/tlp.js';
import { CATEGORIES, PRIORITIES, SEVERITIES } from '../domain/taxonomy.js';
import { assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { afterIncidentCreatedWithReports, assertNotMerged, insertIncident, loadIncident, saveIncident } from './incident.service.js';
import { loadReports, moveReports } from './triage.service.js';
import { parseInput } from './validate.js';

export const MergeSchema = z.strictObject({
  /** The incident merged into the target; it stays, closed, pointing at the target. */
  sourceIncident: z.string().min(1).max(64),
  note: multiLine(10_000).optional(),
});

/** Classification left out is inherited from the source (no defaults here: `.partial()` would keep them). */
export const SplitSchema = IncidentCreateSchema.extend({
  title: IncidentCreateSchema.shape.title,
  category: z.enum(CATEGORIES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  priority: z.enum(PRIORITIES).optional(),
  tlp: z.enum(TLP_LABELS).optional(),
  reportIds: z.array(z.uuid()).min(1).max(1000),
  note: multiLine(10_000).optional(),
});

/**
 * Merge `source` into `target`: reports, observables and affected
 * organisations move to the target, which takes the stricter TLP of the two;
 * the source is closed and points at the target. Nothing is deleted.
 */
export async function mergeIncidents(deps: ServiceDeps, actor: Actor, targetIdOrNumber: string, input: unknown): Promise<Incident> {
  assertCan(actor, 'incident.write');
  const { sourceIncident, note } = parseInput(MergeSchema, input);
  return deps.store.transaction(async (tx) => {
    const target = await loadIncident(tx, actor, targetIdOrNumber);
    const source = await loadIncident(tx, actor, sourceIncident);
    if (source.id === target.id)
      throw new AppError('VALIDATION', `incident ${target.number} cannot be merged into itself`, {
        issues: [{ path: ['sourceIncident'], message: 'the source and the target are the same incident' }],
      });
    assertNotMerged(target);
    assertNotMerged(source);
    const reportIds = await tx.reports.listIdsForIncident(source.id);
    await moveReports(tx, actor, await loadReports(tx, actor, reportIds), target, note ?? null);
    await tx.observables.moveIncident(source.id, target.id);
    const at = deps.clock().toISOString();
    await saveIncident(
      deps,
      tx,
      actor,
      source,
      { ...source, mergedInto: target.id, status: 'closed', closedAt: source.closedAt ?? at },
      { action: 'incident.merged-into', note: note ?? null, changes: { target: { id: target.id, number: target.number } } },
    );
    return saveIncident(
      deps,
      tx,
      actor,
      target,
      {
        ...target,
        tlp: stricterTlp(target.tlp, source.tlp),
        organisationIds: [...new Set([...target.organisationIds, ...source.organisationIds])],
        // An active source reopens a finished target (the merged reports are still being worked).
        ...(!isActiveStatus(target.status) && isActiveStatus(source.status)
          ? { status: 'open' as const, resolvedAt: null, closedAt: null }
          : {}),
      },
      {
        action: 'incident.merged',
        note: note ?? null,
        changes: { source: { id: source.id, number: source.number }, reports: reportIds.length },
      },
    );
  });
}

/** Split reports off an incident into a new one, which inherits the source's classification unless given. */
export async function splitIncident(deps: ServiceDeps, actor: Actor, sourceIdOrNumber: string, input: unknown): Promise<Incident> {
  assertCan(actor, 'incident.write');
  const { reportIds, note, ...fields } = parseInput(SplitSchema, input);
  return deps.store.transaction(async (tx) => {
    const source = await loadIncident(tx, actor, sourceIdOrNumber);
    assertNotMerged(source);
    const reports = await loadReports(tx, actor, reportIds);
    const foreign = reports.find((r) => r.incidentId !== source.id);
    if (foreign)
      throw new AppError('VALIDATION', `report ${foreign.id} is not on incident ${source.number}`, {
        issues: [{ path: ['reportIds', reportIds.indexOf(foreign.id)], message: 'not a report of this incident' }],
      });
    const created = await insertIncident(
      deps,
      tx,
      actor,
      {
        ...fields,
        category: fields.category ?? source.category,
        severity: fields.severity ?? source.severity,
        priority: fields.priority ?? source.priority,
        tlp: fields.tlp ?? source.tlp,
        constituency: fields.constituency ?? source.constituency,
        organisationIds: fields.organisationIds.length ? fields.organisationIds : source.organisationIds,
      },
      note ?? null,
      { withReports: true },
    );
    // The new incident is as restricted as the one it came from: same access list, same sharing.
    const access = await tx.incidents.accessOf(source.id);
    await tx.incidents.setAccessList(created.id, [...new Set([...access.accessList, ...(created.tlp === 'RED' && actor.kind === 'user' ? [actor.id] : [])])]);
    await tx.incidents.setShares(created.id, access.sharedWith);
    await moveReports(tx, actor, reports, created, note ?? null);
    await tx.timeline.append([
      {
        incidentId: source.id,
        reportId: null,
        actor: actor.id,
        action: 'incident.split',
        changes: { into: { id: created.id, number: created.number }, reportIds },
        note: note ?? null,
      },
      {
        incidentId: created.id,
        reportId: null,
        actor: actor.id,
        action: 'incident.split-from',
        changes: { from: { id: source.id, number: source.number }, reportIds },
        note: note ?? null,
      },
    ]);
    // The new incident's playbook, SLA clocks and rules see the reports it was split with.
    return afterIncidentCreatedWithReports(deps, tx, created);
  });
}
