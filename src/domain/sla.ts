import { z } from 'zod';
import { addBusinessMinutes, businessMinutesBetween, type BusinessCalendar } from './business-calendar.js';
import { CATEGORIES, PRIORITIES, type Category, type Priority } from './taxonomy.js';

/**
 * Service levels: how long each of the seed's steps may take, per priority
 * (and optionally category), in calendar time or in office hours, with the
 * clock paused while the incident waits on someone else when the policy says.
 */
export const SLA_CLOCKS = ['triage', 'first-notification', 'containment', 'resolution'] as const;
export type SlaClock = (typeof SLA_CLOCKS)[number];

export const SlaPolicySchema = z.strictObject({
  name: z.string().min(1).max(100),
  priorities: z.array(z.enum(PRIORITIES)).min(1),
  /** Empty or absent: every category. A policy naming the category wins over one that does not. */
  categories: z.array(z.enum(CATEGORIES)).default([]),
  /** Minutes for each clock; a clock without a target is not measured. */
  targets: z.partialRecord(z.enum(SLA_CLOCKS), z.number().int().min(1).max(366 * 24 * 60)),
  counting: z.enum(['calendar', 'office-hours']).default('calendar'),
  /** Stop the clocks while the incident is `waiting` (on the reporter or a party). */
  pauseWhileWaiting: z.boolean().default(true),
});
export type SlaPolicy = z.output<typeof SlaPolicySchema>;

const h = (hours: number) => hours * 60;

/** The policies Renkei starts with (override with RENKEI_SLA_POLICIES, a JSON file of the same shape). */
export const DEFAULT_SLA_POLICIES: SlaPolicy[] = [
  { name: 'urgent', priorities: ['urgent'], categories: [], targets: { triage: 30, 'first-notification': h(2), containment: h(24), resolution: h(72) }, counting: 'calendar', pauseWhileWaiting: true },
  { name: 'high', priorities: ['high'], categories: [], targets: { triage: h(2), 'first-notification': h(8), containment: h(72), resolution: h(7 * 24) }, counting: 'calendar', pauseWhileWaiting: true },
  { name: 'normal', priorities: ['normal'], categories: [], targets: { triage: h(8), 'first-notification': h(24), resolution: h(30 * 24) }, counting: 'office-hours', pauseWhileWaiting: true },
  { name: 'low', priorities: ['low'], categories: [], targets: { triage: h(24), resolution: h(90 * 24) }, counting: 'office-hours', pauseWhileWaiting: true },
];

/** The policy for an incident: the first naming its category and priority, else the first naming its priority for every category. */
export function policyFor(policies: readonly SlaPolicy[], priority: Priority, category: Category): SlaPolicy | null {
  return (
    policies.find((p) => p.priorities.includes(priority) && p.categories.includes(category)) ??
    policies.find((p) => p.priorities.includes(priority) && p.categories.length === 0) ??
    null
  );
}

export interface ClockFacts {
  startedAt: string;
  /** When the step was done; null while it is not. */
  metAt: string | null;
  /** Periods the clock stood still (from, to; to null = still paused). */
  pauses: { from: string; to: string | null }[];
}

export type ClockState = 'running' | 'paused' | 'met' | 'breached' | 'met-late';

export interface ClockReading {
  clock: SlaClock;
  targetMinutes: number;
  counting: SlaPolicy['counting'];
  state: ClockState;
  /** Minutes counted so far (office-hours minutes when so counted), pauses excluded. */
  elapsedMinutes: number;
  /** When it falls due if nothing changes; null while paused or once met. */
  dueAt: string | null;
  startedAt: string;
  metAt: string | null;
}

/** Read one clock at `now`. */
export function readClock(clock: SlaClock, policy: SlaPolicy, facts: ClockFacts, cal: BusinessCalendar, now: Date): ClockReading | null {
  const target = policy.targets[clock];
  if (target === undefined) return null;
  const start = new Date(facts.startedAt);
  const end = facts.metAt ? new Date(facts.metAt) : now;
  const span = (a: Date, b: Date) => (policy.counting === 'office-hours' ? businessMinutesBetween(cal, a, b) : Math.max(0, (b.getTime() - a.getTime()) / 60_000));
  let elapsed = span(start, end);
  let pausedNow = false;
  if (policy.pauseWhileWaiting) {
    for (const p of facts.pauses) {
      const from = new Date(Math.max(Date.parse(p.from), start.getTime()));
      const to = new Date(Math.min(p.to ? Date.parse(p.to) : end.getTime(), end.getTime()));
      if (to > from) elapsed -= span(from, to);
      if (!facts.metAt && p.to === null) pausedNow = true;
    }
  }
  elapsed = Math.max(0, Math.round(elapsed * 100) / 100);
  const base = { clock, targetMinutes: target, counting: policy.counting, elapsedMinutes: elapsed, startedAt: facts.startedAt, metAt: facts.metAt };
  if (facts.metAt) return { ...base, state: elapsed > target ? 'met-late' : 'met', dueAt: null };
  if (elapsed >= target) return { ...base, state: 'breached', dueAt: null };
  if (pausedNow) return { ...base, state: 'paused', dueAt: null };
  const left = target - elapsed;
  const dueAt = policy.counting === 'office-hours' ? addBusinessMinutes(cal, now, left) : new Date(now.getTime() + left * 60_000);
  return { ...base, state: 'running', dueAt: dueAt.toISOString() };
}
