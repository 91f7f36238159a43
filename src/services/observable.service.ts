import { afterIncidentChange } from './incident-change.service.js';
import { z } from 'zod';
import { multiLine } from '../domain/text.js';
import type { Page, PageResult } from '../domain/access.js';
import type { Actor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { OBSERVABLE_TYPES, detectObservable, normaliseObservable } from '../domain/observables/index.js';
import type { IncidentObservable, IncidentRef, Observable, ReportRef } from '../store/repositories/observable.repository.js';
import { accessScope, assertCan } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { assertNotMerged, loadIncident } from './incident.service.js';
import { audit } from './audit.service.js';
import { parseInput } from './validate.js';

export interface Sightings {
  observable: Observable;
  incidents: IncidentRef[];
  incidentTotal: number;
  reports: ReportRef[];
  reportTotal: number;
}

export const ObservableAddSchema = z.strictObject({
  type: z.enum(OBSERVABLE_TYPES),
  value: z.string().min(1).max(8192),
  note: multiLine(10_000).optional(),
});

/**
 * "Where else has this been seen": the visible incidents and reports that
 * share an observable. `query` is anything a handler pastes — defanged or
 * not; its type is detected. An observable nobody may see answers NOT_FOUND.
 */
export async function findSightings(deps: ServiceDeps, actor: Actor, query: string, limit = 50): Promise<Sightings> {
  const detected = detectObservable(query);
  if (!detected)
    throw new AppError('VALIDATION', `"${query.slice(0, 100)}" is not an IP address, network, domain, URL, e-mail address, hash, CVE or AS number`, {
      issues: [{ path: ['q'], message: 'not a recognised observable' }],
    });
  const observable = await deps.store.observables.find(detected.type, detected.value);
  if (!observable) throw notFound('observable', `${detected.type} ${detected.value}`);
  return sightingsOf(deps, actor, observable, limit);
}

export async function findSightingsById(deps: ServiceDeps, actor: Actor, id: string, limit = 50): Promise<Sightings> {
  const observable = await deps.store.observables.findById(id);
  if (!observable) throw notFound('observable', id);
  return sightingsOf(deps, actor, observable, limit);
}

async function sightingsOf(deps: ServiceDeps, actor: Actor, observable: Observable, limit: number): Promise<Sightings> {
  const seen = await deps.store.observables.sightings(accessScope(actor), observable.id, limit);
  // Nothing visible: answer as if it did not exist, so a hidden incident's indicators do not leak.
  if (seen.incidentTotal === 0 && seen.reportTotal === 0) throw notFound('observable', observable.id);
  return { observable, ...seen };
}

export async function listIncidentObservables(deps: ServiceDeps, actor: Actor, idOrNumber: string): Promise<IncidentObservable[]> {
  const incident = await loadIncident(deps.store, actor, idOrNumber);
  return deps.store.observables.forIncident(accessScope(actor), incident.id);
}

/**
 * The incident page's "seen in N other incidents", a page at a time: the
 * other incidents the actor may see that hold one of this incident's
 * observables. An observable not on the incident answers NOT_FOUND.
 */
export async function listOtherIncidents(
  deps: ServiceDeps,
  actor: Actor,
  idOrNumber: string,
  observableId: string,
  page: Page,
): Promise<PageResult<IncidentRef>> {
  const incident = await loadIncident(deps.store, actor, idOrNumber);
  if (!(await deps.store.observables.isOnIncident(incident.id, observableId))) throw notFound('observable', observableId);
  const { items, total } = await deps.store.observables.otherIncidents(accessScope(actor), observableId, incident.id, page);
  return { items, total, totalIsExact: true, ...page };
}

/** A handler adds an observable to an incident by hand (found during analysis). */
export async function addIncidentObservable(deps: ServiceDeps, actor: Actor, idOrNumber: string, input: unknown): Promise<Observable> {
  assertCan(actor, 'incident.write');
  const { type, value, note } = parseInput(ObservableAddSchema, input);
  const normalised = normaliseObservable(type, value);
  if (!normalised)
    throw new AppError('VALIDATION', `"${value.slice(0, 100)}" is not a valid ${type}`, { issues: [{ path: ['value'], message: `not a valid ${type}` }] });
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, idOrNumber);
    assertNotMerged(incident);
    const [observable] = await tx.observables.upsertMany([normalised], deps.clock().toISOString());
    await tx.observables.addToIncident(incident.id, [observable!.id], true);
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'observable.added',
        changes: { type: normalised.type, value: normalised.value, isPrivate: normalised.isPrivate },
        note: note ?? null,
      },
    ]);
    await audit(tx, actor, 'incident.observable-added', { type: 'incident', id: incident.id }, { type: normalised.type, value: normalised.value });
    await afterIncidentChange(deps, tx, incident, { actions: ['observable.added'] });
    return observable!;
  });
}
