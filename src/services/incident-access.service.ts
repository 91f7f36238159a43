import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { assertNotMerged, loadIncident } from './incident.service.js';
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

/** Replace the access list (leads). The list cannot drop the one setting it while the incident is RED. */
export async function setIncidentAccessList(deps: ServiceDeps, actor: Actor, idOrNumber: string, input: unknown): Promise<IncidentAccess> {
  assertCan(actor, 'incident.share');
  const { accountIds } = parseInput(AccessListSchema, input);
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, idOrNumber);
    assertNotMerged(incident);
    for (const [i, id] of accountIds.entries())
      if (!(await tx.accounts.findById(id)))
        throw new AppError('VALIDATION', `account ${id} does not exist`, { issues: [{ path: ['accountIds', i], message: 'no such account' }] });
    const list = incident.tlp === 'RED' && actor.kind === 'user' ? [...new Set([...accountIds, actor.id])] : accountIds;
    const before = await tx.incidents.accessOf(incident.id);
    await tx.incidents.setAccessList(incident.id, list);
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'incident.updated',
        changes: { accessList: { before: before.accessList, after: [...list].sort() } },
        note: null,
      },
    ]);
    await audit(tx, actor, 'incident.access-list', { type: 'incident', id: incident.id }, { accountIds: list });
    return tx.incidents.accessOf(incident.id);
  });
}

/** Share the incident with organisations (leads): what their partners may see, by TLP. */
export async function setIncidentShares(deps: ServiceDeps, actor: Actor, idOrNumber: string, input: unknown): Promise<IncidentAccess> {
  assertCan(actor, 'incident.share');
  const { organisationIds } = parseInput(SharesSchema, input);
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, idOrNumber);
    assertNotMerged(incident);
    const found = new Set((await tx.organisations.findManyById(organisationIds)).map((o) => o.id));
    const missing = organisationIds.findIndex((id) => !found.has(id));
    if (missing >= 0)
      throw new AppError('VALIDATION', `organisation ${organisationIds[missing]} does not exist`, {
        issues: [{ path: ['organisationIds', missing], message: 'no such organisation' }],
      });
    const before = await tx.incidents.accessOf(incident.id);
    await tx.incidents.setShares(incident.id, organisationIds);
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'incident.updated',
        changes: { sharedWith: { before: before.sharedWith, after: [...new Set(organisationIds)].sort() } },
        note: null,
      },
    ]);
    await audit(tx, actor, 'incident.shared', { type: 'incident', id: incident.id }, { organisationIds, tlp: incident.tlp });
    return tx.incidents.accessOf(incident.id);
  });
}
