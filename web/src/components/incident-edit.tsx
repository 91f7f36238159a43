import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { BRAND_ORIGINS, BRAND_SECTORS, IncidentUpdateSchema } from '../../../src/domain/incident.js';
import { CATEGORIES, PRIORITIES, SEVERITIES } from '../../../src/domain/taxonomy.js';
import { TLP_LABELS } from '../../../src/domain/tlp.js';
import { ApiError, api } from '../api/client';
import type { Incident } from '../api/types';
import { currentLanguage } from '../i18n';
import { useAccount } from '../session';
import { apiFieldErrors, zodFieldErrors } from '../validation';
import { ErrorNote, Field, FormActions } from './common';
import './steering.css';

const TEXT_5W1H = ['vector', 'impact', 'affectedAssets', 'actor', 'motive'] as const;
const WHEN_5W1H = ['occurredAt', 'detectedAt', 'reportedAt'] as const;

/** `2026-11-25T14:40:00.000Z` → `2026-11-25T23:40` (JST, for a datetime-local field) and back. */
export const toJstInput = (iso: string | null) => (iso ? new Date(new Date(iso).getTime() + 9 * 3600_000).toISOString().slice(0, 16) : '');
export const fromJstInput = (v: string) => (v ? `${v}:00+09:00` : null);

