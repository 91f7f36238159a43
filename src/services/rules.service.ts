import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { systemActor } from '../domain/actor.js';
import { AppError, notFound } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import { detectObservable } from '../domain/observables/index.js';
import type { GATE_ACTIONS } from '../domain/escalation-rule.js';
import { RuleSchema, RuleUpdateSchema, raised, ruleCause, type Rule, type RuleAction, type RuleDefinition, type RuleFacts } from '../domain/escalation-rule.js';
import type { ClockReading } from '../domain/sla.js';
import { PRIORITIES, SEVERITIES } from '../domain/taxonomy.js';
import { multiLine } from '../domain/text.js';
import type { RuleRow } from '../store/repositories/steering.repository.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident, saveIncident } from './incident.service.js';
import { afterIncidentChange } from './incident-change.service.js';
import { alertTeam } from './team-alert.service.js';
import { applyPlaybook } from './playbook.service.js';
import { parseInput } from './validate.js';

export const RULES_EVALUATE_JOB = 'rules.evaluate';
export type GateAction = (typeof GATE_ACTIONS)[number];
const RULES_ACTOR = systemActor('rules');
/** Rounds of rules firing rules (one's action making another's condition true) before evaluation stops with an error. */
export const MAX_RULE_ROUNDS = 5;

const toRule = (r: RuleRow): Rule => ({ id: r.id, version: Number(r.version), updatedBy: r.updated_by, updatedAt: r.updated_at, ...(JSON.parse(r.definition) as RuleDefinition), enabled: r.enabled === 1, name: r.name });

/** Watch-list values are stored as observables are: `hxxp://EXAMPLE[.]com/` and `http://example.com/` are one entry. */
function normalise(def: RuleDefinition): RuleDefinition {
  if (!def.when.watchlist) return def;
  const watchlist = [...new Set(def.when.watchlist.map((v) => (detectObservable(v)?.value ?? v.trim()).toLowerCase()))];
  return { ...def, when: { ...def.when, watchlist } };
}

export async function listRules(deps: ServiceDeps, actor: Actor): Promise<Rule[]> {
  assertCan(actor, 'steering.read');
  return (await deps.store.steering.rules()).map(toRule);
}

export async function getRule(deps: ServiceDeps, actor: Actor, id: string): Promise<Rule> {
  assertCan(actor, 'steering.read');
  const row = await deps.store.steering.rule(id);
  if (!row || row.deleted_at) throw notFound('rule', id);
  return toRule(row);
}

export async function createRule(deps: ServiceDeps, actor: Actor, input: unknown): Promise<Rule> {
  assertCan(actor, 'rule.write');
  const def = normalise(parseInput(RuleSchema, input));
  const at = deps.clock().toISOString();
  const row: RuleRow = { id: newId(), name: def.name, version: 1, definition: JSON.stringify(def), enabled: def.enabled ? 1 : 0, created_at: at, updated_by: actor.id, updated_at: at, deleted_at: null };
  await deps.store.transaction(async (tx) => {
    await assertTargets(tx, def);
    await tx.steering.insertRule(row);
    await audit(tx, actor, 'rule.created', { type: 'rule', id: row.id }, { name: def.name, definition: def });
  });
  return toRule(row);
}

/**
 * A new version of the rule: firings already recorded stay (they name the
 * version that fired). With `version`, the edit must start from the rule as
 * it is: two leads editing at once, the second is refused, not silently
 * undoing the first.
 */
export async function updateRule(deps: ServiceDeps, actor: Actor, id: string, input: unknown): Promise<Rule> {
  assertCan(actor, 'rule.write');
  const { version, ...parsed } = parseInput(RuleUpdateSchema, input);
  const def = normalise(parsed);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const row = await currentRule(tx, id, version);
    await assertTargets(tx, def);
    const patch = { name: def.name, version: row.version + 1, definition: JSON.stringify(def), enabled: def.enabled ? 1 : 0, updated_by: actor.id, updated_at: at };
    if (!(await tx.steering.updateRule(id, row.version, patch))) throw await changedSince(tx, id, row.version);
    await audit(tx, actor, 'rule.updated', { type: 'rule', id }, { name: def.name, version: patch.version, definition: def });
    return toRule({ ...row, ...patch });
  });
}

