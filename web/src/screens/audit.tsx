import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, withQuery } from '../api/client';
import type { AuditEvent, AuditVerification, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { ActorName } from '../components/actor-name';
import { DateTime, ErrorNote, Loading, Num, Pager } from '../components/common';
import { jstDayAfter, jstDayStart } from '../format';
import { navigate, useLocation } from '../router';
import { useAccount } from '../session';
import '../components/steering.css';
import '../components/admin.css';

const LIMIT = 50;
const FILTERS = ['actor', 'action', 'targetId', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];

/** Actions Renkei records, offered as suggestions (the filter takes any). */
const KNOWN_ACTIONS = [
  'account.created',
  'account.updated',
  'account.disabled',
  'account.password-changed',
  'account.password-reset',
  'account.password-reset-requested',
  'auth.signed-in',
  'auth.sign-in-failed',
  'auth.second-factor',
  'auth.second-factor-failed',
  'auth.totp-enrolled',
  'auth.signed-out',
  'auth.signed-out-everywhere',
  'token.created',
  'token.revoked',
];

/** The audit log for auditors and administrators: search it, page through it, and check its hash chain. */
export function AuditScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  const allowed = me.roles.includes('auditor') || me.roles.includes('administrator');
  const { query } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? ''])) as Record<Filter, string>;
  const offset = Number(query.get('offset') ?? 0) || 0;
  const events = useApi<Page<AuditEvent>>(
    allowed
      ? withQuery('/api/audit', {
          actor: filters.actor,
          action: filters.action,
          targetId: filters.targetId,
          from: filters.from ? jstDayStart(filters.from) : undefined,
          to: filters.to ? jstDayAfter(filters.to) : undefined,
          limit: LIMIT,
          offset,
        })
      : null,
  );
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const [verifying, setVerifying] = useState(false);
  const go = (changes: Partial<Record<Filter | 'offset', string | number>>) =>
    navigate(withQuery('/audit', { ...filters, ...changes, offset: changes.offset ? changes.offset : undefined }));

  if (!allowed)
    return (
      <main id="main">
        <h1>{t('audit.heading')}</h1>
        <p className="error" role="alert">
          {t('error.FORBIDDEN')}
        </p>
      </main>
    );

  const verify = async () => {
    setVerifying(true);
    setVerifyError(null);
    setVerification(null);
    try {
      setVerification(await api<AuditVerification>('GET', '/api/audit/verify'));
    } catch (err) {
      setVerifyError(err);
    } finally {
      setVerifying(false);
    }
  };

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('audit.heading')}</h1>
        {events.data && (
          <span className="count">{t(events.data.totalIsExact ? 'audit.count' : 'audit.countAtLeast', { count: events.data.total })}</span>
        )}
      </div>
      <p className="muted">{t('audit.intro')}</p>

      <section className="panel" aria-labelledby="verify-title">
        <h2 id="verify-title">{t('audit.verifyHeading')}</h2>
        <p className="muted">{t('audit.verifyHelp')}</p>
        <button type="button" className="primary" onClick={() => void verify()} disabled={verifying} aria-describedby="verify-result">
          {t('audit.verify')}
        </button>
        <div id="verify-result" role="status" aria-live="polite" data-testid="verify-result">
          {verifying && <Loading />}
          {verification?.ok && (
            <p className="flash chain-ok">
              <strong>{t('audit.chainOk')}</strong> {t('audit.chainOkDetail', { count: verification.events })}
              {verification.head && (
                <>
                  {' '}
                  {t('audit.head')} <code translate="no">{verification.head.slice(0, 16)}…</code>
                </>
              )}
            </p>
          )}
          {verification && !verification.ok && (
            <div className="chain-broken" role="alert">
              <p>
                <strong>{t('audit.chainBroken')}</strong> {t('audit.brokenAt', { position: verification.position })}
              </p>
              <p>{t(`audit.problem.${verification.problem ?? 'hash'}`)}</p>
              <p className="muted">{t('audit.chainBrokenDetail', { count: verification.events })}</p>
            </div>
          )}
        </div>
        <ErrorNote error={verifyError} />
      </section>

      <AuditFilters key={FILTERS.map((f) => filters[f]).join('|')} filters={filters} onSearch={(f) => go(f)} />

      <ErrorNote error={events.error} />
      {!events.data && events.isLoading && <Loading />}
      {events.data && events.data.items.length === 0 && <p className="empty">{t('audit.none')}</p>}
      {events.data && events.data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="admin-table audit-table" aria-label={t('audit.tableLabel')}>
              <thead>
                <tr>
                  <th scope="col">{t('audit.position')}</th>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.target')}</th>
                  <th scope="col">{t('audit.details')}</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => (
                  <tr key={e.id} data-testid="audit-row">
                    <td className="num">
                      <Num value={e.position} />
                    </td>
                    <td>
                      <DateTime value={e.at} />
                    </td>
                    <td className="break">
                      <button type="button" className="link-button" title={t('audit.filterActor')} onClick={() => go({ actor: e.actor })}>
                        <ActorName id={e.actor} name={e.actorName} />
                      </button>
                      {e.actorEmail && (
                        <div className="muted" translate="no">
                          {e.actorEmail}
                        </div>
                      )}
                      {/* An id no account answers to (a deleted one, or a forged row): shown whole, it is the evidence. */}
                      {!e.actorName && !e.actor.startsWith('system:') && e.actor !== me.id && (
                        <div>
                          <code translate="no">{e.actor}</code>
                        </div>
                      )}
                      {e.ip && (
                        <div className="muted" translate="no">
                          {e.ip}
                        </div>
                      )}
                    </td>
                    <td>
                      <code translate="no">{e.action}</code>
                    </td>
                    <td className="break">
                      {e.targetType || e.targetId ? (
                        <span translate="no">
                          {e.targetType && <span className="muted">{e.targetType} </span>}
                          {e.targetId && <code>{e.targetId}</code>}
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="break">
                      <details>
                        <summary>{t('audit.showDetails')}</summary>
                        {Object.keys(e.details).length > 0 && (
                          <pre className="audit-details" translate="no">
                            {JSON.stringify(e.details, null, 2)}
                          </pre>
                        )}
                        <dl className="audit-hashes">
                          <dt>{t('audit.hash')}</dt>
                          <dd>
                            <code translate="no">{e.hash}</code>
                          </dd>
                          <dt>{t('audit.prevHash')}</dt>
                          <dd>
                            <code translate="no">{e.prevHash}</code>
                          </dd>
                        </dl>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={offset} limit={LIMIT} total={events.data.total} isExact={events.data.totalIsExact} onChange={(o) => go({ offset: o })} />
        </>
      )}
    </main>
  );
}

