import { z } from 'zod';
import { BRAND_SECTORS } from './incident.js';
import { REPORT_CHANNELS, type ReportChannel } from './report.js';
import { SLA_CLOCKS, type SlaClock } from './sla.js';
import { CATEGORIES, type Category } from './taxonomy.js';

/**
 * The statistics a coordination centre publishes (issue #7), modelled on the
 * quarterly incident-handling reports of national CSIRTs: reports by channel
 * and origin, incidents, coordinated cases, categories per month, phishing
 * sites by brand sector and origin, and the median time of each seed step.
 *
 * Pure: periods in the team's time zone, the shapes, and the assembly of the
 * database's grouped counts into them. The counting rules (what is left out)
 * live with the queries in store/repositories/statistics.repository.ts and
 * are listed in `COUNTING_RULES` so the report can print them.
 */

/** A half-open interval of instants `[from, to)`, as ISO-8601 UTC strings (the columns' form). */
export interface Period {
  from: string;
  to: string;
}

export interface MonthPeriod extends Period {
  /** `2026-07`, in the team's zone. */
  month: string;
}

export interface QuarterPeriod extends Period {
  year: number;
  /** 1 = January–March … 4 = October–December (calendar quarters). */
  quarter: number;
  timeZone: string;
  months: MonthPeriod[];
}

export const QuarterQuerySchema = z.strictObject({
  year: z.coerce.number().int().min(2000).max(2100).optional(),
  quarter: z.coerce.number().int().min(1).max(4).optional(),
});

/** Where a reporter is, against the team's own country (RENKEI_COUNTRY). */
export const REPORT_ORIGINS = ['domestic', 'foreign', 'unknown'] as const;
export type ReportOrigin = (typeof REPORT_ORIGINS)[number];

/** The brand sectors of the report: the incident's sector, or `unclassified` when none was set. */
export const SECTOR_KEYS = [...BRAND_SECTORS, 'unclassified'] as const;
export type SectorKey = (typeof SECTOR_KEYS)[number];

/** Whether the imitated brand is domestic or foreign; `unknown` when not set. */
export const BRAND_ORIGIN_KEYS = ['domestic', 'foreign', 'unknown'] as const;
export type BrandOriginKey = (typeof BRAND_ORIGIN_KEYS)[number];

export const STEPS = SLA_CLOCKS;
export type Step = SlaClock;

export type OriginCounts = Record<ReportOrigin, number>;
export type BrandOriginCounts = Record<BrandOriginKey, number>;

export interface StepFigure {
  /** Incidents whose step was done within the quarter. */
  count: number;
  /** Median calendar time from the step's start to its end, whole seconds; null when no step was done. */
  medianSeconds: number | null;
}

export interface QuarterlyReport {
  period: QuarterPeriod;
  /** The team's country: reporters there are domestic. */
  country: string;
  generatedAt: string;
  reports: {
    total: number;
    byOrigin: OriginCounts;
    byChannel: Record<ReportChannel, OriginCounts & { total: number }>;
    /** One per month of the quarter. */
    byMonth: number[];
  };
  incidents: {
    total: number;
    /** Incidents with at least one coordination sent to an outside party (theirs or of an incident merged into them). */
    coordinated: number;
    byMonth: number[];
    byCategory: Record<Category, { months: number[]; total: number }>;
  };
  phishing: {
    /** Phishing sites: distinct URLs whose takedown was first tracked within the quarter. */
    total: number;
    byOrigin: BrandOriginCounts;
    bySector: Record<SectorKey, BrandOriginCounts & { total: number }>;
  };
  steps: Record<Step, StepFigure>;
}

export interface PublicWeek extends Period {
  domestic: number;
  foreign: number;
  unknown: number;
  total: number;
}

/** The public status page: numbers only — no titles, domains, names or anything else identifying. */
export interface PublicStatistics {
  generatedAt: string;
  timeZone: string;
  /** This week (so far) and the two before, oldest first; weeks start on Monday in the team's zone. */
  weeks: PublicWeek[];
  /** Incidents being handled now (new, open, waiting), by category. */
  incidentsByCategory: Record<Category, number>;
  incidentsTotal: number;
  /** Phishing sites whose takedown is still being coordinated, by the imitated brand's sector. */
  phishingSitesBySector: Record<SectorKey, number>;
  phishingSitesTotal: number;
}

