import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { INFECTED_PASSWORD } from '../../../src/domain/evidence.js';
import { ApiError, api } from '../api/client';
import type { EvidenceItem, EvidenceItemView } from '../api/types';
import { useApi } from '../api/use-api';
import { formatBytes, hasControls, revealControls } from '../format';
import { currentLanguage } from '../i18n';
import { Link } from '../router';
import { useAccount } from '../session';
import { DateTime, ErrorNote, Loading } from './common';
import { CustodyLog, Hash, Who } from './evidence-details';
import { ExportEvidence } from './evidence-export';
import { DownloadMismatch, saveDownload } from './evidence-files';
import { HandOver } from './evidence-hand-over';
import { AddEvidence } from './evidence-upload';
import './evidence.css';

/**
 * The incident's evidence and its chain of custody (issue #7): every item
 * (report files, uploads, liveness captures, exports) with its hashes, who
 * collected it, when and from where; its custody log on demand (that look is
 * itself recorded); an upload; a download that is always a file, never shown
 * in the page (dangerous files only as the "infected" ZIP); an export of it
 * all with its manifest; a hand-over to someone outside.
 *
 * Everything about an item came from outside or from a handler: names are
 * text only, with direction controls made visible, and marked translate="no".
 */
export function EvidencePanel({ incidentId, onChanged }: { incidentId: string; onChanged: () => void }) {
  const { t } = useTranslation();
  const me = useAccount();
  // evidence.handle (services/access.policy.ts): auditors read, only leads and handlers add, export and hand over.
  const canHandle = me.roles.some((r) => r === 'lead' || r === 'handler');
  const base = `/api/incidents/${encodeURIComponent(incidentId)}`;
  const list = useApi<{ items: EvidenceItem[] }>(`${base}/evidence`);
  const items = list.data?.items ?? [];
  const refresh = () => {
    list.reload();
    onChanged();
  };

  return (
    <section className="panel evidence-panel" aria-labelledby="evidence-title">
      <div className="panel-head">
        <h2 id="evidence-title">{t('evidence.heading')}</h2>
        {list.data && (
          <span className="muted" data-testid="evidence-count">
            {t('evidence.count', { count: items.length })}
          </span>
        )}
      </div>
      <ErrorNote error={list.error} />
      {!list.data && list.isLoading && <Loading />}
      {list.data && items.length === 0 && <p className="muted">{t('evidence.none')}</p>}
      {items.length > 0 && (
        <ul className="evidence-list">
          {items.map((item) => (
            <EvidenceRow key={item.id} base={base} item={item} canHandle={canHandle} onChanged={refresh} onIntegrityFailure={() => list.reload()} />
          ))}
        </ul>
      )}
      {canHandle && <AddEvidence path={`${base}/evidence`} onAdded={refresh} />}
      {canHandle && list.data && <ExportEvidence base={base} items={items} onExported={refresh} />}
    </section>
  );
}

// ---------------------------------------------------------------------------
// One item

