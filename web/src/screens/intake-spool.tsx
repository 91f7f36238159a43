import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Loading } from '../components/common';
import type { SpoolCounts, TroubledMail } from '../../../src/domain/spooled-mail.js';
import { rolesMay } from '../../../src/domain/capabilities.js';
import { useAccount } from '../session';
import '../components/steering.css';
import '../components/admin.css';

/** The API lists the oldest 100. */
const TROUBLED_SHOWN = 100;

/** Mail acknowledged (250) and not yet a report: those waiting to be tried again and those held, with why; download, try again. */
export function IntakeSpoolScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  const allowed = rolesMay(me.roles, 'intake.spool');
  const mayReadBytes = rolesMay(me.roles, 'intake.spool-raw');
  const counts = useApi<SpoolCounts>(allowed ? '/api/intake/spool' : null);
  const troubled = useApi<{ items: TroubledMail[] }>(allowed ? '/api/intake/spool/troubled' : null);
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const release = async (mail: TroubledMail) => {
    setBusy(mail.id);
    setError(null);
    setFlash(null);
    try {
      await api<undefined>('POST', `/api/intake/spool/${encodeURIComponent(mail.id)}/release`);
      setFlash(t('spool.released', { id: mail.id, interpolation: { escapeValue: false } }));
      counts.reload();
      troubled.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  if (!allowed)
    return (
      <main id="main">
        <h1>{t('spool.heading')}</h1>
        <p>{t('spool.notAllowed')}</p>
      </main>
    );
  const items = troubled.data?.items ?? [];
  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('spool.heading')}</h1>
      </div>
      <p className="muted">{t('spool.intro')}</p>
      {counts.data && (
        <p>
          {t('spool.counts', { waiting: counts.data.waiting, held: counts.data.held })}
          {counts.data.oldestReceivedAt && (
            <>
              {' '}
              {t('spool.oldest')} <DateTime value={counts.data.oldestReceivedAt} />
            </>
          )}
        </p>
      )}
      {flash && (
        <p className="flash" role="status">
          {flash}
        </p>
      )}
      <ErrorNote error={error ?? counts.error ?? troubled.error} />
      {troubled.isLoading && !troubled.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p>{t('spool.empty')}</p>
      ) : (
        <table className="admin-table" aria-label={t('spool.tableLabel')}>
          <thead>
            <tr>
              <th scope="col">{t('spool.receivedAt')}</th>
              <th scope="col">{t('spool.from')}</th>
              <th scope="col">{t('spool.to')}</th>
              <th scope="col">{t('spool.size')}</th>
              <th scope="col">{t('spool.state')}</th>
              <th scope="col">{t('spool.reason')}</th>
              <th scope="col">{t('spool.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((m) => (
              <tr key={m.id}>
                <td>
                  <DateTime value={m.receivedAt} />
                </td>
                <td className="break" translate="no">
                  {m.mailFrom ?? '<>'}
                  {m.remoteAddress && <div className="muted">{m.remoteAddress}</div>}
                </td>
                <td className="break" translate="no">
                  {m.route ?? m.rcptTo.join(', ')}
                </td>
                <td>{t('spool.bytes', { count: m.size })}</td>
                <td>
                  {m.held ? (
                    <strong>{t('spool.held')}</strong>
                  ) : (
                    <>
                      {t('spool.waiting', { count: m.attempts })} <DateTime value={m.nextAttemptAt} />
                    </>
                  )}
                </td>
                <td className="break" translate="no">
                  {m.lastError}
                </td>
                <td>
                  {mayReadBytes && (
                    <a href={`/api/intake/spool/${encodeURIComponent(m.id)}/raw`} download>
                      {t('spool.download')}
                    </a>
                  )}{' '}
                  {m.held && (
                    <button type="button" disabled={busy !== null} onClick={() => void release(m)}>
                      {t('spool.release')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.length >= TROUBLED_SHOWN && <p className="muted">{t('spool.more', { count: items.length })}</p>}
    </main>
  );
}
