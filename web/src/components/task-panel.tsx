import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { PHASES, type Phase } from '../../../src/domain/playbook.js';
import { CATEGORIES, type Category } from '../../../src/domain/taxonomy.js';
import { ApiError, api } from '../api/client';
import type { Task } from '../api/types';
import { useApi } from '../api/use-api';
import { currentLanguage } from '../i18n';
import { useAccount } from '../session';
import { apiFieldErrors } from '../validation';
import { bilingual, DateTime, ErrorNote, Field, Loading } from './common';
import { fromJstInput, toJstInput } from './incident-edit';
import './steering.css';

type Change = { state?: Task['state']; reason?: string; assignee?: string | null; dueAt?: string | null };

/**
 * The incident's tasks (its playbook's and those written by hand), by phase in
 * the order they are worked: done, not needed with a reason, open again;
 * assignee and due date; a task by hand; another category's playbook.
 */
export function TaskPanel({ incidentId, category, onChanged }: { incidentId: string; category: Category; onChanged: () => void }) {
  const { t } = useTranslation();
  const base = `/api/incidents/${encodeURIComponent(incidentId)}`;
  const tasks = useApi<{ items: Task[] }>(`${base}/tasks`);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [playbook, setPlaybook] = useState<Category>(category);
  // Read when the list arrives: what is overdue is judged against this moment.
  const [now, setNow] = useState(() => Date.now());

  const refresh = () => {
    tasks.reload();
    setNow(Date.now());
    onChanged();
  };
  const run = async (call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await call();
      refresh();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const update = (task: Task, change: Change) => run(() => api<Task>('PATCH', `${base}/tasks/${task.id}`, { ...change, version: task.version }));

  const items = tasks.data?.items ?? [];
  const open = items.filter((x) => x.state === 'open');
  const openMandatory = open.filter((x) => x.mandatory).length;

  return (
    <section className="panel tasks-panel" aria-labelledby="tasks-title">
      <div className="panel-head">
        <h2 id="tasks-title">{t('tasks.heading')}</h2>
        {tasks.data && (
          <span className="muted" data-testid="task-counts">
            {t('tasks.openCount', { count: open.length })}
            {openMandatory > 0 && <> · {t('tasks.openMandatoryCount', { count: openMandatory })}</>}
          </span>
        )}
      </div>
      <ErrorNote error={tasks.error} />
      {!tasks.data && tasks.isLoading && <Loading />}
      {tasks.data && items.length === 0 && <p className="muted">{t('tasks.none')}</p>}
      {PHASES.map((phase) => {
        const inPhase = items.filter((x) => x.phase === phase);
        if (!inPhase.length) return null;
        return (
          <div key={phase} className="task-phase" data-testid={`phase-${phase}`}>
            <h3>{t(`phase.${phase}`)}</h3>
            <ul className="tasks">
              {inPhase.map((task) => (
                <TaskItem key={`${task.id}-${task.version}`} task={task} now={now} busy={busy} onUpdate={(c) => update(task, c)} />
              ))}
            </ul>
          </div>
        );
      })}
      <ErrorNote error={error} />
      <AddTask path={`${base}/tasks`} onAdded={refresh} />
      <form
        className="inline-fields playbook-apply"
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => api('POST', `${base}/playbook`, { category: playbook }));
        }}
      >
        <label htmlFor="apply-playbook">{t('tasks.playbookOf')}</label>
        <select id="apply-playbook" value={playbook} onChange={(e) => setPlaybook(e.target.value as Category)}>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {t(`category.${c}`)}
            </option>
          ))}
        </select>
        <button type="submit" disabled={busy}>
          {t('tasks.applyPlaybook')}
        </button>
      </form>
    </section>
  );
}

