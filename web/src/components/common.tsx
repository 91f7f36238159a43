import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { TLP_LABELS, type Tlp } from '../../../src/domain/tlp.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../../src/domain/incident-lifecycle.js';
import { CATEGORIES } from '../../../src/domain/taxonomy.js';
import { ApiError } from '../api/client';
import { formatInstant, formatNumber } from '../format';
import { currentLanguage } from '../i18n';

/** A moment in JST, and in the browser's zone when that differs; both labelled. `stacked`: one under the other (narrow table columns). */
export function DateTime({ value, stacked = false }: { value: string | null | undefined; stacked?: boolean }) {
  useTranslation();
  if (!value) return <span className="muted">—</span>;
  const { jst, local } = formatInstant(value, currentLanguage());
  return (
    <time dateTime={value} className={stacked ? 'datetime stacked' : 'datetime'}>
      <span className="jst">{jst}</span>
      {local && <span className="local"> ({local})</span>}
    </time>
  );
}

export function Num({ value }: { value: number }) {
  useTranslation();
  return <>{formatNumber(value, currentLanguage())}</>;
}

/** TLP 2.0 label: its colour on black, its name as text (never colour alone). */
export function TlpLabel({ tlp }: { tlp: Tlp | (string & {}) }) {
  const cls = `tlp tlp-${tlp.toLowerCase().replace('+', '-')}`;
  return (
    <span className={cls} translate="no">
      TLP:{tlp}
    </span>
  );
}

/** A form's Cancel and submit buttons; submit is disabled while the form is busy. */
export function FormActions({ onCancel, busy, submit }: { onCancel: () => void; busy: boolean; submit: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="dialog-actions">
      <button type="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="primary" disabled={busy}>
        {submit}
      </button>
    </div>
  );
}

/** A choice of TLP label, the four (with AMBER+STRICT) in order. */
export function TlpSelect({ id, value, onChange }: { id: string; value: Tlp; onChange: (tlp: Tlp) => void }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as Tlp)}>
      {TLP_LABELS.map((l) => (
        <option key={l} value={l}>
          TLP:{l}
        </option>
      ))}
    </select>
  );
}

/** An exercise (drill): marked wherever the incident is shown, so nobody takes it for real. */
export function ExerciseMark({ large = false }: { large?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`mark mark-exercise${large ? ' mark-large' : ''}`} data-testid="exercise-mark">
      {t('incident.exerciseMark')}
    </span>
  );
}

/** A task's or a rule's bilingual text in the reader's language, else the other one. */
export function bilingual(text: { ja?: string; en?: string } | null | undefined, lng: 'ja' | 'en'): string {
  if (!text) return '';
  return (lng === 'en' ? (text.en ?? text.ja) : (text.ja ?? text.en)) ?? '';
}

export function StatusBadge({ status }: { status: IncidentStatus | (string & {}) }) {
  const { t } = useTranslation();
  return <span className={`status status-${status}`}>{t(`incidentStatus.${status}`)}</span>;
}

/** An API failure in the reader's language; the server's own (English) wording only on the English screen. */
export function ErrorNote({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, 'NETWORK', error instanceof Error ? error.message : 'request failed');
  const known = ['NOT_FOUND', 'VALIDATION', 'CONFLICT', 'INVALID_TRANSITION', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'UNAVAILABLE', 'EVIDENCE_CORRUPT', 'GONE', 'INTERNAL', 'NETWORK'];
  // A send held until a lead decides (an escalation rule asked for it) says so, not just "not allowed".
  // So is a rule another lead changed meanwhile (the list has been reloaded).
  const code =
    e.code === 'FORBIDDEN' && e.details.decision === 'send-outside'
      ? 'DECISION_REQUIRED'
      : e.code === 'CONFLICT' && typeof e.details.ruleId === 'string'
        ? 'RULE_CHANGED'
        : known.includes(e.code)
          ? e.code
          : 'INTERNAL';
  return (
    <p className="error" role="alert">
      {t(`error.${code}`, { version: e.details.version })}
      {i18n.language === 'en' && e.message && e.code !== 'NETWORK' ? ` (${e.message})` : ''}
    </p>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('common.loading')}
    </p>
  );
}

