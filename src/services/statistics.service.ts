import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import {
  QuarterQuerySchema,
  assemblePublic,
  assembleQuarterly,
  quarterOf,
  quarterPeriod,
  recentWeeks,
  type PublicStatistics,
  type QuarterlyReport,
} from '../domain/statistics.js';
import { REPORT_CSP, quarterlyCsv, quarterlyHtml, reportFileName, type ReportLanguage } from '../formats/statistics-report.js';
import { assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { parseInput } from './validate.js';

/**
 * The statistics a coordination centre publishes (issue #7): the quarterly
 * report for the team's staff, and the opt-in public status page. Counts are
 * grouped in the database (store/repositories/statistics.repository.ts);
 * exercise incidents never count.
 *
 * Who: staff roles (lead, handler, auditor, administrator — `statistics.read`).
 * The figures count every incident of the team whatever its TLP label or
 * constituency: they are numbers only, the same kind the public page shows,
 * and a report that counted only what each reader may open would differ
 * from reader to reader.
 */

const settingsOf = (deps: ServiceDeps) => deps.settings.statistics ?? { country: 'JP', publicStatus: false };

/** The quarterly report; without year and quarter, the current quarter in the team's zone. */
export async function quarterlyReport(deps: ServiceDeps, actor: Actor, query: { year?: number | string; quarter?: number | string } = {}): Promise<QuarterlyReport> {
  assertCan(actor, 'statistics.read');
  const q = parseInput(QuarterQuerySchema, query);
  const now = deps.clock();
  const current = quarterOf(now, deps.settings.timeZone);
  const period = quarterPeriod(q.year ?? current.year, q.quarter ?? current.quarter, deps.settings.timeZone);
  const counts = await deps.store.statistics.quarterly(period);
  return assembleQuarterly(period, settingsOf(deps).country, now.toISOString(), counts);
}

export interface ReportFile {
  fileName: string;
  contentType: string;
  body: string;
  /** The Content-Security-Policy the file is served under (HTML: its own style block only). */
  csp: string | null;
  report: QuarterlyReport;
}

/** The quarterly report as CSV (UTF-8 with BOM) or printable HTML, in Japanese or English. */
export async function quarterlyReportFile(
  deps: ServiceDeps,
  actor: Actor,
  query: { year?: number | string; quarter?: number | string },
  format: 'csv' | 'html',
  lang: ReportLanguage,
): Promise<ReportFile> {
  const report = await quarterlyReport(deps, actor, query);
  return format === 'csv'
    ? { fileName: reportFileName(report, lang, 'csv'), contentType: 'text/csv; charset=utf-8', body: quarterlyCsv(report, lang), csp: null, report }
    : {
        fileName: reportFileName(report, lang, 'html'),
        contentType: 'text/html; charset=utf-8',
        body: quarterlyHtml(report, lang, { teamName: deps.settings.team.name }),
        csp: REPORT_CSP,
        report,
      };
}

/** How long the public page's figures are kept before they are counted again. */
export const PUBLIC_CACHE_SECONDS = 300;
const publicCache = new WeakMap<ServiceDeps, { until: number; value: Promise<PublicStatistics> }>();

/**
 * The public status page's figures (no sign-in): reports this week and the
 * two before, incidents being handled by category, phishing sites still
 * being coordinated by brand sector — numbers only. Counted at most once
 * every five minutes. NOT_FOUND unless RENKEI_PUBLIC_STATUS=true.
 */
export async function publicStatistics(deps: ServiceDeps): Promise<PublicStatistics> {
  const settings = settingsOf(deps);
  if (!settings.publicStatus) throw new AppError('NOT_FOUND', 'there is no public status page here');
  const now = deps.clock();
  const cached = publicCache.get(deps);
  if (cached && now.getTime() < cached.until) return cached.value;
  const weeks = recentWeeks(now, deps.settings.timeZone, 2);
  const value = deps.store.statistics.publicCounts(weeks).then((counts) => assemblePublic(weeks, settings.country, deps.settings.timeZone, now.toISOString(), counts));
  publicCache.set(deps, { until: now.getTime() + PUBLIC_CACHE_SECONDS * 1000, value });
  void value.catch(() => publicCache.delete(deps));
  return value;
}

/** Forget the public page's cached figures (tests, or after a correction that should show at once). */
export function forgetPublicStatistics(deps: ServiceDeps): void {
  publicCache.delete(deps);
}
