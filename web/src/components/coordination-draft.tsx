import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import type { Coordination, ReportDetail } from '../api/types';
import { revealControls } from '../format';
import { ErrorNote, Field, Loading, TlpLabel } from './common';
import type { ReportRef } from './coordination-panel';

/** The attachments of the incident's reports, to pick as evidence (by SHA-256). */
function useEvidenceFiles(reports: ReportRef[]) {
  const [files, setFiles] = useState<{ sha256: string; name: string; size: number; reportSubject: string | null }[] | null>(null);
  const ids = reports.slice(0, 20).map((r) => r.id);
  const key = ids.join();
  useEffect(() => {
    const controller = new AbortController();
    void Promise.all(
      key
        .split(',')
        .filter(Boolean)
        .map((id) =>
          api<ReportDetail>('GET', `/api/reports/${id}`, undefined, controller.signal).then(
            (d) => d.attachments.map((a) => ({ sha256: a.sha256, name: revealControls(a.filename ?? a.sha256.slice(0, 12)), size: a.size, reportSubject: d.report.subject })),
            () => [],
          ),
        ),
    ).then((lists) => {
      if (controller.signal.aborted) return;
      const seen = new Set<string>();
      setFiles(lists.flat().filter((f) => !seen.has(f.sha256) && (seen.add(f.sha256), true)));
    });
    return () => controller.abort();
  }, [key]);
  return files;
}

/** The draft as it will be sent: subject and body editable, evidence chosen; then Send, or Cancel to keep it as a draft. */
export function DraftPreview({ incidentId, c, reports, onClose, onSent }: { incidentId: string; c: Coordination; reports: ReportRef[]; onClose: () => void; onSent: () => void }) {
  const { t } = useTranslation();
  const [subject, setSubject] = useState(c.subject);
  const [body, setBody] = useState(c.body);
  const [evidence, setEvidence] = useState<string[]>(c.evidence);
  const [encrypt, setEncrypt] = useState(c.encrypt);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const files = useEvidenceFiles(reports);
  const base = `/api/incidents/${encodeURIComponent(incidentId)}/coordinations/${c.id}`;
  const dirty = subject !== c.subject || body !== c.body || evidence.join() !== c.evidence.join() || encrypt !== c.encrypt;
  const save = async () => {
    if (!dirty) return;
    await api<Coordination>('PATCH', base, {
      ...(subject !== c.subject ? { subject } : {}),
      ...(body !== c.body ? { body } : {}),
      ...(evidence.join() !== c.evidence.join() ? { evidence } : {}),
      ...(encrypt !== c.encrypt ? { encrypt } : {}),
    });
  };
  const run = async (send: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await save();
      if (send) {
        await api<Coordination>('POST', `${base}/send`);
        onSent();
      } else onClose();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (sha: string) => setEvidence((e) => (e.includes(sha) ? e.filter((x) => x !== sha) : [...e, sha]));
  const editable = c.state === 'draft' || c.state === 'delivery-failed';
  return (
    <form
      className="dialog-form draft-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(true);
      }}
    >
      <p className="draft-to">
        {t('coordination.to')}:{' '}
        <span translate="no">
          {c.organisationName ? `${c.organisationName} ` : ''}&lt;{c.contactEmail}&gt;
        </span>{' '}
        · {t(`coordinationPurpose.${c.purpose}`)} · <TlpLabel tlp={c.tlp} /> · {t(`reportLanguage.${c.language}`)}
      </p>
      <Field label={t('coordination.subject')}>
        {(id) => <input id={id} value={subject} onChange={(e) => setSubject(e.target.value)} readOnly={!editable} translate="no" />}
      </Field>
      <Field label={t('coordination.body')}>
        {(id) => <textarea id={id} rows={14} value={body} onChange={(e) => setBody(e.target.value)} readOnly={!editable} translate="no" className="draft-body" />}
      </Field>
      <fieldset>
        <legend>{t('coordination.evidence')}</legend>
        {files === null && <Loading />}
        {files?.length === 0 && <p className="muted">{t('coordination.noEvidence')}</p>}
        {files?.map((f) => (
          <label key={f.sha256} className="radio evidence-file">
            <input type="checkbox" checked={evidence.includes(f.sha256)} onChange={() => toggle(f.sha256)} disabled={!editable} />
            <span>
              <span translate="no" className="break">
                {f.name}
              </span>{' '}
              <code translate="no" className="muted">
                {f.sha256.slice(0, 16)}…
              </code>
            </span>
          </label>
        ))}
      </fieldset>
      {c.encrypt && (
        <label className="radio">
          <input type="checkbox" checked={encrypt} onChange={(e) => setEncrypt(e.target.checked)} disabled={!editable} />
          {t('coordination.encryptToKey')}
        </label>
      )}
      {!c.encrypt && <p className="muted">{t('coordination.noKey')}</p>}
      <ErrorNote error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={busy}>
          {t('common.cancel')}
        </button>
        {editable && dirty && (
          <button type="button" onClick={() => void run(false)} disabled={busy}>
            {t('coordination.saveDraft')}
          </button>
        )}
        {editable && (
          <button type="submit" className="primary" disabled={busy}>
            {t('coordination.send')}
          </button>
        )}
      </div>
    </form>
  );
}
