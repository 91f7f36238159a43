import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { notFound } from '../domain/errors.js';
import type { Report } from '../domain/report.js';
import { namedFor, type TimelineEntryView } from '../domain/timeline.js';
import type { IncidentRef, Observable } from '../store/repositories/observable.repository.js';
import type { ReportListFilter } from '../store/repositories/report.repository.js';
import { accessScope } from './access.policy.js';
import type { ReportAttachment } from '../store/repositories/report.repository.js';
import type { ServiceDeps } from './deps.js';
import { downloadReportAttachment, downloadReportRaw, type DownloadOptions, type EvidenceDelivery } from './evidence.service.js';

export interface ReportView {
  report: Report;
  observables: Observable[];
  /** Active incidents that shared observables with the report when it arrived. */
  candidates: (IncidentRef & { shared: number })[];
  timeline: TimelineEntryView[];
  /** Attachments as evidence: hashes and names, never the bytes inline. */
  attachments: ReportAttachment[];
}

export async function getReport(deps: ServiceDeps, actor: Actor, id: string): Promise<ReportView> {
  const scope = accessScope(actor);
  const report = await deps.store.reports.findById(scope, id);
  if (!report) throw notFound('report', id);
  const [observables, candidates, timeline, attachments] = await Promise.all([
    deps.store.observables.forReport(id),
    deps.store.observables.candidatesForReport(scope, id),
    deps.store.timeline.forReport(id),
    deps.store.reports.attachments(id),
  ]);
  return { report, observables, candidates, timeline: namedFor(actor, timeline), attachments };
}

/**
 * One attachment as a download: re-hashed on the way out (a mismatch is recorded and never served), a custody
 * and audit event, and a dangerous file only inside a ZIP encrypted with `infected` (evidence.service.ts).
 */
export async function getReportAttachment(deps: ServiceDeps, actor: Actor, reportId: string, attachmentId: string, options: DownloadOptions = {}): Promise<EvidenceDelivery> {
  return downloadReportAttachment(deps, actor, reportId, attachmentId, options);
}

export async function listReports(deps: ServiceDeps, actor: Actor, filter: ReportListFilter, page: Page): Promise<PageResult<Report>> {
  return deps.store.reports.list(accessScope(actor), filter, page);
}

/** The original bytes exactly as received — checked, recorded and (when dangerous) packed like any evidence. */
export async function getReportRaw(deps: ServiceDeps, actor: Actor, id: string, options: DownloadOptions = {}): Promise<EvidenceDelivery & { report: Report }> {
  return downloadReportRaw(deps, actor, id, options);
}