/** Edit in place; validated with the API's own IncidentUpdateSchema before sending, `version` guarding concurrent edits. */
export function IncidentEditForm({ incident, onSaved, onCancel }: { incident: Incident; onSaved: (i: Incident) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  // The decision fields are a lead's (capability incident.decide); the server refuses them from others anyway.
  const isLead = useAccount().roles.includes('lead');
  const [flags, setFlags] = useState({ exercise: incident.exercise, legalHold: incident.legalHold });
  const [form, setForm] = useState({
    title: incident.title,
    summary: incident.summary ?? '',
    category: incident.category,
    severity: incident.severity,
    priority: incident.priority,
    tlp: incident.tlp,
    owner: incident.owner ?? '',
    constituency: incident.constituency ?? '',
    decisionOwner: incident.decisionOwner ?? '',
    scope: incident.scope ?? '',
    brandName: incident.brandName ?? '',
    brandSector: incident.brandSector ?? '',
    brandOrigin: incident.brandOrigin ?? '',
    ...Object.fromEntries(TEXT_5W1H.map((k) => [k, incident.fiveW1H[k] ?? ''])),
    ...Object.fromEntries(WHEN_5W1H.map((k) => [k, toJstInput(incident.fiveW1H[k])])),
  } as Record<string, string>);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: string) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const orNull = (v: string | undefined) => (v && v.trim() ? v : null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = {
      title: form.title,
      summary: orNull(form.summary),
      category: form.category,
      severity: form.severity,
      priority: form.priority,
      tlp: form.tlp,
      owner: orNull(form.owner),
      constituency: orNull(form.constituency),
      fiveW1H: {
        ...Object.fromEntries(TEXT_5W1H.map((k) => [k, orNull(form[k])])),
        ...Object.fromEntries(WHEN_5W1H.map((k) => [k, fromJstInput(form[k] ?? '')])),
      },
      exercise: flags.exercise,
      // The imitated brand is recorded for phishing only (the quarterly statistics count it).
      ...(form.category === 'phishing' ? { brandName: orNull(form.brandName), brandSector: orNull(form.brandSector), brandOrigin: orNull(form.brandOrigin) } : {}),
      ...(isLead ? { decisionOwner: orNull(form.decisionOwner), scope: orNull(form.scope), legalHold: flags.legalHold } : {}),
      version: incident.version,
    };
    const parsed = IncidentUpdateSchema.safeParse(body);
    if (!parsed.success) return setErrors(zodFieldErrors(parsed.error, t));
    setErrors({});
    setBusy(true);
    setError(null);
    try {
      onSaved(await api<Incident>('PATCH', `/api/incidents/${incident.id}`, body));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION') setErrors(apiFieldErrors(err, t, currentLanguage()));
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const select = (k: string, values: readonly string[], prefix: string | null) => (
    <Field label={t(`field.${k}`)} error={errors[k]}>
      {(id) => (
        <select id={id} value={form[k]} onChange={set(k)}>
          {values.map((v) => (
            <option key={v} value={v}>
              {prefix ? t(`${prefix}.${v}`) : `TLP:${v}`}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  const text = (k: string, path = k) => (
    <Field label={t(`field.${path}`)} error={errors[path]}>
      {(id, d) => <input id={id} aria-describedby={d} aria-invalid={errors[path] ? true : undefined} value={form[k]} onChange={set(k)} />}
    </Field>
  );
  const area = (k: string, path = k) => (
    <Field label={t(`field.${path}`)} error={errors[path]}>
      {(id, d) => <textarea id={id} rows={2} aria-describedby={d} aria-invalid={errors[path] ? true : undefined} value={form[k]} onChange={set(k)} />}
    </Field>
  );

  return (
    <form onSubmit={(e) => void submit(e)} className="panel edit-form" aria-label={t('incident.edit')}>
      <div className="form-grid">
        {text('title')}
        {select('category', CATEGORIES, 'category')}
        {select('severity', SEVERITIES, 'severity')}
        {select('priority', PRIORITIES, 'priority')}
        {select('tlp', TLP_LABELS, null)}
        {text('owner')}
        {text('constituency')}
      </div>
      {area('summary')}
      <fieldset>
        <legend>{t('incident.fiveW1H')}</legend>
        <div className="form-grid">
          {WHEN_5W1H.map((k) => (
            <Field key={k} label={`${t(`field.fiveW1H.${k}`)} (JST)`} error={errors[`fiveW1H.${k}`]}>
              {(id) => <input id={id} type="datetime-local" value={form[k]} onChange={set(k)} />}
            </Field>
          ))}
        </div>
        {TEXT_5W1H.map((k) => (
          <div key={k}>{area(k, `fiveW1H.${k}`)}</div>
        ))}
      </fieldset>
      <label className="checkbox">
        <input type="checkbox" checked={flags.exercise} onChange={(e) => setFlags((f) => ({ ...f, exercise: e.target.checked }))} /> {t('incident.exerciseLabel')}
      </label>
      {form.category === 'phishing' && (
        <fieldset>
          <legend>{t('incident.brand')}</legend>
          <div className="form-grid">
            {text('brandName')}
            <Field label={t('field.brandSector')} error={errors.brandSector}>
              {(id) => (
                <select id={id} value={form.brandSector} onChange={set('brandSector')}>
                  <option value="">{t('incident.unclassified')}</option>
                  {BRAND_SECTORS.map((v) => (
                    <option key={v} value={v}>
                      {t(`brandSector.${v}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t('field.brandOrigin')} error={errors.brandOrigin}>
              {(id) => (
                <select id={id} value={form.brandOrigin} onChange={set('brandOrigin')}>
                  <option value="">{t('incident.unclassified')}</option>
                  {BRAND_ORIGINS.map((v) => (
                    <option key={v} value={v}>
                      {t(`brandOrigin.${v}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </fieldset>
      )}
      <fieldset>
        <legend>{t('incident.decisions')}</legend>
        {isLead ? (
          <>
            {text('decisionOwner')}
            {area('scope')}
            <label className="checkbox">
              <input type="checkbox" checked={flags.legalHold} onChange={(e) => setFlags((f) => ({ ...f, legalHold: e.target.checked }))} /> {t('incident.legalHoldLabel')}
            </label>
          </>
        ) : (
          <p className="muted">{t('incident.decisionsLeadOnly')}</p>
        )}
      </fieldset>
      {error instanceof ApiError && error.code === 'CONFLICT' ? (
        <p className="error" role="alert">
          {t('incident.conflict')}
        </p>
      ) : (
        <ErrorNote error={error} />
      )}
      <FormActions onCancel={onCancel} busy={busy} submit={t('common.save')} />
    </form>
  );
}
