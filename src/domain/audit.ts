import { createHash } from 'node:crypto';

/**
 * The audit log: who did what, when, from where. Append-only and
 * hash-chained — each event's hash covers its content and the previous
 * event's hash — so editing or deleting any row breaks the chain at that row.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventInput {
  actor: string;
  ip: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  position: number;
  id: string;
  at: string;
  prevHash: string;
  hash: string;
}

/** An event as the audit screen reads it: the actor's account name and e-mail beside its id (null for `system:…` actors and unknown ids); not hashed. */
export interface AuditEventView extends AuditEvent {
  actorName: string | null;
  actorEmail: string | null;
}

/** The hash of an event: SHA-256 over the previous hash and a canonical JSON of every field. */
export function auditHash(e: Omit<AuditEvent, 'hash'>): string {
  const body = JSON.stringify([e.position, e.id, e.at, e.actor, e.ip, e.action, e.targetType, e.targetId, canonical(e.details)]);
  return createHash('sha256').update(e.prevHash).update('\n').update(body).digest('hex');
}

/** Keys sorted at every level, so the same content always hashes the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export type ChainProblem = { position: number; problem: 'hash' | 'link' | 'gap' };

/**
 * Walk events in position order; the first broken link, if any. `expectedHead`
 * (the stored head) catches deletion of the newest events.
 */
export function verifyChain(events: Iterable<AuditEvent>, startHash = GENESIS_HASH, startPosition = 0): { ok: true; checked: number; lastHash: string; lastPosition: number } | ({ ok: false; checked: number } & ChainProblem) {
  let prev = startHash;
  let position = startPosition;
  let checked = 0;
  for (const e of events) {
    if (e.position !== position + 1) return { ok: false, checked, position: position + 1, problem: 'gap' };
    if (e.prevHash !== prev) return { ok: false, checked, position: e.position, problem: 'link' };
    if (auditHash(e) !== e.hash) return { ok: false, checked, position: e.position, problem: 'hash' };
    prev = e.hash;
    position = e.position;
    checked++;
  }
  return { ok: true, checked, lastHash: prev, lastPosition: position };
}
