import { z } from 'zod';
import { SLA_CLOCKS, type SlaClock } from './sla.js';
import { CATEGORIES, PRIORITIES, SEVERITIES, type Category, type Priority, type Severity } from './taxonomy.js';
import { TLP_LABELS, type Tlp } from './tlp.js';
import { singleLine } from './text.js';

/**
 * Escalation rules: the seed's "who decides, how far" written down by leads
 * as data. WHEN every condition given holds THEN the actions run, once per
 * incident and cause (a rule never fires twice for the same cause).
 */
const email = z.email().max(320);

export const RuleConditionSchema = z
  .strictObject({
    categories: z.array(z.enum(CATEGORIES)).min(1).optional(),
    severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
    priorities: z.array(z.enum(PRIORITIES)).min(1).optional(),
    constituencies: z.array(z.string().min(1).max(64)).min(1).optional(),
    tlp: z.array(z.enum(TLP_LABELS)).min(1).optional(),
    /** An observable of the incident is on this watch-list (values as normalised: lower-case domains, URLs, addresses). */
    watchlist: z.array(singleLine(2048)).min(1).max(10_000).optional(),
    /** An SLA clock is breached, or falls due within `withinMinutes`. */
    sla: z
      .strictObject({
        clock: z.enum(SLA_CLOCKS).optional(),
        state: z.enum(['due-soon', 'breached']),
        withinMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
      })
      .optional(),
    /** At least this many reports on the incident. */
    reportsAtLeast: z.number().int().min(2).max(1_000_000).optional(),
    /** Any of these words in the title, summary or 5W1H (case-insensitive; Japanese as written). */
    keywords: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), { message: 'a rule needs at least one condition' });
export type RuleCondition = z.output<typeof RuleConditionSchema>;

/** Actions a lead's decision can be required before: any mail outside the team (coordination, reporter updates). */
export const GATE_ACTIONS = ['send-outside'] as const;

export const RuleActionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('assign'), to: singleLine(320) }),
  z.strictObject({ type: z.literal('raise-priority'), to: z.enum(PRIORITIES) }),
  z.strictObject({ type: z.literal('raise-severity'), to: z.enum(SEVERITIES) }),
  /** E-mail the team's leads, the on-call address (RENKEI_ONCALL_EMAIL), or an address. */
  z.strictObject({ type: z.literal('notify'), who: z.union([z.enum(['leads', 'on-call']), email]) }),
  z.strictObject({ type: z.literal('add-playbook'), category: z.enum(CATEGORIES) }),
  /** A lead must approve before the named action (e.g. any mail outside the team) may happen. */
  z.strictObject({ type: z.literal('require-decision'), before: z.enum(GATE_ACTIONS) }),
  /** Mark the incident for a partner CSIRT: a task to coordinate with that organisation. */
  z.strictObject({ type: z.literal('mark-for-partner'), organisationId: z.uuid() }),
]);
export type RuleAction = z.output<typeof RuleActionSchema>;

const RuleShape = {
  name: singleLine(200),
  enabled: z.boolean().default(true),
  when: RuleConditionSchema,
  then: z.array(RuleActionSchema).min(1).max(20),
};
const noSelfTrigger = (rule: { when: RuleCondition; then: RuleAction[] }, ctx: z.RefinementCtx) => {
  for (const [i, problem] of selfTriggers(rule).entries()) ctx.addIssue({ code: 'custom', path: ['then', i], message: problem });
};

export const RuleSchema = z.strictObject(RuleShape).superRefine(noSelfTrigger);

/** A new version of a rule: its definition, and the version it was edited from — a rule changed meanwhile is refused, not overwritten. */
export const RuleUpdateSchema = z
  .strictObject({ ...RuleShape, version: z.number().int().min(1).optional().describe('the version this edit starts from; refused (409) when the rule has changed since') })
  .superRefine(noSelfTrigger);
