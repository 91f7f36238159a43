import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { GATE_ACTIONS, RuleSchema, type RuleAction } from '../../../src/domain/escalation-rule.js';
import { SLA_CLOCKS } from '../../../src/domain/sla.js';
import { CATEGORIES, PRIORITIES, SEVERITIES } from '../../../src/domain/taxonomy.js';
import { TLP_LABELS } from '../../../src/domain/tlp.js';
import { api, ApiError } from '../api/client';
import type { Organisation, Rule } from '../api/types';
import { Field, FormActions } from './common';
import { FormIssues, useFormIssues, type FieldIssue } from '../form-issues';

type ActionType = RuleAction['type'];
const ACTION_TYPES: ActionType[] = ['assign', 'raise-priority', 'raise-severity', 'notify', 'add-playbook', 'require-decision', 'mark-for-partner'];

interface ActionDraft {
  type: ActionType;
  /** assign: the address; raise-*: the level; add-playbook: the category; require-decision: the action; mark-for-partner: the organisation. */
  value: string;
  /** notify: leads, on-call or address (then `email`). */
  email: string;
}

interface Draft {
  name: string;
  enabled: boolean;
  categories: string[];
  severities: string[];
  priorities: string[];
  tlp: string[];
  constituencies: string;
  watchlist: string;
  keywords: string;
  sla: boolean;
  slaClock: string;
  slaState: 'due-soon' | 'breached';
  slaWithin: string;
  reportsAtLeast: string;
  then: ActionDraft[];
}

const defaultValue = (type: ActionType): string =>
  type === 'raise-priority' ? 'urgent' : type === 'raise-severity' ? 'high' : type === 'notify' ? 'leads' : type === 'add-playbook' ? 'phishing' : type === 'require-decision' ? GATE_ACTIONS[0] : '';

function toDraft(rule: Rule | null): Draft {
  const w = rule?.when ?? {};
  return {
    name: rule?.name ?? '',
    enabled: rule?.enabled ?? true,
    categories: [...(w.categories ?? [])],
    severities: [...(w.severities ?? [])],
    priorities: [...(w.priorities ?? [])],
    tlp: [...(w.tlp ?? [])],
    constituencies: (w.constituencies ?? []).join(', '),
    watchlist: (w.watchlist ?? []).join('\n'),
    keywords: (w.keywords ?? []).join('\n'),
    sla: w.sla !== undefined,
    slaClock: w.sla?.clock ?? '',
    slaState: w.sla?.state ?? 'due-soon',
    slaWithin: String(w.sla?.withinMinutes ?? 60),
    reportsAtLeast: w.reportsAtLeast !== undefined ? String(w.reportsAtLeast) : '',
    then: (rule?.then ?? [{ type: 'notify', who: 'leads' }]).map((a): ActionDraft => {
      switch (a.type) {
        case 'assign':
          return { type: a.type, value: a.to, email: '' };
        case 'raise-priority':
        case 'raise-severity':
          return { type: a.type, value: a.to, email: '' };
        case 'notify':
          return a.who === 'leads' || a.who === 'on-call' ? { type: a.type, value: a.who, email: '' } : { type: a.type, value: 'address', email: a.who };
        case 'add-playbook':
          return { type: a.type, value: a.category, email: '' };
        case 'require-decision':
          return { type: a.type, value: a.before, email: '' };
        case 'mark-for-partner':
          return { type: a.type, value: a.organisationId, email: '' };
      }
    }),
  };
}

const lines = (s: string) =>
  s
    .split(/\r?\n/)
    .map((x) => x.trim())
    .filter(Boolean);
