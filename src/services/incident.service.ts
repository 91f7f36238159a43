import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { UUID_PATTERN, newId } from '../domain/ids.js';
import {
  IncidentCreateSchema,
  IncidentStatusChangeSchema,
  IncidentUpdateSchema,
  DECISION_FIELDS,
  diff,
  type Incident,
  type IncidentCreate,
  type IncidentCreateInput,
  type IncidentUpdateInput,
} from '../domain/incident.js';
import { assertTransition } from '../domain/incident-lifecycle.js';
import { formatIncidentNumber, numberingYear, parseIncidentNumber } from '../domain/incident-number.js';
import { documentTerms } from '../domain/search-terms.js';
import type { TimelineEntry } from '../domain/timeline.js';
import type { Report } from '../domain/report.js';
import type { IncidentListFilter, IncidentSort } from '../store/repositories/incident.repository.js';
import type { Store } from '../store/store.js';
import { accessScope, assertCan, can } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { audit } from './audit.service.js';
import { parseInput } from './validate.js';
import { afterIncidentChange } from './incident-change.service.js';
import { openMandatoryTasks } from './playbook.service.js';

/**
 * Find a visible incident by id or human number, or answer NOT_FOUND (hidden
 * looks the same). Inside a transaction the row is locked until commit, so
 * concurrent changes to one incident queue instead of racing.
 */
export async function loadIncident(store: Store, actor: Actor, idOrNumber: string): Promise<Incident> {
  const scope = accessScope(actor);
  const lock = store.inTransaction;
  const incident = parseIncidentNumber(idOrNumber)
    ? await store.incidents.findByNumber(scope, idOrNumber.trim().toUpperCase(), lock)
    : UUID_PATTERN.test(idOrNumber)
      ? await store.incidents.findById(scope, idOrNumber, lock)
      : undefined;
  if (!incident) throw notFound('incident', idOrNumber);
  return incident;
}

/**
 * Number and insert a new incident inside the caller's transaction; records
 * `incident.created`. What reacts to a change (playbook, SLA clocks, rules)
 * runs at once, unless `withReports`: the caller moves reports onto it first
 * and then runs it once (`afterIncidentCreatedWithReports`), so the rules see
 * the incident with its reports and observables.
 */
export async function insertIncident(
  deps: ServiceDeps,
  tx: Store,
  actor: Actor,
  data: IncidentCreate,
  note: string | null = null,
  options: { withReports?: boolean } = {},
): Promise<Incident> {
  const now = deps.clock();
  const at = now.toISOString();
  assertInConstituency(actor, data.constituency ?? null);
  assertMayDecide(actor, { decisionOwner: data.decisionOwner ?? null, scope: data.scope ?? null, legalHold: data.legalHold || null });
  await assertOrganisationsExist(tx, data.organisationIds);
  const year = numberingYear(now, deps.settings.timeZone);
  const seq = await tx.incidents.nextSequence(deps.settings.incidentPrefix, year);
  const f = data.fiveW1H;
  const incident: Incident = {
    id: newId(),
    number: formatIncidentNumber(deps.settings.incidentPrefix, year, seq),
    title: data.title,
    summary: data.summary ?? null,
    category: data.category,
    severity: data.severity,
    priority: data.priority,
    tlp: data.tlp,
    status: 'new',
    constituency: data.constituency ?? null,
    owner: data.owner ?? null,
    organisationIds: [...new Set(data.organisationIds)],
    fiveW1H: {
      occurredAt: f.occurredAt ?? null,
      detectedAt: f.detectedAt ?? null,
      reportedAt: f.reportedAt ?? null,
      vector: f.vector ?? null,
      impact: f.impact ?? null,
      affectedAssets: f.affectedAssets ?? null,
      actor: f.actor ?? null,
      motive: f.motive ?? null,
    },
    decisionOwner: data.decisionOwner ?? null,
    scope: data.scope ?? null,
    exercise: data.exercise,
    legalHold: data.legalHold,
    brandName: data.brandName ?? null,
    brandSector: data.brandSector ?? null,
    brandOrigin: data.brandOrigin ?? null,
    slaDueAt: null,
    mergedInto: null,
    createdAt: at,
    createdBy: actor.id,
    updatedAt: at,
    resolvedAt: null,
    closedAt: null,
    version: 1,
  };
  await tx.incidents.insert(incident);
  const { id: _i, createdAt: _c, updatedAt: _u, createdBy: _b, version: _v, slaDueAt: _s, ...fields } = incident;
  await tx.timeline.append([
    { incidentId: incident.id, reportId: null, actor: actor.id, action: 'incident.created', changes: { after: fields }, note },
  ]);
  if (incident.tlp === 'RED' && actor.kind === 'user') await tx.incidents.addToAccessList(incident.id, actor.id);
  await audit(tx, actor, 'incident.created', { type: 'incident', id: incident.id }, { number: incident.number, tlp: incident.tlp });
  await indexIncident(tx, incident);
  return options.withReports ? incident : afterIncidentChange(deps, tx, incident, { actions: ['incident.created'] });
}

