import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { PHASES, PlaybookSchema, orderedTasks, type Phase, type PlaybookTask } from '../../../src/domain/playbook.js';
import { CATEGORIES, type Category } from '../../../src/domain/taxonomy.js';
import { api } from '../api/client';
import type { Playbook } from '../api/types';
import { useApi } from '../api/use-api';
import { DateTime, ErrorNote, Field, FormActions, Loading } from '../components/common';
import { Who } from '../components/decision-panel';
import { FormIssues, useFormIssues, type FieldIssue } from '../form-issues';
import { currentLanguage } from '../i18n';
import { navigate, useLocation } from '../router';
import { useAccount } from '../session';
import '../components/steering.css';

const isCategory = (c: string | null): c is Category => c !== null && (CATEGORIES as readonly string[]).includes(c);

/** Per category, the tasks an incident starts with, by phase; leads edit them, each save a new version. */
export function PlaybooksScreen() {
  const { t } = useTranslation();
  const { query } = useLocation();
  const me = useAccount();
  const isLead = me.roles.includes('lead');
  const q = query.get('category');
  const category: Category = isCategory(q) ? q : 'phishing';
  const book = useApi<Playbook>(`/api/playbooks/${category}`);
  const [editing, setEditing] = useState(false);
  const [flash, setFlash] = useState<string | null>(null);
  const lng = currentLanguage();

  const choose = (c: Category) => {
    setEditing(false);
    setFlash(null);
    navigate(`/playbooks?category=${c}`, { replace: true });
  };

  return (
    <main id="main">
      <div className="screen-title">
        <h1>{t('playbooks.heading')}</h1>
      </div>
      <p className="muted">{t('playbooks.intro')}</p>
      <nav aria-label={t('playbooks.categories')}>
        <ul className="category-tabs">
          {CATEGORIES.map((c) => (
            <li key={c}>
              <button type="button" aria-pressed={c === category} onClick={() => choose(c)}>
                {t(`category.${c}`)}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {flash && (
        <p className="flash" role="status">
          {flash}
        </p>
      )}
      <ErrorNote error={book.error} />
      {!book.data && book.isLoading && <Loading />}
      {book.data && book.data.category === category && (
        <section className="panel" aria-labelledby="playbook-title" data-testid="playbook">
          <div className="panel-head">
            <h2 id="playbook-title">
              {t(`category.${category}`)} — <span translate="no">{lng === 'en' ? book.data.title.en : book.data.title.ja}</span>
            </h2>
            <span className="badge" data-testid="playbook-version">
              {book.data.version === 0 ? t('playbooks.builtIn') : t('playbooks.version', { version: book.data.version })}
            </span>
            {isLead && !editing && (
              <button type="button" onClick={() => setEditing(true)}>
                {t('playbooks.edit')}
              </button>
            )}
          </div>
          {book.data.version > 0 && (
            <p className="muted">
              {t('playbooks.savedBy')} <Who id={book.data.updatedBy} /> · <DateTime value={book.data.updatedAt} />
            </p>
          )}
          {editing ? (
            <PlaybookEditor
              key={`${category}-${book.data.version}`}
              playbook={book.data}
              onCancel={() => setEditing(false)}
              onSaved={(p) => {
                setEditing(false);
                setFlash(t('playbooks.saved', { version: p.version }));
                book.reload();
              }}
            />
          ) : (
            <PlaybookView playbook={book.data} />
          )}
          {book.data.history && book.data.history.length > 0 && (
            <details className="history">
              <summary>{t('playbooks.history', { count: book.data.history.length })}</summary>
              <ul>
                {book.data.history.map((h) => (
                  <li key={h.version}>
                    {t('playbooks.version', { version: h.version })} · <Who id={h.updatedBy} /> · <DateTime value={h.updatedAt} />
                  </li>
                ))}
              </ul>
            </details>
          )}
        </section>
      )}
    </main>
  );
}

function PlaybookView({ playbook }: { playbook: Playbook }) {
  const { t } = useTranslation();
  const lng = currentLanguage();
  const tasks = orderedTasks(playbook.tasks);
  return (
    <>
      {PHASES.map((phase) => {
        const inPhase = tasks.filter((x) => x.phase === phase);
        if (!inPhase.length) return null;
        return (
          <div key={phase} className="task-phase">
            <h3>{t(`phase.${phase}`)}</h3>
            <ol className="tasks">
              {inPhase.map((task) => (
                <li key={task.key} className="task" data-testid="playbook-task">
                  <div className="task-head">
                    <span className="task-title" translate="no">
                      {lng === 'en' ? task.title.en : task.title.ja}
                    </span>
                    {task.mandatory && <span className="mark mark-mandatory">{t('tasks.mandatory')}</span>}
                  </div>
                  <div className="task-meta muted">
                    <span>{task.dueAfterHours ? t('playbooks.dueAfter', { count: task.dueAfterHours }) : t('playbooks.noDue')}</span>
                    <code translate="no">{task.key}</code>
                  </div>
                </li>
              ))}
            </ol>
          </div>
        );
      })}
    </>
  );
}

interface Row {
  /** Stable across edits (React key); not sent. */
  uid: number;
  isNew: boolean;
  key: string;
  phase: Phase;
  ja: string;
  en: string;
  mandatory: boolean;
  due: string;
  description?: PlaybookTask['description'];
}

let nextUid = 1;
const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);

/** The playbook's issues by field, checked with the schema the API uses. */
function playbookIssues(t: TFunction, body: unknown): FieldIssue[] {
  const parsed = PlaybookSchema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => ({
    path: i.path.map(String).join('.'),
    message:
      i.code === 'too_small' && i.path.length === 1 ? t('playbooks.needTask') : i.code === 'too_small' ? t('validation.required') : i.code === 'too_big' ? t('validation.tooLong', { max: Number(i.maximum) }) : i.code === 'custom' ? t('playbooks.duplicateKey') : t('validation.invalid'),
  }));
}

function PlaybookEditor({ playbook, onSaved, onCancel }: { playbook: Playbook; onSaved: (p: Playbook) => void; onCancel: () => void }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState(playbook.title);
  const [rows, setRows] = useState<Row[]>(() =>
    orderedTasks(playbook.tasks).map((x) => ({
      uid: nextUid++,
      isNew: false,
      key: x.key,
      phase: x.phase,
      ja: x.title.ja,
      en: x.title.en,
      mandatory: x.mandatory,
      due: x.dueAfterHours ? String(x.dueAfterHours) : '',
      ...(x.description ? { description: x.description } : {}),
    })),
  );
  const { issues, issue, error, busy, submit: send } = useFormIssues(t);
  const change = (uid: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.uid === uid ? { ...r, ...patch } : r)));
  const move = (i: number, by: -1 | 1) =>
    setRows((rs) => {
      const j = i + by;
      if (j < 0 || j >= rs.length) return rs;
      const out = [...rs];
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    });

  /** New tasks without a key get one from their English title (or their position). */
  const body = () => {
    const used = new Set(rows.filter((r) => r.key.trim()).map((r) => r.key.trim()));
    return {
      title,
      tasks: rows.map((r, i) => {
        let key = r.key.trim();
        if (!key) {
          const base = slug(r.en) || `task-${i + 1}`;
          key = base;
          for (let n = 2; used.has(key); n++) key = `${base}-${n}`;
          used.add(key);
        }
        return {
          key,
          phase: r.phase,
          title: { ja: r.ja, en: r.en },
          ...(r.description ? { description: r.description } : {}),
          mandatory: r.mandatory,
          ...(r.due.trim() ? { dueAfterHours: Number(r.due) } : {}),
        };
      }),
    };
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const b = body();
    await send(playbookIssues(t, b), () => api<Playbook>('PUT', `/api/playbooks/${playbook.category}`, b), onSaved);
  };

  return (
    <form onSubmit={(e) => void submit(e)} aria-label={t('playbooks.editForm')} noValidate>
      <div className="form-grid">
        <Field label={t('playbooks.titleJa')} error={issue('title.ja')}>
          {(id, d) => <input id={id} aria-describedby={d} lang="ja" value={title.ja} onChange={(e) => setTitle({ ...title, ja: e.target.value })} />}
        </Field>
        <Field label={t('playbooks.titleEn')} error={issue('title.en')}>
          {(id, d) => <input id={id} aria-describedby={d} lang="en" value={title.en} onChange={(e) => setTitle({ ...title, en: e.target.value })} />}
        </Field>
      </div>
      <h3>{t('playbooks.tasks')}</h3>
      <p className="muted">{t('playbooks.editHelp')}</p>
      <ol className="tasks" aria-label={t('playbooks.tasks')}>
        {rows.map((r, i) => {
          const p = `tasks.${i}`;
          const n = i + 1;
          return (
            <li key={r.uid} className="playbook-task-edit" data-testid="playbook-task-edit">
              <span className="position" aria-hidden="true">
                {n}
              </span>
              <Field label={t('playbooks.taskTitleJa', { n })} error={issue(`${p}.title.ja`)}>
                {(id, d) => <input id={id} aria-describedby={d} lang="ja" aria-invalid={issue(`${p}.title.ja`) ? true : undefined} value={r.ja} onChange={(e) => change(r.uid, { ja: e.target.value })} />}
              </Field>
              <Field label={t('playbooks.taskTitleEn', { n })} error={issue(`${p}.title.en`)}>
                {(id, d) => <input id={id} aria-describedby={d} lang="en" aria-invalid={issue(`${p}.title.en`) ? true : undefined} value={r.en} onChange={(e) => change(r.uid, { en: e.target.value })} />}
              </Field>
              <Field label={t('playbooks.taskPhase', { n })}>
                {(id) => (
                  <select id={id} value={r.phase} onChange={(e) => change(r.uid, { phase: e.target.value as Phase })}>
                    {PHASES.map((ph) => (
                      <option key={ph} value={ph}>
                        {t(`phase.${ph}`)}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('playbooks.taskDue', { n })} error={issue(`${p}.dueAfterHours`)}>
                {(id, d) => <input id={id} type="number" min={1} aria-describedby={d} value={r.due} onChange={(e) => change(r.uid, { due: e.target.value })} />}
              </Field>
              <div className="row-actions">
                <button type="button" onClick={() => move(i, -1)} disabled={i === 0} aria-label={t('playbooks.moveUp', { n })} title={t('playbooks.moveUp', { n })}>
                  ↑
                </button>
                <button type="button" onClick={() => move(i, 1)} disabled={i === rows.length - 1} aria-label={t('playbooks.moveDown', { n })} title={t('playbooks.moveDown', { n })}>
                  ↓
                </button>
                <button type="button" onClick={() => setRows((rs) => rs.filter((x) => x.uid !== r.uid))} aria-label={t('playbooks.remove', { n })} title={t('playbooks.remove', { n })}>
                  ✕
                </button>
              </div>
              <div className="wide">
                <label className="checkbox">
                  <input type="checkbox" checked={r.mandatory} onChange={(e) => change(r.uid, { mandatory: e.target.checked })} /> {t('playbooks.taskMandatory', { n })}
                </label>
                {r.isNew ? (
                  <Field label={t('playbooks.taskKey', { n })} hint={t('playbooks.keyHint')} error={issue(`${p}.key`)}>
                    {(id, d) => <input id={id} aria-describedby={d} translate="no" value={r.key} onChange={(e) => change(r.uid, { key: e.target.value })} />}
                  </Field>
                ) : (
                  <span className="muted">
                    {t('playbooks.key')} <code translate="no">{r.key}</code>
                  </span>
                )}
                {issue(`${p}.key`) && !r.isNew && <small className="field-error">{issue(`${p}.key`)}</small>}
              </div>
            </li>
          );
        })}
      </ol>
      <p>
        <button
          type="button"
          onClick={() => setRows((rs) => [...rs, { uid: nextUid++, isNew: true, key: '', phase: rs[rs.length - 1]?.phase ?? 'analysis', ja: '', en: '', mandatory: false, due: '' }])}
          disabled={rows.length >= 200}
        >
          {t('playbooks.addTask')}
        </button>
      </p>
      <FormIssues heading={t('playbooks.issues')} issues={issues} error={error} />
      <FormActions onCancel={onCancel} busy={busy} submit={t('playbooks.save')} />
    </form>
  );
}
