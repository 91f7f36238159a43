import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { IncidentObservable, IncidentRef, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { ErrorNote, Loading, Num, Pager, TlpLabel } from './common';

/** Other incidents a page: the API counts them exactly (the same count as the link's), so the pager reaches all of them. */
export const OTHERS_PAGE = 20;

/** The other incidents (visible to the reader) that hold this observable, a page at a time. */
function OtherIncidents({ observableId, incidentId }: { observableId: string; incidentId: string }) {
  const { t } = useTranslation();
  const [offset, setOffset] = useState(0);
  const s = useApi<Page<IncidentRef>>(
    withQuery(`/api/incidents/${encodeURIComponent(incidentId)}/observables/${observableId}/incidents`, { limit: OTHERS_PAGE, offset }),
  );
  if (s.error) return <ErrorNote error={s.error} />;
  if (!s.data) return <Loading />;
  return (
    <div className="sightings-wrap">
      <ul className="sightings">
        {s.data.items.map((i) => (
          <li key={i.id}>
            <Link to={`/incidents/${i.number}`} translate="no">
              {i.number}
            </Link>{' '}
            <span translate="no">{i.title}</span> <TlpLabel tlp={i.tlp} /> <span className="muted">{t(`incidentStatus.${i.status}`)}</span>
          </li>
        ))}
        {s.data.total === 0 && <li className="muted">{t('observables.noOthers')}</li>}
      </ul>
      {s.data.total > OTHERS_PAGE && (
        <Pager offset={s.data.offset} limit={OTHERS_PAGE} total={s.data.total} isExact={s.data.totalIsExact} onChange={setOffset} label={t('observables.pages')} />
      )}
    </div>
  );
}

export function IncidentObservables({ incidentId }: { incidentId: string }) {
  const { t } = useTranslation();
  const list = useApi<{ items: IncidentObservable[] }>(`/api/incidents/${encodeURIComponent(incidentId)}/observables`);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section aria-labelledby="observables-title" className="panel">
      <h2 id="observables-title">{t('observables.heading')}</h2>
      <ErrorNote error={list.error} />
      {!list.data && list.isLoading && <Loading />}
      {list.data && list.data.items.length === 0 && <p className="muted">{t('report.noObservables')}</p>}
      {list.data && list.data.items.length > 0 && (
        <table className="observables-table">
          <thead>
            <tr>
              <th scope="col">{t('observables.type')}</th>
              <th scope="col">{t('observables.value')}</th>
              <th scope="col">{t('observables.seenElsewhere')}</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((o) => (
              <tr key={o.id}>
                <td>
                  {t(`observableType.${o.type}`)}
                  {o.isPrivate && <span className="mark mark-warn">{t('observables.private')}</span>}
                </td>
                <td className="break">
                  <code translate="no">{o.value}</code>
                </td>
                <td>
                  {o.seenInOtherIncidents > 0 ? (
                    <>
                      <button type="button" className="link-button" aria-expanded={open === o.id} onClick={() => setOpen(open === o.id ? null : o.id)}>
                        {t('observables.seenIn', { count: o.seenInOtherIncidents })}
                      </button>
                      {open === o.id && <OtherIncidents observableId={o.id} incidentId={incidentId} />}
                    </>
                  ) : (
                    <span className="muted">
                      <Num value={0} />
                    </span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
