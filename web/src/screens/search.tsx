import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { SearchResult } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, IncidentFilterSelect, Loading, Num, Pager, StatusBadge, TlpLabel } from '../components/common';
import { isDay, jstDayAfter, jstDayStart } from '../format';
import { Link, navigate, useLocation } from '../router';

const LIMIT = 20;
const KINDS = ['all', 'incident', 'report'] as const;
/**
 * What the address holds, so a search can be linked: the words, where to
 * look, and the API's filters (SearchQuerySchema in
 * src/services/search.service.ts). `from` / `to` are JST days.
 */
const PARAMS = ['q', 'kind', 'status', 'category', 'tlp', 'owner', 'from', 'to', 'observable'] as const;
type Param = (typeof PARAMS)[number];
type Criteria = Record<Param, string>;
const FILTERS = ['status', 'category', 'tlp', 'owner', 'from', 'to', 'observable'] as const satisfies readonly Param[];

function criteriaOf(query: URLSearchParams): Criteria {
  const c = Object.fromEntries(PARAMS.map((p) => [p, query.get(p) ?? ''])) as Criteria;
  if (!(KINDS as readonly string[]).includes(c.kind)) c.kind = 'all';
  for (const d of ['from', 'to'] as const) if (c[d] && !isDay(c[d])) c[d] = '';
  return c;
}

/** Full-text search over incidents and reports (Japanese by bigrams on the server), with the same filters as the API. */
export function SearchScreen() {
  const { t } = useTranslation();
  const location = useLocation();
  const applied = criteriaOf(location.query);
  const offset = Number(location.query.get('offset') ?? 0) || 0;
  const isActive = Boolean(applied.q.trim()) || FILTERS.some((f) => applied[f]);
  const result = useApi<SearchResult>(
    isActive
      ? withQuery('/api/search', {
          q: applied.q,
          kind: applied.kind,
          status: applied.status,
          category: applied.category,
          tlp: applied.tlp,
          owner: applied.owner,
          from: applied.from ? jstDayStart(applied.from) : undefined,
          to: applied.to ? jstDayAfter(applied.to) : undefined,
          observable: applied.observable,
          limit: LIMIT,
          offset,
        })
      : null,
  );
  const go = (c: Criteria, page = 0) => navigate(withQuery('/search', { ...c, kind: c.kind === 'all' ? undefined : c.kind, offset: page || undefined }));
  const data = isActive ? result.data : undefined;
  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('search.heading')}</h1>
      </div>
      {/* Remounted from the address, so going back and forth shows the criteria of each search. */}
      <SearchForm key={location.query.toString()} applied={applied} onSearch={go} />
      {!isActive && <p className="muted">{t('search.hint')}</p>}
      <ErrorNote error={result.error} />
      {isActive && !data && result.isLoading && <Loading />}
      {data && (
        <div className="search-results">
          {applied.kind !== 'report' && (
            <section aria-labelledby="hits-incidents">
              <h2 id="hits-incidents">
                {t('search.incidents')} <span className="count"><Num value={data.incidents.total} />{!data.incidents.totalIsExact && '+'}</span>
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
              {applied.kind === 'incident' && (
                <Pager offset={offset} limit={LIMIT} total={data.incidents.total} isExact={data.incidents.totalIsExact} onChange={(o) => go(applied, o)} />
              )}
              {applied.kind === 'all' && data.incidents.total > data.incidents.items.length && (
                <p>
                  <Link to={withQuery('/search', { ...applied, kind: 'incident' })}>{t('search.allIncidents')}</Link>
                </p>
              )}
            </section>
          )}
          {applied.kind !== 'incident' && (
            <section aria-labelledby="hits-reports">
              <h2 id="hits-reports">
                {t('search.reports')} <span className="count"><Num value={data.reports.total} />{!data.reports.totalIsExact && '+'}</span>
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
              {applied.kind === 'report' && (
                <Pager offset={offset} limit={LIMIT} total={data.reports.total} isExact={data.reports.totalIsExact} onChange={(o) => go(applied, o)} />
              )}
              {applied.kind === 'all' && data.reports.total > data.reports.items.length && (
                <p>
                  <Link to={withQuery('/search', { ...applied, kind: 'report' })}>{t('search.allReports')}</Link>
                </p>
              )}
            </section>
          )}
        </div>
      )}
    </main>
  );
}

/** The words and every filter, each a labelled field; applied (into the address) when submitted. */
function SearchForm({ applied, onSearch }: { applied: Criteria; onSearch: (c: Criteria) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(applied);
  const set = (p: Param) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [p]: e.target.value }));
  const hasFilters = FILTERS.some((f) => applied[f]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(Object.fromEntries(PARAMS.map((p) => [p, draft[p].trim()])) as Criteria);
  };
  return (
    <form onSubmit={submit} className="search-panel" role="search" aria-label={t('search.heading')}>
      <div className="search-form">
        <label htmlFor="search-q">{t('search.label')}</label>
        <input id="search-q" type="search" value={draft.q} onChange={set('q')} autoFocus />
        <label htmlFor="search-kind">{t('search.kind')}</label>
        <select id="search-kind" value={draft.kind} onChange={set('kind')}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`search.kinds.${k}`)}
            </option>
          ))}
        </select>
        <button type="submit" className="primary">
          {t('search.submit')}
        </button>
      </div>
      <fieldset className="filters search-filters">
        <legend>{t('search.filters')}</legend>
        {(['status', 'category', 'tlp'] as const).map((name) => (
          <IncidentFilterSelect key={name} name={name} id={`search-${name}`} value={draft[name]} linked={applied[name]} onChange={(v) => setDraft((d) => ({ ...d, [name]: v }))} />
        ))}
        <div className="field">
          <label htmlFor="search-owner">{t('field.owner')}</label>
          <input id="search-owner" type="text" translate="no" value={draft.owner} onChange={set('owner')} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="search-from">{t('search.from')}</label>
          <input id="search-from" type="date" value={draft.from} onChange={set('from')} aria-describedby="search-dates-hint" />
        </div>
        <div className="field">
          <label htmlFor="search-to">{t('search.to')}</label>
          <input id="search-to" type="date" value={draft.to} onChange={set('to')} aria-describedby="search-dates-hint" />
        </div>
        <div className="field search-observable">
          <label htmlFor="search-observable">{t('search.observable')}</label>
          <input id="search-observable" type="text" translate="no" value={draft.observable} onChange={set('observable')} aria-describedby="search-observable-hint" autoComplete="off" />
        </div>
        {hasFilters && (
          <div className="field search-clear">
            <button type="button" onClick={() => onSearch({ ...applied, status: '', category: '', tlp: '', owner: '', from: '', to: '', observable: '' })}>
              {t('search.clearFilters')}
            </button>
          </div>
        )}
      </fieldset>
      <ul className="muted search-notes">
        <li id="search-dates-hint">{t('search.datesHint')}</li>
        <li id="search-observable-hint">{t('search.observableHint')}</li>
        <li>{t('search.incidentFiltersHint')}</li>
      </ul>
    </form>
  );
}
