import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import {
  TEMPLATE_FIELD_NAMES,
  TEMPLATE_KINDS,
  TemplateInputSchema,
  checkTemplateText,
  renderTemplate,
  type TemplateField,
  type TemplateKind,
} from '../../../src/domain/message-template.js';
import { LANGUAGES, type Language } from '../../../src/domain/organisation.schema.js';
import { CATEGORY_INFO } from '../../../src/domain/taxonomy.js';
import { ApiError, api, get } from '../api/client';
import type { Account, MessageTemplate, MessageTemplates } from '../api/types';
import { useApi } from '../api/use-api';
import { ActorName } from '../components/actor-name';
import { DateTime, ErrorNote, Loading } from '../components/common';
import { currentLanguage } from '../i18n';
import { navigate, useLocation } from '../router';
import { useAccount } from '../session';
import { zodFieldErrors } from '../validation';
import '../components/steering.css';
import './templates.css';

type TemplateText = 'subject' | 'body';

const isKind = (v: string | null): v is TemplateKind => v !== null && (TEMPLATE_KINDS as readonly string[]).includes(v);
const isLanguage = (v: string | null): v is Language => v !== null && (LANGUAGES as readonly string[]).includes(v);

/**
 * What the preview fills the placeholders with: made-up values of the kind
 * Renkei writes (src/domain/message-context.ts builds the real ones on the
 * server; it needs Node, so it is not bundled here). Typed by the domain's
 * field list, so a new field without a sample fails the type check.
 */
function sampleValues(language: Language, me: Account): Record<TemplateField, string> {
  const ja = language === 'ja';
  const zone = ja ? '(Asia/Tokyo, GMT+09:00)' : '(Europe/London, GMT)';
  return {
    'incident.number': 'RK-2026-000123',
    'incident.title': ja ? '連携銀行を装うフィッシングサイト' : 'Phishing site imitating Renkei Bank',
    'incident.category': CATEGORY_INFO.phishing.label[language],
    'incident.summary': ja ? '銀行のログイン画面を模したサイトが SMS で案内されている。' : 'A copy of the bank’s sign-in page, advertised by SMS.',
    'incident.firstSeen': `2026-11-25 09:12 ${zone}`,
    'incident.status': ja ? '対応中' : 'being handled',
    'tlp.label': 'TLP:AMBER',
    'tlp.notice': ja
      ? 'この情報は受信者の組織とその顧客の中で、知る必要のある者にのみ共有できます。'
      : 'Recipients may share this information only on a need-to-know basis within their organisation and its clients.',
    'coordination.tag': 'RK-2026-000123-C1',
    'recipient.name': ja ? '山田 太郎' : 'Alex Smith',
    'recipient.organisation': ja ? '例示ホスティング株式会社' : 'Example Hosting Ltd',
    'recipient.localTime': `2026-11-25 14:40 ${zone}`,
    'observables.urls': 'hxxps://login[.]renkei-bank[.]example/',
    'observables.domains': 'renkei-bank[.]example',
    'observables.ips': '192.0.2.10',
    'observables.all': 'url: hxxps://login[.]renkei-bank[.]example/\ndomain: renkei-bank[.]example\nipv4: 192.0.2.10',
    'reporter.name': ja ? '佐藤 花子' : 'Sam Taylor',
    'handler.name': me.displayName,
    'team.name': 'Renkei CSIRT',
    'team.email': 'csirt@team.example',
    'team.pgpFingerprint': '0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567',
  };
}

/** A template text's problems (unknown fields, stray braces), from the same check the API makes; each once. */
function problemsOf(text: string): Problem[] {
  const out = new Map<string, Problem>();
  for (const p of checkTemplateText(text)) {
    const problem: Problem = p.field === '{{' || p.field === '}}' ? { key: 'templates.unbalanced', token: p.field } : { key: 'templates.unknownField', token: `{{${p.field}}}` };
    out.set(`${problem.key} ${problem.token}`, problem);
  }
  return [...out.values()];
}

interface Problem {
  key: 'templates.unknownField' | 'templates.unbalanced';
  /** What the text says, shown as it is written. */
  token: string;
}

/** A problem in the reader's words, the placeholder as written (data, not translated). */
function ProblemText({ problem }: { problem: Problem }) {
  const { t } = useTranslation();
  return (
    <>
      {t(problem.key)} <code translate="no">{problem.token}</code>
    </>
  );
}

/**
 * The API's field issues (VALIDATION) by template text. The route answers
 * `['body', 'subject']` (the request body's field), the service `['subject']`.
 * On the English screen the server's own words, without the list of known
 * fields the screen already shows; on the Japanese screen the same check
 * worded here.
 */
