import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { EvidenceItem } from '../api/types';
import { ErrorNote, Field } from './common';

/** The incident's evidence as one ZIP with its manifest and SHA256SUMS, itself kept as an evidence item. */
export function ExportEvidence({ base, items, onExported }: { base: string; items: EvidenceItem[]; onExported: () => void }) {
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
