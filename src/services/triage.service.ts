import { afterIncidentChange } from './incident-change.service.js';
import { z } from 'zod';
import { multiLine } from '../domain/text.js';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { IncidentCreateSchema, type Incident } from '../domain/incident.js';
import { ReportRejectSchema, type Report } from '../domain/report.js';
import type { TimelineAction, TimelineEntryInput } from '../domain/timeline.js';
import type { Store } from '../store/store.js';
import { accessScope, assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { afterIncidentCreatedWithReports, assertNotMerged, insertIncident, loadIncident } from './incident.service.js';
import { audit, auditEach } from './audit.service.js';
import { parseInput } from './validate.js';

/** Creating an incident from reports: every incident field is optional, the title defaults to the first report's subject. */
const OnlyNew = z
  .boolean()
  .optional()
  .describe('from the triage queue: refuse (409, details.reason report-not-new) when a report is no longer new — another handler triaged or rejected it meanwhile — and change nothing');

export const IncidentFromReportsSchema = IncidentCreateSchema.extend({
  title: IncidentCreateSchema.shape.title.optional(),
  reportIds: z.array(z.uuid()).min(1).max(1000),
  note: multiLine(10_000).optional(),
  onlyNew: OnlyNew,
});
export type IncidentFromReportsInput = z.input<typeof IncidentFromReportsSchema>;

export const AttachReportsSchema = z.strictObject({
  reportIds: z.array(z.uuid()).min(1).max(1000),
  note: multiLine(10_000).optional(),
  onlyNew: OnlyNew,
});
export type AttachReportsInput = z.input<typeof AttachReportsSchema>;

export const RejectReportsSchema = ReportRejectSchema.extend({ reportIds: z.array(z.uuid()).min(1).max(1000) });
export type RejectReportsInput = z.input<typeof RejectReportsSchema>;

/**
 * A report that is no longer new where the caller expected it to be — two
 * handlers on one queue. The error names the report and what it is now, so
 * the one who came second is told rather than silently undoing the first.
 */
function assertStillNew(reports: Report[], code: 'CONFLICT' | 'INVALID_TRANSITION'): void {
  const gone = reports.find((r) => r.status !== 'new');
  if (!gone) return;
  const where = gone.incidentId ? ' on an incident' : '';
  throw new AppError(code, `report ${gone.id} is no longer new: it is ${gone.status}${where}; nothing was changed`, {
    reason: 'report-not-new',
    reportId: gone.id,
    status: gone.status,
    incidentId: gone.incidentId,
    ...(code === 'INVALID_TRANSITION' ? { from: gone.status, to: 'rejected' } : {}),
  });
}

/**
 * The reports a triage moves: those named, and the replies to them still in
 * the queue (a reporter answering our receipt before triage: see
 * mail-intake.service.ts), which go where the report they answer goes.
 */
async function withReplies(tx: Store, reports: Report[]): Promise<Report[]> {
  const named = new Set(reports.map((r) => r.id));
  const replies = (await tx.reports.newRepliesTo([...named])).filter((r) => !named.has(r.id));
  return [...reports, ...replies];
}

export async function loadReports(store: Store, actor: Actor, ids: string[]): Promise<Report[]> {
  const unique = [...new Set(ids)];
  const reports = await store.reports.findManyById(accessScope(actor), unique, store.inTransaction);
  const found = new Set(reports.map((r) => r.id));
  const missing = unique.find((id) => !found.has(id));
  if (missing) throw notFound('report', missing);
  return unique.map((id) => reports.find((r) => r.id === id)!);
}

/**
 * Move reports onto an incident: their observables follow, the incidents they
 * leave are re-derived, and each move is on the timeline of the report, the
 * incident it joins and the one it leaves.
 */
export async function moveReports(tx: Store, actor: Actor, reports: Report[], target: Incident, note: string | null): Promise<void> {
  const moving = reports.filter((r) => r.incidentId !== target.id);
  if (moving.length === 0) return;
  await tx.reports.setIncident(
    moving.map((r) => r.id),
    target.id,
  );
  const left = new Set<string>();
  const entries = moving.flatMap((r) => {
    const action: TimelineAction = r.status === 'new' ? 'report.triaged' : 'report.attached';
    const changes = { incident: { before: r.incidentId, after: target.id }, status: { before: r.status, after: 'triaged' } };
    const out: TimelineEntryInput[] = [{ incidentId: target.id, reportId: r.id, actor: actor.id, action, changes, note }];
    if (r.incidentId) {
      left.add(r.incidentId);
      out.push({ incidentId: r.incidentId, reportId: r.id, actor: actor.id, action: 'report.detached', changes, note });
    }
    return out;
  });
  await tx.timeline.append(entries);
  await audit(tx, actor, 'incident.reports-attached', { type: 'incident', id: target.id }, { reportIds: moving.map((r) => r.id) });
  for (const r of moving) {
    const ids = (await tx.observables.forReport(r.id)).map((o) => o.id);
    await tx.observables.addToIncident(target.id, ids, false);
  }
  for (const id of left) await tx.observables.rebuildIncident(id);
}

/** Triage: create one incident from one or more reports. */
export async function createIncidentFromReports(deps: ServiceDeps, actor: Actor, input: IncidentFromReportsInput): Promise<Incident> {
  assertCan(actor, 'report.triage');
  const { reportIds, note, onlyNew, ...fields } = parseInput(IncidentFromReportsSchema, input);
  return deps.store.transaction(async (tx) => {
    const reports = await loadReports(tx, actor, reportIds);
    if (onlyNew) assertStillNew(reports, 'CONFLICT');
    const taken = reports.find((r) => r.incidentId);
    if (taken)
      throw new AppError('CONFLICT', `report ${taken.id} is already on an incident; attach or split it instead`, {
        incidentId: taken.incidentId,
      });
    const first = reports[0]!;
    const incident = await insertIncident(
      deps,
      tx,
      actor,
      {
        ...fields,
        title: fields.title ?? first.subject ?? first.body.split('\n').find((l) => l.trim())?.trim().slice(0, 300) ?? first.id,
        fiveW1H: { reportedAt: reports.map((r) => r.receivedAt).sort()[0], ...fields.fiveW1H },
      },
      note ?? null,
      { withReports: true },
    );
    await moveReports(tx, actor, await withReplies(tx, reports), incident, note ?? null);
    // Playbook, SLA clocks and rules once, with the reports and their observables on the incident.
    return afterIncidentCreatedWithReports(deps, tx, incident);
  });
}

/** Triage: attach reports to an existing incident (moving them if they were on another one). */
export async function attachReports(
  deps: ServiceDeps,
  actor: Actor,
  incidentIdOrNumber: string,
  input: AttachReportsInput,
): Promise<Incident> {
  assertCan(actor, 'report.triage');
  const { reportIds, note, onlyNew } = parseInput(AttachReportsSchema, input);
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentIdOrNumber);
    assertNotMerged(incident);
    const reports = await loadReports(tx, actor, reportIds);
    if (onlyNew) assertStillNew(reports, 'CONFLICT');
    await moveReports(tx, actor, await withReplies(tx, reports), incident, note ?? null);
    return afterIncidentChange(deps, tx, incident, { actions: ['report.attached'] });
  });
}