/** What the figures count and leave out, printed with the report. */
export const COUNTING_RULES = {
  ja: [
    '期間・月はチームのタイムゾーン ({zone}) で区切ります。',
    '演習 (訓練) インシデントと、演習インシデントにのみ関連付けられた報告は数えません。',
    '報告件数には、スパムとして却下された報告を含めません。',
    '統合されたインシデントは統合先の 1 件として数え、却下されたインシデントは数えません。',
    '調整件数は、外部への連絡 (調整) を 1 回以上送信したインシデントの数です。',
    'フィッシングサイトは期間内にテイクダウンの追跡を始めた URL の数です (同じ URL は 1 件と数えます)。',
    '各段階の所要時間は暦時間の中央値で、期間内にその段階を終えたインシデントを対象とします。',
  ],
  en: [
    "Quarters and months are counted in the team's time zone ({zone}).",
    'Exercise (drill) incidents, and reports attached only to them, are never counted.',
    'Reports rejected as spam are not counted as reports.',
    'A merged incident counts once, as the incident it was merged into; rejected incidents are not counted.',
    'Coordinated cases are incidents with at least one coordination sent to an outside party.',
    'Phishing sites are the URLs whose takedown was first tracked within the quarter (the same URL counts once).',
    'Time per step is the median calendar time, over the incidents that completed the step within the quarter.',
  ],
} as const;

// ---------------------------------------------------------------------------
// Time zones: local wall-clock dates to instants

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** The wall-clock date and time in a zone at an instant; weekday 0 = Sunday. */
export function localParts(at: Date, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  const parts: Record<string, string> = {};
  for (const p of partsFormatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday ?? ''),
  };
}

/** Milliseconds the zone is ahead of UTC at an instant (Asia/Tokyo: +9 h). */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(new Date(ms), timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a local date's midnight begins in a zone (months and days may
 * overflow: month 13 is January of the next year). Where midnight does not
 * exist (a DST gap), the first instant of that day.
 */