const items = (s: string) =>
  s
    .split(/[,\s、]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** The draft as the API's RuleSchema takes it (empty conditions left out). */
function toBody(d: Draft): Record<string, unknown> {
  const when: Record<string, unknown> = {};
  if (d.categories.length) when.categories = d.categories;
  if (d.severities.length) when.severities = d.severities;
  if (d.priorities.length) when.priorities = d.priorities;
  if (d.tlp.length) when.tlp = d.tlp;
  if (items(d.constituencies).length) when.constituencies = items(d.constituencies);
  if (lines(d.watchlist).length) when.watchlist = lines(d.watchlist);
  if (lines(d.keywords).length) when.keywords = lines(d.keywords);
  if (d.sla) when.sla = { ...(d.slaClock ? { clock: d.slaClock } : {}), state: d.slaState, ...(d.slaState === 'due-soon' ? { withinMinutes: Number(d.slaWithin) } : {}) };
  if (d.reportsAtLeast.trim()) when.reportsAtLeast = Number(d.reportsAtLeast);
  const then = d.then.map((a) => {
    switch (a.type) {
      case 'assign':
      case 'raise-priority':
      case 'raise-severity':
        return { type: a.type, to: a.value };
      case 'notify':
        return { type: a.type, who: a.value === 'address' ? a.email.trim() : a.value };
      case 'add-playbook':
        return { type: a.type, category: a.value };
      case 'require-decision':
        return { type: a.type, before: a.value };
      case 'mark-for-partner':
        return { type: a.type, organisationId: a.value };
    }
  });
  return { name: d.name, enabled: d.enabled, when, then };
}

/** Issues by path (`when.categories`, `then.0.to`), worded for the reader; the server's wording on the English screen. */
function clientIssues(t: TFunction, body: unknown): FieldIssue[] {
  const parsed = RuleSchema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    let message = t('validation.invalid');
    if (i.code === 'custom' && i.path[0] === 'then') message = t('rules.selfTrigger');
    else if (path === 'when' || (i.code === 'custom' && i.path.length === 0)) message = t('rules.needCondition');
    else if (i.code === 'too_small' && path === 'then') message = t('rules.needAction');
    else if (i.code === 'too_small') message = t('validation.required');
    else if (i.code === 'too_big') message = t('validation.tooLong', { max: Number(i.maximum) });
    else if (i.code === 'invalid_format' && i.format === 'email') message = t('rules.invalidEmail');
    return { path, message };
  });
}

const isConflict = (error: unknown) => error instanceof ApiError && error.code === 'CONFLICT';

/**
 * A lead's editor of one escalation rule: the conditions (taxonomy, TLP,
 * constituencies, report counts, watch lists, keywords, SLA clocks) and the
 * actions, checked with the schema the API uses before it is sent.
 */
