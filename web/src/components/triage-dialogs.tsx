import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { IncidentCreateSchema } from '../../../src/domain/incident.js';
import { REJECT_REASONS, type RejectReason } from '../../../src/domain/report.js';
import { CATEGORIES, type Category } from '../../../src/domain/taxonomy.js';
import type { Tlp } from '../../../src/domain/tlp.js';
import { api, ApiError } from '../api/client';
import type { Incident, IncidentRef, Report } from '../api/types';
import { zodFieldErrors } from '../validation';
import { Dialog, ErrorNote, Field, TlpSelect } from './common';

interface Common {
  open: boolean;
  reportIds: string[];
  onClose: () => void;
  onDone: (message: { text: string; link?: { to: string; label: string } }) => void;
}

/**
 * Another handler got to one of these reports first (the API refused with
 * `report-not-new` and changed nothing): the dialog closes, the queue reloads,
 * and the handler is told why instead of shown an error. Any other refusal
 * is shown in the dialog.
 */
function refused(err: unknown, t: TFunction, onDone: Common['onDone'], setError: (err: unknown) => void): void {
  if (err instanceof ApiError && err.details.reason === 'report-not-new') onDone({ text: t('triage.handledMeanwhile', { status: t(`reportStatus.${String(err.details.status)}`) }) });
  else setError(err);
}

export function CreateIncidentDialog({ open, reportIds, onClose, onDone, defaults }: Common & { defaults: { title: string; category: Category; tlp: Tlp } }) {
  const { t } = useTranslation();
  return (
    <Dialog title={t('triage.createTitle', { count: reportIds.length })} open={open} onClose={onClose}>
      {open && <CreateForm key={reportIds.join()} reportIds={reportIds} onClose={onClose} onDone={onDone} defaults={defaults} />}
    </Dialog>
  );
}

function CreateForm({ reportIds, onClose, onDone, defaults }: Omit<Common, 'open'> & { defaults: { title: string; category: Category; tlp: Tlp } }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState(defaults.title);
  const [category, setCategory] = useState<Category>(defaults.category);
  const [tlp, setTlp] = useState<Tlp>(defaults.tlp);
  const [exercise, setExercise] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = IncidentCreateSchema.safeParse({ title, category, tlp });
    if (!parsed.success) return setErrors(zodFieldErrors(parsed.error, t));
    setErrors({});
    setBusy(true);
    try {
      const incident = await api<Incident>('POST', '/api/incidents/from-reports', { reportIds, title: parsed.data.title, category, tlp, exercise, onlyNew: true });
      onDone({ text: t('triage.created', { number: incident.number }), link: { to: `/incidents/${incident.number}`, label: t('triage.openIncident', { number: incident.number }) } });
    } catch (err) {
      refused(err, t, onDone, setError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="dialog-form">
      <Field label={t('incident.title')} error={errors.title}>
        {(id, d) => <input id={id} aria-describedby={d} value={title} onChange={(e) => setTitle(e.target.value)} autoFocus />}
      </Field>
      <Field label={t('incident.category')}>
        {(id) => (
          <select id={id} value={category} onChange={(e) => setCategory(e.target.value as Category)}>
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('incident.tlp')}>
        {(id) => (
          <TlpSelect id={id} value={tlp} onChange={setTlp} />
        )}
      </Field>
      <div className="radio">
        <input id="create-exercise" type="checkbox" checked={exercise} onChange={(e) => setExercise(e.target.checked)} />
        <label htmlFor="create-exercise">{t('incident.exerciseLabel')}</label>
      </div>
      <ErrorNote error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {t('triage.create')}
        </button>
      </div>
    </form>
  );
}

export function AttachDialog({ open, reportIds, onClose, onDone, candidates }: Common & { candidates: IncidentRef[] }) {
  const { t } = useTranslation();
  return (
    <Dialog title={t('triage.attachTitle', { count: reportIds.length })} open={open} onClose={onClose}>
      {open && <AttachForm key={reportIds.join()} reportIds={reportIds} onClose={onClose} onDone={onDone} candidates={candidates} />}
    </Dialog>
  );
}

function AttachForm({ reportIds, onClose, onDone, candidates }: Omit<Common, 'open'> & { candidates: IncidentRef[] }) {
  const { t } = useTranslation();
  const [choice, setChoice] = useState<string>(candidates[0]?.number ?? '');
  const [other, setOther] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const target = (choice === '' ? other : choice).trim();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!target) return setMissing(true);
    setMissing(false);
    setBusy(true);
    try {
      const incident = await api<Incident>('POST', `/api/incidents/${encodeURIComponent(target)}/reports`, { reportIds, onlyNew: true });
      onDone({ text: t('triage.attached', { number: incident.number }), link: { to: `/incidents/${incident.number}`, label: t('triage.openIncident', { number: incident.number }) } });
    } catch (err) {
      refused(err, t, onDone, setError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="dialog-form">
      <fieldset>
        <legend>{t('triage.attachTo')}</legend>
        {candidates.map((c) => (
          <label key={c.id} className="radio">
            <input type="radio" name="target" value={c.number} checked={choice === c.number} onChange={() => setChoice(c.number)} />
            <span translate="no">{c.number}</span> <span translate="no">{c.title}</span>
          </label>
        ))}
        <label className="radio">
          <input type="radio" name="target" value="" checked={choice === ''} onChange={() => setChoice('')} />
          {t('triage.otherIncident')}
        </label>
        <input
          aria-label={t('triage.incidentNumber')}
          placeholder="RK-2026-000001"
          value={other}
          onFocus={() => setChoice('')}
          onChange={(e) => setOther(e.target.value)}
          autoFocus={candidates.length === 0}
          className={missing ? 'invalid' : undefined}
        />
        {missing && <small className="field-error">{t('validation.required')}</small>}
      </fieldset>
      <ErrorNote error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {t('triage.attach')}
        </button>
      </div>
    </form>
  );
}

export function RejectDialog({ open, reportIds, onClose, onDone }: Common) {
  const { t } = useTranslation();
  return (
    <Dialog title={t('triage.rejectTitle', { count: reportIds.length })} open={open} onClose={onClose}>
      {open && <RejectForm key={reportIds.join()} reportIds={reportIds} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function RejectForm({ reportIds, onClose, onDone }: Omit<Common, 'open'>) {
  const { t } = useTranslation();
  const [reason, setReason] = useState<RejectReason>('spam');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api<{ items: Report[] }>('POST', '/api/reports/reject', { reportIds, reason, ...(note.trim() ? { note } : {}) });
      onDone({ text: t('triage.rejected', { count: reportIds.length }) });
    } catch (err) {
      refused(err, t, onDone, setError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} className="dialog-form">
      <Field label={t('triage.reason')}>
        {(id) => (
          <select id={id} value={reason} onChange={(e) => setReason(e.target.value as RejectReason)} autoFocus>
            {REJECT_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`rejectReason.${r}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t('triage.note')}>{(id) => <textarea id={id} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />}</Field>
      <ErrorNote error={error} />
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="danger" disabled={busy}>
          {t('triage.reject')}
        </button>
      </div>
    </form>
  );
}
