import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { MailMeta, ReportDetail } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, TlpLabel } from '../components/common';
import { MailHeadersView } from '../components/mail-headers-view';
import { MailHtmlView } from '../components/mail-html-view';
import { LanguageName, ReportMarks } from '../components/report-marks';
import { formatBytes, hasControls, revealControls } from '../format';
import { currentLanguage } from '../i18n';
import { Link } from '../router';
import { regionName } from './countries';

/**
 * One report as received. Everything in it was written by someone outside —
 * perhaps an attacker — so it is shown as text: a mail's HTML version only on
 * request and sanitised, with remote content blocked and links made text
 * (MailHtmlView), attachments are downloads (never shown inline), and names
 * have their direction controls made visible.
 */
export function ReportScreen({ id }: { id: string }) {
  const { t } = useTranslation();
  const r = useApi<ReportDetail>(`/api/reports/${encodeURIComponent(id)}`);
  if (r.error)
    return (
      <main id="main">
        <ErrorNote error={r.error} />
      </main>
    );
  if (!r.data)
    return (
      <main id="main">
        <Loading />
      </main>
    );
  const { report, observables, candidates, attachments, timeline } = r.data;
  const meta = report.meta as MailMeta;
  // Replies of the reporter threaded onto this report before triage (each entry names the reply).
  const replies = timeline.flatMap((e) => (e.action === 'report.reply' && typeof e.changes.reply === 'string' ? [e.changes.reply] : []));
  const lng = currentLanguage();
  const headers: [string, ReactNode][] = [
    [t('report.sender'), <span translate="no">{[report.senderName, report.sender && `<${report.sender}>`].filter(Boolean).join(' ') || '—'}</span>],
    [t('report.to'), <span translate="no">{meta.mail?.to?.join(', ') || '—'}</span>],
    [t('report.subject'), <span translate="no">{report.subject ?? t('report.noSubject')}</span>],
    [t('report.date'), <DateTime value={meta.mail?.date ?? null} />],
    [t('report.received'), <DateTime value={report.receivedAt} />],
    [t('report.channel'), t(`channel.${report.channel}`)],
    [t('report.language'), <LanguageName tag={report.language} />],
    [t('report.reporterCountry'), report.reporterCountry ? `${regionName(report.reporterCountry, lng)} (${report.reporterCountry})` : t('report.countryUnknown')],
    [t('report.messageId'), <code translate="no">{meta.mail?.messageId ?? report.sourceRef}</code>],
    [t('report.status'), t(`reportStatus.${report.status}`)],
  ];
  return (
    <main id="main" className="report">
      <div className="screen-title">
        <h1 translate="no">{report.subject ?? t('report.noSubject')}</h1>
        <TlpLabel tlp={report.tlp} />
        <ReportMarks report={report} />
      </div>
      {report.incidentId && (
        <p>
          {t('report.inIncident')} <Link to={`/incidents/${report.incidentId}`}>{t('report.openIncident')}</Link>
        </p>
      )}
      {report.replyTo && (
        <p className="notice" data-testid="reply-to">
          {t('report.replyTo')} <Link to={`/reports/${report.replyTo}`}>{t('report.openAnswered')}</Link>
        </p>
      )}
      {replies.length > 0 && (
        <div className="notice" data-testid="replies">
          <p>{t('report.replies', { count: replies.length })}</p>
          <ul>
            {replies.map((id, i) => (
              <li key={id}>
                <Link to={`/reports/${id}`}>{t('report.openReply', { n: i + 1 })}</Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.status === 'new' && (
        <p>
          <Link to="/triage">{t('report.backToTriage')}</Link>
        </p>
      )}
      <div className="report-layout">
        <div className="report-main">
          <section className="panel" aria-labelledby="headers-title">
            <h2 id="headers-title">{t('report.headers')}</h2>
            <dl className="facts">
              {headers.map(([k, v]) => (
                <div key={k} className="fact">
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
            {report.channel === 'email' && report.rawSha256 && <MailHeadersView reportId={report.id} />}
            {meta.pgp && (
              <p>
                {t('report.pgp')}: {t(`marks.signature.${meta.pgp.signature.status}`)}
                {meta.pgp.signature.contact && (
                  <>
                    {' '}
                    — <span translate="no">{meta.pgp.signature.contact.organisation}</span>
                  </>
                )}
              </p>
            )}
            {!!meta.problems?.length && (
              <div className="notice">
                <p>{t('report.problems')}</p>
                <ul translate="no">
                  {meta.problems.map((p) => (
                    <li key={p}>{p}</li>
                  ))}
                </ul>
              </div>
            )}
          </section>
          <section className="panel" aria-labelledby="body-title">
            <h2 id="body-title">{t('report.body')}</h2>
            <pre className="body-text" translate="no" data-testid="report-body">
              {report.body}
            </pre>
            {meta.mail?.hasHtml && <MailHtmlView reportId={report.id} />}
            {report.rawSha256 && (
              <p>
                <a href={`/api/reports/${report.id}/raw`} download>
                  {t('report.downloadRaw')}
                </a>{' '}
                <span className="muted">
                  {report.rawSize !== null && formatBytes(report.rawSize, lng)} · SHA-256 <code translate="no">{report.rawSha256}</code>
                </span>
              </p>
            )}
          </section>
        </div>
        <div className="report-side">
          <section className="panel" aria-labelledby="attachments-title">
            <h2 id="attachments-title">{t('report.attachments')}</h2>
            {attachments.length === 0 && <p className="muted">{t('report.noAttachments')}</p>}
            <ul className="attachments">
              {attachments.map((a) => {
                const name = a.filename ?? a.sha256.slice(0, 16);
                return (
                  <li key={a.id}>
                    <a href={`/api/reports/${report.id}/attachments/${a.id}`} download className="break" translate="no">
                      <bdi>{revealControls(name)}</bdi>
                    </a>
                    {hasControls(name) && <span className="mark mark-warn">{t('report.hiddenControls')}</span>}
                    <div className="muted">
                      <span translate="no">{a.mimeType}</span> · {formatBytes(a.size, lng)} · {t(`attachmentKind.${a.kind}`)}
                    </div>
                    <div className="hash">
                      SHA-256 <code translate="no">{a.sha256}</code>
                    </div>
                    {a.note && (
                      <div className="muted" translate="no">
                        {a.note}
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          </section>
          <section className="panel" aria-labelledby="robs-title">
            <h2 id="robs-title">{t('report.observables')}</h2>
            {observables.length === 0 && <p className="muted">{t('report.noObservables')}</p>}
            <ul className="observables-compact">
              {observables.map((o) => (
                <li key={o.id}>
                  <span className="obs-type">{t(`observableType.${o.type}`)}</span> <code translate="no">{o.value}</code>
                </li>
              ))}
            </ul>
          </section>
          <section className="panel" aria-labelledby="rcand-title">
            <h2 id="rcand-title">{t('report.candidates')}</h2>
            {candidates.length === 0 && <p className="muted">{t('report.noCandidates')}</p>}
            <ul>
              {candidates.map((c) => (
                <li key={c.id}>
                  <Link to={`/incidents/${c.number}`} translate="no">
                    {c.number}
                  </Link>{' '}
                  <span translate="no">{c.title}</span> <TlpLabel tlp={c.tlp} />
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
    </main>
  );
}