/** Delete a rule: it stops at once; the firings it left on incidents keep naming it. `version` as for an update. */
export async function deleteRule(deps: ServiceDeps, actor: Actor, id: string, version?: number): Promise<void> {
  assertCan(actor, 'rule.write');
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const row = await currentRule(tx, id, version);
    if (!(await tx.steering.updateRule(id, row.version, { deleted_at: at, enabled: 0, updated_by: actor.id, updated_at: at, version: row.version + 1 })))
      throw await changedSince(tx, id, row.version);
    await audit(tx, actor, 'rule.deleted', { type: 'rule', id }, { name: row.name, version: row.version });
  });
}

async function currentRule(tx: Store, id: string, expected: number | undefined): Promise<RuleRow> {
  const row = await tx.steering.rule(id);
  if (!row || row.deleted_at) throw notFound('rule', id);
  if (expected !== undefined && Number(row.version) !== expected) throw changedMeanwhile(id, Number(row.version), expected);
  return row;
}

/** Changed between this edit's read and its write (PostgreSQL, another lead's edit committing in between): the version it is at now. */
async function changedSince(tx: Store, id: string, read: number): Promise<AppError> {
  const now = await tx.steering.rule(id);
  if (!now || now.deleted_at) return notFound('rule', id);
  return changedMeanwhile(id, Number(now.version), read);
}

const changedMeanwhile = (id: string, current: number, expected?: number) =>
  new AppError('CONFLICT', `the rule was changed by someone else (it is at version ${current}${expected ? `, not ${expected}` : ''}); reload and try again`, {
    ruleId: id,
    version: current,
  });

async function assertTargets(tx: Store, def: RuleDefinition): Promise<void> {
  for (const [i, a] of def.then.entries())
    if (a.type === 'mark-for-partner' && !(await tx.organisations.findManyById([a.organisationId])).length)
      throw new AppError('VALIDATION', `organisation ${a.organisationId} does not exist`, { issues: [{ path: ['then', i, 'organisationId'], message: 'no such organisation' }] });
}

/** Parsed enabled rules, kept per process until a rule changes anywhere (the rule_version row moves). */
const cache = new WeakMap<object, { version: number; rules: Rule[] }>();
async function enabledRules(deps: ServiceDeps, tx: Store): Promise<Rule[]> {
  const version = await tx.steering.ruleVersion();
  const hit = cache.get(deps);
  if (hit && hit.version === version) return hit.rules;
  const rules = (await tx.steering.rules()).map(toRule).filter((r) => r.enabled);
  cache.set(deps, { version, rules });
  return rules;
}

async function factsOf(tx: Store, incident: Incident, clocks: readonly ClockReading[], rules: readonly Rule[], now: Date): Promise<RuleFacts> {
  const needs = (k: keyof Rule['when']) => rules.some((r) => r.when[k] !== undefined);
  const f = incident.fiveW1H;
  return {
    category: incident.category,
    severity: incident.severity,
    priority: incident.priority,
    constituency: incident.constituency,
    tlp: incident.tlp,
    observables: needs('watchlist') ? new Set(await tx.steering.observableValues(incident.id)) : new Set(),
    reportCount: needs('reportsAtLeast') ? await tx.steering.reportCount(incident.id) : 0,
    text: needs('keywords') ? [incident.title, incident.summary, f.vector, f.impact, f.affectedAssets, f.actor, f.motive].filter(Boolean).join('\n').toLowerCase() : '',
    clocks: clocks
      .filter((c): c is ClockReading & { state: 'running' | 'breached' } => c.state === 'running' || c.state === 'breached')
      .map((c) => ({ clock: c.clock, state: c.state, minutesLeft: c.dueAt ? (Date.parse(c.dueAt) - now.getTime()) / 60_000 : -1 })),
  };
}

