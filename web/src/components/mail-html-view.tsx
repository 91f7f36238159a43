import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReportHtml } from '../api/types';
import { useApi } from '../api/use-api';
import { sanitiseMailHtml } from '../mail-html';
import { ErrorNote, Loading } from './common';
import './mail-html.css';

/**
 * A mailed report's HTML version, only when asked for and only as
 * sanitiseMailHtml leaves it (web/src/mail-html.ts): nothing of it runs, is
 * fetched or can be followed. It sits in a bordered box that says whose HTML
 * it is, so it is never mistaken for Renkei's own page.
 */
export function MailHtmlView({ reportId }: { reportId: string }) {
  const { t } = useTranslation();
  const [isOpen, setOpen] = useState(false);
  const r = useApi<ReportHtml>(isOpen ? `/api/reports/${encodeURIComponent(reportId)}/html` : null);
  const html = r.data?.html ?? null;
  const clean = useMemo(() => (html === null ? null : sanitiseMailHtml(html, { blockedImage: t('report.html.blockedImage') })), [html, t]);

  if (!isOpen)
    return (
      <div className="mail-html-offer">
        <button type="button" onClick={() => setOpen(true)}>
          {t('report.html.show')}
        </button>
        <p className="muted">{t('report.html.showHint')}</p>
      </div>
    );
  const hide = (
    <button type="button" onClick={() => setOpen(false)}>
      {t('report.html.hide')}
    </button>
  );
  if (r.error)
    return (
      <div className="mail-html-offer">
        <ErrorNote error={r.error} />
        {hide}
      </div>
    );
  if (!r.data) return <Loading />;
  if (!clean)
    return (
      <div className="mail-html-offer">
        <p className="muted">{r.data.unavailable === 'undecryptable' ? t('report.html.undecryptable') : t('report.html.none')}</p>
        {hide}
      </div>
    );
  return (
    <section className="mail-html" aria-labelledby="mail-html-title" data-testid="report-html">
      <div className="mail-html-head">
        <h3 id="mail-html-title">{t('report.html.title')}</h3>
        {hide}
      </div>
      <p className="muted">{t('report.html.note')}</p>
      <p>
        <span className={clean.blockedRemote > 0 ? 'mark mark-warn' : 'mark'} data-testid="report-html-blocked">
          {t('report.html.blocked', { count: clean.blockedRemote })}
        </span>
      </p>
      {r.data.isTruncated && <p className="notice">{t('report.html.truncated', { shown: r.data.html?.length ?? 0, total: r.data.length })}</p>}
      {/* Sanitised by DOMPurify in sanitiseMailHtml with a strict allow-list; the CSP forbids inline script and remote content besides. */}
      <div className="mail-html-body" translate="no" dangerouslySetInnerHTML={{ __html: clean.html }} />
    </section>
  );
}