/** After `insertIncident(…, { withReports: true })` and moving its reports: the playbook, SLA clocks and rules, once. */
export const afterIncidentCreatedWithReports = (deps: ServiceDeps, tx: Store, incident: Incident): Promise<Incident> =>
  afterIncidentChange(deps, tx, incident, { actions: ['incident.created', 'report.attached'] });

export async function indexIncident(tx: Store, i: Incident): Promise<void> {
  const f = i.fiveW1H;
  const text = [i.number, i.title, i.summary, f.vector, f.impact, f.affectedAssets, f.actor, f.motive].filter(Boolean).join('\n');
  await tx.search.index('incident', i.id, documentTerms(text));
}

/** A handler limited to constituencies files incidents only there (or unassigned), so they can still see them. */
function assertInConstituency(actor: Actor, constituency: string | null): void {
  const scope = accessScope(actor);
  if (scope.kind === 'rules' && scope.constituencies !== null && constituency !== null && !scope.constituencies.includes(constituency))
    throw new AppError('VALIDATION', `constituency ${constituency} is not one of yours (${scope.constituencies.join(', ') || 'none'})`, {
      issues: [{ path: ['constituency'], message: 'outside your constituencies' }],
    });
}

/** Who decides, what was decided and the legal hold are a lead's to set or change (the seed's "who decides, how far"). */
function assertMayDecide(actor: Actor, fields: Partial<Record<(typeof DECISION_FIELDS)[number], unknown>>): void {
  const set = DECISION_FIELDS.filter((f) => fields[f] !== undefined && fields[f] !== null);
  if (set.length && !can(actor, 'incident.decide'))
    throw new AppError('FORBIDDEN', `only a lead may set ${set.join(', ')}`, { capability: 'incident.decide', fields: set });
}

/** VALIDATION naming the first organisation id that does not exist (path `organisationIds.N`). */
export async function assertOrganisationsExist(tx: Store, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = new Set((await tx.organisations.findManyById(ids)).map((o) => o.id));
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0)
    throw new AppError('VALIDATION', `organisation ${ids[missing]} does not exist`, {
      issues: [{ path: ['organisationIds', missing], message: 'no such organisation' }],
    });
}

/**
 * Write a changed incident with its timeline entry, if nobody else changed it
 * meanwhile (optimistic concurrency on `version`).
 */
export async function saveIncident(
  deps: ServiceDeps,
  tx: Store,
  actor: Actor,
  before: Incident,
  after: Incident,
  entry: Omit<TimelineEntry, 'id' | 'at' | 'incidentId' | 'actor' | 'reportId' | 'changes'> & { changes?: Record<string, unknown> },
  options: { fromRules?: boolean } = {},
): Promise<Incident> {
  const saved: Incident = { ...after, updatedAt: deps.clock().toISOString(), version: before.version + 1 };
  if (!(await tx.incidents.update(saved, before.version)))
    throw new AppError('CONFLICT', `incident ${before.number} was changed by someone else; reload and try again`);
  const { updatedAt: _a, version: _b, ...b } = before;
  const { updatedAt: _c, version: _d, ...a } = saved;
  const changes = { ...diff(b, a), ...entry.changes };
  await tx.timeline.append([{ incidentId: before.id, reportId: null, actor: actor.id, action: entry.action, changes, note: entry.note }]);
  // Whoever makes an incident RED stays able to see it.
  if (saved.tlp === 'RED' && before.tlp !== 'RED' && actor.kind === 'user') await tx.incidents.addToAccessList(saved.id, actor.id);
  await audit(tx, actor, entry.action, { type: 'incident', id: before.id }, { number: before.number, fields: Object.keys(changes) });
  await indexIncident(tx, saved);
  return afterIncidentChange(deps, tx, saved, { actions: [entry.action], fromRules: options.fromRules === true });
}

export async function createIncident(deps: ServiceDeps, actor: Actor, input: IncidentCreateInput): Promise<Incident> {
  assertCan(actor, 'incident.write');
  const data = parseInput(IncidentCreateSchema, input);
  return deps.store.transaction((tx) => insertIncident(deps, tx, actor, data));
}

export interface IncidentDetail {
  incident: Incident;
  /** The newest 1,000 reports; `reportTotal` says how many there are (see GET /reports?incidentId= for all). */
  reports: Pick<Report, 'id' | 'channel' | 'sender' | 'subject' | 'receivedAt' | 'status'>[];
  reportTotal: number;
  reportTotalIsExact: boolean;
  mergedFrom: string[];
}

export async function getIncident(deps: ServiceDeps, actor: Actor, idOrNumber: string): Promise<IncidentDetail> {
  const incident = await loadIncident(deps.store, actor, idOrNumber);
  // Every view of a RED incident is on the audit log.
  if (incident.tlp === 'RED') await deps.store.transaction((tx) => audit(tx, actor, 'incident.viewed', { type: 'incident', id: incident.id }, { tlp: 'RED' }));
  const scope = accessScope(actor);
  const [reports, mergedFrom] = await Promise.all([
    deps.store.reports.list(scope, { incidentId: incident.id }, { limit: 1000, offset: 0 }),
    deps.store.incidents.mergedInto(scope, incident.id),
  ]);
  return {
    incident,
    reports: reports.items.map((r) => ({
      id: r.id,
      channel: r.channel,
      sender: r.sender,
      subject: r.subject,
      receivedAt: r.receivedAt,
      status: r.status,
    })),
    reportTotal: reports.total,
    reportTotalIsExact: reports.totalIsExact,
    mergedFrom,
  };
}

