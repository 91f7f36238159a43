import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CATEGORIES, type Category } from '../../../src/domain/taxonomy.js';
import { get } from '../api/client';
import type { IncidentRef, Page, ReportDetail, ReportSummary } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, Num, Pager, TlpLabel } from '../components/common';
import { LanguageName, ReportMarks } from '../components/report-marks';
import { ShortcutHelp, useShortcuts } from '../components/shortcuts';
import { AttachDialog, CreateIncidentDialog, RejectDialog } from '../components/triage-dialogs';
import { HeldMailNotice } from '../components/held-mail-notice';
import { Link, navigate, useLocation } from '../router';

const LIMIT = 25;
type DialogKind = 'create' | 'attach' | 'reject' | 'help' | null;

/** Details (observables, candidates) of the reports on the page, fetched a few at a time. */
function useDetails(items: ReportSummary[] | undefined): Map<string, ReportDetail> {
  const [details, setDetails] = useState(() => new Map<string, ReportDetail>());
  useEffect(() => {
    if (!items?.length) return;
    const controller = new AbortController();
    const queue = items.map((r) => r.id);
    const worker = async () => {
      for (let id = queue.shift(); id; id = queue.shift()) {
        try {
          const d = await get<ReportDetail>(`/api/reports/${id}`, undefined, controller.signal);
          setDetails((m) => new Map(m).set(id, d));
        } catch {
          /* a report that vanished (triaged elsewhere) simply shows no details */
        }
      }
    };
    void Promise.all([worker(), worker(), worker(), worker()]);
    return () => controller.abort();
  }, [items]);
  return details;
}

