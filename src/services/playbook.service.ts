import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import { DEFAULT_PLAYBOOKS, PHASES, PlaybookSchema, TASK_STATES, orderedTasks, type Phase, type Playbook, type TaskState } from '../domain/playbook.js';
import { CATEGORIES, type Category } from '../domain/taxonomy.js';
import { instant, multiLine, singleLine } from '../domain/text.js';
import type { TaskRow } from '../store/repositories/steering.repository.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident } from './incident.service.js';
import { parseInput } from './validate.js';

/** The playbook a category has now: the newest saved version, else the built-in one (version 0). */
export async function currentPlaybook(store: Store, category: Category): Promise<Playbook> {
  const row = await store.steering.latestPlaybook(category);
  if (!row) return { category, version: 0, updatedBy: 'renkei', updatedAt: '1970-01-01T00:00:00.000Z', ...DEFAULT_PLAYBOOKS[category] };
  return { category, version: Number(row.version), updatedBy: row.updated_by, updatedAt: row.updated_at, ...(JSON.parse(row.definition) as Omit<Playbook, 'category' | 'version' | 'updatedBy' | 'updatedAt'>) };
}

export async function listPlaybooks(deps: ServiceDeps, actor: Actor): Promise<Playbook[]> {
  assertCan(actor, 'steering.read');
  return Promise.all(CATEGORIES.map((c) => currentPlaybook(deps.store, c)));
}

export async function getPlaybook(deps: ServiceDeps, actor: Actor, category: string): Promise<Playbook & { history: { version: number; updatedBy: string; updatedAt: string }[] }> {
  assertCan(actor, 'steering.read');
  if (!(CATEGORIES as readonly string[]).includes(category)) throw notFound('playbook', category);
  const history = (await deps.store.steering.playbookVersions(category)).map((v) => ({ version: Number(v.version), updatedBy: v.updated_by, updatedAt: v.updated_at }));
  return { ...(await currentPlaybook(deps.store, category as Category)), history };
}

/** A lead saves a new version; incidents keep the tasks they have, new incidents get the new version. */
export async function savePlaybook(deps: ServiceDeps, actor: Actor, category: string, input: unknown): Promise<Playbook> {
  assertCan(actor, 'playbook.write');
  if (!(CATEGORIES as readonly string[]).includes(category)) throw notFound('playbook', category);
  const definition = parseInput(PlaybookSchema, input);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const current = await currentPlaybook(tx, category as Category);
    const version = current.version + 1;
    await tx.steering.insertPlaybook({ category, version, definition: JSON.stringify(definition), updated_by: actor.id, updated_at: at });
    await audit(tx, actor, 'playbook.saved', { type: 'playbook', id: category }, { version, tasks: definition.tasks.length });
    return { category: category as Category, version, updatedBy: actor.id, updatedAt: at, ...definition };
  });
}

export interface Task {
  id: string;
  incidentId: string;
  phase: Phase;
  title: { ja?: string; en?: string };
  description: { ja?: string; en?: string } | null;
  key: string | null;
  playbook: string | null;
  mandatory: boolean;
  assignee: string | null;
  dueAt: string | null;
  state: TaskState;
  reason: string | null;
  doneAt: string | null;
  doneBy: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  version: number;
}

export const toTask = (r: TaskRow): Task => ({
  id: r.id,
  incidentId: r.incident_id,
  phase: r.phase as Phase,
  title: JSON.parse(r.title) as Task['title'],
  description: r.description ? (JSON.parse(r.description) as Task['description']) : null,
  key: r.task_key,
  playbook: r.playbook,
  mandatory: r.mandatory === 1,
  assignee: r.assignee,
  dueAt: r.due_at,
  state: r.state as TaskState,
  reason: r.reason,
  doneAt: r.done_at,
  doneBy: r.done_by,
  createdAt: r.created_at,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  version: Number(r.version),
});

const taskTitle = (t: { title: { ja?: string; en?: string } }) => t.title.en ?? t.title.ja ?? '';

/**
 * Add a category's playbook tasks to an incident inside the caller's
 * transaction: each task key once per incident (tasks it already has, from
 * this or another playbook, are skipped). One `task.added` timeline entry.
 */
export async function applyPlaybook(deps: ServiceDeps, tx: Store, actor: Actor, incident: Incident, category: Category, note: string | null = null): Promise<Task[]> {
  const playbook = await currentPlaybook(tx, category);
  const have = await tx.steering.taskKeys(incident.id);
  const now = deps.clock();
  const at = now.toISOString();
  let position = await tx.steering.nextTaskPosition(incident.id);
  const rows: TaskRow[] = orderedTasks(playbook.tasks)
    .filter((t) => !have.has(t.key))
    .map((t) => ({
      id: newId(),
      incident_id: incident.id,
      phase: t.phase,
      title: JSON.stringify(t.title),
      description: t.description ? JSON.stringify(t.description) : null,
      task_key: t.key,
      playbook: `${category}@${playbook.version}`,
      mandatory: t.mandatory ? 1 : 0,
      assignee: null,
      due_at: t.dueAfterHours ? new Date(now.getTime() + t.dueAfterHours * 3600_000).toISOString() : null,
      state: 'open',
      reason: null,
      done_at: null,
      done_by: null,
      position: position++,
      created_at: at,
      created_by: actor.id,
      updated_at: at,
      version: 1,
    }));
  if (rows.length === 0) return [];
  await tx.steering.insertTasks(rows);
  const tasks = rows.map(toTask);
  await tx.timeline.append([
    {
      incidentId: incident.id,
      reportId: null,
      actor: actor.id,
      action: 'task.added',
      changes: { playbook: `${category}@${playbook.version}`, tasks: tasks.map((t) => ({ id: t.id, phase: t.phase, title: taskTitle(t), mandatory: t.mandatory })) },
      note,
    },
  ]);
  return tasks;
}

