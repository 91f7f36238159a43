import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { EvidenceHandOverSchema } from '../../../src/domain/evidence.js';
import { ApiError, api } from '../api/client';
import type { EvidenceItemView } from '../api/types';
import { revealControls } from '../format';
import { currentLanguage } from '../i18n';
import { apiFieldErrors, zodFieldErrors } from '../validation';
import { ErrorNote, Field } from './common';

/** Hand an item to someone outside (law enforcement, another CSIRT): the server re-checks its hash first and records the hand-over in its chain of custody. */
export function HandOver({
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
