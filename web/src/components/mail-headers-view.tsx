import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReportHeaders } from '../api/types';
import { useApi } from '../api/use-api';
import { revealControls } from '../format';
import { ErrorNote, Loading } from './common';

/**
 * Every header of a mailed report, on request (the Received chain,
 * authentication results, X- headers…), read again from the raw original.
 * The values are the sender's: shown as text only, direction-control
 * characters made visible, long values wrapping inside the table.
 */
export function MailHeadersView({ reportId }: { reportId: string }) {
  const { t } = useTranslation();
  const [isOpen, setOpen] = useState(false);
  const r = useApi<ReportHeaders>(isOpen ? `/api/reports/${encodeURIComponent(reportId)}/headers` : null);
  const toggle = (
    <button type="button" aria-expanded={isOpen} onClick={() => setOpen(!isOpen)}>
      {isOpen ? t('report.allHeaders.hide') : t('report.allHeaders.show')}
    </button>
  );
  if (!isOpen) return <p className="mail-headers-offer">{toggle}</p>;
  return (
    <div className="mail-headers" data-testid="report-all-headers">
      <p className="mail-headers-offer">{toggle}</p>
      {r.error ? (
        <ErrorNote error={r.error} />
      ) : !r.data ? (
        <Loading />
      ) : r.data.headers.length === 0 ? (
        <p className="muted">{t('report.allHeaders.none')}</p>
      ) : (
        <>
          {r.data.isTruncated && <p className="notice">{t('report.allHeaders.truncated', { count: r.data.headers.length })}</p>}
          <table className="mail-headers-table" translate="no">
            <caption className="visually-hidden">{t('report.allHeaders.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('report.allHeaders.name')}</th>
                <th scope="col">{t('report.allHeaders.value')}</th>
              </tr>
            </thead>
            <tbody>
              {r.data.headers.map((h, i) => (
                <tr key={i}>
                  <th scope="row">{revealControls(h.name)}</th>
                  <td>{revealControls(h.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
