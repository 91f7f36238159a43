import { useTranslation } from 'react-i18next';
import { INCIDENT_STATUSES } from '../../../src/domain/incident-lifecycle.js';
import { CATEGORIES } from '../../../src/domain/taxonomy.js';
import { TLP_LABELS } from '../../../src/domain/tlp.js';
import { withQuery } from '../api/client';
import type { Incident, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading, Pager, StatusBadge, TlpLabel } from '../components/common';
import { Link, navigate, useLocation } from '../router';

const LIMIT = 50;
/** Filters kept in the address, so the dashboard's numbers link to the list behind them. */
const FILTERS = ['status', 'category', 'tlp', 'owner', 'createdFrom'] as const;
// INCIDENT_SORTS of the incident repository (the store is not imported here).
const SORTS = ['createdAt', 'updatedAt', 'number', 'title'] as const;

export function IncidentListScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const offset = Number(query.get('offset') ?? 0) || 0;
  const sort = query.get('sort') ?? 'createdAt';
  const direction = query.get('direction') === 'asc' ? 'asc' : 'desc';
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? undefined]));
  const path = withQuery('/api/incidents', { ...filters, sort, direction, limit: LIMIT, offset });
  const list = useApi<Page<Incident>>(path);
  const go = (changes: Record<string, string | number | undefined>) =>
    navigate(withQuery('/incidents', { ...filters, sort, direction, offset: 0, ...changes }));

  const select = (name: 'status' | 'category' | 'tlp', values: readonly string[], label: (v: string) => string) => (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{t(`field.${name}`)}</label>
      <select id={`filter-${name}`} value={filters[name] ?? ''} onChange={(e) => go({ [name]: e.target.value || undefined })}>
        <option value="">{t('list.any')}</option>
        {filters[name]?.includes(',') && <option value={filters[name]}>{filters[name].split(',').map(label).join(t('list.or'))}</option>}
        {values.map((v) => (
          <option key={v} value={v}>
            {label(v)}
          </option>
        ))}
      </select>
    </div>
  );

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('list.heading')}</h1>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={t('list.filters')}>
        {select('status', INCIDENT_STATUSES, (v) => t(`incidentStatus.${v}`))}
        {select('category', CATEGORIES, (v) => t(`category.${v}`))}
        {select('tlp', TLP_LABELS, (v) => `TLP:${v}`)}
        <div className="field">
          <label htmlFor="filter-sort">{t('list.sort')}</label>
          <select id="filter-sort" value={sort} onChange={(e) => go({ sort: e.target.value })}>
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
            <option value="desc">{t('list.desc')}</option>
            <option value="asc">{t('list.asc')}</option>
          </select>
        </div>
        {(filters.owner || filters.createdFrom) && (
          <p className="muted">
            {filters.owner && <span translate="no">{t('field.owner')}: {filters.owner} </span>}
            {filters.createdFrom && (
              <span>
                {t('list.createdFrom')} <DateTime value={filters.createdFrom} />
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
                    <td className="subject" translate="no">
                      {i.title}
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