/** Evaluate every enabled rule against facts (pure; what `npm run bench` measures). */
export function matchRules(rules: readonly Rule[], facts: RuleFacts): { rule: Rule; cause: string }[] {
  const out: { rule: Rule; cause: string }[] = [];
  for (const rule of rules) {
    const cause = ruleCause(rule, facts);
    if (cause !== null) out.push({ rule, cause });
  }
  return out;
}

/**
 * Run the rules after a change, inside its transaction. A rule fires once per
 * incident and cause (the firing row's key; a crash before commit leaves
 * neither the firing nor its effects, so the retry fires it once). Actions
 * that change the incident are saved together; their change can make other
 * rules fire in the next round — after MAX_RULE_ROUNDS rounds evaluation stops
 * with a `rule.stopped` entry rather than loop.
 */
export async function evaluateRules(deps: ServiceDeps, tx: Store, start: Incident, clocksOf: (i: Incident) => Promise<ClockReading[]>): Promise<Incident> {
  const rules = await enabledRules(deps, tx);
  if (rules.length === 0) return start;
  let incident = start;
  for (let round = 1; ; round++) {
    const now = deps.clock();
    const clocks = await clocksOf(incident);
    await scheduleDueSoon(deps, tx, incident, rules, clocks, now);
    const matched = matchRules(rules, await factsOf(tx, incident, clocks, rules, now));
    const firing: { rule: Rule; cause: string }[] = [];
    for (const m of matched)
      if (await tx.steering.recordFiring({ rule_id: m.rule.id, incident_id: incident.id, cause: m.cause, rule_version: m.rule.version, fired_at: now.toISOString(), actions: JSON.stringify(m.rule.then) }))
        firing.push(m);
    if (firing.length === 0) return incident;
    if (round > MAX_RULE_ROUNDS) {
      await tx.timeline.append([
        {
          incidentId: incident.id,
          reportId: null,
          actor: RULES_ACTOR.id,
          action: 'rule.stopped',
          changes: { rules: firing.map((f) => f.rule.name), rounds: MAX_RULE_ROUNDS, error: 'rules kept triggering each other; their actions were not run' },
          note: null,
        },
      ]);
      await audit(tx, RULES_ACTOR, 'rule.stopped', { type: 'incident', id: incident.id }, { rules: firing.map((f) => f.rule.id), rounds: MAX_RULE_ROUNDS });
      // Keep the firings recorded without their effects so the loop does not restart on the next change.
      return incident;
    }
    incident = await runActions(deps, tx, incident, firing);
  }
}

async function runActions(deps: ServiceDeps, tx: Store, incident: Incident, firing: { rule: Rule; cause: string }[]): Promise<Incident> {
  let after: Incident = { ...incident };
  const effects: string[][] = [];
  for (const { rule, cause } of firing) {
    const done: string[] = [];
    for (const a of rule.then) done.push(await runAction(deps, tx, incident, after, a, rule, (next) => (after = next)));
    effects.push(done);
    await tx.timeline.append([
      { incidentId: incident.id, reportId: null, actor: RULES_ACTOR.id, action: 'rule.fired', changes: { rule: rule.id, name: rule.name, version: rule.version, cause, actions: done }, note: null },
    ]);
    await audit(tx, RULES_ACTOR, 'rule.fired', { type: 'incident', id: incident.id }, { rule: rule.id, version: rule.version, cause, actions: done });
  }
  const changed = after.owner !== incident.owner || after.priority !== incident.priority || after.severity !== incident.severity;
  if (!changed) return incident;
  return saveIncident(deps, tx, RULES_ACTOR, incident, after, { action: 'incident.updated', note: `rules: ${firing.map((f) => f.rule.name).join(', ')}` }, { fromRules: true });
}