export function TriageScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const list = useApi<Page<ReportSummary>>(`/api/reports?status=new&limit=${LIMIT}&offset=${offset}`);
  const items = list.data?.items;
  const details = useDetails(items);
  const [selected, setSelected] = useState(0);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<DialogKind>(null);
  const [flash, setFlash] = useState<{ text: string; link?: { to: string; label: string } } | null>(null);
  const rowRefs = useRef<(HTMLTableRowElement | null)[]>([]);

  const count = items?.length ?? 0;
  const current = items?.[Math.min(selected, count - 1)];
  const targets = useMemo(() => (checked.size ? [...checked] : current ? [current.id] : []), [checked, current]);

  useEffect(() => {
    rowRefs.current[selected]?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  useEffect(() => {
    if (count > 0 && selected > count - 1) setSelected(count - 1);
  }, [count, selected]);

  const toggle = (id: string) =>
    setChecked((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const handlers = useMemo(
    () => ({
      j: () => setSelected((i) => Math.min(i + 1, Math.max(0, count - 1))),
      k: () => setSelected((i) => Math.max(i - 1, 0)),
      x: () => current && toggle(current.id),
      e: () => targets.length && setDialog('create'),
      a: () => targets.length && setDialog('attach'),
      r: () => targets.length && setDialog('reject'),
      o: () => current && navigate(`/reports/${current.id}`),
      Enter: () => current && navigate(`/reports/${current.id}`),
      '?': () => setDialog('help'),
    }),
    [count, current, targets],
  );
  useShortcuts(handlers);

  const done = (message: { text: string; link?: { to: string; label: string } }) => {
    setDialog(null);
    setChecked(new Set());
    setFlash(message);
    list.reload();
  };

  const first = targets.map((id) => items?.find((r) => r.id === id)).find(Boolean);
  const routeCategory = (first?.meta as { route?: { category?: string } | null } | undefined)?.route?.category;
  const defaults = {
    title: first?.subject ?? '',
    category: (CATEGORIES as readonly string[]).includes(routeCategory ?? '') ? (routeCategory as Category) : 'other',
    tlp: first?.tlp ?? 'AMBER',
  };
  const candidates: IncidentRef[] = [];
  for (const id of targets) for (const c of details.get(id)?.candidates ?? []) if (!candidates.some((x) => x.id === c.id)) candidates.push(c);
  const selectedDetail = current ? details.get(current.id) : undefined;

  return (
    <main id="main" className="triage">
      <div className="screen-title">
        <h1>{t('triage.heading')}</h1>
        {list.data && (
          <span className="count">
            {t('triage.waiting', { count: list.data.total })}
          </span>
        )}
        <button type="button" className="link-button" onClick={() => setDialog('help')} aria-keyshortcuts="?">
          {t('shortcuts.show')}
        </button>
      </div>
      {flash && (
        <p className="flash" role="status">
          {flash.text} {flash.link && <Link to={flash.link.to}>{flash.link.label}</Link>}
        </p>
      )}
      <div className="toolbar" role="toolbar" aria-label={t('triage.actions')}>
        <span className="muted">{checked.size ? t('triage.checkedCount', { count: checked.size }) : t('triage.actOnSelected')}</span>
        <button type="button" className="primary" disabled={!targets.length} onClick={() => setDialog('create')} aria-keyshortcuts="e">
          {t('triage.create')} <kbd>e</kbd>
        </button>
        <button type="button" disabled={!targets.length} onClick={() => setDialog('attach')} aria-keyshortcuts="a">
          {t('triage.attach')} <kbd>a</kbd>
        </button>
        <button type="button" disabled={!targets.length} onClick={() => setDialog('reject')} aria-keyshortcuts="r">
          {t('triage.reject')} <kbd>r</kbd>
        </button>
      </div>
      <HeldMailNotice />
      <ErrorNote error={list.error} />
      {!list.data && list.isLoading && <Loading />}
      {list.data && count === 0 && <p className="empty">{t('triage.empty')}</p>}
      {list.data && count > 0 && (
        <div className="triage-body">
          <div className="table-wrap">
            <table className="reports-table">
              <caption className="visually-hidden">
                {t('triage.heading')} <span id="check-label">{t('triage.check')}</span>
              </caption>
              <thead>
                <tr>
                  <th scope="col">
                    <input
                      type="checkbox"
                      aria-label={t('triage.checkAll')}
                      checked={checked.size > 0 && checked.size === count}
                      onChange={(e) => setChecked(e.target.checked ? new Set(items!.map((r) => r.id)) : new Set())}
                    />
                  </th>
                  <th scope="col">{t('report.received')}</th>
                  <th scope="col">{t('report.sender')}</th>
                  <th scope="col">{t('report.subject')}</th>
                  <th scope="col">{t('report.candidates')}</th>
                  <th scope="col">{t('report.observables')}</th>
                  <th scope="col">{t('triage.channelLanguage')}</th>
                </tr>
              </thead>
              <tbody>
                {items!.map((r, i) => {
                  const d = details.get(r.id);
                  return (
                    <tr
                      key={r.id}
                      ref={(el) => {
                        rowRefs.current[i] = el;
                      }}
                      className={i === selected ? 'selected' : undefined}
                      aria-current={i === selected ? 'true' : undefined}
                      onClick={() => setSelected(i)}
                      // Tabbing to the row's checkbox or link makes it the current row, as a click does.
                      onFocus={() => setSelected(i)}
                    >
                      <td>
                        <input type="checkbox" aria-labelledby={`check-label subject-${r.id}`} checked={checked.has(r.id)} onChange={() => toggle(r.id)} />
                      </td>
                      <td>
                        <DateTime value={r.receivedAt} stacked />
                      </td>
                      <td className="clip" translate="no" title={r.sender ?? ''}>
                        {r.senderName ?? r.sender ?? '—'}
                      </td>
                      <td className="subject">
                        <Link to={`/reports/${r.id}`} translate="no" id={`subject-${r.id}`}>
                          {r.subject ?? t('report.noSubject')}
                        </Link>{' '}
                        <ReportMarks report={r} />
                      </td>
                      <td>
                        {d?.candidates.slice(0, 2).map((c) => (
                          <Link key={c.id} to={`/incidents/${c.number}`} className="chip" translate="no">
                            {c.number}
                          </Link>
                        ))}
                        {d && d.candidates.length > 2 && <span className="muted"> +{d.candidates.length - 2}</span>}
                      </td>
                      <td className="num">{d ? <Num value={d.observables.length} /> : '…'}</td>
                      <td className="nowrap">
                        {t(`channel.${r.channel}`)}
                        <div className="muted">
                          <LanguageName tag={r.language} />
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <Pager offset={offset} limit={LIMIT} total={list.data.total} isExact={list.data.totalIsExact} onChange={(o) => navigate(`/triage?offset=${o}`)} />
          </div>
          {current && <ReportPreview report={current} detail={selectedDetail} />}
        </div>
      )}
      <CreateIncidentDialog open={dialog === 'create'} reportIds={targets} onClose={() => setDialog(null)} onDone={done} defaults={defaults} />
      <AttachDialog open={dialog === 'attach'} reportIds={targets} onClose={() => setDialog(null)} onDone={done} candidates={candidates} />
      <RejectDialog open={dialog === 'reject'} reportIds={targets} onClose={() => setDialog(null)} onDone={done} />
      <ShortcutHelp open={dialog === 'help'} onClose={() => setDialog(null)} />
    </main>
  );
}

function ReportPreview({ report, detail }: { report: ReportSummary; detail: ReportDetail | undefined }) {
  const { t } = useTranslation();
  return (
    <aside className="preview" aria-label={t('triage.preview')}>
      <h2 translate="no">{report.subject ?? t('report.noSubject')}</h2>
      <p className="muted">
        <span translate="no">{report.sender ?? '—'}</span> · <DateTime value={report.receivedAt} />
      </p>
      {!detail && <Loading />}
      {detail && (
        <>
          <pre className="body-text preview-body" translate="no">
            {detail.report.body.slice(0, 3000)}
            {detail.report.body.length > 3000 ? '…' : ''}
          </pre>
          <h3>{t('report.observables')}</h3>
          {detail.observables.length === 0 ? (
            <p className="muted">{t('report.noObservables')}</p>
          ) : (
            <ul className="observables-compact">
              {detail.observables.slice(0, 20).map((o) => (
                <li key={o.id}>
                  <span className="obs-type">{t(`observableType.${o.type}`)}</span> <code translate="no">{o.value}</code>
                </li>
              ))}
            </ul>
          )}
          <h3>{t('report.candidates')}</h3>
          {detail.candidates.length === 0 ? (
            <p className="muted">{t('report.noCandidates')}</p>
          ) : (
            <ul>
              {detail.candidates.map((c) => (
                <li key={c.id}>
                  <Link to={`/incidents/${c.number}`} translate="no">
                    {c.number}
                  </Link>{' '}
                  <span translate="no">{c.title}</span> <TlpLabel tlp={c.tlp} /> <span className="muted">{t('report.sharedObservables', { count: c.shared })}</span>
                </li>
              ))}
            </ul>
          )}
          <p>
            <Link to={`/reports/${report.id}`}>{t('triage.openReport')}</Link>
          </p>
        </>
      )}
    </aside>
  );
}
