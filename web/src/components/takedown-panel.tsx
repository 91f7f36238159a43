import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { Takedown, TakedownOutcome, TakedownVerdict } from '../api/types';
import { useApi } from '../api/use-api';
import { currentLanguage } from '../i18n';
import { formatNumber, revealControls } from '../format';
import { DateTime, ErrorNote, Loading } from './common';
import './coordination.css';

/** A liveness verdict. "cloaked" has its own look and words: a cloaking site is not down. */
export function VerdictBadge({ verdict }: { verdict: TakedownVerdict | null }) {
  const { t } = useTranslation();
  if (!verdict) return <span className="muted">{t('takedown.notChecked')}</span>;
  return <span className={`badge verdict-${verdict}`}>{t(`verdict.${verdict}`)}</span>;
}

function Outcome({ o }: { o: TakedownOutcome }) {
  const { t } = useTranslation();
  return (
    <tr>
      <td translate="no">{o.profile}</td>
      <td>
        {o.status !== null ? <span translate="no">{o.status}</span> : <span className="muted">—</span>}
        {o.error && (
          <div className="muted break">
            <span translate="no">{o.errorKind ?? ''}</span> <span translate="no">{o.error}</span>
          </div>
        )}
      </td>
      <td className="break">
        {o.chain.length > 1 && (
          <ol className="chain">
            {o.chain.map((h, i) => (
              <li key={i}>
                <code translate="no">
                  {h.status} {h.url}
                </code>
              </li>
            ))}
          </ol>
        )}
        <code translate="no">{o.finalUrl}</code>
      </td>
      {/* The title is whatever the checked site says: text only, direction controls shown. */}
      <td className="break" translate="no">
        {o.title ? revealControls(o.title) : '—'}
      </td>
      <td className="break">
        {o.certificate ? (
          <>
            <span translate="no">{o.certificate.issuer ?? '—'}</span>{' '}
            {!o.certificate.authorized && <span className="mark mark-warn">{t('takedown.certUntrusted')}</span>}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>{o.bodySha256 ? <code translate="no" title={o.bodySha256}>{o.bodySha256.slice(0, 12)}…</code> : <span className="muted">—</span>}</td>
    </tr>
  );
}

function TakedownItem({ incidentId, d, onChanged }: { incidentId: string; d: Takedown; onChanged: (d: Takedown) => void }) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [open, setOpen] = useState(false);
  const last = d.checks[0];
  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api<Takedown>('POST', `/api/incidents/${encodeURIComponent(incidentId)}/takedowns/${d.id}/check`));
      setOpen(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="takedown" data-testid="takedown">
      <div className="coord-head">
        <code translate="no" className="break">
          {d.url}
        </code>
      </div>
      <div className="coord-head">
        <span className={`badge takedown-${d.state}`}>{t(`takedownState.${d.state}`)}</span>
        <span>
          {t('takedown.lastVerdict')}: <VerdictBadge verdict={d.lastVerdict} />
        </span>
        {d.verifiedAt && <span className="mark mark-ok">{t('takedown.verified')}</span>}
        <button type="button" onClick={() => void check()} disabled={busy}>
          {t('takedown.checkNow')}
        </button>
      </div>
      <dl className="facts">
        <dt>{t('takedown.reportedAt')}</dt>
        <dd>
          <DateTime value={d.reportedAt} />
        </dd>
        {d.requestedAt && (
          <>
            <dt>{t('takedown.requestedAt')}</dt>
            <dd>
              <DateTime value={d.requestedAt} />
            </dd>
          </>
        )}
        {d.downSince && (
          <>
            <dt>{t('takedown.downSince')}</dt>
            <dd>
              <DateTime value={d.downSince} />
            </dd>
          </>
        )}
        <dt>{t('takedown.timeToTakedown')}</dt>
        <dd>{d.hoursToTakedown === null ? <span className="muted">—</span> : t('takedown.hours', { value: formatNumber(Math.round(d.hoursToTakedown * 10) / 10, currentLanguage()) })}</dd>
        <dt>{t('takedown.lastCheck')}</dt>
        <dd>
          <DateTime value={d.lastCheckAt} />
        </dd>
      </dl>
      {d.lastVerdict === 'cloaked' && <p className="notice">{t('takedown.cloakedNote')}</p>}
      <ErrorNote error={error} />
      {last && (
        <>
          <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {t('takedown.showCheck', { count: last.outcomes.length })}
          </button>
          {open && (
            <div className="table-wrap">
              <table className="outcomes">
                <caption>
                  {t('takedown.checkAt')} <DateTime value={last.at} /> · <VerdictBadge verdict={last.verdict} />
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('takedown.profile')}</th>
                    <th scope="col">{t('takedown.status')}</th>
                    <th scope="col">{t('takedown.finalUrl')}</th>
                    <th scope="col">{t('takedown.pageTitle')}</th>
                    <th scope="col">{t('takedown.certificate')}</th>
                    <th scope="col">{t('takedown.bodyHash')}</th>
                  </tr>
                </thead>
                <tbody>
                  {last.outcomes.map((o) => (
                    <Outcome key={o.profile} o={o} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </li>
  );
}

/** The incident's URLs being taken down: state, what the last check saw from each browser profile, and "check now". */
export function TakedownPanel({ incidentId }: { incidentId: string }) {
  const { t } = useTranslation();
  const list = useApi<{ items: Takedown[] }>(`/api/incidents/${encodeURIComponent(incidentId)}/takedowns`);
  const [items, setItems] = useState<Takedown[] | null>(null);
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const shown = items ?? list.data?.items ?? null;
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!url.trim()) return;
    setBusy(true);
    setError(null);
    try {
      const created = await api<Takedown>('POST', `/api/incidents/${encodeURIComponent(incidentId)}/takedowns`, { url: url.trim() });
      setItems([...(shown ?? []).filter((x) => x.id !== created.id), created]);
      setUrl('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const replace = (d: Takedown) => setItems((shown ?? []).map((x) => (x.id === d.id ? d : x)));
  return (
    <section className="panel" aria-labelledby="takedowns-title">
      <h2 id="takedowns-title">{t('takedown.heading')}</h2>
      <form className="inline-fields" onSubmit={(e) => void add(e)}>
        <label htmlFor="takedown-url">{t('takedown.url')}</label>
        <input id="takedown-url" value={url} onChange={(e) => setUrl(e.target.value)} translate="no" className="grow" />
        <button type="submit" disabled={busy}>
          {t('takedown.add')}
        </button>
      </form>
      <ErrorNote error={error ?? list.error} />
      {!shown && list.isLoading && <Loading />}
      {shown && shown.length === 0 && <p className="muted">{t('takedown.none')}</p>}
      {shown && shown.length > 0 && (
        <ul className="coordinations">
          {shown.map((d) => (
            <TakedownItem key={d.id} incidentId={incidentId} d={d} onChanged={replace} />
          ))}
        </ul>
      )}
    </section>
  );
}
