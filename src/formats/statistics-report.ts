import { createHash } from 'node:crypto';
import { REPORT_CHANNELS, type ReportChannel } from '../domain/report.js';
import {
  BRAND_ORIGIN_KEYS,
  COUNTING_RULES,
  REPORT_ORIGINS,
  SECTOR_KEYS,
  STEPS,
  formatDuration,
  localDate,
  type BrandOriginKey,
  type QuarterlyReport,
  type ReportOrigin,
  type SectorKey,
  type Step,
} from '../domain/statistics.js';
import { CATEGORIES, CATEGORY_INFO, type Category } from '../domain/taxonomy.js';

/**
 * The quarterly statistics as files: CSV (UTF-8 with a byte-order mark, so
 * Excel in Japan reads it as UTF-8; CRLF lines) and a printable, self-contained
 * HTML report (print CSS, SVG bar charts, no script), each in Japanese or English.
 */
export type ReportLanguage = 'ja' | 'en';

type Labels = Record<ReportLanguage, string>;

const CHANNEL: Record<ReportChannel, Labels> = {
  email: { ja: '電子メール', en: 'E-mail' },
  'web-form': { ja: 'Web フォーム', en: 'Web form' },
  api: { ja: 'API', en: 'API' },
  feed: { ja: 'フィード', en: 'Feed' },
  phone: { ja: '電話', en: 'Phone' },
  other: { ja: 'その他', en: 'Other' },
};
const ORIGIN: Record<ReportOrigin, Labels> = {
  domestic: { ja: '国内', en: 'Domestic' },
  foreign: { ja: '国外', en: 'Foreign' },
  unknown: { ja: '不明', en: 'Unknown' },
};
const BRAND_ORIGIN: Record<BrandOriginKey, Labels> = {
  domestic: { ja: '国内ブランド', en: 'Domestic brand' },
  foreign: { ja: '海外ブランド', en: 'Foreign brand' },
  unknown: { ja: '不明', en: 'Unknown' },
};
const SECTOR: Record<SectorKey, Labels> = {
  finance: { ja: '金融', en: 'Finance' },
  'e-commerce': { ja: 'EC (電子商取引)', en: 'E-commerce' },
  telecom: { ja: '通信', en: 'Telecom' },
  government: { ja: '政府・公共', en: 'Government' },
  sns: { ja: 'SNS', en: 'Social media' },
  other: { ja: 'その他', en: 'Other' },
  unclassified: { ja: '未分類', en: 'Unclassified' },
};
const STEP: Record<Step, Labels> = {
  triage: { ja: '受付から対応開始 (トリアージ)', en: 'Triage (report to incident)' },
  'first-notification': { ja: '初回の連絡 (調整)', en: 'First notification' },
  containment: { ja: '抑制 (テイクダウンまたは解決)', en: 'Containment (takedown or resolved)' },
  resolution: { ja: '解決', en: 'Resolution' },
};
const T = {
  title: { ja: 'インシデント対応統計 (四半期)', en: 'Quarterly incident handling statistics' },
  total: { ja: '合計', en: 'Total' },
  reports: { ja: '報告件数', en: 'Reports' },
  incidents: { ja: 'インシデント件数', en: 'Incidents' },
  coordinated: { ja: '調整件数', en: 'Coordinated cases' },
  phishing: { ja: 'フィッシングサイト件数', en: 'Phishing sites' },
  channel: { ja: '受付経路', en: 'Channel' },
  origin: { ja: '報告元', en: 'Reporter' },
  month: { ja: '月', en: 'Month' },
  category: { ja: 'カテゴリ', en: 'Category' },
  sector: { ja: 'ブランドの業種', en: 'Brand sector' },
  step: { ja: '対応段階', en: 'Step' },
  steps: { ja: '対応段階ごとの所要時間 (中央値)', en: 'Median time per step' },
  count: { ja: '件数', en: 'Count' },
  median: { ja: '中央値 (時間:分)', en: 'Median (h:mm)' },
  reportsByChannel: { ja: '受付経路別・国内外別の報告件数', en: 'Reports by channel and origin' },
  perMonth: { ja: '月別の件数', en: 'Per month' },
  byCategory: { ja: 'カテゴリ別・月別のインシデント件数', en: 'Incidents by category per month' },
  phishingBySector: { ja: 'ブランドの業種別フィッシングサイト件数', en: 'Phishing sites by brand sector' },
  rules: { ja: '集計の方法', en: 'How the figures are counted' },
  generated: { ja: '作成日時', en: 'Generated' },
  period: { ja: '対象期間', en: 'Period' },
  summary: { ja: '概要', en: 'Summary' },
  team: { ja: '作成', en: 'Prepared by' },
  // CSV columns
  section: { ja: '区分', en: 'section' },
  item: { ja: '項目', en: 'item' },
  breakdown: { ja: '内訳', en: 'breakdown' },
  value: { ja: '値', en: 'value' },
  unit: { ja: '単位', en: 'unit' },
  cases: { ja: '件', en: 'count' },
  minutes: { ja: '分', en: 'minutes' },
  start: { ja: '開始', en: 'from' },
  end: { ja: '終了', en: 'to' },
  timeZone: { ja: 'タイムゾーン', en: 'time zone' },
  country: { ja: '自国', en: 'country' },
} satisfies Record<string, Labels>;

