import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { notFound } from '../domain/errors.js';
import type { Report } from '../domain/report.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { IncidentRef, Observable } from '../store/repositories/observable.repository.js';
import type { ReportListFilter } from '../store/repositories/report.repository.js';
import { accessScope } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ReportAttachment } from '../store/repositories/report.repository.js';
import type { ServiceDeps } from './deps.js';

export interface ReportView {
  report: Report;
  observables: Observable[];
  /** Active incidents that shared observables with the report when it arrived. */
  candidates: (IncidentRef & { shared: number })[];
  timeline: TimelineEntry[];
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
  return { report, observables, candidates, timeline, attachments };
}

/** One attachment's bytes, re-hashed on the way out; audited as an evidence download. */
export async function getReportAttachment(
  deps: ServiceDeps,
  actor: Actor,
  reportId: string,
  attachmentId: string,
): Promise<{ attachment: ReportAttachment; content: Buffer }> {
  const report = await deps.store.reports.findById(accessScope(actor), reportId);
  const attachment = report && (await deps.store.reports.attachments(reportId)).find((a) => a.id === attachmentId);
  if (!attachment) throw notFound('attachment', attachmentId);
  const content = deps.evidence.get(attachment.sha256);
  await deps.store.transaction((tx) =>
    audit(tx, actor, 'evidence.downloaded', { type: 'report', id: reportId }, { sha256: attachment.sha256, filename: attachment.filename }),
  );
  return { attachment, content };
}

export async function listReports(deps: ServiceDeps, actor: Actor, filter: ReportListFilter, page: Page): Promise<PageResult<Report>> {
  return deps.store.reports.list(accessScope(actor), filter, page);
}

/** The original bytes exactly as received. */
export async function getReportRaw(deps: ServiceDeps, actor: Actor, id: string): Promise<{ report: Report; content: Buffer }> {
  const scope = accessScope(actor);
  const report = await deps.store.reports.findById(scope, id);
  const content = report && (await deps.store.reports.raw(scope, id));
  if (!report || !content) throw notFound('raw original of report', id);
  return { report, content };
}
