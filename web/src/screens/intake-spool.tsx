import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, get } from '../api/client';
import { useApi } from '../api/use-api';
import { DateTime, Dialog, ErrorNote, Loading } from '../components/common';
import type { SpoolCounts, TroubledMail, TroubledPage } from '../../../src/domain/spooled-mail.js';
import { rolesMay } from '../../../src/domain/capabilities.js';
import { useAccount } from '../session';
import '../components/steering.css';
import '../components/admin.css';

const FIRST_PAGE = '/api/intake/spool/troubled';

/**
 * Mail acknowledged (250) and not yet a report: those waiting to be tried
 * again and those held, with why (in the reader's language, the server's
 * own words beside it), a page at a time; download one, try one again, or
 * every held mail at once after mending what held them.
 */
export function IntakeSpoolScreen() {
  const { t } = useTranslation();
  const me = useAccount();
  const allowed = rolesMay(me.roles, 'intake.spool');
  const mayReadBytes = rolesMay(me.roles, 'intake.spool-raw');
  const counts = useApi<SpoolCounts>(allowed ? '/api/intake/spool' : null);
  const first = useApi<TroubledPage>(allowed ? FIRST_PAGE : null);
  // Pages after the first, as "Show more" fetched them, with the first page they continue: shown only with that one.
  const [later, setLater] = useState<{ of: TroubledPage | null; pages: TroubledPage[] }>({ of: null, pages: [] });
  const [flash, setFlash] = useState<ReactNode>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmAll, setConfirmAll] = useState(false);

  const act = async (key: string, run: () => Promise<ReactNode>) => {
    setBusy(key);
    setError(null);
    setFlash(null);
    try {
      setFlash(await run());
      counts.reload();
      first.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  const release = (mail: TroubledMail) =>
    act(mail.id, async () => {
      await api<undefined>('POST', `/api/intake/spool/${encodeURIComponent(mail.id)}/release`);
      // The id is no word of either language: marked so, inside the sentence.
      const [before, after] = t('spool.released', { id: '\u0000', interpolation: { escapeValue: false } }).split('\u0000');
      return (
        <>
          {before}
          <span translate="no">{mail.id}</span>
          {after}
        </>
      );
    });
  const releaseAll = () =>
    act('all', async () => {
      setConfirmAll(false);
      const { released } = await api<{ released: number }>('POST', '/api/intake/spool/release-held');
      return t('spool.releasedAll', { count: released });
    });
  const showMore = async (after: string) => {
    setBusy('more');
    setError(null);
    try {
      const of = first.data!;
      const page = await get<TroubledPage>(FIRST_PAGE, { after });
      // A release may reload the first page meanwhile: this page then continues a list no longer shown, and is not shown.
      setLater((l) => ({ of, pages: l.of === of ? [...l.pages, page] : [page] }));
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
  const pages = first.data ? [first.data, ...(later.of === first.data ? later.pages : [])] : [];
  const items = pages.flatMap((p) => p.items);
  const next = pages.at(-1)?.next ?? null;
  const held = counts.data?.held ?? 0;
  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('spool.heading')}</h1>
        {held > 0 && (
          <button type="button" disabled={busy !== null} onClick={() => setConfirmAll(true)}>
            {t('spool.releaseAll', { count: held })}
          </button>
        )}
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
      <ErrorNote error={error ?? counts.error ?? first.error} />
      {first.isLoading && !first.data ? (
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
                <td className="nowrap">{t('spool.bytes', { count: m.size })}</td>
                <td>
                  {m.held ? (
                    <strong className="nowrap">{t('spool.held')}</strong>
                  ) : (
                    <>
                      {t('spool.waiting', { count: m.attempts })} <DateTime value={m.nextAttemptAt} />
                    </>
                  )}
                </td>
                <td className="break">
                  {m.heldReason && <div>{t(`spool.heldReasons.${m.heldReason}`, { count: m.attempts })}</div>}
                  {m.lastError && (
                    <div className="muted">
                      <span className="visually-hidden">{t('spool.serverWords')} </span>
                      <span translate="no" lang="en">
                        {m.lastError}
                      </span>
                    </div>
                  )}
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
      {next && (
        <p>
          <span className="muted">{t('spool.shown', { count: items.length })}</span>{' '}
          <button type="button" disabled={busy !== null} onClick={() => void showMore(next)}>
            {t('spool.more')}
          </button>
        </p>
      )}
      <Dialog title={t('spool.releaseAllTitle')} open={confirmAll} onClose={() => setConfirmAll(false)}>
        <p>{t('spool.releaseAllConfirm', { count: held })}</p>
        <div className="dialog-actions">
          <button type="button" onClick={() => setConfirmAll(false)}>
            {t('common.cancel')}
          </button>
          <button type="button" disabled={busy !== null} onClick={() => void releaseAll()}>
            {t('spool.releaseAll', { count: held })}
          </button>
        </div>
      </Dialog>
    </main>
  );
}
