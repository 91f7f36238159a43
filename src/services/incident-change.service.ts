import type { Incident } from '../domain/incident.js';
import type { Store } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { scheduleSlaChecks } from './sla.service.js';

/**
 * What happened to an incident, for what reacts to changes: the timeline
 * actions just written in the same transaction.
 */
export interface IncidentChange {
  actions: string[];
}

/**
 * The one place that runs after anything changed an incident, inside the
 * change's transaction: its SLA clocks are read again (and their checks
 * queued); escalation rules hook in here too. Callers: saving or creating an
 * incident, a coordination sent, a takedown's state.
 */
export async function afterIncidentChange(deps: ServiceDeps, tx: Store, incident: Incident, _change: IncidentChange): Promise<void> {
  await scheduleSlaChecks(deps, tx, incident);
}

/** The same, when the caller holds only the id (background checks). */
export async function afterIncidentChangeById(deps: ServiceDeps, tx: Store, incidentId: string, change: IncidentChange): Promise<void> {
  const incident = await tx.incidents.findById({ kind: 'all' }, incidentId);
  if (incident) await afterIncidentChange(deps, tx, incident, change);
}