function TaskItem({ task, now, busy, onUpdate }: { task: Task; now: number; busy: boolean; onUpdate: (c: Change) => Promise<boolean> }) {
  const { t } = useTranslation();
  const me = useAccount();
  const lng = currentLanguage();
  const [mode, setMode] = useState<'view' | 'not-needed' | 'edit'>('view');
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | undefined>();
  const [assignee, setAssignee] = useState(task.assignee ?? '');
  const [due, setDue] = useState(toJstInput(task.dueAt));
  const title = bilingual(task.title, lng);
  const overdue = task.state === 'open' && task.dueAt !== null && new Date(task.dueAt).getTime() < now;
  const id = `task-${task.id}`;

  const notNeeded = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) return setReasonError(t('validation.required'));
    setReasonError(undefined);
    if (await onUpdate({ state: 'not-needed', reason: reason.trim() })) setMode('view');
  };
  const saveEdit = async (e: FormEvent) => {
    e.preventDefault();
    if (await onUpdate({ assignee: assignee.trim() || null, dueAt: fromJstInput(due) })) setMode('view');
  };

  return (
    <li className={`task task-${task.state}${overdue ? ' task-overdue' : ''}`} data-testid="task" aria-labelledby={`${id}-title`}>
      <div className="task-head">
        <span className={`badge task-state-${task.state}`}>{t(`taskState.${task.state}`)}</span>
        <span id={`${id}-title`} className="task-title" translate="no">
          {title}
        </span>
        {task.mandatory && <span className="mark mark-mandatory">{t('tasks.mandatory')}</span>}
      </div>
      <div className="task-meta">
        <span>
          {t('field.dueAt')}: {task.dueAt ? <DateTime value={task.dueAt} /> : <span className="muted">—</span>}
          {overdue && <span className="mark mark-overdue">{t('tasks.overdue')}</span>}
        </span>
        <span>
          {t('field.assignee')}: {task.assignee ? <span translate="no">{task.assignee}</span> : <span className="muted">{t('incident.unassigned')}</span>}
        </span>
        {task.playbook && (
          <span className="muted">
            {t('tasks.fromPlaybook')} <span translate="no">{task.playbook}</span>
          </span>
        )}
      </div>
      {task.state !== 'open' && (
        <div className="task-meta">
          <span className="muted">
            {t(task.state === 'done' ? 'tasks.doneAt' : 'tasks.notNeededAt')} <DateTime value={task.doneAt} />
          </span>
          {task.reason && (
            <span>
              {t('field.reason')}: <span translate="no">{task.reason}</span>
            </span>
          )}
        </div>
      )}
      {mode === 'view' && (
        <div className="task-actions">
          {task.state === 'open' ? (
            <>
              <button type="button" className="primary" disabled={busy} onClick={() => void onUpdate({ state: 'done' })} aria-describedby={`${id}-title`}>
                {t('tasks.markDone')}
              </button>
              <button type="button" disabled={busy} onClick={() => setMode('not-needed')} aria-describedby={`${id}-title`}>
                {t('tasks.markNotNeeded')}
              </button>
              {task.assignee !== me.email && (
                <button type="button" disabled={busy} onClick={() => void onUpdate({ assignee: me.email })} aria-describedby={`${id}-title`}>
                  {t('tasks.assignMe')}
                </button>
              )}
            </>
          ) : (
            <button type="button" disabled={busy} onClick={() => void onUpdate({ state: 'open' })} aria-describedby={`${id}-title`}>
              {t('tasks.reopen')}
            </button>
          )}
          <button type="button" className="link-button" onClick={() => setMode('edit')} aria-describedby={`${id}-title`}>
            {t('tasks.editAssignment')}
          </button>
        </div>
      )}
      {mode === 'not-needed' && (
        <form className="task-form" onSubmit={(e) => void notNeeded(e)} aria-label={t('tasks.notNeededForm', { title })}>
          <Field label={t('tasks.reason')} error={reasonError}>
            {(fid, d) => (
              <input id={fid} aria-describedby={d} aria-invalid={reasonError ? true : undefined} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={2000} />
            )}
          </Field>
          <div className="task-actions">
            <button type="submit" className="primary" disabled={busy}>
              {t('tasks.confirmNotNeeded')}
            </button>
            <button type="button" onClick={() => setMode('view')}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {mode === 'edit' && (
        <form className="task-form form-grid" onSubmit={(e) => void saveEdit(e)} aria-label={t('tasks.editForm', { title })}>
          <Field label={t('field.assignee')}>{(fid) => <input id={fid} value={assignee} onChange={(e) => setAssignee(e.target.value)} autoFocus />}</Field>
          <Field label={`${t('field.dueAt')} (JST)`}>{(fid) => <input id={fid} type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />}</Field>
          <div className="task-actions">
            <button type="submit" className="primary" disabled={busy}>
              {t('common.save')}
            </button>
            <button type="button" onClick={() => setMode('view')}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </li>
  );
}

/** A task written by hand (in the writer's language). */
function AddTask({ path, onAdded }: { path: string; onAdded: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [form, setForm] = useState({ title: '', phase: 'analysis' as Phase, mandatory: false, assignee: '', due: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  if (!open)
    return (
      <p>
        <button type="button" onClick={() => setOpen(true)}>
          {t('tasks.add')}
        </button>
      </p>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form.title.trim()) return setErrors({ title: t('validation.required') });
    setErrors({});
    setError(null);
    const body = {
      title: form.title.trim(),
      phase: form.phase,
      mandatory: form.mandatory,
      ...(form.assignee.trim() ? { assignee: form.assignee.trim() } : {}),
      ...(form.due ? { dueAt: fromJstInput(form.due) } : {}),
    };
    setBusy(true);
    try {
      await api<Task>('POST', path, body);
      setForm({ title: '', phase: form.phase, mandatory: false, assignee: '', due: '' });
      setOpen(false);
      onAdded();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'VALIDATION') setErrors(apiFieldErrors(err, t, currentLanguage()));
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="task-add" onSubmit={(e) => void submit(e)} aria-labelledby="task-add-title">
      <h3 id="task-add-title">{t('tasks.addTitle')}</h3>
      <Field label={t('tasks.title')} error={errors.title}>
        {(id, d) => (
          <input id={id} aria-describedby={d} aria-invalid={errors.title ? true : undefined} value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} autoFocus maxLength={300} />
        )}
      </Field>
      <div className="form-grid">
        <Field label={t('tasks.phase')}>
          {(id) => (
            <select id={id} value={form.phase} onChange={(e) => setForm({ ...form, phase: e.target.value as Phase })}>
              {PHASES.map((p) => (
                <option key={p} value={p}>
                  {t(`phase.${p}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('field.assignee')}>{(id) => <input id={id} value={form.assignee} onChange={(e) => setForm({ ...form, assignee: e.target.value })} />}</Field>
        <Field label={`${t('field.dueAt')} (JST)`}>{(id) => <input id={id} type="datetime-local" value={form.due} onChange={(e) => setForm({ ...form, due: e.target.value })} />}</Field>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={form.mandatory} onChange={(e) => setForm({ ...form, mandatory: e.target.checked })} /> {t('tasks.mandatoryLabel')}
      </label>
      <ErrorNote error={error} />
      <div className="task-actions">
        <button type="submit" className="primary" disabled={busy}>
          {t('tasks.addSubmit')}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
