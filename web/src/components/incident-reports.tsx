import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { Page, ReportSummary } from '../api/types';
import { useApi } from '../api/use-api';
import { Link } from '../router';
import { DateTime, ErrorNote, Loading, Pager } from './common';

/** Reports a page on the incident page: a phishing wave or a feed can put thousands on one incident. */
export const REPORTS_PAGE = 50;

/** The incident's reports, newest first, a page at a time (GET /api/reports?incidentId=…), so every one is reachable. */
export function IncidentReports({ incidentId, total }: { incidentId: string; total: number }) {
  const { t } = useTranslation();
  const [offset, setOffset] = useState(0);
  const r = useApi<Page<ReportSummary>>(withQuery('/api/reports', { incidentId, limit: REPORTS_PAGE, offset }));
  return (
    <section className="panel" aria-labelledby="reports-title">
      <h2 id="reports-title">{t('incident.reports', { count: total })}</h2>
      {r.error ? (
        <ErrorNote error={r.error} />
      ) : !r.data ? (
        <Loading />
      ) : (
        <>
          <ul className="report-list">
            {r.data.items.map((report) => (
              <li key={report.id}>
                <Link to={`/reports/${report.id}`} translate="no">
                  {report.subject ?? t('report.noSubject')}
                </Link>
                <div className="muted">
                  <span translate="no">{report.sender ?? '—'}</span> · {t(`channel.${report.channel}`)} · <DateTime value={report.receivedAt} />
                </div>
              </li>
            ))}
          </ul>
          {(r.data.total > REPORTS_PAGE || !r.data.totalIsExact) && (
            <Pager offset={r.data.offset} limit={REPORTS_PAGE} total={r.data.total} isExact={r.data.totalIsExact} onChange={setOffset} label={t('incident.reportPages')} />
          )}
        </>
      )}
    </section>
  );
}
