import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { REPORT_CHANNELS } from '../../../src/domain/report.js';
import { BRAND_ORIGIN_KEYS, COUNTING_RULES, REPORT_ORIGINS, SECTOR_KEYS, STEPS, formatDuration, localDate, quarterOf, type QuarterlyReport } from '../../../src/domain/statistics.js';
import { CATEGORIES } from '../../../src/domain/taxonomy.js';
import { withQuery } from '../api/client';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, Num } from '../components/common';
import { currentLanguage } from '../i18n';
import { Link, navigate, useLocation } from '../router';
import { BarChart, Table, monthName } from './statistics-charts';

const TEAM_ZONE = 'Asia/Tokyo';

/**
 * The quarterly statistics (issue #7) for the team's staff: summary, reports
 * by channel and origin, incidents by category per month, phishing sites by
 * brand sector, median time per step — tables with bar charts — and the
 * CSV and printable report in Japanese or English.
 */
export function StatisticsScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const [now] = useState(() => quarterOf(new Date(), TEAM_ZONE));
  const year = Number(query.get('year') ?? now.year);
  const quarter = Number(query.get('quarter') ?? now.quarter);
  const [draft, setDraft] = useState({ year, quarter });
  useEffect(() => setDraft({ year, quarter }), [year, quarter]);
  const r = useApi<QuarterlyReport>(withQuery('/api/statistics/quarterly', { year, quarter }));
  const years = Array.from({ length: 6 }, (_, i) => now.year - i);
  const show = (e: FormEvent) => {
    e.preventDefault();
    navigate(withQuery('/statistics', draft));
  };
  const file = (ext: 'csv' | 'html', lang: 'ja' | 'en') => withQuery(`/api/statistics/quarterly.${ext}`, { year, quarter, lang });
  return (
    <main id="main" className="statistics">
      <div className="screen-title">
        <h1>{t('statistics.title')}</h1>
        <form className="quarter-picker" onSubmit={show}>
          <label>
            {t('statistics.year')}{' '}
            <select value={draft.year} onChange={(e) => setDraft({ ...draft, year: Number(e.target.value) })}>
              {years.map((y) => (
                <option key={y} value={y}>
                  {y}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('statistics.quarter')}{' '}
            <select value={draft.quarter} onChange={(e) => setDraft({ ...draft, quarter: Number(e.target.value) })}>
              {[1, 2, 3, 4].map((q) => (
                <option key={q} value={q}>
                  {t('statistics.quarterName', { quarter: q })}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{t('statistics.show')}</button>
        </form>
      </div>
      <nav className="statistics-files" aria-label={t('statistics.files')}>
        <a href={file('csv', 'ja')} download>
          {t('statistics.csvJa')}
        </a>
        <a href={file('csv', 'en')} download>
          {t('statistics.csvEn')}
        </a>
        <a href={file('html', 'ja')} target="_blank" rel="noopener">
          {t('statistics.printJa')}
        </a>
        <a href={file('html', 'en')} target="_blank" rel="noopener">
          {t('statistics.printEn')}
        </a>
        <Link to="/public-status">{t('statistics.publicPage')}</Link>
      </nav>
      <p className="muted">{t('statistics.printHint')}</p>
      {r.isLoading && !r.data && <Loading />}
      <ErrorNote error={r.error} />
      {r.data && <Report report={r.data} />}
    </main>
  );
}

function Report({ report: r }: { report: QuarterlyReport }) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const months = r.period.months.map((m) => monthName(m.month));
  const origins = REPORT_ORIGINS.map((o) => t(`statistics.origin.${o}`));
  const brandOrigins = BRAND_ORIGIN_KEYS.map((o) => t(`statistics.brandOrigin.${o}`));
  const last = localDate(new Date(Date.parse(r.period.to) - 1), r.period.timeZone);
  return (
    <>
      <p className="statistics-period">
        {t('statistics.period', { quarter: r.period.quarter, year: r.period.year, from: localDate(new Date(r.period.from), r.period.timeZone), to: last })}{' '}
        (<span translate="no">{r.period.timeZone}</span>){' '}
        <span className="muted">
          {t('statistics.generated')} <DateTime value={r.generatedAt} />
        </span>
      </p>
      <section aria-labelledby="st-summary">
        <h2 id="st-summary">{t('statistics.summary')}</h2>
        <div className="cards small">
          <Card value={r.reports.total} label={t('statistics.reports')} />
          <Card value={r.incidents.total} label={t('statistics.incidents')} />
          <Card value={r.incidents.coordinated} label={t('statistics.coordinated')} />
          <Card value={r.phishing.total} label={t('statistics.phishingSites')} />
        </div>
        <Table
          caption={t('statistics.perMonth')}
          head={[t('statistics.month'), ...months, t('statistics.total')]}
          rows={[
            [t('statistics.reports'), ...r.reports.byMonth, r.reports.total],
            [t('statistics.incidents'), ...r.incidents.byMonth, r.incidents.total],
          ]}
        />
      </section>

      <section aria-labelledby="st-channel" className="statistics-section">
        <h2 id="st-channel">{t('statistics.byChannel')}</h2>
        <div className="statistics-pair">
          <Table
            head={[t('statistics.channel'), ...origins, t('statistics.total')]}
            rows={REPORT_CHANNELS.map((c) => [t(`channel.${c}`), ...REPORT_ORIGINS.map((o) => r.reports.byChannel[c][o]), r.reports.byChannel[c].total])}
            total={[t('statistics.total'), ...REPORT_ORIGINS.map((o) => r.reports.byOrigin[o]), r.reports.total]}
          />
          <BarChart
            title={t('statistics.byChannel')}
            legend={origins}
            rows={REPORT_CHANNELS.map((c) => ({ label: t(`channel.${c}`), parts: REPORT_ORIGINS.map((o) => r.reports.byChannel[c][o]) }))}
          />
        </div>
      </section>

      <section aria-labelledby="st-category" className="statistics-section">
        <h2 id="st-category">{t('statistics.byCategory')}</h2>
        <div className="statistics-pair">
          <Table
            head={[t('statistics.category'), ...months, t('statistics.total')]}
            rows={CATEGORIES.map((c) => [t(`category.${c}`), ...r.incidents.byCategory[c].months, r.incidents.byCategory[c].total])}
            total={[t('statistics.total'), ...r.incidents.byMonth, r.incidents.total]}
          />
          <BarChart title={t('statistics.byCategory')} legend={months} rows={CATEGORIES.map((c) => ({ label: t(`category.${c}`), parts: r.incidents.byCategory[c].months }))} />
        </div>
      </section>

      <section aria-labelledby="st-phishing" className="statistics-section">
        <h2 id="st-phishing">{t('statistics.bySector')}</h2>
        <div className="statistics-pair">
          <Table
            head={[t('statistics.sector'), ...brandOrigins, t('statistics.total')]}
            rows={SECTOR_KEYS.map((s) => [t(`statistics.sectorName.${s}`), ...BRAND_ORIGIN_KEYS.map((o) => r.phishing.bySector[s][o]), r.phishing.bySector[s].total])}
            total={[t('statistics.total'), ...BRAND_ORIGIN_KEYS.map((o) => r.phishing.byOrigin[o]), r.phishing.total]}
          />
          <BarChart
            title={t('statistics.bySector')}
            legend={brandOrigins}
            rows={SECTOR_KEYS.map((s) => ({ label: t(`statistics.sectorName.${s}`), parts: BRAND_ORIGIN_KEYS.map((o) => r.phishing.bySector[s][o]) }))}
          />
        </div>
      </section>

      <section aria-labelledby="st-steps" className="statistics-section">
        <h2 id="st-steps">{t('statistics.steps')}</h2>
        <div className="table-wrap">
          <table className="statistics-table">
            <thead>
              <tr>
                <th scope="col">{t('statistics.step')}</th>
                <th scope="col" className="num">
                  {t('statistics.count')}
                </th>
                <th scope="col" className="num">
                  {t('statistics.median')}
                </th>
              </tr>
            </thead>
            <tbody>
              {STEPS.map((s) => (
                <tr key={s}>
                  <th scope="row">{t(`statistics.stepName.${s}`)}</th>
                  <td className="num">
                    <Num value={r.steps[s].count} />
                  </td>
                  <td className="num">{formatDuration(r.steps[s].medianSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section aria-labelledby="st-rules" className="statistics-section">
        <h2 id="st-rules">{t('statistics.rules')}</h2>
        <ul className="muted">
          {COUNTING_RULES[lng].map((rule) => {
            const [before, after] = rule.split('{zone}');
            return (
              <li key={rule}>
                {before}
                {after !== undefined && (
                  <>
                    <span translate="no">{r.period.timeZone}</span>
                    {after}
                  </>
                )}
              </li>
            );
          })}
        </ul>
      </section>
    </>
  );
}

function Card({ value, label }: { value: number; label: string }) {
  return (
    <div className="count-card">
      <span className="count-value">
        <Num value={value} />
      </span>
      <span className="count-label">{label}</span>
    </div>
  );
}