export function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall - offsetAt(wall, timeZone);
  const again = wall - offsetAt(guess, timeZone);
  if (again !== guess) guess = Math.min(guess, again);
  // In a gap midnight is skipped: step forward to the first instant that is on that day.
  const want = new Date(wall).toISOString().slice(0, 10);
  for (let i = 0; i < 4 && localDate(new Date(guess), timeZone) < want; i++) guess += 30 * 60_000;
  return new Date(guess);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-07-01` at an instant, in a zone. */
export function localDate(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

// ---------------------------------------------------------------------------
// Periods

/** A calendar quarter in the team's zone, with its three months. */
export function quarterPeriod(year: number, quarter: number, timeZone: string): QuarterPeriod {
  if (!Number.isInteger(quarter) || quarter < 1 || quarter > 4) throw new RangeError(`quarter must be 1–4, not ${quarter}`);
  const first = (quarter - 1) * 3 + 1;
  const months: MonthPeriod[] = [0, 1, 2].map((i) => {
    const m = first + i;
    return {
      month: `${year}-${pad(m)}`,
      from: localMidnight(year, m, 1, timeZone).toISOString(),
      to: localMidnight(year, m + 1, 1, timeZone).toISOString(),
    };
  });
  return { year, quarter, timeZone, from: months[0]!.from, to: months[2]!.to, months };
}

/** The quarter an instant falls in, in the team's zone. */
export function quarterOf(at: Date, timeZone: string): { year: number; quarter: number } {
  const p = localParts(at, timeZone);
  return { year: p.year, quarter: Math.floor((p.month - 1) / 3) + 1 };
}

/** Index of the month of `period` an instant falls in (0–2), or -1 outside it. */
export function monthIndex(period: QuarterPeriod, at: string): number {
  return period.months.findIndex((m) => at >= m.from && at < m.to);
}

/**
 * Weeks that start on Monday 00:00 in the team's zone: the week holding
 * `now` and the `before` weeks preceding it, oldest first.
 */
export function recentWeeks(now: Date, timeZone: string, before = 2): Period[] {
  const p = localParts(now, timeZone);
  const back = (p.weekday + 6) % 7;
  const weeks: Period[] = [];
  for (let w = before; w >= 0; w--) {
    const start = p.day - back - 7 * w;
    weeks.push({ from: localMidnight(p.year, p.month, start, timeZone).toISOString(), to: localMidnight(p.year, p.month, start + 7, timeZone).toISOString() });
  }
  return weeks;
}

// ---------------------------------------------------------------------------
// Figures

/** The median of a list of numbers (the mean of the two middle values of an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Domestic when the country is the team's, unknown when there is none, foreign otherwise. */
export function originOf(country: string | null, teamCountry: string): ReportOrigin {
  if (!country) return 'unknown';
  return country.toUpperCase() === teamCountry.toUpperCase() ? 'domestic' : 'foreign';
}

const sectorKey = (s: string | null): SectorKey => ((SECTOR_KEYS as readonly string[]).includes(s ?? '') ? (s as SectorKey) : 'unclassified');
const brandOriginKey = (s: string | null): BrandOriginKey => (s === 'domestic' || s === 'foreign' ? s : 'unknown');
const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/** Grouped counts as the database returns them (see statistics.repository.ts). */
export interface QuarterlyCounts {
  reports: { channel: string; country: string | null; month: number; n: number }[];
  incidents: { category: string; month: number; n: number }[];
  coordinated: number;
  phishing: { sector: string | null; origin: string | null; n: number }[];
  steps: Record<Step, StepFigure>;
}

/** The report from the database's grouped counts: every key present (zeros included), totals added up. */
export function assembleQuarterly(period: QuarterPeriod, country: string, generatedAt: string, counts: QuarterlyCounts): QuarterlyReport {
  const byOrigin = zeros(REPORT_ORIGINS);
  const byChannel = Object.fromEntries(REPORT_CHANNELS.map((c) => [c, { ...zeros(REPORT_ORIGINS), total: 0 }])) as QuarterlyReport['reports']['byChannel'];
  const reportMonths = [0, 0, 0];
  let reportTotal = 0;
  for (const r of counts.reports) {
    const origin = originOf(r.country, country);
    const channel = (REPORT_CHANNELS as readonly string[]).includes(r.channel) ? (r.channel as ReportChannel) : 'other';
    byOrigin[origin] += r.n;
    byChannel[channel][origin] += r.n;
    byChannel[channel].total += r.n;
    if (r.month >= 0 && r.month < 3) reportMonths[r.month]! += r.n;
    reportTotal += r.n;
  }

  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, { months: [0, 0, 0], total: 0 }])) as QuarterlyReport['incidents']['byCategory'];
  const incidentMonths = [0, 0, 0];
  let incidentTotal = 0;
  for (const r of counts.incidents) {
    const category = (CATEGORIES as readonly string[]).includes(r.category) ? (r.category as Category) : 'other';
    if (r.month >= 0 && r.month < 3) {
      byCategory[category].months[r.month]! += r.n;
      incidentMonths[r.month]! += r.n;
    }
    byCategory[category].total += r.n;
    incidentTotal += r.n;
  }

  const bySector = Object.fromEntries(SECTOR_KEYS.map((s) => [s, { ...zeros(BRAND_ORIGIN_KEYS), total: 0 }])) as QuarterlyReport['phishing']['bySector'];
  const phishingByOrigin = zeros(BRAND_ORIGIN_KEYS);
  let phishingTotal = 0;
  for (const r of counts.phishing) {
    const s = sectorKey(r.sector);
    const o = brandOriginKey(r.origin);
    bySector[s][o] += r.n;
    bySector[s].total += r.n;
    phishingByOrigin[o] += r.n;
    phishingTotal += r.n;
  }

  return {
    period,
    country,
    generatedAt,
    reports: { total: reportTotal, byOrigin, byChannel, byMonth: reportMonths },
    incidents: { total: incidentTotal, coordinated: counts.coordinated, byMonth: incidentMonths, byCategory },
    phishing: { total: phishingTotal, byOrigin: phishingByOrigin, bySector },
    steps: counts.steps,
  };
}

/** Grouped counts for the public page (see statistics.repository.ts). */
export interface PublicCounts {
  /** Per week index (0 = oldest). */
  reports: { week: number; country: string | null; n: number }[];
  incidents: { category: string; n: number }[];
  phishing: { sector: string | null; n: number }[];
}

export function assemblePublic(weeks: Period[], country: string, timeZone: string, generatedAt: string, counts: PublicCounts): PublicStatistics {
  const out: PublicWeek[] = weeks.map((w) => ({ ...w, domestic: 0, foreign: 0, unknown: 0, total: 0 }));
  for (const r of counts.reports) {
    const w = out[r.week];
    if (!w) continue;
    w[originOf(r.country, country)] += r.n;
    w.total += r.n;
  }
  const incidentsByCategory = zeros(CATEGORIES);
  for (const r of counts.incidents) incidentsByCategory[(CATEGORIES as readonly string[]).includes(r.category) ? (r.category as Category) : 'other'] += r.n;
  const phishingSitesBySector = zeros(SECTOR_KEYS);
  for (const r of counts.phishing) phishingSitesBySector[sectorKey(r.sector)] += r.n;
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  return {
    generatedAt,
    timeZone,
    weeks: out,
    incidentsByCategory,
    incidentsTotal: sum(incidentsByCategory),
    phishingSitesBySector,
    phishingSitesTotal: sum(phishingSitesBySector),
  };
}

/** `5400` → `1:30` (hours:minutes; days are shown as hours: `50:00`); null → `–`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '–';
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}:${pad(minutes % 60)}`;
}
