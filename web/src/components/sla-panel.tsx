import { useTranslation } from 'react-i18next';
import type { IncidentSla } from '../api/types';
import { useApi } from '../api/use-api';
import { formatNumber } from '../format';
import { currentLanguage } from '../i18n';
import { DateTime, ErrorNote, Loading } from './common';
import './coordination.css';

/** Minutes as hours and minutes in the reader's language. */
function Duration({ minutes }: { minutes: number }) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  return <>{h > 0 ? t('sla.hoursMinutes', { h: formatNumber(h, lng), m: formatNumber(m % 60, lng) }) : t('sla.minutes', { m: formatNumber(m, lng) })}</>;
}

/** The incident's SLA clocks: state, when each falls due (JST and the reader's zone), elapsed against target. */
export function SlaPanel({ incidentId }: { incidentId: string }) {
  const { t } = useTranslation();
  const sla = useApi<IncidentSla>(`/api/incidents/${encodeURIComponent(incidentId)}/sla`);
  return (
    <section className="panel" aria-labelledby="sla-title">
      <h2 id="sla-title">{t('sla.heading')}</h2>
      <ErrorNote error={sla.error} />
      {!sla.data && sla.isLoading && <Loading />}
      {sla.data && sla.data.clocks.length === 0 && <p className="muted">{t('sla.none')}</p>}
      {sla.data && sla.data.clocks.length > 0 && (
        <>
          <p className="muted">
            {t('sla.policy')}: <span translate="no">{sla.data.policy ?? '—'}</span>
            {sla.data.counting && <> · {t(`sla.counting.${sla.data.counting}`)}</>}
          </p>
          <table className="sla-table">
            <thead>
              <tr>
                <th scope="col">{t('sla.clock')}</th>
                <th scope="col">{t('sla.state')}</th>
                <th scope="col">{t('sla.due')}</th>
                <th scope="col">{t('sla.elapsed')}</th>
              </tr>
            </thead>
            <tbody>
              {sla.data.clocks.map((c) => (
                <tr key={c.clock} data-testid={`sla-${c.clock}`}>
                  <th scope="row">{t(`slaClock.${c.clock}`)}</th>
                  <td>
                    <span className={`badge sla-${c.state}`}>{t(`slaState.${c.state}`)}</span>
                  </td>
                  <td>
                    {c.metAt ? (
                      <>
                        {t('sla.metAt')} <DateTime value={c.metAt} />
                      </>
                    ) : (
                      <DateTime value={c.dueAt} />
                    )}
                  </td>
                  <td className="nowrap">
                    <Duration minutes={c.elapsedMinutes} /> / <Duration minutes={c.targetMinutes} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