/**
 * Previous / next over a server-side page; `withEnds` adds the first and the
 * last page (the last only when the total is exact). `label` names the pager
 * when a screen has more than one.
 */
export function Pager({
  offset,
  limit,
  total,
  isExact,
  onChange,
  label,
  withEnds = false,
}: {
  offset: number;
  limit: number;
  total: number;
  isExact: boolean;
  onChange: (offset: number) => void;
  label?: string;
  withEnds?: boolean;
}) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(offset + limit, total);
  const last = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
  return (
    <nav className="pager" aria-label={label ?? t('pager.label')}>
      {withEnds && (
        <button type="button" disabled={offset === 0} onClick={() => onChange(0)}>
          {t('pager.first')}
        </button>
      )}
      <button type="button" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
        {t('pager.previous')}
      </button>
      <span>
        {t(isExact ? 'pager.range' : 'pager.rangeAtLeast', { from: formatNumber(from, lng), to: formatNumber(to, lng), total: formatNumber(total, lng) })}
      </span>
      <button type="button" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
        {t('pager.next')}
      </button>
      {withEnds && isExact && (
        <button type="button" disabled={offset >= last} onClick={() => onChange(last)}>
          {t('pager.last')}
        </button>
      )}
    </nav>
  );
}

/** A modal dialog (the platform's own: focus kept inside, Escape closes). */
export function Dialog({ title, open, onClose, children }: { title: string; open: boolean; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby="dialog-title" className="dialog">
      {open && (
        <>
          <h2 id="dialog-title">{title}</h2>
          {children}
        </>
      )}
    </dialog>
  );
}

/**
 * Asks before something that cannot be undone to `target` (a token revoked,
 * an account disabled, a rule deleted): the question with the target's name
 * (data, not translated), what follows, and the one button that does it.
 */
export function ConfirmDialog<T>({
  target,
  title,
  question,
  name,
  warning,
  action,
  busy,
  onClose,
  onConfirm,
}: {
  target: T | null;
  title: string;
  question: string;
  name: (target: T) => string;
  warning: string;
  action: string;
  busy: boolean;
  onClose: () => void;
  onConfirm: (target: T) => void;
}) {
  const { t } = useTranslation();
  return (
    <Dialog title={title} open={target !== null} onClose={onClose}>
      {target !== null && (
        <>
          <p>
            {question} <strong translate="no">{name(target)}</strong>
          </p>
          <p className="notice">{warning}</p>
          <div className="dialog-actions">
            <button type="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => onConfirm(target)}>
              {action}
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

export function Field({ label, error, children, hint }: { label: string; error?: string | undefined; hint?: string; children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  const describedBy = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {hint && !error && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

/**
 * One of the incident filters the lists offer (status, category, TLP): "any"
 * or one value — and, when the address names several (status=new,open from a
 * dashboard link), those together as one more choice.
 */
export function IncidentFilterSelect({ name, id, value, linked, onChange }: { name: 'status' | 'category' | 'tlp'; id: string; value: string; linked: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  const [values, label]: [readonly string[], (v: string) => string] =
    name === 'status' ? [INCIDENT_STATUSES, (v) => t(`incidentStatus.${v}`)] : name === 'category' ? [CATEGORIES, (v) => t(`category.${v}`)] : [TLP_LABELS, (v) => `TLP:${v}`];
  return (
    <div className="field">
      <label htmlFor={id}>{t(`field.${name}`)}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{t('list.any')}</option>
        {linked.includes(',') && <option value={linked}>{linked.split(',').map(label).join(t('list.or'))}</option>}
        {values.map((v) => (
          <option key={v} value={v}>
            {label(v)}
          </option>
        ))}
      </select>
    </div>
  );
}
