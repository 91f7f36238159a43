import { systemActor } from '../domain/actor.js';
import type { Incident } from '../domain/incident.js';
import type { Store } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { applyPlaybook } from './playbook.service.js';
import { evaluateRules } from './rules.service.js';
import { readAll, scheduleSlaChecks } from './sla.service.js';

/**
 * What happened to an incident, for what reacts to changes: the timeline
 * actions just written in the same transaction.
 */
export interface IncidentChange {
  actions: string[];
  /** The change was made by escalation rules: they run their own rounds, so they are not run again here. */
  fromRules?: boolean;
}

const PLAYBOOK_ACTOR = systemActor('playbook');

/**
 * The one place that runs after anything changed an incident, inside the
 * change's transaction: a new incident gets its category's playbook, the SLA
 * clocks are read again (and their checks queued), then the escalation rules
 * run. Callers: saving or creating an incident, a coordination sent, a
 * takedown's state, the SLA and rule timers. Returns the incident as it is
 * after the rules (they may have changed it: a newer version).
 */
export async function afterIncidentChange(deps: ServiceDeps, tx: Store, incident: Incident, change: IncidentChange): Promise<Incident> {
  if (change.actions.includes('incident.created')) await applyPlaybook(deps, tx, PLAYBOOK_ACTOR, incident, incident.category);
  const sla = await scheduleSlaChecks(deps, tx, incident);
  if (change.fromRules) return incident;
  return evaluateRules(deps, tx, incident, async (i) => (i === incident ? sla.clocks : (await readAll(deps, tx, i)).clocks));
}

/** The same, when the caller holds only the id (background checks). */
export async function afterIncidentChangeById(deps: ServiceDeps, tx: Store, incidentId: string, change: IncidentChange): Promise<void> {
  const incident = await tx.incidents.findById({ kind: 'all' }, incidentId);
  if (incident) await afterIncidentChange(deps, tx, incident, change);
}