function EvidenceRow({
  base,
  item,
  canHandle,
  onChanged,
  onIntegrityFailure,
}: {
  base: string;
  item: EvidenceItem;
  canHandle: boolean;
  onChanged: () => void;
  onIntegrityFailure: () => void;
}) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const uid = useId();
  const id = `evidence-${item.id}`;
  const name = item.filename ?? t('evidence.noName');
  const [view, setView] = useState<EvidenceItemView | null>(null);
  const [logOpen, setLogOpen] = useState(false);
  const [handingOver, setHandingOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [flash, setFlash] = useState<ReactNode>(null);
  const itemPath = `${base}/evidence/${item.id}`;
  const gone = item.removedAt !== null;

  const failed = (err: unknown) => {
    setError(err);
    // A failed check is recorded on the item (and on every item with the same file): show it.
    if (err instanceof ApiError && (err.code === 'EVIDENCE_CORRUPT' || err.code === 'GONE')) onIntegrityFailure();
  };
  const loadLog = async () => {
    setBusy(true);
    setError(null);
    try {
      setView(await api<EvidenceItemView>('GET', itemPath));
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };
  const toggleLog = () => {
    if (logOpen) return setLogOpen(false);
    setLogOpen(true);
    void loadLog();
  };
  const download = async (as: 'original' | 'zip') => {
    setBusy(true);
    setError(null);
    setFlash(null);
    try {
      const got = await saveDownload(`${itemPath}/content${as === 'zip' ? '?as=zip' : ''}`, item.filename ?? `${item.sha256.slice(0, 16)}.bin`);
      if (!got.saved) {
        setError(new DownloadMismatch());
        return;
      }
      setFlash(
        <>
          {t('evidence.downloaded')} <bdi translate="no">{revealControls(got.name)}</bdi>
          {got.packed === 'encrypted-zip' ? (
            <span className="flash-line">
              {t('evidence.downloadedZip')} <code translate="no">{got.password ?? INFECTED_PASSWORD}</code>
            </span>
          ) : got.verified === true ? (
            <span className="flash-line">{t('evidence.downloadedVerified')}</span>
          ) : null}
        </>,
      );
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`evidence-item${item.integrityFailedAt ? ' evidence-failed' : ''}${gone ? ' evidence-gone' : ''}${item.dangerous ? ' evidence-dangerous' : ''}`} data-testid="evidence-item" aria-labelledby={`${id}-name`}>
      <div className="evidence-head">
        <span className="badge">{t(`evidence.kind.${item.kind}`)}</span>
        <span id={`${id}-name`} className="evidence-name break" translate="no">
          <bdi>{revealControls(name)}</bdi>
        </span>
        {item.filename && hasControls(item.filename) && <span className="mark mark-warn">{t('report.hiddenControls')}</span>}
        {item.dangerous === true && (
          <span className="mark mark-danger" data-testid="dangerous-mark">
            {t('evidence.dangerous')}
          </span>
        )}
        {item.dangerous === null && <span className="mark mark-plain">{t('evidence.notAssessed')}</span>}
        {item.integrityFailedAt && !gone && (
          <span className="mark mark-danger-solid" data-testid="integrity-mark">
            {t('evidence.integrityFailed')}
          </span>
        )}
        {gone && <span className="mark mark-plain">{t('evidence.removed')}</span>}
      </div>

      {item.integrityFailedAt && !gone && (
        <div className="evidence-alert" data-testid="evidence-corrupt">
          <strong>{t('error.EVIDENCE_CORRUPT')}</strong>{' '}
          <span>
            {t('evidence.integrityFailedAt')} <DateTime value={item.integrityFailedAt} />
          </span>
        </div>
      )}
      {gone && (
        <div className="evidence-alert evidence-alert-gone" data-testid="evidence-gone">
          <strong>{t('error.GONE')}</strong>{' '}
          <span>
            <DateTime value={item.removedAt} />
            {item.removedBy && (
              <>
                {' '}
                · <Who actor={item.removedBy} />
              </>
            )}
            {item.removedReason && (
              <>
                {' '}
                · <span translate="no">{item.removedReason}</span>
              </>
            )}
          </span>
        </div>
      )}

      <dl className="facts evidence-facts">
        <dt>{t('evidence.field.type')}</dt>
        <dd>
          <span translate="no">{item.mimeType}</span>
        </dd>
        <dt>{t('evidence.field.size')}</dt>
        <dd>{formatBytes(item.size, lng)}</dd>
        <dt>{t('evidence.field.collectedBy')}</dt>
        <dd>
          <Who actor={item.collectedBy} />
        </dd>
        <dt>{t('evidence.field.collectedAt')}</dt>
        <dd>
          <DateTime value={item.collectedAt} />
        </dd>
        <dt>{t('evidence.field.collectedFrom')}</dt>
        <dd className="break" translate="no">
          {revealControls(item.collectedFrom)}
        </dd>
        {item.reportId && (
          <>
            <dt>{t('evidence.field.report')}</dt>
            <dd>
              <Link to={`/reports/${item.reportId}`}>{t('evidence.openReport')}</Link>
            </dd>
          </>
        )}
        {item.note && (
          <>
            <dt>{t('evidence.field.note')}</dt>
            <dd className="note" translate="no">
              {item.note}
            </dd>
          </>
        )}
        {item.dangerous && item.dangerousReason && (
          <>
            <dt>{t('evidence.field.dangerousReason')}</dt>
            <dd className="break" translate="no">
              {item.dangerousReason}
            </dd>
          </>
        )}
      </dl>

      <dl className="evidence-hashes">
        <Hash label="SHA-256" value={item.sha256} testId="evidence-sha256" />
        {item.sha1 && <Hash label="SHA-1" value={item.sha1} testId="evidence-sha1" />}
        {item.md5 && <Hash label="MD5" value={item.md5} testId="evidence-md5" />}
      </dl>

      <div className="evidence-actions">
        <button type="button" className="primary" disabled={busy || gone} onClick={() => void download('original')} aria-describedby={`${id}-name ${uid}-dl`}>
          {t('evidence.download')}
        </button>
        {item.dangerous !== true && (
          <button type="button" disabled={busy || gone} onClick={() => void download('zip')} aria-describedby={`${id}-name`}>
            {t('evidence.downloadZip')}
          </button>
        )}
        <button type="button" disabled={busy} aria-expanded={logOpen} aria-controls={`${id}-log`} onClick={toggleLog} aria-describedby={`${id}-name`}>
          {t(logOpen ? 'evidence.custodyHide' : 'evidence.custodyShow')}
        </button>
        {canHandle && !gone && (
          <button type="button" disabled={busy} aria-expanded={handingOver} onClick={() => setHandingOver(!handingOver)} aria-describedby={`${id}-name`}>
            {t('evidence.handOver')}
          </button>
        )}
      </div>
      <p id={`${uid}-dl`} className="muted evidence-dl-hint">
        {item.dangerous === true ? (
          <>
            {t('evidence.downloadDangerousHint')} <code translate="no">{INFECTED_PASSWORD}</code>
          </>
        ) : item.dangerous === null ? (
          <>
            {t('evidence.downloadUnassessedHint')} <code translate="no">{INFECTED_PASSWORD}</code>
          </>
        ) : (
          t('evidence.downloadHint')
        )}
      </p>
      {flash && (
        <p className="flash" role="status" data-testid="evidence-flash">
          {flash}
        </p>
      )}
      {error instanceof DownloadMismatch ? (
        <p className="error" role="alert">
          {t('evidence.downloadMismatch')}
        </p>
      ) : (
        <ErrorNote error={error} />
      )}

      {handingOver && (
        <HandOver
          path={`${itemPath}/hand-over`}
          name={name}
          onDone={(v) => {
            setHandingOver(false);
            setView(v);
            setLogOpen(true);
            setFlash(t('evidence.handOverDone'));
            onChanged();
          }}
          onCancel={() => setHandingOver(false)}
          onIntegrityFailure={onIntegrityFailure}
        />
      )}
      <div id={`${id}-log`} hidden={!logOpen}>
        {logOpen && view && <CustodyLog name={name} events={view.custody} onReload={() => void loadLog()} busy={busy} />}
        {logOpen && !view && busy && <Loading />}
      </div>
    </li>
  );
}
