import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { withQuery } from '../api/client';
import type { Incident, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, ExerciseMark, IncidentFilterSelect, Loading, Pager, StatusBadge, TlpLabel } from '../components/common';
import { Link, navigate, useLocation } from '../router';
import '../components/steering.css';

const LIMIT = 50;
/** Filters kept in the address, so the dashboard's numbers link to the list behind them. */
const FILTERS = ['status', 'category', 'tlp', 'owner', 'createdFrom', 'slaDueBefore', 'exercise'] as const;
// INCIDENT_SORTS of the incident repository (the store is not imported here).
const SORTS = ['createdAt', 'updatedAt', 'number', 'title', 'slaDueAt'] as const;
/** "Due soon": the next SLA clock falls due within this many hours (overdue included). */
const DUE_HOURS = 24;
export const dueWithin = (hours = DUE_HOURS) => new Date(Date.now() + hours * 3600_000).toISOString();

export function IncidentListScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const sort = query.get('sort') ?? 'createdAt';
  // Due soon reads soonest first unless asked otherwise.
  const direction = query.get('direction') === 'asc' || (sort === 'slaDueAt' && query.get('direction') !== 'desc') ? 'asc' : 'desc';
  const [now] = useState(() => Date.now());
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? undefined]));
  const path = withQuery('/api/incidents', { ...filters, sort, direction, limit: LIMIT, offset });
  const list = useApi<Page<Incident>>(path);
  const go = (changes: Record<string, string | number | undefined>) =>
    navigate(withQuery('/incidents', { ...filters, sort, direction, offset: 0, ...changes }));

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('list.heading')}</h1>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('list.filters')}>
        {(['status', 'category', 'tlp'] as const).map((name) => (
          <IncidentFilterSelect key={name} name={name} id={`filter-${name}`} value={filters[name] ?? ''} linked={filters[name] ?? ''} onChange={(v) => go({ [name]: v || undefined })} />
        ))}
        <div className="field">
          <label htmlFor="filter-due">{t('list.due')}</label>
          <select id="filter-due" value={filters.slaDueBefore ? 'soon' : ''} onChange={(e) => go(e.target.value ? { slaDueBefore: dueWithin(), sort: 'slaDueAt', direction: 'asc' } : { slaDueBefore: undefined })}>
            <option value="">{t('list.any')}</option>
            <option value="soon">{t('list.dueWithin', { hours: DUE_HOURS })}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-exercise">{t('list.exercise')}</label>
          <select id="filter-exercise" value={filters.exercise ?? ''} onChange={(e) => go({ exercise: e.target.value || undefined })}>
            <option value="">{t('list.exerciseAll')}</option>
            <option value="true">{t('list.exerciseOnly')}</option>
            <option value="false">{t('list.exerciseNone')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-sort">{t('list.sort')}</label>
          <select id="filter-sort" value={sort} onChange={(e) => go({ sort: e.target.value, direction: e.target.value === 'slaDueAt' ? 'asc' : direction })}>
            {SORTS.map((s) => (
              <option key={s} value={s}>
                {t(`list.sortBy.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-direction">{t('list.direction')}</label>
          <select id="filter-direction" value={direction} onChange={(e) => go({ direction: e.target.value })}>
            <option value="desc">{t(sort === 'slaDueAt' ? 'list.dueDesc' : 'list.desc')}</option>
            <option value="asc">{t(sort === 'slaDueAt' ? 'list.dueAsc' : 'list.asc')}</option>
          </select>
        </div>
        {(filters.owner || filters.createdFrom || filters.slaDueBefore) && (
          <p className="muted">
            {filters.owner && <span translate="no">{t('field.owner')}: {filters.owner} </span>}
            {filters.createdFrom && (
              <span>
                {t('list.createdFrom')} <DateTime value={filters.createdFrom} />
              </span>
            )}
            {filters.slaDueBefore && (
              <span>
                {' '}
                {t('list.dueBefore')} <DateTime value={filters.slaDueBefore} />
              </span>
            )}{' '}
            <button type="button" className="link-button" onClick={() => navigate('/incidents')}>
              {t('list.clear')}
            </button>
          </p>
        )}
      </form>
      <ErrorNote error={list.error} />
      {!list.data && list.isLoading && <Loading />}
      {list.data && list.data.items.length === 0 && <p className="empty">{t('list.empty')}</p>}
      {list.data && list.data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="incidents-table">
              <thead>
                <tr>
                  <th scope="col">{t('field.number')}</th>
                  <th scope="col">{t('field.title')}</th>
                  <th scope="col">{t('field.category')}</th>
                  <th scope="col">{t('field.tlp')}</th>
                  <th scope="col">{t('field.status')}</th>
                  <th scope="col">{t('field.severity')}</th>
                  <th scope="col">{t('field.owner')}</th>
                  <th scope="col">{t('field.slaDueAt')}</th>
                  <th scope="col">{t('incident.created')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((i) => (
                  <tr key={i.id}>
                    <td className="nowrap">
                      <Link to={`/incidents/${i.number}`} translate="no">
                        {i.number}
                      </Link>
                    </td>
                    <td className="subject">
                      <span translate="no">{i.title}</span>
                      {i.exercise && <ExerciseMark />}
                    </td>
                    <td>{t(`category.${i.category}`)}</td>
                    <td>
                      <TlpLabel tlp={i.tlp} />
                    </td>
                    <td>
                      <StatusBadge status={i.status} />
                    </td>
                    <td>{t(`severity.${i.severity}`)}</td>
                    <td className="clip" translate="no">
                      {i.owner ?? '—'}
                    </td>
                    <td className={`nowrap${i.slaDueAt && new Date(i.slaDueAt).getTime() < now ? ' overdue' : ''}`}>
                      <DateTime value={i.slaDueAt} />
                      {i.slaDueAt && new Date(i.slaDueAt).getTime() < now && <span className="mark mark-overdue">{t('list.overdue')}</span>}
                    </td>
                    <td className="nowrap">
                      <DateTime value={i.createdAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={LIMIT} total={list.data.total} isExact={list.data.totalIsExact} onChange={(o) => go({ offset: o })} />
        </>
      )}
    </main>
  );
}
