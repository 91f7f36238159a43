import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EVIDENCE_UPLOAD_MAX_BYTES, EvidenceHandOverSchema, EvidenceUploadSchema, INFECTED_PASSWORD } from '../../../src/domain/evidence.js';
import { ApiError, api } from '../api/client';
import type { ApiErrorBody, CustodyEvent, EvidenceItem, EvidenceItemView } from '../api/types';
import { useApi } from '../api/use-api';
import { formatBytes, hasControls, revealControls } from '../format';
import { currentLanguage } from '../i18n';
import { Link } from '../router';
import { useAccount } from '../session';
import { apiFieldErrors, zodFieldErrors } from '../validation';
import { DateTime, ErrorNote, Field, Loading } from './common';
import { fromJstInput } from './incident-edit';
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

/** Who did it: you, Renkei itself (a system job), or another account (its id; the full one on hover). */
function Who({ actor }: { actor: string }) {
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
function Hash({ label, value, testId }: { label: string; value: string; testId: string }) {
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

// ---------------------------------------------------------------------------
// Chain of custody

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
function CustodyLog({ name, events, onReload, busy }: { name: string; events: CustodyEvent[]; onReload: () => void; busy: boolean }) {
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

// ---------------------------------------------------------------------------
// Hand-over

function HandOver({
  path,
  name,
  onDone,
  onCancel,
  onIntegrityFailure,
}: {
  path: string;
  name: string;
  onDone: (v: EvidenceItemView) => void;
  onCancel: () => void;
  onIntegrityFailure: () => void;
}) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ recipient: '', method: '', note: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      recipient: form.recipient,
      ...(form.method.trim() ? { method: form.method } : {}),
      ...(form.note.trim() ? { note: form.note } : {}),
    };
    const parsed = EvidenceHandOverSchema.safeParse(body);
    if (!parsed.success) return setErrors(zodFieldErrors(parsed.error, t));
    setErrors({});
    setError(null);
    setBusy(true);
    try {
      onDone(await api<EvidenceItemView>('POST', path, parsed.data));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION') setErrors(apiFieldErrors(err, t, currentLanguage()));
      if (err instanceof ApiError && (err.code === 'EVIDENCE_CORRUPT' || err.code === 'GONE')) onIntegrityFailure();
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="evidence-form" onSubmit={(e) => void submit(e)} aria-label={t('evidence.handOverTitle', { name })} noValidate>
      <h3>
        {t('evidence.handOverHeading')} <bdi translate="no">{revealControls(name)}</bdi>
      </h3>
      <p className="muted">{t('evidence.handOverHint')}</p>
      <Field label={t('evidence.recipient')} error={errors.recipient} hint={t('evidence.recipientHint')}>
        {(fid, d) => (
          <input
            id={fid}
            aria-describedby={d}
            aria-invalid={errors.recipient ? true : undefined}
            aria-required
            value={form.recipient}
            onChange={(e) => setForm({ ...form, recipient: e.target.value })}
            maxLength={500}
            autoFocus
          />
        )}
      </Field>
      <Field label={t('evidence.method')} error={errors.method} hint={t('evidence.methodHint')}>
        {(fid, d) => <input id={fid} aria-describedby={d} aria-invalid={errors.method ? true : undefined} value={form.method} onChange={(e) => setForm({ ...form, method: e.target.value })} maxLength={500} />}
      </Field>
      <Field label={t('evidence.handOverNote')} error={errors.note}>
        {(fid, d) => <textarea id={fid} rows={2} aria-describedby={d} aria-invalid={errors.note ? true : undefined} value={form.note} onChange={(e) => setForm({ ...form, note: e.target.value })} maxLength={5000} />}
      </Field>
      <ErrorNote error={error} />
      <div className="evidence-actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('evidence.handOverSubmit')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------
// Upload

// The upload's fields but the content, checked before the file is read.
const UploadFields = EvidenceUploadSchema.omit({ contentBase64: true });

function AddEvidence({ path, onAdded }: { path: string; onAdded: () => void }) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  // Changing the key empties the file input after an upload.
  const [inputKey, setInputKey] = useState(0);
  const [form, setForm] = useState({ collectedFrom: '', collectedAt: '', note: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<{ item: EvidenceItem; localSha256: string | null } | null>(null);

  if (!open)
    return (
      <div className="evidence-add-closed">
        {added && <AddedNote added={added} />}
        <p>
          <button type="button" onClick={() => setOpen(true)}>
            {t('evidence.add')}
          </button>
        </p>
      </div>
    );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    const found: Record<string, string> = {};
    if (!file) found.file = t('evidence.fileRequired');
    else if (file.size === 0) found.file = t('evidence.fileEmpty');
    else if (file.size > EVIDENCE_UPLOAD_MAX_BYTES) found.file = t('evidence.fileTooLarge', { max: formatBytes(EVIDENCE_UPLOAD_MAX_BYTES, lng) });
    const collectedAt = fromJstInput(form.collectedAt);
    if (collectedAt && new Date(collectedAt).getTime() > Date.now() + 60_000) found.collectedAt = t('evidence.collectedAtFuture');
    const mime = file ? UploadFields.shape.mimeType.safeParse(file.type) : undefined;
    const fields = {
      filename: file?.name || 'upload.bin',
      ...(mime?.success && mime.data ? { mimeType: mime.data } : {}),
      ...(form.collectedFrom.trim() ? { collectedFrom: form.collectedFrom } : {}),
      ...(collectedAt ? { collectedAt } : {}),
      ...(form.note.trim() ? { note: form.note } : {}),
    };
    const parsed = UploadFields.safeParse(fields);
    if (!parsed.success) {
      const z = zodFieldErrors(parsed.error, t);
      if (z.filename && !found.file) found.file = t('evidence.fileNameInvalid');
      for (const k of ['collectedFrom', 'collectedAt', 'note']) if (z[k] && !found[k]) found[k] = z[k];
    }
    setErrors(found);
    if (Object.keys(found).length || !file || !parsed.success) return;
    setError(null);
    setBusy(true);
    try {
      const [contentBase64, localSha256] = await Promise.all([readBase64(file), sha256Hex(file)]);
      const item = await api<EvidenceItem>('POST', path, { ...parsed.data, contentBase64 });
      setAdded({ item, localSha256 });
      setForm({ collectedFrom: '', collectedAt: '', note: '' });
      setFile(null);
      setInputKey((k) => k + 1);
      setOpen(false);
      onAdded();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION') {
        const issues = apiFieldErrors(err, t, lng);
        const mapped: Record<string, string> = {};
        for (const [k, v] of Object.entries(issues)) mapped[k === 'contentBase64' || k === 'filename' || k === 'mimeType' ? 'file' : k] = v;
        setErrors(mapped);
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="evidence-add" onSubmit={(e) => void submit(e)} aria-labelledby="evidence-add-title" noValidate>
      <h3 id="evidence-add-title">{t('evidence.addTitle')}</h3>
      <Field label={t('evidence.file')} error={errors.file} hint={t('evidence.fileHint', { max: formatBytes(EVIDENCE_UPLOAD_MAX_BYTES, lng) })}>
        {(fid, d) => (
          <input
            key={inputKey}
            id={fid}
            type="file"
            aria-describedby={d}
            aria-invalid={errors.file ? true : undefined}
            aria-required
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            autoFocus
          />
        )}
      </Field>
      <Field label={t('evidence.collectedFrom')} error={errors.collectedFrom} hint={t('evidence.collectedFromHint')}>
        {(fid, d) => (
          <input
            id={fid}
            aria-describedby={d}
            aria-invalid={errors.collectedFrom ? true : undefined}
            value={form.collectedFrom}
            onChange={(e) => setForm({ ...form, collectedFrom: e.target.value })}
            maxLength={1000}
          />
        )}
      </Field>
      <Field label={t('evidence.collectedAt')} error={errors.collectedAt} hint={t('evidence.collectedAtHint')}>
        {(fid, d) => (
          <input
            id={fid}
            type="datetime-local"
            aria-describedby={d}
            aria-invalid={errors.collectedAt ? true : undefined}
            value={form.collectedAt}
            onChange={(e) => setForm({ ...form, collectedAt: e.target.value })}
          />
        )}
      </Field>
      <Field label={t('evidence.note')} error={errors.note}>
        {(fid, d) => <textarea id={fid} rows={2} aria-describedby={d} aria-invalid={errors.note ? true : undefined} value={form.note} onChange={(e) => setForm({ ...form, note: e.target.value })} maxLength={5000} />}
      </Field>
      <ErrorNote error={error} />
      <div className="evidence-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('evidence.uploading') : t('evidence.addSubmit')}
        </button>
        <button type="button" onClick={() => setOpen(false)} disabled={busy}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** What was added, and whether the server's SHA-256 is the one of the file on this computer. */
function AddedNote({ added }: { added: { item: EvidenceItem; localSha256: string | null } }) {
  const { t } = useTranslation();
  const { item, localSha256 } = added;
  const name = <bdi translate="no">{revealControls(item.filename ?? item.sha256.slice(0, 16))}</bdi>;
  if (localSha256 !== null && localSha256 !== item.sha256)
    return (
      <p className="error" role="alert" data-testid="evidence-added">
        {t('evidence.addedMismatch')} {name}
      </p>
    );
  return (
    <p className="flash" role="status" data-testid="evidence-added">
      {t('evidence.added')} {name}
      {localSha256 !== null && <span className="flash-line">{t('evidence.addedVerified')}</span>}
      {item.dangerous && <span className="flash-line">{t('evidence.addedDangerous')}</span>}
    </p>
  );
}

// ---------------------------------------------------------------------------
// Export

function ExportEvidence({ base, items, onExported }: { base: string; items: EvidenceItem[]; onExported: () => void }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string | undefined>();
  const [skipFailed, setSkipFailed] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<EvidenceItem | null>(null);
  // What the server exports without a selection: every item that is not removed and not an export itself.
  const exportable = items.filter((i) => i.kind !== 'export' && !i.removedAt);
  const failed = exportable.filter((i) => i.integrityFailedAt);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (note.length > 5000) return setNoteError(t('validation.tooLong', { max: 5000 }));
    setNoteError(undefined);
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      const leaveOut = failed.length > 0 && skipFailed;
      const body = {
        ...(leaveOut ? { itemIds: exportable.filter((i) => !i.integrityFailedAt).map((i) => i.id) } : {}),
        ...(note.trim() ? { note } : {}),
      };
      setDone(await api<EvidenceItem>('POST', `${base}/evidence/export`, body));
      setNote('');
      onExported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="evidence-export" onSubmit={(e) => void submit(e)} aria-labelledby="evidence-export-title" noValidate>
      <h3 id="evidence-export-title">{t('evidence.exportTitle')}</h3>
      <p className="muted">{t('evidence.exportHint')}</p>
      <Field label={t('evidence.exportNote')} error={noteError}>
        {(fid, d) => <input id={fid} aria-describedby={d} aria-invalid={noteError ? true : undefined} value={note} onChange={(e) => setNote(e.target.value)} maxLength={5000} />}
      </Field>
      {failed.length > 0 && (
        <label className="checkbox">
          <input type="checkbox" checked={skipFailed} onChange={(e) => setSkipFailed(e.target.checked)} /> {t('evidence.exportSkipFailed', { count: failed.length })}
        </label>
      )}
      <ErrorNote error={error} />
      {done && (
        <p className="flash" role="status" data-testid="evidence-exported">
          {t('evidence.exported')} <bdi translate="no">{done.filename}</bdi> — SHA-256 <code translate="no">{done.sha256}</code>
        </p>
      )}
      <div className="evidence-actions">
        <button type="submit" className="primary" disabled={busy || exportable.length === 0}>
          {t('evidence.export')}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------
// Files in and out

/** What arrived does not hash to the SHA-256 the server checked (a broken transfer, a proxy that rewrote it). */
class DownloadMismatch extends Error {}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === 'string' ? reader.result : '';
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/** SHA-256 in hex, where the browser offers it (Web Crypto needs a secure context: HTTPS or localhost); null otherwise. */
async function sha256Hex(data: Blob): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  try {
    const digest = await subtle.digest('SHA-256', await data.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  } catch {
    return null;
  }
}

/** The name a Content-Disposition gives (filename* first), else the fallback. */
function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header)?.[1];
  if (star) {
    try {
      return decodeURIComponent(star);
    } catch {
      /* fall through to the plain name */
    }
  }
  return /filename="([^"]*)"/i.exec(header)?.[1] ?? fallback;
}

/**
 * Fetch a download and hand it to the browser as a file (an object URL with
 * `download`: never opened in the page). Failures answer as the API's errors
 * (EVIDENCE_CORRUPT, GONE …). The SHA-256 of what arrived is checked against
 * the one the server checked, when the file is the original.
 */
async function saveDownload(path: string, fallbackName: string): Promise<{ saved: boolean; name: string; packed: string; password: string | null; verified: boolean | null }> {
  const res = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/octet-stream, application/zip, application/json' } });
  if (!res.ok) {
    let body: Partial<ApiErrorBody> | null = null;
    try {
      body = (await res.json()) as Partial<ApiErrorBody>;
    } catch {
      body = null;
    }
    const err = body?.error;
    throw new ApiError(res.status, err?.code ?? 'INTERNAL', err?.message ?? res.statusText, err?.issues ?? [], (err as { details?: Record<string, unknown> } | undefined)?.details ?? {});
  }
  const blob = await res.blob();
  const name = dispositionName(res.headers.get('content-disposition'), fallbackName);
  const packed = res.headers.get('x-renkei-packed') ?? 'original';
  const expected = res.headers.get('x-renkei-sha256');
  let verified: boolean | null = null;
  if (packed === 'original' && expected) {
    const actual = await sha256Hex(blob);
    verified = actual === null ? null : actual === expected;
  }
  // Bytes that are not what the server checked are not saved.
  if (verified === false) return { saved: false, name, packed, password: null, verified };
  const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { saved: true, name, packed, password: res.headers.get('x-renkei-zip-password'), verified };
}