export function RuleForm({
  rule,
  partners,
  onSaved,
  onCancel,
  onConflict,
}: {
  rule: Rule | null;
  partners: Organisation[];
  onSaved: (r: Rule) => void;
  onCancel: () => void;
  /** Another lead changed the rule meanwhile (the save was refused): the screen shows theirs; this form keeps the edit. */
  onConflict?: () => void;
}) {
  const { t } = useTranslation();
  const [d, setD] = useState<Draft>(() => toDraft(rule));
  // The version this edit is based on: the rule's when opened, then the one another lead saved meanwhile, once this
  // form has said so — saving again then puts the edit over theirs knowingly, rather than being refused for ever.
  const [base, setBase] = useState(rule?.version);
  const overtaken = rule && base !== rule.version ? base : null;
  const { issues, issue, error, busy, submit: send } = useFormIssues(t);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setAction = (i: number, a: Partial<ActionDraft>) => setD((x) => ({ ...x, then: x.then.map((old, j) => (j === i ? { ...old, ...a } : old)) }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = toBody(d);
    // An edit names the version it started from: a rule another lead changed meanwhile is refused, not overwritten.
    const save = async () => {
      try {
        return await (rule ? api<Rule>('PUT', `/api/rules/${rule.id}`, { ...body, version: base }) : api<Rule>('POST', '/api/rules', body));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'CONFLICT') {
          if (typeof err.details.version === 'number') setBase(err.details.version);
          onConflict?.();
        }
        throw err;
      }
    };
    await send(clientIssues(t, body), save, onSaved);
  };

  const checks = (name: 'categories' | 'severities' | 'priorities' | 'tlp', values: readonly string[], label: (v: string) => string) => (
    <fieldset className={issue(`when.${name}`) ? 'has-error' : undefined}>
      <legend>{t(`rules.field.${name}`)}</legend>
      <div className="checks">
        {values.map((v) => (
          <label key={v}>
            <input
              type="checkbox"
              checked={d[name].includes(v)}
              onChange={(e) => set(name, e.target.checked ? [...d[name], v] : d[name].filter((x) => x !== v))}
            />
            {label(v)}
          </label>
        ))}
      </div>
      {issue(`when.${name}`) && <small className="field-error">{issue(`when.${name}`)}</small>}
    </fieldset>
  );

  return (
    <form className="panel rule-form" onSubmit={(e) => void submit(e)} aria-labelledby="rule-form-title" noValidate>
      <h2 id="rule-form-title">{rule ? t('rules.editTitle', { name: rule.name }) : t('rules.newTitle')}</h2>
      <div className="form-grid">
        <Field label={t('rules.field.name')} error={issue('name')}>
          {(id, dsc) => <input id={id} aria-describedby={dsc} aria-invalid={issue('name') ? true : undefined} value={d.name} onChange={(e) => set('name', e.target.value)} maxLength={200} />}
        </Field>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} /> {t('rules.field.enabled')}
      </label>

      <fieldset>
        <legend>{t('rules.whenHeading')}</legend>
        <p className="muted">{t('rules.whenHelp')}</p>
        {issue('when') && !issues.some((i) => i.path.startsWith('when.')) && (
          <p className="field-error" role="alert">
            {issue('when')}
          </p>
        )}
        {checks('categories', CATEGORIES, (v) => t(`category.${v}`))}
        {checks('severities', SEVERITIES, (v) => t(`severity.${v}`))}
        {checks('priorities', PRIORITIES, (v) => t(`priority.${v}`))}
        {checks('tlp', TLP_LABELS, (v) => `TLP:${v}`)}
        <div className="form-grid">
          <Field label={t('rules.field.constituencies')} hint={t('rules.hint.constituencies')} error={issue('when.constituencies')}>
            {(id, dsc) => <input id={id} aria-describedby={dsc} value={d.constituencies} onChange={(e) => set('constituencies', e.target.value)} />}
          </Field>
          <Field label={t('rules.field.reportsAtLeast')} hint={t('rules.hint.reportsAtLeast')} error={issue('when.reportsAtLeast')}>
            {(id, dsc) => <input id={id} type="number" min={2} aria-describedby={dsc} value={d.reportsAtLeast} onChange={(e) => set('reportsAtLeast', e.target.value)} />}
          </Field>
        </div>
        <div className="form-grid">
          <Field label={t('rules.field.keywords')} hint={t('rules.hint.lines')} error={issue('when.keywords')}>
            {(id, dsc) => <textarea id={id} rows={3} aria-describedby={dsc} value={d.keywords} onChange={(e) => set('keywords', e.target.value)} />}
          </Field>
          <Field label={t('rules.field.watchlist')} hint={t('rules.hint.watchlist')} error={issue('when.watchlist')}>
            {(id, dsc) => <textarea id={id} rows={3} aria-describedby={dsc} value={d.watchlist} onChange={(e) => set('watchlist', e.target.value)} />}
          </Field>
        </div>
        <fieldset>
          <legend>{t('rules.field.sla')}</legend>
          <label className="checkbox">
            <input type="checkbox" checked={d.sla} onChange={(e) => set('sla', e.target.checked)} /> {t('rules.field.slaOn')}
          </label>
          {d.sla && (
            <div className="form-grid">
              <Field label={t('rules.field.slaClock')}>
                {(id) => (
                  <select id={id} value={d.slaClock} onChange={(e) => set('slaClock', e.target.value)}>
                    <option value="">{t('rules.anyClock')}</option>
                    {SLA_CLOCKS.map((c) => (
                      <option key={c} value={c}>
                        {t(`slaClock.${c}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('rules.field.slaState')}>
                {(id) => (
                  <select id={id} value={d.slaState} onChange={(e) => set('slaState', e.target.value as Draft['slaState'])}>
                    <option value="due-soon">{t('rules.slaState.due-soon')}</option>
                    <option value="breached">{t('rules.slaState.breached')}</option>
                  </select>
                )}
              </Field>
              {d.slaState === 'due-soon' && (
                <Field label={t('rules.field.slaWithin')} error={issue('when.sla')}>
                  {(id, dsc) => <input id={id} type="number" min={1} aria-describedby={dsc} value={d.slaWithin} onChange={(e) => set('slaWithin', e.target.value)} />}
                </Field>
              )}
            </div>
          )}
        </fieldset>
      </fieldset>

      <fieldset>
        <legend>{t('rules.thenHeading')}</legend>
        {issue('then') && !issues.some((i) => i.path.startsWith('then.')) && (
          <p className="field-error" role="alert">
            {issue('then')}
          </p>
        )}
        {d.then.map((a, i) => (
          <div key={i} className="action-row" data-testid="rule-action">
            <Field label={t('rules.field.actionType', { n: i + 1 })}>
              {(id) => (
                <select id={id} value={a.type} onChange={(e) => setAction(i, { type: e.target.value as ActionType, value: defaultValue(e.target.value as ActionType), email: '' })}>
                  {ACTION_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {t(`rules.actionType.${type}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <div>
              <ActionValue action={a} partners={partners} error={issue(`then.${i}`)} onChange={(x) => setAction(i, x)} />
            </div>
            <button type="button" onClick={() => set('then', d.then.filter((_, j) => j !== i))} disabled={d.then.length === 1}>
              {t('rules.removeAction')}
            </button>
          </div>
        ))}
        <p>
          <button type="button" onClick={() => set('then', [...d.then, { type: 'notify', value: 'leads', email: '' }])} disabled={d.then.length >= 20}>
            {t('rules.addAction')}
          </button>
        </p>
      </fieldset>

      {overtaken !== null && isConflict(error) ? (
        <p className="error" role="alert" data-testid="rule-overtaken">
          {t('rules.overtaken', { version: overtaken })}
        </p>
      ) : (
        <FormIssues heading={t('rules.issues')} issues={issues} error={error} testId="rule-issues" />
      )}
      <FormActions onCancel={onCancel} busy={busy} submit={t('rules.save')} />
    </form>
  );
}

function ActionValue({ action, partners, error, onChange }: { action: ActionDraft; partners: Organisation[]; error: string | undefined; onChange: (a: Partial<ActionDraft>) => void }) {
  const { t } = useTranslation();
  const select = (label: string, options: readonly string[], name: (v: string) => string, empty?: string) => (
    <Field label={label} error={error}>
      {(id, dsc) => (
        <select id={id} aria-describedby={dsc} value={action.value} onChange={(e) => onChange({ value: e.target.value })}>
          {empty !== undefined && <option value="">{empty}</option>}
          {options.map((v) => (
            <option key={v} value={v}>
              {name(v)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  switch (action.type) {
    case 'assign':
      return (
        <Field label={t('rules.field.assignTo')} error={error}>
          {(id, dsc) => <input id={id} aria-describedby={dsc} aria-invalid={error ? true : undefined} value={action.value} onChange={(e) => onChange({ value: e.target.value })} />}
        </Field>
      );
    case 'raise-priority':
      return select(t('rules.field.to'), PRIORITIES, (v) => t(`priority.${v}`));
    case 'raise-severity':
      return select(t('rules.field.to'), SEVERITIES, (v) => t(`severity.${v}`));
    case 'add-playbook':
      return select(t('rules.field.category'), CATEGORIES, (v) => t(`category.${v}`));
    case 'require-decision':
      return select(t('rules.field.before'), GATE_ACTIONS, (v) => t(`decisions.before.${v}`));
    case 'mark-for-partner':
      return select(
        t('rules.field.partner'),
        partners.map((o) => o.id),
        (v) => partners.find((o) => o.id === v)?.name ?? v,
        partners.length ? t('rules.choosePartner') : t('rules.noPartners'),
      );
    case 'notify':
      return (
        <div className="form-grid">
          {select(t('rules.field.who'), ['leads', 'on-call', 'address'], (v) => t(`rules.who.${v}`))}
          {action.value === 'address' && (
            <Field label={t('rules.field.email')}>
              {(id) => <input id={id} type="email" value={action.email} onChange={(e) => onChange({ email: e.target.value })} />}
            </Field>
          )}
        </div>
      );
  }
}