export async function listIncidents(
  deps: ServiceDeps,
  actor: Actor,
  filter: IncidentListFilter,
  sort: { by: IncidentSort; direction: 'asc' | 'desc' },
  page: Page,
): Promise<PageResult<Incident>> {
  return deps.store.incidents.list(accessScope(actor), filter, sort, page);
}

export async function updateIncident(
  deps: ServiceDeps,
  actor: Actor,
  idOrNumber: string,
  input: IncidentUpdateInput,
): Promise<Incident> {
  assertCan(actor, 'incident.write');
  const { version, note, fiveW1H, ...fields } = parseInput(IncidentUpdateSchema, input);
  return deps.store.transaction(async (tx) => {
    const before = await loadIncident(tx, actor, idOrNumber);
    assertNotMerged(before);
    if (version !== undefined && version !== before.version)
      throw new AppError('CONFLICT', `incident ${before.number} is at version ${before.version}, not ${version}; reload and try again`);
    if (fields.organisationIds) await assertOrganisationsExist(tx, fields.organisationIds);
    if (fields.constituency !== undefined) assertInConstituency(actor, fields.constituency);
    const decided = DECISION_FIELDS.filter((f) => fields[f] !== undefined && fields[f] !== before[f]);
    if (decided.length) assertMayDecide(actor, Object.fromEntries(decided.map((f) => [f, true])));
    const defined = <T extends object>(o: T | undefined): Partial<T> =>
      Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
    const after: Incident = {
      ...before,
      ...(defined(fields) as Partial<Incident>),
      fiveW1H: { ...before.fiveW1H, ...(defined(fiveW1H) as Partial<Incident['fiveW1H']>) },
    };
    if (Object.keys(diff(before, after)).length === 0 && !note) return before;
    return saveIncident(deps, tx, actor, before, after, { action: 'incident.updated', note: note ?? null });
  });
}

export async function changeIncidentStatus(
  deps: ServiceDeps,
  actor: Actor,
  idOrNumber: string,
  input: unknown,
): Promise<Incident> {
  assertCan(actor, 'incident.write');
  const { status, note, version, override } = parseInput(IncidentStatusChangeSchema, input);
  return deps.store.transaction(async (tx) => {
    const before = await loadIncident(tx, actor, idOrNumber);
    assertNotMerged(before);
    if (version !== undefined && version !== before.version)
      throw new AppError('CONFLICT', `incident ${before.number} is at version ${before.version}, not ${version}; reload and try again`);
    assertTransition(before.status, status);
    if (status === 'closed') await assertTasksAllowClosing(tx, actor, before, override);
    const at = deps.clock().toISOString();
    const after: Incident = {
      ...before,
      status,
      resolvedAt: status === 'resolved' ? at : status === 'open' ? null : before.resolvedAt,
      closedAt: status === 'closed' ? at : status === 'open' ? null : before.closedAt,
    };
    return saveIncident(deps, tx, actor, before, after, { action: 'incident.status', note: note ?? null });
  });
}

/**
 * Closing with mandatory tasks still open needs a lead's override with a
 * reason; the override is its own timeline entry naming the tasks.
 */
async function assertTasksAllowClosing(tx: Store, actor: Actor, incident: Incident, override: string | undefined): Promise<void> {
  const open = await openMandatoryTasks(tx, incident.id);
  if (open.length === 0) return;
  const titles = open.map((t) => t.title[actor.language ?? 'ja'] ?? t.title.en ?? t.title.ja ?? '');
  if (!override?.trim() || !can(actor, 'incident.decide'))
    throw new AppError('VALIDATION', `${incident.number} has ${open.length} open mandatory task(s): ${titles.join('; ')}. Finish them or mark them not needed${can(actor, 'incident.decide') ? ', or close with an override and its reason' : '; a lead may close with an override'}`, {
      issues: [{ path: ['override'], message: can(actor, 'incident.decide') ? 'open mandatory tasks: give the reason to close anyway' : 'open mandatory tasks: a lead may override' }],
      openTasks: open.map((t) => t.id),
    });
  await tx.timeline.append([
    { incidentId: incident.id, reportId: null, actor: actor.id, action: 'incident.close-override', changes: { openTasks: open.map((t) => ({ id: t.id, title: titles[open.indexOf(t)] })) }, note: override.trim() },
  ]);
}

export function assertNotMerged(incident: Incident): void {
  if (incident.mergedInto)
    throw new AppError('CONFLICT', `incident ${incident.number} was merged into another incident; work on that one`, {
      mergedInto: incident.mergedInto,
    });
}
