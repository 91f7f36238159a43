import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ROLES, type Role } from '../../../src/domain/actor.js';
import { LANGUAGES, type Language } from '../../../src/domain/organisation.schema.js';
import { ApiError, api, withQuery } from '../api/client';
import type { Account, AccountCreated, Organisation, Page } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Field, FormActions } from './common';

/** Each language named in itself (as the language switch does). */
export const LANGUAGE_NAMES: Record<Language, string> = { ja: '日本語', en: 'English' };

const keys = (s: string): string[] =>
  s
    .split(/[,\s、]+/)
    .map((x) => x.trim().toLowerCase())
    .filter(Boolean);

interface Draft {
  email: string;
  displayName: string;
  language: Language;
  roles: Role[];
  constituencies: string;
  organisationId: string;
  password: string;
}

/** Field issues from the server (path → message), worded for the reader; the server's own wording on the English screen. */
function issuesOf(err: unknown, t: TFunction, lng: string): Map<string, string> {
  const out = new Map<string, string>();
  if (err instanceof ApiError && err.code === 'VALIDATION')
    for (const i of err.issues) out.set(String(i.path[0] ?? ''), lng === 'en' ? i.message : t('validation.invalid'));
  return out;
}

/** Add an account (`account` null) or change one's roles, constituencies, language and organisation. */
export function AccountForm({ account, onSaved, onCancel }: { account: Account | null; onSaved: (r: AccountCreated) => void; onCancel: () => void }) {
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