const categoryLabel = (c: Category, lang: ReportLanguage) => CATEGORY_INFO[c].label[lang];

/** `2026年7月` / `Jul 2026`. */
function monthLabel(month: string, lang: ReportLanguage): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return lang === 'ja' ? `${y}年${m}月` : new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** The quarter's first and last day in the team's zone. */
function periodDays(r: QuarterlyReport): { first: string; last: string } {
  const tz = r.period.timeZone;
  return { first: localDate(new Date(r.period.from), tz), last: localDate(new Date(Date.parse(r.period.to) - 1), tz) };
}

function periodLabel(r: QuarterlyReport, lang: ReportLanguage): string {
  const { first, last } = periodDays(r);
  const ja = (d: string) => {
    const [y, m, dd] = d.split('-').map(Number);
    return `${y}年${m}月${dd}日`;
  };
  return lang === 'ja'
    ? `${r.period.year}年 第${r.period.quarter}四半期 (${ja(first)}〜${ja(last)})`
    : `Q${r.period.quarter} ${r.period.year} (${first} – ${last})`;
}

const minutes = (s: number | null) => (s === null ? '' : (Math.round(s / 6) / 10).toFixed(1));

// ---------------------------------------------------------------------------
// CSV

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * One row per figure — section, item, breakdown, value, unit — so a
 * spreadsheet can pivot it; the header and the labels in the chosen language.
 */