export async function listTasks(deps: ServiceDeps, actor: Actor, incidentRef: string): Promise<Task[]> {
  assertCan(actor, 'steering.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  return (await deps.store.steering.tasks(incident.id)).map(toTask);
}

export const TaskCreateSchema = z.strictObject({
  title: singleLine(300),
  phase: z.enum(PHASES).default('analysis'),
  description: multiLine(4000).optional(),
  mandatory: z.boolean().default(false),
  assignee: singleLine(320).nullable().optional(),
  dueAt: instant().nullable().optional(),
});

export const TaskUpdateSchema = z
  .strictObject({
    state: z.enum(TASK_STATES).optional(),
    /** Required for `not-needed`: why the task does not apply. */
    reason: multiLine(2000).optional(),
    assignee: singleLine(320).nullable().optional(),
    dueAt: instant().nullable().optional(),
    version: z.number().int().positive().optional(),
  })
  .refine((u) => u.state !== 'not-needed' || (u.reason !== undefined && u.reason.trim() !== ''), {
    path: ['reason'],
    message: 'say why the task is not needed',
  });

/** A task written by hand, in the language it was written in. */
export async function addTask(deps: ServiceDeps, actor: Actor, incidentRef: string, input: unknown): Promise<Task> {
  assertCan(actor, 'incident.write');
  const data = parseInput(TaskCreateSchema, input);
  const language = actor.kind === 'user' && actor.language === 'en' ? 'en' : 'ja';
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    const row: TaskRow = {
      id: newId(),
      incident_id: incident.id,
      phase: data.phase,
      title: JSON.stringify({ [language]: data.title }),
      description: data.description ? JSON.stringify({ [language]: data.description }) : null,
      task_key: null,
      playbook: null,
      mandatory: data.mandatory ? 1 : 0,
      assignee: data.assignee ?? null,
      due_at: data.dueAt ?? null,
      state: 'open',
      reason: null,
      done_at: null,
      done_by: null,
      position: await tx.steering.nextTaskPosition(incident.id),
      created_at: at,
      created_by: actor.id,
      updated_at: at,
      version: 1,
    };
    await tx.steering.insertTasks([row]);
    await tx.timeline.append([
      { incidentId: incident.id, reportId: null, actor: actor.id, action: 'task.added', changes: { tasks: [{ id: row.id, phase: row.phase, title: data.title, mandatory: data.mandatory }] }, note: null },
    ]);
    await audit(tx, actor, 'task.added', { type: 'task', id: row.id }, { incident: incident.number });
    return toTask(row);
  });
}

/** Mark done / not needed (with a reason) / open again, assign, set the due date; each change on the timeline. */
export async function updateTask(deps: ServiceDeps, actor: Actor, incidentRef: string, taskId: string, input: unknown): Promise<Task> {
  assertCan(actor, 'incident.write');
  const data = parseInput(TaskUpdateSchema, input);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    const row = await tx.steering.task(taskId);
    if (!row || row.incident_id !== incident.id) throw notFound('task', taskId);
    if (data.version !== undefined && data.version !== row.version)
      throw new AppError('CONFLICT', `the task was changed by someone else (version ${row.version}, not ${data.version}); reload and try again`);
    const patch: Partial<TaskRow> = { updated_at: at };
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    const set = <K extends keyof TaskRow>(k: K, v: TaskRow[K], name: string) => {
      if (row[k] === v) return;
      patch[k] = v;
      changes[name] = { before: row[k], after: v };
    };
    if (data.state !== undefined) {
      set('state', data.state, 'state');
      set('reason', data.state === 'not-needed' ? data.reason!.trim() : data.state === 'done' ? (data.reason ?? null) : null, 'reason');
      if (data.state !== row.state) {
        patch.done_at = data.state === 'open' ? null : at;
        patch.done_by = data.state === 'open' ? null : actor.id;
      }
    }
    if (data.assignee !== undefined) set('assignee', data.assignee, 'assignee');
    if (data.dueAt !== undefined) set('due_at', data.dueAt, 'dueAt');
    if (Object.keys(changes).length === 0) return toTask(row);
    if (!(await tx.steering.updateTask(row.id, row.version, patch)))
      throw new AppError('CONFLICT', 'the task was changed by someone else; reload and try again');
    const title = taskTitle(toTask(row));
    const action = changes.state ? (data.state === 'done' ? 'task.done' : data.state === 'not-needed' ? 'task.not-needed' : 'task.reopened') : 'task.updated';
    await tx.timeline.append([{ incidentId: incident.id, reportId: null, actor: actor.id, action, changes: { task: row.id, title, ...changes }, note: null }]);
    await audit(tx, actor, action, { type: 'task', id: row.id }, { incident: incident.number, fields: Object.keys(changes) });
    return toTask({ ...row, ...patch, version: row.version + 1 });
  });
}

/** A handler applies a category's playbook by hand (e.g. after the category changed). */
export async function applyPlaybookTo(deps: ServiceDeps, actor: Actor, incidentRef: string, category: string): Promise<Task[]> {
  assertCan(actor, 'incident.write');
  if (!(CATEGORIES as readonly string[]).includes(category)) throw notFound('playbook', category);
  return deps.store.transaction(async (tx) => applyPlaybook(deps, tx, actor, await loadIncident(tx, actor, incidentRef), category as Category));
}

/** The mandatory tasks still open: closing over them needs a lead's override. */
export async function openMandatoryTasks(tx: Store, incidentId: string): Promise<Task[]> {
  return (await tx.steering.openMandatoryTasks(incidentId)).map(toTask);
}