function apiIssues(t: TFunction, err: ApiError, draft: Record<TemplateText, string>): Partial<Record<TemplateText, ReactNode>> {
  const out: Partial<Record<TemplateText, ReactNode>> = {};
  const local = TemplateInputSchema.safeParse(draft);
  const localErrors = local.success ? {} : zodFieldErrors(local.error, t);
  for (const issue of err.issues) {
    const path = issue.path.map(String);
    const field = path.length > 1 && path[0] === 'body' ? path[1] : path[0];
    if (field !== 'subject' && field !== 'body') continue;
    if (out[field]) continue;
    const problem = problemsOf(draft[field])[0];
    if (currentLanguage() === 'en') out[field] = <span translate="no">{issue.message.replace(/; known fields: [\s\S]*$/, '')}</span>;
    else out[field] = problem ? <ProblemText problem={problem} /> : (localErrors[field] ?? t('validation.invalid'));
  }
  return out;
}

/** The message templates, per kind and language: leads edit them (each save a new version), the team's staff read them. */
export function TemplatesScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const me = useAccount();
  const isLead = me.roles.includes('lead');
  const list = useApi<MessageTemplates>('/api/templates');
  const [flash, setFlash] = useState<string | null>(null);
  const kind = query.get('kind');
  const language = query.get('language');
  const selected = isKind(kind) && isLanguage(language) ? list.data?.items.find((x) => x.kind === kind && x.language === language) : undefined;

  const open = (k: TemplateKind, l: Language) => {
    setFlash(null);
    navigate(`/templates?kind=${k}&language=${l}`, { replace: true });
  };

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('templates.heading')}</h1>
      </div>
      <p className="muted">{t('templates.intro')}</p>
      {flash && (
        <p className="flash" role="status">
          {flash}
        </p>
      )}
      <ErrorNote error={list.error} />
      {!list.data && list.isLoading && <Loading />}
      {list.data && (
        <div className="table-wrap">
          <table className="templates-table">
            <caption className="visually-hidden">{t('templates.heading')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('templates.kind')}</th>
                {LANGUAGES.map((l) => (
                  <th scope="col" key={l}>
                    {t(`templates.language.${l}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {TEMPLATE_KINDS.map((k) => (
                <tr key={k} data-testid={`template-row-${k}`}>
                  <th scope="row">{t(`templateKind.${k}`)}</th>
                  {LANGUAGES.map((l) => {
                    const tpl = list.data!.items.find((x) => x.kind === k && x.language === l);
                    const isOpen = k === kind && l === language;
                    return (
                      <td key={l} className={isOpen ? 'selected' : undefined} data-testid={`template-${k}-${l}`}>
                        <button
                          type="button"
                          className="link-button"
                          aria-pressed={isOpen}
                          aria-label={t(isLead ? 'templates.editOne' : 'templates.viewOne', { kind: t(`templateKind.${k}`), language: t(`templates.language.${l}`) })}
                          onClick={() => open(k, l)}
                        >
                          {t(isLead ? 'templates.edit' : 'templates.view')}
                        </button>{' '}
                        {tpl && <VersionBadge template={tpl} />}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected && (
        <TemplateEditor
          key={`${selected.kind}-${selected.language}-${selected.version}`}
          template={selected}
          canEdit={isLead}
          onSaved={(saved) => {
            setFlash(t('templates.saved', { kind: t(`templateKind.${saved.kind}`), language: t(`templates.language.${saved.language}`), version: saved.version }));
            list.reload();
          }}
          onReload={() => list.reload()}
        />
      )}
    </main>
  );
}

function VersionBadge({ template }: { template: MessageTemplate }) {
  const { t } = useTranslation();
  return (
    <span className="badge" data-testid="template-version">
      {template.isDefault ? t('templates.builtIn') : t('templates.version', { version: template.version })}
    </span>
  );
}

function TemplateEditor({ template, canEdit, onSaved, onReload }: { template: MessageTemplate; canEdit: boolean; onSaved: (t: MessageTemplate) => void; onReload: () => void }) {
  const { t } = useTranslation();
  const me = useAccount();
  const [draft, setDraft] = useState<Record<TemplateText, string>>({ subject: template.subject, body: template.body });
  const [issues, setIssues] = useState<Partial<Record<TemplateText, ReactNode>>>({});
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<MessageTemplate | null>(null);
  const [busy, setBusy] = useState(false);
  const subjectRef = useRef<HTMLInputElement>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const lastFocused = useRef<TemplateText>('body');
  const kindName = t(`templateKind.${template.kind}`);
  const languageName = t(`templates.language.${template.language}`);
  const path = `/api/templates/${template.kind}/${template.language}`;
  const values = sampleValues(template.language, me);
  const hints = { subject: problemsOf(draft.subject), body: problemsOf(draft.body) };
  const isChanged = draft.subject !== template.subject || draft.body !== template.body;

  const set = (field: TemplateText, value: string) => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (issues[field]) setIssues((x) => ({ ...x, [field]: undefined }));
  };

  /** Put `{{field}}` where the cursor was in the subject or the body (the one last used). */
  const insert = (name: TemplateField) => {
    const target = lastFocused.current;
    const el = target === 'subject' ? subjectRef.current : bodyRef.current;
    const text = draft[target];
    const token = `{{${name}}}`;
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    set(target, text.slice(0, start) + token + text.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setIssues({});
    setConflict(null);
    setBusy(true);
    try {
      // The server refuses (CONFLICT) when someone saved a version after the one this form opened.
      onSaved(await api<MessageTemplate>('PUT', path, { ...draft, baseVersion: template.version }));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFLICT') {
        setConflict(await get<MessageTemplate>(path));
        return;
      }
      if (err instanceof ApiError && err.code === 'VALIDATION') setIssues(apiIssues(t, err, draft));
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = (field: TemplateText) =>
    issues[field] ? (
      <small id={`template-${field}-error`} className="field-error" data-testid={`template-${field}-error`}>
        {issues[field]}
      </small>
    ) : null;

  return (
    <section className="panel template-editor" aria-labelledby="template-title" data-testid="template-editor">
      <div className="panel-head">
        <h2 id="template-title">
          {kindName} — {languageName}
        </h2>
        <VersionBadge template={template} />
      </div>
      {template.isDefault ? (
        <p className="muted">{t('templates.builtInNote')}</p>
      ) : (
        <p className="muted" data-testid="template-saved-by">
          {t('templates.savedBy')} <ActorName id={template.updatedBy} name={template.updatedByName} /> · <DateTime value={template.updatedAt} />
        </p>
      )}
      {!canEdit && <p className="notice">{t('templates.leadOnly')}</p>}
      <div className="template-layout">
        <form className="template-form" onSubmit={(e) => void submit(e)} noValidate aria-label={t('templates.formLabel', { kind: kindName, language: languageName })}>
          <div className={`field${issues.subject ? ' has-error' : ''}`}>
            <label htmlFor="template-subject">{t('templates.subject')}</label>
            <input
              id="template-subject"
              ref={subjectRef}
              value={draft.subject}
              onChange={(e) => set('subject', e.target.value)}
              onFocus={() => (lastFocused.current = 'subject')}
              readOnly={!canEdit}
              maxLength={400}
              lang={template.language}
              translate="no"
              aria-invalid={issues.subject ? true : undefined}
              aria-describedby={issues.subject ? 'template-subject-error' : undefined}
            />
            {fieldError('subject')}
          </div>
          <div className={`field${issues.body ? ' has-error' : ''}`}>
            <label htmlFor="template-body">{t('templates.body')}</label>
            <textarea
              id="template-body"
              ref={bodyRef}
              rows={18}
              value={draft.body}
              onChange={(e) => set('body', e.target.value)}
              onFocus={() => (lastFocused.current = 'body')}
              readOnly={!canEdit}
              lang={template.language}
              translate="no"
              aria-invalid={issues.body ? true : undefined}
              aria-describedby={issues.body ? 'template-body-error' : undefined}
            />
            {fieldError('body')}
          </div>
          {conflict && (
            <div className="notice" role="alert" data-testid="template-conflict">
              <p>{t('templates.conflict', { version: conflict.version })}</p>
              <button type="button" onClick={onReload}>
                {t('templates.loadLatest')}
              </button>
            </div>
          )}
          <ErrorNote error={error} />
          {canEdit && (
            <div className="task-actions">
              <button type="submit" className="primary" disabled={busy || !isChanged}>
                {t('templates.save')}
              </button>
              <button type="button" disabled={busy || !isChanged} onClick={() => setDraft({ subject: template.subject, body: template.body })}>
                {t('templates.discard')}
              </button>
            </div>
          )}
        </form>
        <div className="template-side">
          <section aria-labelledby="template-fields-title">
            <h3 id="template-fields-title">{t('templates.fields')}</h3>
            <p className="muted">{t(canEdit ? 'templates.fieldsHint' : 'templates.fieldsHintReadOnly')}</p>
            <ul className="template-fields" data-testid="template-fields">
              {TEMPLATE_FIELD_NAMES.map((name) => (
                <li key={name}>
                  {canEdit ? (
                    <button type="button" className="link-button" onClick={() => insert(name)}>
                      <span className="visually-hidden">{t('templates.insert')} </span>
                      <code translate="no">{`{{${name}}}`}</code>
                    </button>
                  ) : (
                    <code translate="no">{`{{${name}}}`}</code>
                  )}{' '}
                  <span className="muted">{t(`templateField.${name}`)}</span>
                </li>
              ))}
            </ul>
          </section>
          <section aria-labelledby="template-preview-title" data-testid="template-preview">
            <h3 id="template-preview-title">{t('templates.preview')}</h3>
            <p className="muted">{t('templates.previewNote')}</p>
            {[...hints.subject, ...hints.body].length > 0 && (
              <ul className="template-hints" data-testid="template-hints">
                {(['subject', 'body'] as const).flatMap((field) =>
                  hints[field].map((h) => (
                    <li key={`${field} ${h.key} ${h.token}`} className="field-error">
                      {t(`templates.${field}`)}: <ProblemText problem={h} />
                    </li>
                  )),
                )}
              </ul>
            )}
            <div className="template-preview-subject" translate="no" lang={template.language}>
              {renderTemplate(draft.subject, values)}
            </div>
            <pre className="body-text" translate="no" lang={template.language}>
              {renderTemplate(draft.body, values)}
            </pre>
          </section>
        </div>
      </div>
    </section>
  );
}
