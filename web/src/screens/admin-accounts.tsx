import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ROLES, type Role } from '../../../src/domain/actor.js';
import { LANGUAGES, type Language } from '../../../src/domain/organisation.schema.js';
import { ApiError, api, withQuery } from '../api/client';
import type { Account, AccountCreated, Organisation, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { ConfirmDialog, DateTime, ErrorNote, Field, FormActions, Loading } from '../components/common';
import { CopyButton } from '../components/copy-button';
import { useAccount } from '../session';
import '../components/steering.css';
import '../components/admin.css';

/** Each language named in itself (as the language switch does). */
const LANGUAGE_NAMES: Record<Language, string> = { ja: '日本語', en: 'English' };

const keys = (s: string): string[] =>
  s
    .split(/[,\s、]+/)
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);

/** Field issues from the server (path → message), worded for the reader; the server's own wording on the English screen. */
function issuesOf(err: unknown, t: TFunction, lng: string): Map<string, string> {
  const out = new Map<string, string>();
  if (err instanceof ApiError && err.code === 'VALIDATION')
    for (const i of err.issues) out.set(String(i.path[0] ?? ''), lng === 'en' ? i.message : t('validation.invalid'));
  return out;
}

/** Every account, for administrators: add one, change its roles and constituencies, disable it (its sessions end at once). */
export function AccountsScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  const isAdmin = me.roles.includes('administrator');
  const accounts = useApi<{ items: Account[] }>(isAdmin ? '/api/accounts' : null);
  const [filter, setFilter] = useState('');
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Account | null>(null);
  const [disabling, setDisabling] = useState<Account | null>(null);
  const [created, setCreated] = useState<AccountCreated | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (!isAdmin)
    return (
      <main id="main">
        <h1>{t('accounts.heading')}</h1>
        <p className="error" role="alert">
          {t('error.FORBIDDEN')}
        </p>
      </main>
    );

  const setDisabled = async (account: Account, isDisabled: boolean) => {
    setBusy(true);
    setError(null);
    setFlash(null);
    try {
      const saved = await api<Account>('PATCH', `/api/accounts/${account.id}`, { isDisabled });
      setFlash(t(saved.isDisabled ? 'accounts.disabledNow' : 'accounts.enabledNow', { email: saved.email }));
      setCreated(null);
      setDisabling(null);
      accounts.reload();
    } catch (err) {
      setError(err);
      setDisabling(null);
    } finally {
      setBusy(false);
    }
  };

  const needle = filter.trim().toLowerCase();
  const shown = (accounts.data?.items ?? []).filter((a) => !needle || a.email.includes(needle) || a.displayName.toLowerCase().includes(needle));

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('accounts.heading')}</h1>
        {!adding && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setAdding(true);
              setEditing(null);
              setCreated(null);
              setFlash(null);
            }}
          >
            {t('accounts.add')}
          </button>
        )}
      </div>
      <p className="muted">{t('accounts.intro')}</p>
      {flash && (
        <p className="flash" role="status">
          <span translate="no">{flash}</span>
        </p>
      )}
      {created && <CreatedNotice created={created} onDone={() => setCreated(null)} />}
      <ErrorNote error={error} />
      {adding && (
        <AccountForm
          account={null}
          onCancel={() => setAdding(false)}
          onSaved={(result) => {
            setAdding(false);
            setCreated(result);
            accounts.reload();
          }}
        />
      )}
      {editing && (
        <AccountForm
          key={editing.id}
          account={editing}
          onCancel={() => setEditing(null)}
          onSaved={(result) => {
            setEditing(null);
            setCreated(null);
            setFlash(t('accounts.saved', { email: result.account.email }));
            accounts.reload();
          }}
        />
      )}
      <div className="inline-fields admin-filter">
        <label htmlFor="accounts-filter">{t('accounts.filter')}</label>
        <input id="accounts-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <ErrorNote error={accounts.error} />
      {!accounts.data && accounts.isLoading && <Loading />}
      {accounts.data && shown.length === 0 && <p className="empty">{t('accounts.none')}</p>}
      {accounts.data && shown.length > 0 && (
        <div className="table-wrap">
          <table className="admin-table" aria-label={t('accounts.tableLabel')}>
            <thead>
              <tr>
                <th scope="col">{t('accounts.email')}</th>
                <th scope="col">{t('accounts.name')}</th>
                <th scope="col">{t('accounts.language')}</th>
                <th scope="col">{t('accounts.roles')}</th>
                <th scope="col">{t('accounts.constituencies')}</th>
                <th scope="col">{t('accounts.totp')}</th>
                <th scope="col">{t('accounts.state')}</th>
                <th scope="col">{t('accounts.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <tr key={a.id} data-testid="account-row" className={a.isDisabled ? 'row-disabled' : undefined}>
                  <td translate="no" className="break" id={`account-${a.id}`}>
                    {a.email}
                  </td>
                  <td translate="no" className="break">
                    {a.displayName}
                    {a.id === me.id && <span className="muted"> {t('accounts.you')}</span>}
                  </td>
                  <td lang={a.language}>{LANGUAGE_NAMES[a.language]}</td>
                  <td>
                    {a.roles.map((r) => (
                      <span key={r} className="chip">
                        {t(`role.${r}`)}
                      </span>
                    ))}
                  </td>
                  <td>{a.constituencies.length ? <span translate="no">{a.constituencies.join(', ')}</span> : <span className="muted">{t('accounts.allConstituencies')}</span>}</td>
                  <td>
                    <span className={`badge ${a.isTotpEnabled ? 'state-ok' : 'state-off'}`}>{t(a.isTotpEnabled ? 'accounts.totpEnrolled' : 'accounts.totpNotEnrolled')}</span>
                  </td>
                  <td>
                    <span className={`badge ${a.isDisabled ? 'state-bad' : 'state-ok'}`}>{t(a.isDisabled ? 'accounts.disabled' : 'accounts.active')}</span>
                  </td>
                  <td>
                    <div className="row-actions">
                      <button
                        type="button"
                        aria-describedby={`account-${a.id}`}
                        onClick={() => {
                          setEditing(a);
                          setAdding(false);
                          setFlash(null);
                        }}
                      >
                        {t('accounts.edit')}
                      </button>
                      {a.isDisabled ? (
                        <button type="button" disabled={busy} aria-describedby={`account-${a.id}`} onClick={() => void setDisabled(a, false)}>
                          {t('accounts.enable')}
                        </button>
                      ) : (
                        <button type="button" disabled={busy} aria-describedby={`account-${a.id}`} onClick={() => setDisabling(a)}>
                          {t('accounts.disable')}
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        target={disabling}
        title={t('accounts.disableTitle')}
        question={t('accounts.disableConfirm')}
        name={(account) => account.email}
        warning={t('accounts.disableWarning')}
        action={t('accounts.disable')}
        busy={busy}
        onClose={() => setDisabling(null)}
        onConfirm={(account) => void setDisabled(account, true)}
      />
    </main>
  );
}

/** The new account, and its password once when Renkei made one. */
function CreatedNotice({ created, onDone }: { created: AccountCreated; onDone: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="panel once-panel" aria-labelledby="account-created-title" data-testid="account-created">
      <h2 id="account-created-title">{t('accounts.createdTitle')}</h2>
      <p>
        {t('accounts.createdText')} <strong translate="no">{created.account.email}</strong>
      </p>
      {created.initialPassword && (
        <>
          <p className="notice" role="alert">
            {t('accounts.passwordOnce')}
          </p>
          <div className="secret-row">
            <span id="initial-password-label" className="secret-label">
              {t('accounts.initialPassword')}
            </span>
            <code translate="no" data-testid="initial-password" aria-labelledby="initial-password-label">
              {created.initialPassword}
            </code>
            <CopyButton text={created.initialPassword} label={t('accounts.copyPassword')} />
          </div>
        </>
      )}
      <button type="button" onClick={onDone}>
        {t('common.close')}
      </button>
    </section>
  );
}

interface Draft {
  email: string;
  displayName: string;
  language: Language;
  roles: Role[];
  constituencies: string;
  organisationId: string;
  password: string;
}

/** Add an account (`account` null) or change one's roles, constituencies, language and organisation. */
function AccountForm({ account, onSaved, onCancel }: { account: Account | null; onSaved: (r: AccountCreated) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const [d, setD] = useState<Draft>(() => ({
    email: account?.email ?? '',
    displayName: account?.displayName ?? '',
    language: account?.language ?? (i18n.language === 'en' ? 'en' : 'ja'),
    roles: account ? [...account.roles] : ['handler'],
    constituencies: account?.constituencies.join(', ') ?? '',
    organisationId: account?.organisationId ?? '',
    password: '',
  }));
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Map<string, string>>(new Map());
  const [busy, setBusy] = useState(false);
  const isPartner = d.roles.includes('partner');
  const orgs = useApi<Page<Organisation>>(isPartner ? withQuery('/api/organisations', { limit: 200 }) : null);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const server = issuesOf(error, t, i18n.language);
  const issue = (k: string) => local.get(k) ?? server.get(k);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found = new Map<string, string>();
    if (!account && !d.email.trim()) found.set('email', t('validation.required'));
    if (!d.displayName.trim()) found.set('displayName', t('validation.required'));
    if (d.roles.length === 0) found.set('roles', t('accounts.needRole'));
    if (isPartner && !d.organisationId) found.set('organisationId', t('accounts.needOrganisation'));
    setLocal(found);
    setError(null);
    if (found.size) return;
    const common = {
      displayName: d.displayName.trim(),
      language: d.language,
      roles: d.roles,
      constituencies: keys(d.constituencies),
      organisationId: isPartner ? d.organisationId : null,
    };
    setBusy(true);
    try {
      if (account) onSaved({ account: await api<Account>('PATCH', `/api/accounts/${account.id}`, common) });
      else onSaved(await api<AccountCreated>('POST', '/api/accounts', { ...common, email: d.email.trim(), ...(d.password ? { password: d.password } : {}) }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel admin-form" onSubmit={(e) => void submit(e)} aria-labelledby="account-form-title" noValidate>
      <h2 id="account-form-title">{account ? t('accounts.editTitle') : t('accounts.addTitle')}</h2>
      {account && (
        <p translate="no">
          <strong>{account.email}</strong>
        </p>
      )}
      <div className="form-grid">
        {!account && (
          <Field label={t('accounts.email')} error={issue('email')}>
            {(id, dsc) => (
              <input
                id={id}
                type="email"
                autoComplete="off"
                aria-describedby={dsc}
                aria-invalid={issue('email') ? true : undefined}
                value={d.email}
                onChange={(e) => set('email', e.target.value)}
                maxLength={320}
                required
                autoFocus
              />
            )}
          </Field>
        )}
        <Field label={t('accounts.name')} error={issue('displayName')}>
          {(id, dsc) => (
            <input
              id={id}
              aria-describedby={dsc}
              aria-invalid={issue('displayName') ? true : undefined}
              value={d.displayName}
              onChange={(e) => set('displayName', e.target.value)}
              maxLength={200}
              required
              autoFocus={account !== null}
            />
          )}
        </Field>
        <Field label={t('accounts.language')}>
          {(id) => (
            <select id={id} value={d.language} onChange={(e) => set('language', e.target.value as Language)}>
              {LANGUAGES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className={issue('roles') ? 'has-error' : undefined} aria-describedby="roles-hint">
        <legend>{t('accounts.roles')}</legend>
        <div className="checks">
          {ROLES.map((r) => (
            <label key={r}>
              <input type="checkbox" checked={d.roles.includes(r)} onChange={(e) => set('roles', e.target.checked ? [...d.roles, r] : d.roles.filter((x) => x !== r))} />
              {t(`role.${r}`)}
            </label>
          ))}
        </div>
        <small id="roles-hint" className="muted">
          {t('accounts.rolesHint')}
        </small>
        {issue('roles') && <small className="field-error">{issue('roles')}</small>}
      </fieldset>
      <div className="form-grid">
        <Field label={t('accounts.constituencies')} hint={t('accounts.constituenciesHint')} error={issue('constituencies')}>
          {(id, dsc) => <input id={id} aria-describedby={dsc} translate="no" value={d.constituencies} onChange={(e) => set('constituencies', e.target.value)} />}
        </Field>
        {isPartner && (
          <Field label={t('accounts.organisation')} error={issue('organisationId')}>
            {(id, dsc) => (
              <select id={id} aria-describedby={dsc} value={d.organisationId} onChange={(e) => set('organisationId', e.target.value)}>
                <option value="">{t('accounts.chooseOrganisation')}</option>
                {(orgs.data?.items ?? []).map((o) => (
                  <option key={o.id} value={o.id} translate="no">
                    {o.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {!account && (
          <Field label={t('accounts.password')} hint={t('accounts.passwordHint')} error={issue('password')}>
            {(id, dsc) => <input id={id} type="password" autoComplete="new-password" aria-describedby={dsc} value={d.password} onChange={(e) => set('password', e.target.value)} />}
          </Field>
        )}
      </div>
      {!(error instanceof ApiError && error.code === 'VALIDATION' && server.size > 0) && <ErrorNote error={error} />}
      {error instanceof ApiError && error.code === 'VALIDATION' && server.size > 0 && (
        <p className="error" role="alert">
          {t('error.VALIDATION')}
        </p>
      )}
      {account && (
        <p className="muted">
          {t('accounts.createdAt')}: <DateTime value={account.createdAt} /> · {t('accounts.updatedAt')}: <DateTime value={account.updatedAt} />
        </p>
      )}
      <FormActions onCancel={onCancel} busy={busy} submit={account ? t('common.save') : t('accounts.create')} />
    </form>
  );
}
