import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { SearchResult } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, Num, Pager, StatusBadge, TlpLabel } from '../components/common';
import { Link, navigate, useLocation } from '../router';

const LIMIT = 20;
const KINDS = ['all', 'incident', 'report'] as const;

/** Full-text search over incidents and reports (Japanese by bigrams on the server), with the same filters as the API. */
export function SearchScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const kind = (KINDS as readonly string[]).includes(query.get('kind') ?? '') ? query.get('kind')! : 'all';
  const offset = Number(query.get('offset') ?? 0) || 0;
  const [draft, setDraft] = useState(q);
  const result = useApi<SearchResult>(q.trim() ? withQuery('/api/search', { q, kind, limit: LIMIT, offset }) : null);
  const go = (changes: Record<string, string | number>) => navigate(withQuery('/search', { q, kind, offset: 0, ...changes }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({ q: draft.trim() });
  };
  const data = q.trim() ? result.data : undefined;
  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('search.heading')}</h1>
      </div>
      <form onSubmit={submit} className="search-form" role="search">
        <label htmlFor="search-q">{t('search.label')}</label>
        <input id="search-q" type="search" value={draft} onChange={(e) => setDraft(e.target.value)} autoFocus />
        <label htmlFor="search-kind">{t('search.kind')}</label>
        <select id="search-kind" value={kind} onChange={(e) => go({ kind: e.target.value })}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`search.kinds.${k}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="primary">
          {t('search.submit')}
        </button>
      </form>
      {!q.trim() && <p className="muted">{t('search.hint')}</p>}
      <ErrorNote error={result.error} />
      {q.trim() && !data && result.isLoading && <Loading />}
      {data && (
        <div className="search-results">
          {kind !== 'report' && (
            <section aria-labelledby="hits-incidents">
              <h2 id="hits-incidents">
                {t('search.incidents')} <span className="count"><Num value={data.incidents.total} /></span>
              </h2>
              {data.incidents.items.length === 0 && <p className="muted">{t('search.none')}</p>}
              <ul className="hits">
                {data.incidents.items.map(({ item, snippet }) => (
                  <li key={item.id}>
                    <Link to={`/incidents/${item.number}`}>
                      <span translate="no">{item.number}</span> <span translate="no">{item.title}</span>
                    </Link>{' '}
                    <TlpLabel tlp={item.tlp} /> <StatusBadge status={item.status} />
                    {snippet && <p className="snippet" translate="no">{snippet}</p>}
                  </li>
                ))}
              </ul>
              {kind === 'incident' && <Pager offset={offset} limit={LIMIT} total={data.incidents.total} isExact={data.incidents.totalIsExact} onChange={(o) => go({ offset: o })} />}
            </section>
          )}
          {kind !== 'incident' && (
            <section aria-labelledby="hits-reports">
              <h2 id="hits-reports">
                {t('search.reports')} <span className="count"><Num value={data.reports.total} /></span>
              </h2>
              {data.reports.items.length === 0 && <p className="muted">{t('search.none')}</p>}
              <ul className="hits">
                {data.reports.items.map(({ item, snippet }) => (
                  <li key={item.id}>
                    <Link to={`/reports/${item.id}`} translate="no">
                      {item.subject ?? t('report.noSubject')}
                    </Link>{' '}
                    <span className="muted">
                      {t(`reportStatus.${item.status}`)} · <DateTime value={item.receivedAt} />
                    </span>
                    {snippet && <p className="snippet" translate="no">{snippet}</p>}
                  </li>
                ))}
              </ul>
              {kind === 'report' && <Pager offset={offset} limit={LIMIT} total={data.reports.total} isExact={data.reports.totalIsExact} onChange={(o) => go({ offset: o })} />}
            </section>
          )}
        </div>
      )}
    </main>
  );
}