/** Triage: reject a new report as spam, out of scope or a duplicate. The report is kept. */
export async function rejectReport(deps: ServiceDeps, actor: Actor, reportId: string, input: unknown): Promise<Report> {
  assertCan(actor, 'report.triage');
  const fields = parseInput(ReportRejectSchema, input);
  // One report named by the caller: rejecting one that is not new is a transition the lifecycle refuses (422).
  const [report] = await rejectMany(deps, actor, { ...fields, reportIds: [reportId] }, 'INVALID_TRANSITION');
  return report!;
}

/**
 * Triage: reject new reports for one reason, all or none — when one of them
 * is no longer new (another handler got there first) nothing is rejected
 * (409, as create and attach answer with `onlyNew`).
 */
export async function rejectReports(deps: ServiceDeps, actor: Actor, input: RejectReportsInput): Promise<Report[]> {
  assertCan(actor, 'report.triage');
  return rejectMany(deps, actor, parseInput(RejectReportsSchema, input), 'CONFLICT');
}

async function rejectMany(deps: ServiceDeps, actor: Actor, input: z.output<typeof RejectReportsSchema>, notNew: 'CONFLICT' | 'INVALID_TRANSITION'): Promise<Report[]> {
  const { reportIds, reason, note, duplicateOf } = input;
  return deps.store.transaction(async (tx) => {
    const reports = await loadReports(tx, actor, reportIds);
    assertStillNew(reports, notNew);
    if (duplicateOf) {
      if (reportIds.includes(duplicateOf))
        throw new AppError('VALIDATION', 'a report cannot duplicate itself', { issues: [{ path: ['duplicateOf'], message: 'same report' }] });
      await loadReports(tx, actor, [duplicateOf]);
    }
    await tx.reports.setRejected(
      reports.map((r) => r.id),
      reason,
      note ?? null,
      duplicateOf ?? null,
    );
    await tx.timeline.append(
      reports.map((r) => ({
        incidentId: null,
        reportId: r.id,
        actor: actor.id,
        action: 'report.rejected' as const,
        changes: { status: { before: 'new', after: 'rejected' }, reason, duplicateOf: duplicateOf ?? null },
        note: note ?? null,
      })),
    );
    await auditEach(
      tx,
      actor,
      'report.rejected',
      reports.map((r) => ({ type: 'report', id: r.id })),
      { reason },
    );
    return loadReports(tx, actor, reports.map((r) => r.id));
  });
}
