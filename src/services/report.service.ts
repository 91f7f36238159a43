import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { notFound } from '../domain/errors.js';
import type { Report } from '../domain/report.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { IncidentRef, Observable } from '../store/repositories/observable.repository.js';
import type { ReportListFilter } from '../store/repositories/report.repository.js';
import { accessScope } from './access.policy.js';
import type { ServiceDeps } from './deps.js';

export interface ReportView {
  report: Report;
  observables: Observable[];
  /** Active incidents that shared observables with the report when it arrived. */
  candidates: (IncidentRef & { shared: number })[];
  timeline: TimelineEntry[];
}

export async function getReport(deps: ServiceDeps, actor: Actor, id: string): Promise<ReportView> {
  const scope = accessScope(actor);
  const report = await deps.store.reports.findById(scope, id);
  if (!report) throw notFound('report', id);
  const [observables, candidates, timeline] = await Promise.all([
    deps.store.observables.forReport(id),
    deps.store.observables.candidatesForReport(scope, id),
    deps.store.timeline.forReport(id),
  ]);
  return { report, observables, candidates, timeline };
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
