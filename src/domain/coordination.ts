import { z } from 'zod';
import { TLP_LABELS } from './tlp.js';
import { LANGUAGES } from './organisation.schema.js';
import { multiLine, singleLine } from './text.js';

/**
 * A coordination is one conversation with one party about one incident: a
 * notification to the affected, a takedown request to a host, a report to
 * another CSIRT … Its state says where the conversation stands; each change
 * is a timeline entry on the incident.
 */
export const COORDINATION_PURPOSES = [
  'notification',
  'takedown',
  'information-request',
  'csirt-report',
  'law-enforcement',
  'reporter-update',
] as const;
export type CoordinationPurpose = (typeof COORDINATION_PURPOSES)[number];

export const COORDINATION_STATES = [
  'draft',
  'sent',
  'acknowledged',
  'resolved',
  'no-response',
  'refused',
  'delivery-failed',
  'cancelled',
] as const;
export type CoordinationState = (typeof COORDINATION_STATES)[number];

/** Which state may follow which. `sent` is reached only by sending; `delivery-failed` only by the mail queue giving up. */
const NEXT: Record<CoordinationState, readonly CoordinationState[]> = {
  draft: ['sent', 'cancelled'],
  sent: ['acknowledged', 'resolved', 'no-response', 'refused', 'delivery-failed'],
  acknowledged: ['resolved', 'refused', 'no-response'],
  'no-response': ['sent', 'acknowledged', 'resolved', 'refused'],
  refused: ['acknowledged', 'resolved'],
  resolved: ['acknowledged'],
  'delivery-failed': ['sent', 'cancelled'],
  cancelled: [],
};

export function canMoveCoordination(from: CoordinationState, to: CoordinationState): boolean {
  return NEXT[from].includes(to);
}

export const allowedCoordinationMoves = (from: CoordinationState): readonly CoordinationState[] => NEXT[from];

/** States a handler sets by hand (the others follow from sending or the mail queue). */
export const MANUAL_COORDINATION_STATES = ['acknowledged', 'resolved', 'no-response', 'refused', 'cancelled'] as const;

/** States in which the party still owes an answer: reminders run only here. */
export const AWAITING_ANSWER: readonly CoordinationState[] = ['sent'];

/**
 * When to chase a party that has not answered. `followUps` follow-up mails
 * are sent (or, with `followUp: 'ask'`, the handler is asked) each
 * `afterHours` apart; one more period of silence marks the coordination
 * `no-response` and proposes escalating to the party upstream.
 */
export interface ReminderPolicy {
  afterHours: number;
  followUps: number;
  followUp: 'send' | 'ask';
}

export const DEFAULT_REMINDERS: Record<CoordinationPurpose, ReminderPolicy | null> = {
  takedown: { afterHours: 24, followUps: 1, followUp: 'send' },
  notification: { afterHours: 72, followUps: 1, followUp: 'send' },
  'information-request': { afterHours: 72, followUps: 1, followUp: 'ask' },
  'csirt-report': { afterHours: 72, followUps: 1, followUp: 'ask' },
  'law-enforcement': { afterHours: 120, followUps: 0, followUp: 'ask' },
  'reporter-update': null,
};

/**
 * The tag that threads replies: `[RK-2026-000123-C2]` is coordination 2 of
 * incident RK-2026-000123. It goes in the subject of every message we send.
 */
export function coordinationTag(incidentNumber: string, sequence: number): string {
  return `${incidentNumber}-C${sequence}`;
}

const TAG = /\[?\b([A-Z]{1,8}-\d{4}-\d{6,})(?:-C(\d{1,6}))?\b\]?/;

/** The incident number and (when present) coordination sequence named by a subject's tracking tag. */
export function parseTrackingTag(subject: string | null | undefined): { incidentNumber: string; sequence: number | null } | null {
  const m = TAG.exec(subject ?? '');
  if (!m) return null;
  return { incidentNumber: m[1]!, sequence: m[2] ? Number(m[2]) : null };
}

const email = z.email().max(320);

export const CoordinationCreateSchema = z.strictObject({
  purpose: z.enum(COORDINATION_PURPOSES),
  /** The party: a directory organisation and one of its contacts (by e-mail), or a bare address (e.g. the reporter). */
  organisationId: z.uuid().optional(),
  contactEmail: email.optional(),
  contactName: singleLine(200).optional(),
  /** Defaults to the contact's language, else the team's. */
  language: z.enum(LANGUAGES).optional(),
  /** TLP of what is shared; defaults to the incident's. */
  tlp: z.enum(TLP_LABELS).optional(),
  /** Write URLs and addresses defanged (`hxxps://evil[.]example`) — the default, as mail filters drop live links. */
  defang: z.boolean().default(true),
  /** Hours without an answer before the first follow-up; overrides the purpose's default for this party. */
  reminderAfterHours: z.number().int().min(1).max(24 * 60).optional(),
  /** Evidence to attach: SHA-256 of files already held (report attachments). */
  evidence: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex')).max(20).default([]),
});
export type CoordinationCreateInput = z.input<typeof CoordinationCreateSchema>;
export type CoordinationCreate = z.output<typeof CoordinationCreateSchema>;

export const CoordinationDraftUpdateSchema = z.strictObject({
  subject: singleLine(400).optional(),
  body: multiLine(200_000).optional(),
  evidence: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex')).max(20).optional(),
  /** Send without encryption although the contact has a key (e.g. the key is broken); recorded on the timeline. */
  encrypt: z.boolean().optional(),
});
export type CoordinationDraftUpdate = z.infer<typeof CoordinationDraftUpdateSchema>;

export const CoordinationStateChangeSchema = z.strictObject({
  state: z.enum(MANUAL_COORDINATION_STATES),
  note: multiLine(10_000).optional(),
});
export type CoordinationStateChange = z.infer<typeof CoordinationStateChangeSchema>;

export interface Coordination {
  id: string;
  incidentId: string;
  sequence: number;
  tag: string;
  purpose: CoordinationPurpose;
  state: CoordinationState;
  organisationId: string | null;
  organisationName: string | null;
  contactEmail: string;
  contactName: string | null;
  language: 'ja' | 'en';
  tlp: (typeof TLP_LABELS)[number];
  defang: boolean;
  subject: string;
  body: string;
  evidence: string[];
  reminderAfterHours: number | null;
  followUpsSent: number;
  /** Encrypt to the contact's PGP key (set when the contact has one). */
  encrypt: boolean;
  lastSentAt: string | null;
  lastReplyAt: string | null;
  nextReminderAt: string | null;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export const MESSAGE_DIRECTIONS = ['outbound', 'inbound'] as const;

/** One mail of a coordination: what we sent (with its delivery state) or a reply that threaded into it. */
export interface CoordinationMessage {
  id: string;
  coordinationId: string;
  direction: (typeof MESSAGE_DIRECTIONS)[number];
  kind: 'initial' | 'follow-up' | 'reply';
  messageId: string;
  subject: string;
  /** Delivery of outbound mail: queued → sent, or failed after the last retry. Null for replies. */
  delivery: 'queued' | 'sent' | 'failed' | null;
  attempts: number;
  lastError: string | null;
  isSigned: boolean;
  isEncrypted: boolean;
  reportId: string | null;
  at: string;
  sentAt: string | null;
}