export type RuleInput = z.input<typeof RuleSchema>;
export type RuleDefinition = z.output<typeof RuleSchema>;

export interface Rule extends RuleDefinition {
  id: string;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

/**
 * Actions that would make the rule's own condition hold again — the rule
 * triggering itself. Refused when the rule is saved, with the reason.
 */
export function selfTriggers(rule: { when: RuleCondition; then: RuleAction[] }): string[] {
  const out: string[] = [];
  for (const a of rule.then) {
    if (a.type === 'raise-priority' && rule.when.priorities?.includes(a.to))
      out.push(`raising the priority to ${a.to} makes this rule's own condition (priority ${rule.when.priorities.join('/')}) true again: the rule would trigger itself`);
    if (a.type === 'raise-severity' && rule.when.severities?.includes(a.to))
      out.push(`raising the severity to ${a.to} makes this rule's own condition (severity ${rule.when.severities.join('/')}) true again: the rule would trigger itself`);
  }
  return out;
}

/** What a rule looks at, gathered once per change. */
export interface RuleFacts {
  category: Category;
  severity: Severity;
  priority: Priority;
  constituency: string | null;
  tlp: Tlp;
  /** Normalised observable values of the incident. */
  observables: ReadonlySet<string>;
  reportCount: number;
  /** Lower-cased title, summary and 5W1H text. */
  text: string;
  /** Per running or breached clock: its state and minutes until due (negative: overdue). */
  clocks: readonly { clock: SlaClock; state: 'running' | 'breached'; minutesLeft: number }[];
}

/**
 * Why the rule matches — the cause it would fire for — or null. The cause is
 * what makes "never twice for the same cause" precise: for an SLA condition it
 * names the clock and its state, for a report count the threshold; otherwise
 * the match itself.
 */
export function ruleCause(rule: RuleDefinition, f: RuleFacts): string | null {
  const w = rule.when;
  if (w.categories && !w.categories.includes(f.category)) return null;
  if (w.severities && !w.severities.includes(f.severity)) return null;
  if (w.priorities && !w.priorities.includes(f.priority)) return null;
  if (w.tlp && !w.tlp.includes(f.tlp)) return null;
  if (w.constituencies && (f.constituency === null || !w.constituencies.includes(f.constituency))) return null;
  if (w.reportsAtLeast !== undefined && f.reportCount < w.reportsAtLeast) return null;
  if (w.keywords && !w.keywords.some((k) => f.text.includes(k.toLowerCase()))) return null;
  let cause = 'match';
  if (w.watchlist) {
    const list = watchSet(w.watchlist);
    let hit: string | undefined;
    for (const o of f.observables)
      if (list.has(o)) {
        hit = o;
        break;
      }
    if (hit === undefined) return null;
    cause = `watchlist:${hit}`;
  }
  if (w.sla) {
    const s = w.sla;
    const clock = f.clocks.find(
      (c) => (s.clock === undefined || c.clock === s.clock) && (s.state === 'breached' ? c.state === 'breached' : c.state === 'running' && c.minutesLeft <= s.withinMinutes),
    );
    if (!clock) return null;
    cause = `sla:${clock.clock}:${s.state}`;
  }
  if (w.reportsAtLeast !== undefined) cause = `${cause}|reports>=${w.reportsAtLeast}`;
  return cause;
}

/** Watch-lists as sets, built once per parsed rule (lists of thousands are checked against a few observables). */
const watchSets = new WeakMap<readonly string[], Set<string>>();
function watchSet(list: readonly string[]): Set<string> {
  let set = watchSets.get(list);
  if (!set) watchSets.set(list, (set = new Set(list.map((v) => v.toLowerCase()))));
  return set;
}

/** Raise only: an action never lowers what a person set higher. */
export function raised<T extends string>(order: readonly T[], current: T, to: T): T {
  return order.indexOf(to) > order.indexOf(current) ? to : current;
}
