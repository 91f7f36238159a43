import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { SECTOR_KEYS, localDate, type PublicStatistics } from '../../../src/domain/statistics.js';
import { CATEGORIES } from '../../../src/domain/taxonomy.js';
import { ApiError, api } from '../api/client';
import { LanguageSwitch } from '../components/language-switch';
import { formatInstant } from '../format';
import { currentLanguage } from '../i18n';
import { BarChart, Table } from './statistics-charts';

/**
 * The public status page (no sign-in; only when the team publishes it,
 * RENKEI_PUBLIC_STATUS=true): reports this week and the two before,
 * incidents being handled by category, phishing sites being taken down by
 * brand sector. Numbers only — the API gives nothing else.
 */
export function PublicStatusScreen() {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const [state, setState] = useState<PublicStatistics | 'off' | 'error' | null>(null);
  useEffect(() => {
    api<PublicStatistics>('GET', '/api/public/statistics').then(setState, (e: unknown) => setState(e instanceof ApiError && e.status === 404 ? 'off' : 'error'));
  }, []);
  useEffect(() => {
    document.title = `Renkei — ${t('publicStatus.title')}`;
  }, [t]);
  const origins = (['domestic', 'foreign', 'unknown'] as const).map((o) => t(`statistics.origin.${o}`));
  return (
    <main id="main" className="public-status">
      <header className="public-header">
        <h1>{t('publicStatus.title')}</h1>
        <LanguageSwitch />
      </header>
      {state === null && <p>{t('common.loading')}</p>}
      {state === 'off' && <p role="status">{t('publicStatus.notPublished')}</p>}
      {state === 'error' && (
        <p className="error" role="alert">
          {t('error.UNAVAILABLE')}
        </p>
      )}
      {state && typeof state === 'object' && (
        <>
          <p className="muted">
            {t('publicStatus.intro')} {t('publicStatus.updated', { at: formatInstant(state.generatedAt, lng).jst })}
          </p>
          <section aria-labelledby="ps-weeks">
            <h2 id="ps-weeks">{t('publicStatus.weeks')}</h2>
            <Table
              head={[t('publicStatus.week'), ...origins, t('statistics.total')]}
              rows={state.weeks.map((w, i) => [
                i === state.weeks.length - 1 ? t('publicStatus.thisWeek', { from: localDate(new Date(w.from), state.timeZone) }) : t('publicStatus.weekFrom', { from: localDate(new Date(w.from), state.timeZone) }),
                w.domestic,
                w.foreign,
                w.unknown,
                w.total,
              ])}
            />
            <BarChart
              title={t('publicStatus.weeks')}
              legend={origins}
              rows={state.weeks.map((w) => ({ label: localDate(new Date(w.from), state.timeZone), parts: [w.domestic, w.foreign, w.unknown] }))}
            />
          </section>
          <section aria-labelledby="ps-incidents">
            <h2 id="ps-incidents">{t('publicStatus.incidents')}</h2>
            <Table
              head={[t('statistics.category'), t('statistics.count')]}
              rows={CATEGORIES.map((c) => [t(`category.${c}`), state.incidentsByCategory[c]])}
              total={[t('statistics.total'), state.incidentsTotal]}
            />
          </section>
          <section aria-labelledby="ps-sites">
            <h2 id="ps-sites">{t('publicStatus.sites')}</h2>
            <Table
              head={[t('statistics.sector'), t('statistics.count')]}
              rows={SECTOR_KEYS.map((s) => [t(`statistics.sectorName.${s}`), state.phishingSitesBySector[s]])}
              total={[t('statistics.total'), state.phishingSitesTotal]}
            />
          </section>
          <p className="muted">{t('publicStatus.exercise')}</p>
        </>
      )}
    </main>
  );
}
