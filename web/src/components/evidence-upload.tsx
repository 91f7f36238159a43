import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { EVIDENCE_UPLOAD_MAX_BYTES, EvidenceUploadSchema } from '../../../src/domain/evidence.js';
import { ApiError, api } from '../api/client';
import type { EvidenceItem } from '../api/types';
import { formatBytes, revealControls } from '../format';
import { currentLanguage } from '../i18n';
import { apiFieldErrors, zodFieldErrors } from '../validation';
import { ErrorNote, Field } from './common';
import { fromJstInput } from './incident-edit';
import { readBase64, sha256Hex } from './evidence-files';

// The upload's fields but the content, checked before the file is read.
const UploadFields = EvidenceUploadSchema.omit({ contentBase64: true });

/** A handler adds a file to the incident's evidence, saying when and where it was collected; its SHA-256 is also computed here, to compare with the server's. */
export function AddEvidence({ path, onAdded }: { path: string; onAdded: () => void }) {
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
