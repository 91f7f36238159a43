import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { Account, AccountCreated } from '../api/types';
import { useApi } from '../api/use-api';
import { AccountForm, LANGUAGE_NAMES } from '../components/account-form';
import { ConfirmDialog, ErrorNote, Loading } from '../components/common';
import { CopyButton } from '../components/copy-button';
import { useAccount } from '../session';
import '../components/steering.css';
import '../components/admin.css';

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