export function quarterlyCsv(r: QuarterlyReport, lang: ReportLanguage): string {
  const L = (l: Labels) => l[lang];
  const rows: (string | number)[][] = [[L(T.section), L(T.item), L(T.breakdown), L(T.value), L(T.unit)]];
  const { first, last } = periodDays(r);
  rows.push([L(T.period), L(T.start), '', first, ''], [L(T.period), L(T.end), '', last, ''], [L(T.period), L(T.timeZone), '', r.period.timeZone, ''], [L(T.period), L(T.country), '', r.country, '']);
  const n = (section: Labels, item: string, breakdown: string, value: number) => rows.push([L(section), item, breakdown, value, L(T.cases)]);

  n(T.reports, L(T.total), '', r.reports.total);
  for (const o of REPORT_ORIGINS) n(T.reports, L(T.total), L(ORIGIN[o]), r.reports.byOrigin[o]);
  for (const c of REPORT_CHANNELS) {
    n(T.reports, L(CHANNEL[c]), L(T.total), r.reports.byChannel[c].total);
    for (const o of REPORT_ORIGINS) n(T.reports, L(CHANNEL[c]), L(ORIGIN[o]), r.reports.byChannel[c][o]);
  }
  r.period.months.forEach((m, i) => n(T.reports, monthLabel(m.month, lang), L(T.total), r.reports.byMonth[i]!));

  n(T.incidents, L(T.total), '', r.incidents.total);
  n(T.coordinated, L(T.total), '', r.incidents.coordinated);
  r.period.months.forEach((m, i) => n(T.incidents, monthLabel(m.month, lang), L(T.total), r.incidents.byMonth[i]!));
  for (const c of CATEGORIES) {
    n(T.incidents, categoryLabel(c, lang), L(T.total), r.incidents.byCategory[c].total);
    r.period.months.forEach((m, i) => n(T.incidents, categoryLabel(c, lang), monthLabel(m.month, lang), r.incidents.byCategory[c].months[i]!));
  }

  n(T.phishing, L(T.total), '', r.phishing.total);
  for (const o of BRAND_ORIGIN_KEYS) n(T.phishing, L(T.total), L(BRAND_ORIGIN[o]), r.phishing.byOrigin[o]);
  for (const s of SECTOR_KEYS) {
    n(T.phishing, L(SECTOR[s]), L(T.total), r.phishing.bySector[s].total);
    for (const o of BRAND_ORIGIN_KEYS) n(T.phishing, L(SECTOR[s]), L(BRAND_ORIGIN[o]), r.phishing.bySector[s][o]);
  }

  for (const s of STEPS) {
    rows.push([L(T.steps), L(STEP[s]), L(T.count), r.steps[s].count, L(T.cases)]);
    rows.push([L(T.steps), L(STEP[s]), L(T.median), minutes(r.steps[s].medianSeconds), L(T.minutes)]);
  }
  return '\uFEFF' + rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------
// HTML

const esc = (s: string | number) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
@page { size: A4; margin: 14mm 12mm; }
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, system-ui, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 190mm; padding: 8mm 0; font-size: 10.5pt; line-height: 1.5; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 1.5pt solid #1d4e89; padding-bottom: 1mm; }
p.period { font-size: 12pt; margin: 0 0 1mm; }
p.meta, .rules { color: #444; font-size: 9pt; }
section { break-inside: avoid; page-break-inside: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; font-variant-numeric: tabular-nums; }
th, td { border: 0.5pt solid #999; padding: 1mm 2mm; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #e8eef6; }
tr.total td, tr.total th { font-weight: bold; background: #f4f4f4; }
.cards { display: flex; gap: 3mm; margin: 3mm 0; }
.card { flex: 1; border: 0.5pt solid #999; padding: 2mm 3mm; }
.card .v { font-size: 18pt; font-weight: bold; display: block; }
.card .l { font-size: 9pt; color: #444; }
svg { display: block; margin: 2mm 0; max-width: 100%; height: auto; }
svg text { font-size: 11px; fill: #1a1a1a; }
@media print { body { padding: 0; } a { color: inherit; text-decoration: none; } }
`;

/** The policy the HTML report is served under: nothing but its own style block (by hash); no script at all. */
export const REPORT_STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;
export const REPORT_CSP = `default-src 'none'; style-src '${REPORT_STYLE_HASH}'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const COLOURS = ['#1d4e89', '#d1495b', '#8c8c8c'];

/** Horizontal bars, one per row, optionally stacked (one colour per part); SVG presentation attributes only (no style attributes). */
function barChart(title: string, rows: { label: string; parts: number[] }[], legend: string[], lang: ReportLanguage): string {
  const labelWidth = 190;
  const barWidth = 420;
  const rowHeight = 20;
  const top = legend.length > 1 ? 22 : 4;
  const max = Math.max(1, ...rows.map((r) => r.parts.reduce((a, b) => a + b, 0)));
  const height = top + rows.length * rowHeight + 4;
  const fmt = (v: number) => v.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US');
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(title)}" width="${labelWidth + barWidth + 60}" height="${height}" viewBox="0 0 ${labelWidth + barWidth + 60} ${height}">`];
  if (legend.length > 1)
    legend.forEach((l, i) => {
      const x = labelWidth + i * 130;
      out.push(`<rect x="${x}" y="4" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 14}" y="13">${esc(l)}</text>`);
    });
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    out.push(`<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${esc(r.label)}</text>`);
    let x = labelWidth;
    r.parts.forEach((v, k) => {
      const w = (v / max) * barWidth;
      if (w > 0) out.push(`<rect x="${x.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${COLOURS[k % COLOURS.length]}"/>`);
      x += w;
    });
    out.push(`<text x="${(x + 4).toFixed(1)}" y="${y + 14}">${fmt(r.parts.reduce((a, b) => a + b, 0))}</text>`);
  });
  out.push('</svg>');
  return out.join('');
}

function table(head: string[], body: (string | number)[][], totalRow?: (string | number)[]): string {
  const row = (cells: (string | number)[], cls = '') => `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`;
  return `<table><thead><tr>${head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => row(r)).join('')}${totalRow ? row(totalRow, 'total') : ''}</tbody></table>`;
}

/** A printable report (A4), self-contained: one style block, inline SVG charts, no script, nothing fetched. */
export function quarterlyHtml(r: QuarterlyReport, lang: ReportLanguage, options: { teamName?: string } = {}): string {
  const L = (l: Labels) => l[lang];
  const fmt = (v: number) => v.toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US');
  const months = r.period.months.map((m) => monthLabel(m.month, lang));
  const generated = new Date(r.generatedAt).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: r.period.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const rules = COUNTING_RULES[lang].map((s) => `<li>${esc(s.replace('{zone}', r.period.timeZone))}</li>`).join('');

  const channelRows = REPORT_CHANNELS.map((c) => [L(CHANNEL[c]), ...REPORT_ORIGINS.map((o) => fmt(r.reports.byChannel[c][o])), fmt(r.reports.byChannel[c].total)]);
  const categoryRows = CATEGORIES.map((c) => [categoryLabel(c, lang), ...r.incidents.byCategory[c].months.map(fmt), fmt(r.incidents.byCategory[c].total)]);
  const sectorRows = SECTOR_KEYS.map((s) => [L(SECTOR[s]), ...BRAND_ORIGIN_KEYS.map((o) => fmt(r.phishing.bySector[s][o])), fmt(r.phishing.bySector[s].total)]);

  const body = `
<header>
<h1>${esc(L(T.title))}</h1>
<p class="period">${esc(periodLabel(r, lang))}</p>
<p class="meta">${esc(L(T.generated))}: ${esc(generated)} (${esc(r.period.timeZone)})${options.teamName ? ` · ${esc(L(T.team))}: ${esc(options.teamName)}` : ''}</p>
</header>
<section>
<h2>${esc(L(T.summary))}</h2>
<div class="cards">
<div class="card"><span class="v">${fmt(r.reports.total)}</span><span class="l">${esc(L(T.reports))}</span></div>
<div class="card"><span class="v">${fmt(r.incidents.total)}</span><span class="l">${esc(L(T.incidents))}</span></div>
<div class="card"><span class="v">${fmt(r.incidents.coordinated)}</span><span class="l">${esc(L(T.coordinated))}</span></div>
<div class="card"><span class="v">${fmt(r.phishing.total)}</span><span class="l">${esc(L(T.phishing))}</span></div>
</div>
${table([L(T.month), ...months, L(T.total)], [
    [L(T.reports), ...r.reports.byMonth.map(fmt), fmt(r.reports.total)],
    [L(T.incidents), ...r.incidents.byMonth.map(fmt), fmt(r.incidents.total)],
  ])}
</section>
<section>
<h2>${esc(L(T.reportsByChannel))}</h2>
${table([L(T.channel), ...REPORT_ORIGINS.map((o) => L(ORIGIN[o])), L(T.total)], channelRows, [L(T.total), ...REPORT_ORIGINS.map((o) => fmt(r.reports.byOrigin[o])), fmt(r.reports.total)])}
${barChart(L(T.reportsByChannel), REPORT_CHANNELS.map((c) => ({ label: L(CHANNEL[c]), parts: REPORT_ORIGINS.map((o) => r.reports.byChannel[c][o]) })), REPORT_ORIGINS.map((o) => L(ORIGIN[o])), lang)}
</section>
<section>
<h2>${esc(L(T.byCategory))}</h2>
${table([L(T.category), ...months, L(T.total)], categoryRows, [L(T.total), ...r.incidents.byMonth.map(fmt), fmt(r.incidents.total)])}
${barChart(L(T.byCategory), CATEGORIES.map((c) => ({ label: categoryLabel(c, lang), parts: r.incidents.byCategory[c].months })), months, lang)}
</section>
<section>
<h2>${esc(L(T.phishingBySector))}</h2>
${table([L(T.sector), ...BRAND_ORIGIN_KEYS.map((o) => L(BRAND_ORIGIN[o])), L(T.total)], sectorRows, [L(T.total), ...BRAND_ORIGIN_KEYS.map((o) => fmt(r.phishing.byOrigin[o])), fmt(r.phishing.total)])}
${barChart(L(T.phishingBySector), SECTOR_KEYS.map((s) => ({ label: L(SECTOR[s]), parts: BRAND_ORIGIN_KEYS.map((o) => r.phishing.bySector[s][o]) })), BRAND_ORIGIN_KEYS.map((o) => L(BRAND_ORIGIN[o])), lang)}
</section>
<section>
<h2>${esc(L(T.steps))}</h2>
${table([L(T.step), L(T.count), L(T.median)], STEPS.map((s) => [L(STEP[s]), fmt(r.steps[s].count), formatDuration(r.steps[s].medianSeconds)]))}
</section>
<section class="rules">
<h2>${esc(L(T.rules))}</h2>
<ul>${rules}</ul>
</section>`;
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`${L(T.title)} — ${periodLabel(r, lang)}`)}</title>
<style>${STYLE}</style>
</head>
<body>${body}
</body>
</html>
`;
}

/** A file name for the report: `renkei-statistics-2026-Q3-ja.csv`. */
export const reportFileName = (r: QuarterlyReport, lang: ReportLanguage, ext: string): string => `renkei-statistics-${r.period.year}-Q${r.period.quarter}-${lang}.${ext}`;
