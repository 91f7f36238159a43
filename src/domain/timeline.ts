import { isStaff, type Actor } from './actor.js';
/**
 * The 経過記録 (tracking) of the seed: every change to a report or incident is
 * an entry; entries are never edited — a correction is a new entry that
 * refers to the one it corrects.
 */
export const TIMELINE_ACTIONS = [
  'report.received',
  'report.triaged',
  'report.attached',
  'report.detached',
  'report.rejected',
  'report.acknowledged',
  'report.reply',
  'incident.created',
  'incident.updated',
  'incident.status',
  'incident.merged',
  'incident.merged-into',
  'incident.split',
  'incident.split-from',
  'observable.added',
  'coordination.created',
  'coordination.sent',
  'coordination.state',
  'coordination.reply',
  'coordination.follow-up',
  'coordination.reminder',
  'coordination.escalation-proposed',
  'coordination.delivery-failed',
  'takedown.created',
  'takedown.state',
  'sla.breached',
  'task.added',
  'task.updated',
  'task.done',
  'task.not-needed',
  'task.reopened',
  'incident.close-override',
  'rule.fired',
  'rule.stopped',
  'decision.required',
  'decision.taken',
  'evidence.added',
  'evidence.handed-over',
  'evidence.exported',
  'evidence.integrity-failed',
  'evidence.integrity-restored',
  'evidence.removed',
  'note',
  'correction',
] as const;
export type TimelineAction = (typeof TIMELINE_ACTIONS)[number];

export interface TimelineEntry {
  id: string;
  incidentId: string | null;
  reportId: string | null;
  at: string;
  actor: string;
  action: TimelineAction;
  changes: Record<string, unknown>;
  note: string | null;
}

/** An entry as it is read: with the display name of the account that wrote it (null for Renkei's own `system:…` actors). */
export interface TimelineEntryView extends TimelineEntry {
  actorName: string | null;
}

/** The entries as `reader` may see them: the team's people are named to the team; a partner learns what was done, not by whom. */
export function namedFor(reader: Actor, entries: TimelineEntryView[]): TimelineEntryView[] {
  return isStaff(reader) ? entries : entries.map((e) => ({ ...e, actorName: null }));
}

export type TimelineEntryInput = Omit<TimelineEntry, 'id' | 'at'> & { at?: string };