async function runAction(deps: ServiceDeps, tx: Store, incident: Incident, after: Incident, a: RuleAction, rule: Rule, set: (i: Incident) => void): Promise<string> {
  switch (a.type) {
    case 'assign':
      set({ ...after, owner: a.to });
      return `assign ${a.to}`;
    case 'raise-priority': {
      const to = raised(PRIORITIES, after.priority, a.to);
      set({ ...after, priority: to });
      return to === after.priority ? `priority already ${after.priority}` : `priority ${after.priority} → ${to}`;
    }
    case 'raise-severity': {
      const to = raised(SEVERITIES, after.severity, a.to);
      set({ ...after, severity: to });
      return to === after.severity ? `severity already ${after.severity}` : `severity ${after.severity} → ${to}`;
    }
    case 'add-playbook': {
      const added = await applyPlaybook(deps, tx, RULES_ACTOR, incident, a.category, `rule: ${rule.name}`);
      return `playbook ${a.category}: ${added.length} task(s)`;
    }
    case 'require-decision': {
      const fresh = await tx.steering.requireGate({ incident_id: incident.id, before_action: a.before, rule_id: rule.id, required_at: deps.clock().toISOString() });
      if (fresh)
        await tx.timeline.append([{ incidentId: incident.id, reportId: null, actor: RULES_ACTOR.id, action: 'decision.required', changes: { before: a.before, rule: rule.name }, note: null }]);
      return `a lead's decision is required before ${a.before}`;
    }
    case 'mark-for-partner': {
      const org = (await tx.organisations.findManyById([a.organisationId]))[0];
      const name = org?.name ?? a.organisationId;
      const at = deps.clock().toISOString();
      const have = await tx.steering.taskKeys(incident.id);
      const key = `partner-${a.organisationId.slice(0, 8)}`;
      if (!have.has(key))
        await tx.steering.insertTasks([
          {
            id: newId(),
            incident_id: incident.id,
            phase: 'notification',
            title: JSON.stringify({ ja: `パートナーCSIRT「${name}」と連携する`, en: `Coordinate with the partner CSIRT ${name}` }),
            description: null,
            task_key: key,
            playbook: null,
            mandatory: 0,
            assignee: null,
            due_at: null,
            state: 'open',
            reason: null,
            done_at: null,
            done_by: null,
            position: await tx.steering.nextTaskPosition(incident.id),
            created_at: at,
            created_by: RULES_ACTOR.id,
            updated_at: at,
            version: 1,
          },
        ]);
      return `marked for ${name}`;
    }
    case 'notify':
      return notify(deps, tx, incident, a.who, rule);
  }
}

async function notify(deps: ServiceDeps, tx: Store, incident: Incident, who: string, rule: Rule): Promise<string> {
  const link = `${deps.settings.team.publicUrl}/incidents/${incident.number}`;
  const facts = `category: ${incident.category} / severity: ${incident.severity} / priority: ${incident.priority} / TLP:${incident.tlp}`;
  const to = await alertTeam(deps, tx, {
    who,
    incidentId: incident.id,
    exercise: incident.exercise,
    subject: `[${incident.number}] 規則「${rule.name}」/ rule "${rule.name}": ${incident.title}`,
    lines: {
      ja: [`規則「${rule.name}」が ${incident.number} に対して発動しました。`, '', incident.title, facts, link],
      en: [`Rule "${rule.name}" fired for ${incident.number}.`, '', incident.title, facts, link],
    },
  });
  return to.length ? `notify ${to.join(', ')}` : `notify ${who}: nobody to notify`;
}

/** Rules with a "due soon" condition are evaluated again when a running clock enters their window (a durable job, not a timer). */
async function scheduleDueSoon(deps: ServiceDeps, tx: Store, incident: Incident, rules: readonly Rule[], clocks: readonly ClockReading[], now: Date): Promise<void> {
  const at = now.toISOString();
  for (const r of rules) {
    const s = r.when.sla;
    if (!s || s.state !== 'due-soon') continue;
    for (const c of clocks) {
      if (c.state !== 'running' || !c.dueAt || (s.clock && s.clock !== c.clock)) continue;
      const when = new Date(Date.parse(c.dueAt) - s.withinMinutes * 60_000);
      if (when <= now) continue;
      await tx.jobs.enqueue({ kind: RULES_EVALUATE_JOB, payload: { incidentId: incident.id }, runAt: when.toISOString(), dedupeKey: `${RULES_EVALUATE_JOB}:${incident.id}:${when.toISOString()}` }, at);
    }
  }
}