/** The search form; remounted (from the address) whenever the applied filters change. */
function AuditFilters({ filters, onSearch }: { filters: Record<Filter, string>; onSearch: (f: Record<Filter, string>) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(filters);
  const active = FILTERS.some((f) => filters[f]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(Object.fromEntries(FILTERS.map((f) => [f, draft[f].trim()])) as Record<Filter, string>);
  };
  const clear = () => onSearch({ actor: '', action: '', targetId: '', from: '', to: '' });
  return (
    <>
      <form className="filters audit-filters" onSubmit={submit} aria-label={t('audit.filters')}>
        <div className="field">
          <label htmlFor="audit-actor">{t('audit.actor')}</label>
          <input id="audit-actor" translate="no" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} aria-describedby="audit-actor-hint" />
        </div>
        <div className="field">
          <label htmlFor="audit-action">{t('audit.action')}</label>
          <input id="audit-action" translate="no" list="audit-actions" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
          <datalist id="audit-actions">
            {KNOWN_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="audit-target">{t('audit.targetId')}</label>
          <input id="audit-target" translate="no" value={draft.targetId} onChange={(e) => setDraft({ ...draft, targetId: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-from">{t('audit.from')}</label>
          <input id="audit-from" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">{t('audit.to')}</label>
          <input id="audit-to" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <div className="field filter-buttons">
          <button type="submit" className="primary">
            {t('audit.search')}
          </button>
          {active && (
            <button type="button" onClick={clear}>
              {t('audit.clear')}
            </button>
          )}
        </div>
      </form>
      <ul className="muted filter-notes">
        <li id="audit-actor-hint">{t('audit.actorHint')}</li>
        <li>{t('audit.datesInJst')}</li>
      </ul>
    </>
  );
}
