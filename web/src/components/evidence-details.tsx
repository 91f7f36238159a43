import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustodyEvent } from '../api/types';
import { revealControls } from '../format';
import { useAccount } from '../session';
import { DateTime } from './common';

// The pieces of one evidence item's details: who did something, a hash to copy, the chain of custody.

/** Who did it: you, Renkei itself (a system job), or another account (its id; the full one on hover). */
export function Who({ actor }: { actor: string }) {
  const { t } = useTranslation();
  const me = useAccount();
  if (actor === me.id) return <>{t('timeline.you')}</>;
  if (actor.startsWith('system:'))
    return (
      <>
        {t('timeline.system')} (<code translate="no">{actor.slice('system:'.length)}</code>)
      </>
    );
  return (
    <>
      {t('timeline.someone')}{' '}
      <code translate="no" title={actor}>
        {actor.length > 12 ? `${actor.slice(0, 8)}…` : actor}
      </code>
    </>
  );
}

/** A hash in monospace, selected whole on a click, with a copy button that says what it copied. */
export function Hash({ label, value, testId }: { label: string; value: string; testId: string }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <div className="evidence-hash">
      <dt translate="no">{label}</dt>
      <dd>
        <code className="hash-value" translate="no" data-testid={testId}>
          {value}
        </code>
        <button type="button" className="hash-copy" onClick={() => void copy()} aria-label={t('evidence.copyLabel', { hash: label })}>
          {t('evidence.copy')}
        </button>
        <span role="status" className="muted hash-copy-status">
          {copied === 'yes' ? t('evidence.copied') : copied === 'no' ? t('evidence.copyFailed') : ''}
        </span>
      </dd>
    </div>
  );
}

const DETAIL_KEYS = [
  'recipient',
  'method',
  'note',
  'packed',
  'dangerous',
  'sha256',
  'sha256Verified',
  'exportItemId',
  'exportSha256',
  'problem',
  'message',
  'expectedSha256',
  'actualSha256',
  'collectedFrom',
  'collectedAt',
  'uploadedAt',
  'incident',
  'reportId',
  'channel',
  'url',
  'finalUrl',
  'profile',
  'items',
  'reason',
  'coordination',
] as const;
const TIMES = new Set(['collectedAt', 'uploadedAt']);
const HASHES = /sha256|Sha256|^exportItemId$|^reportId$/;

function DetailValue({ k, v }: { k: string; v: unknown }) {
  const { t } = useTranslation();
  if (typeof v === 'boolean') return <>{t(v ? 'evidence.yes' : 'common.no')}</>;
  if (Array.isArray(v)) return <>{t('evidence.itemCount', { count: v.length })}</>;
  if (typeof v === 'string') {
    if (TIMES.has(k)) return <DateTime value={v} />;
    if (k === 'packed' && (v === 'original' || v === 'encrypted-zip')) return <>{t(`evidence.packed.${v}`)}</>;
    if (k === 'problem' && (v === 'missing' || v === 'mismatch')) return <>{t(`evidence.problem.${v}`)}</>;
    if (k === 'channel') return <>{t(`channel.${v}`, { defaultValue: v })}</>;
    if (HASHES.test(k)) return <code translate="no">{v}</code>;
    return <span translate="no">{revealControls(v)}</span>;
  }
  return <code translate="no">{JSON.stringify(v)}</code>;
}

/** Every event of the item, oldest first: who did what, when, and what they recorded with it. */
export function CustodyLog({ name, events, onReload, busy }: { name: string; events: CustodyEvent[]; onReload: () => void; busy: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="custody" data-testid="custody-log">
      <div className="table-wrap">
        <table className="custody-table">
          <caption>
            {t('evidence.custodyCaption')} <bdi translate="no">{revealControls(name)}</bdi>
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('evidence.custody.at')}</th>
              <th scope="col">{t('evidence.custody.actor')}</th>
              <th scope="col">{t('evidence.custody.action')}</th>
              <th scope="col">{t('evidence.custody.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => {
              const known = DETAIL_KEYS.filter((k) => e.detail[k] !== undefined && e.detail[k] !== null);
              const other = Object.keys(e.detail).filter((k) => !(DETAIL_KEYS as readonly string[]).includes(k) && e.detail[k] !== undefined && e.detail[k] !== null);
              return (
                <tr key={e.id} data-testid="custody-event" className={`custody-${e.action}`}>
                  <td>
                    <DateTime value={e.at} />
                  </td>
                  <td className="custody-who">
                    <Who actor={e.actor} />
                  </td>
                  <td>
                    <span className={`badge custody-action custody-action-${e.action}`}>{t(`evidence.action.${e.action}`)}</span>
                  </td>
                  <td className="break">
                    {known.length + other.length > 0 && (
                      <dl className="custody-detail">
                        {known.map((k) => (
                          <div key={k}>
                            <dt>{t(`evidence.detail.${k}`)}</dt>
                            <dd>
                              <DetailValue k={k} v={e.detail[k]} />
                            </dd>
                          </div>
                        ))}
                        {other.map((k) => (
                          <div key={k}>
                            <dt translate="no">{k}</dt>
                            <dd>
                              <DetailValue k={k} v={e.detail[k]} />
                            </dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="muted custody-note">
        {t('evidence.custodyNote')}{' '}
        <button type="button" className="link-button" onClick={onReload} disabled={busy}>
          {t('evidence.custodyReload')}
        </button>
      </p>
    </div>
  );
}
