import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { TOKEN_SCOPES, type TokenScope } from '../../../src/domain/actor.js';
import { ApiError, api } from '../api/client';
import type { ApiToken, ApiTokenCreated } from '../api/types';
import { useApi } from '../api/use-api';
import { ConfirmDialog, DateTime, ErrorNote, Field, FormActions, Loading } from '../components/common';
import { CopyButton } from '../components/copy-button';
import { useAccount } from '../session';
import '../components/steering.css';
import '../components/admin.css';

/** Expiry choices in days; '' is no expiry. */
const EXPIRIES = ['30', '90', '180', '365', ''] as const;

/** A scope as a translation key: i18next reads `:` as a namespace separator. */
const scopeKey = (scope: TokenScope): string => scope.replace(':', '-');

type TokenState = 'active' | 'expired' | 'revoked';
const stateOf = (token: ApiToken, now: number): TokenState =>
  token.revokedAt ? 'revoked' : token.expiresAt && Date.parse(token.expiresAt) <= now ? 'expired' : 'active';

/** My API tokens: create one (shown once), see when each was last used, revoke. */
export function TokensScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  const tokens = useApi<{ items: ApiToken[] }>('/api/tokens');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiTokenCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [now] = useState(() => Date.now());
  // The admin scope is worth something only to an administrator.
  const scopes = TOKEN_SCOPES.filter((s) => s !== 'admin' || me.roles.includes('administrator'));

  const revoke = async (token: ApiToken) => {
    setBusy(true);
    setError(null);
    setFlash(null);
    try {
      await api<undefined>('DELETE', `/api/tokens/${token.id}`);
      setFlash(t('tokens.revokedNow', { name: token.name }));
      tokens.reload();
    } catch (err) {
      setError(err);
    } finally {
      setRevoking(null);
      setBusy(false);
    }
  };

  const items = [...(tokens.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('tokens.heading')}</h1>
        {!creating && !created && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setCreating(true);
              setFlash(null);
            }}
          >
            {t('tokens.create')}
          </button>
        )}
      </div>
      <p className="muted">{t('tokens.intro')}</p>
      {flash && (
        <p className="flash" role="status">
          <span translate="no">{flash}</span>
        </p>
      )}
      <ErrorNote error={error} />
      {created && (
        <section className="panel once-panel" aria-labelledby="token-created-title" data-testid="token-created">
          <h2 id="token-created-title">{t('tokens.createdTitle')}</h2>
          <p className="notice" role="alert">
            {t('tokens.once')}
          </p>
          <div className="secret-row">
            <span id="new-token-label" className="secret-label">
              <span translate="no">{created.apiToken.name}</span>
            </span>
            <code translate="no" data-testid="new-token" aria-labelledby="new-token-label">
              {created.token}
            </code>
            <CopyButton text={created.token} label={t('tokens.copy')} />
          </div>
          <p className="muted">
            {t('tokens.howToUse')} <code translate="no">Authorization: Bearer rk_…</code>
          </p>
          <button type="button" className="primary" onClick={() => setCreated(null)}>
            {t('tokens.savedIt')}
          </button>
        </section>
      )}
      {creating && (
        <TokenForm
          scopes={scopes}
          onCancel={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
            tokens.reload();
          }}
        />
      )}
      <ErrorNote error={tokens.error} />
      {!tokens.data && tokens.isLoading && <Loading />}
      {tokens.data && items.length === 0 && <p className="empty">{t('tokens.none')}</p>}
      {tokens.data && items.length > 0 && (
        <div className="table-wrap">
          <table className="admin-table" aria-label={t('tokens.tableLabel')}>
            <thead>
              <tr>
                <th scope="col">{t('tokens.name')}</th>
                <th scope="col">{t('tokens.scopes')}</th>
                <th scope="col">{t('tokens.createdAt')}</th>
                <th scope="col">{t('tokens.expiresAt')}</th>
                <th scope="col">{t('tokens.lastUsedAt')}</th>
                <th scope="col">{t('tokens.state')}</th>
                <th scope="col">{t('tokens.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((tk) => {
                const state = stateOf(tk, now);
                return (
                  <tr key={tk.id} data-testid="token-row" className={state === 'active' ? undefined : 'row-disabled'}>
                    <td translate="no" className="break" id={`token-${tk.id}`}>
                      {tk.name}
                    </td>
                    <td>
                      {tk.scopes.map((s) => (
                        <span key={s} className="chip">
                          {t(`tokenScope.${scopeKey(s)}`)}
                        </span>
                      ))}
                    </td>
                    <td>
                      <DateTime value={tk.createdAt} />
                    </td>
                    <td>{tk.expiresAt ? <DateTime value={tk.expiresAt} /> : <span className="muted">{t('tokens.noExpiry')}</span>}</td>
                    <td>{tk.lastUsedAt ? <DateTime value={tk.lastUsedAt} /> : <span className="muted">{t('tokens.neverUsed')}</span>}</td>
                    <td>
                      <span className={`badge ${state === 'active' ? 'state-ok' : 'state-bad'}`}>{t(`tokens.stateName.${state}`)}</span>
                      {tk.revokedAt && (
                        <div className="muted">
                          <DateTime value={tk.revokedAt} />
                        </div>
                      )}
                    </td>
                    <td>
                      {state !== 'revoked' && (
                        <button type="button" disabled={busy} aria-describedby={`token-${tk.id}`} onClick={() => setRevoking(tk)}>
                          {t('tokens.revoke')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        target={revoking}
        title={t('tokens.revokeTitle')}
        question={t('tokens.revokeConfirm')}
        name={(token) => token.name}
        warning={t('tokens.revokeWarning')}
        action={t('tokens.revoke')}
        busy={busy}
        onClose={() => setRevoking(null)}
        onConfirm={(token) => void revoke(token)}
      />
    </main>
  );
}

function TokenForm({ scopes, onCreated, onCancel }: { scopes: readonly TokenScope[]; onCreated: (c: ApiTokenCreated) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<TokenScope[]>(['read']);
  const [expiry, setExpiry] = useState<(typeof EXPIRIES)[number]>('90');
  const [issues, setIssues] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = new Map<string, string>();
    if (!name.trim()) found.set('name', t('validation.required'));
    if (chosen.length === 0) found.set('scopes', t('tokens.needScope'));
    setIssues(found);
    setError(null);
    if (found.size) return;
    setBusy(true);
    try {
      onCreated(await api<ApiTokenCreated>('POST', '/api/tokens', { name: name.trim(), scopes: chosen, ...(expiry ? { expiresInDays: Number(expiry) } : {}) }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION')
        setIssues(new Map(err.issues.map((i) => [String(i.path[0] ?? ''), i18n.language === 'en' ? i.message : t('validation.invalid')])));
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel admin-form" onSubmit={(e) => void submit(e)} aria-labelledby="token-form-title" noValidate>
      <h2 id="token-form-title">{t('tokens.createTitle')}</h2>
      <div className="form-grid">
        <Field label={t('tokens.name')} hint={t('tokens.nameHint')} error={issues.get('name')}>
          {(id, dsc) => <input id={id} aria-describedby={dsc} aria-invalid={issues.get('name') ? true : undefined} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required autoFocus />}
        </Field>
        <Field label={t('tokens.expiry')} error={issues.get('expiresInDays')}>
          {(id, dsc) => (
            <select id={id} aria-describedby={dsc} value={expiry} onChange={(e) => setExpiry(e.target.value as (typeof EXPIRIES)[number])}>
              {EXPIRIES.map((d) => (
                <option key={d} value={d}>
                  {d ? t('tokens.days', { count: Number(d) }) : t('tokens.noExpiry')}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className={issues.get('scopes') ? 'has-error' : undefined}>
        <legend>{t('tokens.scopes')}</legend>
        <ul className="scope-choices">
          {scopes.map((s) => (
            <li key={s}>
              <label>
                <input type="checkbox" checked={chosen.includes(s)} onChange={(e) => setChosen(e.target.checked ? [...chosen, s] : chosen.filter((x) => x !== s))} aria-describedby={`scope-${scopeKey(s)}-hint`} />
                {t(`tokenScope.${scopeKey(s)}`)}
              </label>
              <small id={`scope-${scopeKey(s)}-hint`} className="muted">
                {t(`tokenScopeHint.${scopeKey(s)}`)}
              </small>
            </li>
          ))}
        </ul>
        {issues.get('scopes') && <small className="field-error">{issues.get('scopes')}</small>}
      </fieldset>
      {!(error instanceof ApiError && error.code === 'VALIDATION' && issues.size > 0) && <ErrorNote error={error} />}
      <FormActions onCancel={onCancel} busy={busy} submit={t('tokens.createSubmit')} />
    </form>
  );
}