/** The job: a "due soon" window opened; the rules run on the incident as it is now. */
export async function runRulesTimer(deps: ServiceDeps, payload: unknown): Promise<void> {
  const id = (payload as { incidentId?: unknown } | null)?.incidentId;
  if (typeof id !== 'string') return;
  await deps.store.transaction(async (tx) => {
    const incident = await tx.incidents.findById({ kind: 'all' }, id, true);
    if (incident && !incident.mergedInto) await afterIncidentChange(deps, tx, incident, { actions: ['rules.timer'] });
  });
}

export const DecisionSchema = z.strictObject({
  decision: z.enum(['approved', 'refused']),
  note: multiLine(4000).optional(),
});

export interface Decision {
  before: GateAction;
  ruleId: string | null;
  requiredAt: string;
  decision: 'approved' | 'refused' | null;
  decidedBy: string | null;
  /** The display name of the lead who decided. */
  decidedByName: string | null;
  decidedAt: string | null;
  note: string | null;
}

/** What rules asked of leads on an incident and what was decided, with every rule firing. */
export async function getDecisions(deps: ServiceDeps, actor: Actor, incidentRef: string): Promise<{ decisions: Decision[]; firings: { ruleId: string; name: string | null; cause: string; version: number; firedAt: string }[] }> {
  assertCan(actor, 'steering.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  const [gates, firings, rules] = await Promise.all([deps.store.steering.gates(incident.id), deps.store.steering.firings(incident.id), deps.store.steering.rules(true)]);
  const names = new Map(rules.map((r) => [r.id, r.name]));
  return {
    decisions: gates.map((g) => ({ before: g.before_action as GateAction, ruleId: g.rule_id, requiredAt: g.required_at, decision: g.decision as Decision['decision'], decidedBy: g.decided_by, decidedByName: g.decided_by_name, decidedAt: g.decided_at, note: g.note })),
    firings: firings.map((f) => ({ ruleId: f.rule_id, name: names.get(f.rule_id) ?? null, cause: f.cause, version: Number(f.rule_version), firedAt: f.fired_at })),
  };
}

/**
 * A lead's decision before an action ("approve sending outside the team"),
 * with a note, on the timeline — whether a rule asked for it or the lead
 * decides ahead (a refusal then blocks the action as a rule's gate would).
 */
export async function decide(deps: ServiceDeps, actor: Actor, incidentRef: string, before: GateAction, body: unknown): Promise<void> {
  assertCan(actor, 'incident.decide');
  const input = parseInput(DecisionSchema, body);
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    await tx.steering.requireGate({ incident_id: incident.id, before_action: before, rule_id: null, required_at: at });
    await tx.steering.decideGate(incident.id, before, { decided_by: actor.id, decided_at: at, decision: input.decision, note: input.note ?? null });
    await tx.timeline.append([{ incidentId: incident.id, reportId: null, actor: actor.id, action: 'decision.taken', changes: { before, decision: input.decision }, note: input.note ?? null }]);
    await audit(tx, actor, 'decision.taken', { type: 'incident', id: incident.id }, { before, decision: input.decision });
  });
}

/** Refuse an action a rule put behind a lead's decision until a lead approved it. */
export async function assertDecided(tx: Store, incident: Incident, before: 'send-outside'): Promise<void> {
  const gate = (await tx.steering.gates(incident.id)).find((g) => g.before_action === before);
  if (!gate || gate.decision === 'approved') return;
  throw new AppError('FORBIDDEN', `${incident.number}: a lead must approve sending outside the team first${gate.decision === 'refused' ? ' (it was refused)' : ''}`, {
    decision: before,
    state: gate.decision ?? 'pending',
  });
}
