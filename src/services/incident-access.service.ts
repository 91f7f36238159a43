import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { assertNotMerged, assertOrganisationsExist, loadIncident } from './incident.service.js';
import type { Incident } from '../domain/incident.js';
import type { Store } from '../store/store.js';
import { parseInput } from './validate.js';

export const AccessListSchema = z.strictObject({
  /** The people who may see the incident whatever its TLP (the only way to see TLP:RED). */
  accountIds: z.array(z.uuid()).max(200),
});

export const SharesSchema = z.strictObject({
  /** Organisations the incident is shared with: their partners see it when it is CLEAR, GREEN or AMBER. */
  organisationIds: z.array(z.uuid()).max(200),
});

export interface IncidentAccess {
  accessList: string[];
  sharedWith: string[];
}

export async function getIncidentAccess(deps: ServiceDeps, actor: Actor, idOrNumber: string): Promise<IncidentAccess> {
  const incident = await loadIncident(deps.store, actor, idOrNumber);
  return deps.store.incidents.accessOf(incident.id);
}

/**
 * One change to who may see an incident (leads): within a transaction, load
 * the incident, let `apply` validate and write, then record the before and
 * after on the timeline and the change in the audit log.
 */
async function changeAccess(
  deps: ServiceDeps,
  actor: Actor,
  idOrNumber: string,
  field: keyof IncidentAccess,
  apply: (tx: Store, incident: Incident) => Promise<{ after: string[]; audit: { action: string; details: Record<string, unknown> } }>,
): Promise<IncidentAccess> {
  assertCan(actor, 'incident.share');
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, idOrNumber);
    assertNotMerged(incident);
    const before = await tx.incidents.accessOf(incident.id);
    const { after, audit: event } = await apply(tx, incident);
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'incident.updated',
        changes: { [field]: { before: before[field], after: [...new Set(after)].sort() } },
        note: null,
      },
    ]);
    await audit(tx, actor, event.action, { type: 'incident', id: incident.id }, event.details);
    return tx.incidents.accessOf(incident.id);
  });
}

/** Replace the access list (leads). The list cannot drop the one setting it while the incident is RED. */
export async function setIncidentAccessList(deps: ServiceDeps, actor: Actor, idOrNumber: string, input: unknown): Promise<IncidentAccess> {
  const { accountIds } = parseInput(AccessListSchema, input);
  return changeAccess(deps, actor, idOrNumber, 'accessList', async (tx, incident) => {
    for (const [i, id] of accountIds.entries())
      if (!(await tx.accounts.findById(id)))
        throw new AppError('VALIDATION', `account ${id} does not exist`, { issues: [{ path: ['accountIds', i], message: 'no such account' }] });
    const list = incident.tlp === 'RED' && actor.kind === 'user' ? [...new Set([...accountIds, actor.id])] : accountIds;
    await tx.incidents.setAccessList(incident.id, list);
    return { after: list, audit: { action: 'incident.access-list', details: { accountIds: list } } };
  });
}

/** Share the incident with organisations (leads): what their partners may see, by TLP. */
export async function setIncidentShares(deps: ServiceDeps, actor: Actor, idOrNumber: string, input: unknown): Promise<IncidentAccess> {
  const { organisationIds } = parseInput(SharesSchema, input);
  return changeAccess(deps, actor, idOrNumber, 'sharedWith', async (tx, incident) => {
    await assertOrganisationsExist(tx, organisationIds);
    await tx.incidents.setShares(incident.id, organisationIds);
    return { after: organisationIds, audit: { action: 'incident.shared', details: { organisationIds, tlp: incident.tlp } } };
  });
}
