/**
 * The mail spool as operators see it (the drainer is `mail-spool.service.ts`):
 * how many acknowledged mails are not reports yet, the troubled ones — held
 * for an operator, or waiting to be tried again — with why, a troubled
 * mail's bytes, and a held mail tried again. The API, the web screen and
 * `renkei spool` all come here.
 */
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { SpoolCounts, TroubledMail } from '../domain/spooled-mail.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import type { Envelope, RouteTaken } from './inbound-mail.js';


/** The counts, for the triage queue's notice: no sender and no content. */
export async function spoolCounts(deps: ServiceDeps, actor: Actor): Promise<SpoolCounts> {
  assertCan(actor, 'intake.spool-counts');
  return deps.store.mailSpool.counts();
}

/** The troubled mails, oldest first (at most `limit`). */
export async function troubledMails(deps: ServiceDeps, actor: Actor, limit = 100): Promise<TroubledMail[]> {
  assertCan(actor, 'intake.spool');
  return (await deps.store.mailSpool.troubled(limit)).map((m) => {
    const envelope = JSON.parse(m.envelope) as Partial<Envelope>;
    const route = m.route ? (JSON.parse(m.route) as Partial<RouteTaken>) : null;
    return {
      id: m.id,
      receivedAt: m.receivedAt,
      mailFrom: envelope.mailFrom ?? null,
      rcptTo: envelope.rcptTo ?? [],
      remoteAddress: envelope.remoteAddress ?? null,
      route: route?.address ?? null,
      size: m.size,
      attempts: m.attempts,
      held: m.held,
      lastError: m.lastError,
      nextAttemptAt: m.nextAttemptAt,
    };
  });
}

/** A spooled mail's bytes, as received. Audited: its content is not classified yet. */
export async function spooledMailRaw(deps: ServiceDeps, actor: Actor, id: string): Promise<Buffer> {
  assertCan(actor, 'intake.spool-raw');
  const raw = (await deps.store.mailSpool.raws([id])).get(id);
  if (!raw) throw new AppError('NOT_FOUND', `no mail ${id} in the spool`);
  await deps.store.transaction((tx) => audit(tx, actor, 'mail-spool.raw-read', { type: 'mail-spool', id }, { size: raw.length }));
  return raw;
}

/** Release a held mail: the drainer tries it again at once. Audited. */
export async function releaseHeldMail(deps: ServiceDeps, actor: Actor, id: string): Promise<void> {
  assertCan(actor, 'intake.spool');
  await deps.store.transaction(async (tx) => {
    if (!(await tx.mailSpool.release(id, deps.clock().toISOString()))) throw new AppError('NOT_FOUND', `no held mail ${id} in the spool`);
    await audit(tx, actor, 'mail-spool.released', { type: 'mail-spool', id });
  });
}
