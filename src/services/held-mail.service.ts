/**
 * The mail spool as operators see it (the drainer is `mail-spool.service.ts`):
 * how many acknowledged mails are not reports yet, the troubled ones — held
 * for an operator, or waiting to be tried again — with why, a troubled
 * mail's bytes, and a held mail tried again. The API, the web screen and
 * `renkei spool` all come here.
 */
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { HELD_REASONS, type HeldReason, type SpoolCounts, type TroubledPage } from '../domain/spooled-mail.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import type { Store } from '../store/store.js';
import type { Envelope, RouteTaken } from './inbound-mail.js';
import { ALERT_ACTOR, alertTeam } from './team-alert.service.js';

export const HELD_MAIL_ALERT_JOB = 'mail-spool.held-alert';
/** The audit event of an alert sent: the hour between alerts counts from it. */
const HELD_MAIL_ALERTED = 'mail-spool.held-alerted'; // by ALERT_ACTOR, whose few events its index finds at once
/** A held mail is told to the team this long after, with any others held meanwhile … */
const ALERT_GATHER_MS = 60_000;
/** … and no sooner than this after the alert before. */
const ALERT_INTERVAL_MS = 3600_000;

/** The counts, for the triage queue's notice: no sender and no content. */
export async function spoolCounts(deps: ServiceDeps, actor: Actor): Promise<SpoolCounts> {
  assertCan(actor, 'intake.spool-counts');
  return deps.store.mailSpool.counts();
}

/** A page of troubled mails, oldest first: at most `limit`, after the mail `after` (the previous page's `next`). */
export async function troubledMails(deps: ServiceDeps, actor: Actor, page: { limit?: number; after?: string } = {}): Promise<TroubledPage> {
  assertCan(actor, 'intake.spool');
  const limit = Math.min(Math.max(page.limit ?? 100, 1), 500);
  // One more than asked: whether there is a page after.
  const rows = await deps.store.mailSpool.troubled(limit + 1, page.after);
  const items = rows.slice(0, limit).map((m) => {
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
      heldReason: m.held ? heldReasonOf(m.heldReason) : null,
      lastError: m.lastError,
      nextAttemptAt: m.nextAttemptAt,
    };
  });
  return { items, next: rows.length > limit ? items.at(-1)!.id : null };
}

/** A stored reason this version does not know (written by a later one) reads as the most general. */
const heldReasonOf = (code: string | null): HeldReason => (HELD_REASONS as readonly (string | null)[]).includes(code) ? (code as HeldReason) : 'refused';

/** A spooled mail's bytes, as received. Audited: its content is not classified yet. */
export async function spooledMailRaw(deps: ServiceDeps, actor: Actor, id: string): Promise<Buffer> {
  assertCan(actor, 'intake.spool-raw');
  const raw = (await deps.store.mailSpool.raws([id])).get(id);
  if (!raw) throw new AppError('NOT_FOUND', `no mail ${id} in the spool`);
  await deps.store.transaction((tx) => audit(tx, actor, 'mail-spool.raw-read', { type: 'mail-spool', id }, { size: raw.length }));
  return raw;
}

/**
 * Release every held mail at once (after mending what held them, say a
 * storm of them on a bad night): how many. Audited once, with the count.
 */
export async function releaseAllHeldMail(deps: ServiceDeps, actor: Actor): Promise<number> {
  assertCan(actor, 'intake.spool');
  return deps.store.transaction(async (tx) => {
    const released = await tx.mailSpool.releaseAll(deps.clock().toISOString());
    await audit(tx, actor, 'mail-spool.released-all', null, { count: released });
    return released;
  });
}

/** Release a held mail: the drainer tries it again at once. Audited. */
export async function releaseHeldMail(deps: ServiceDeps, actor: Actor, id: string): Promise<void> {
  assertCan(actor, 'intake.spool');
  await deps.store.transaction(async (tx) => {
    if (!(await tx.mailSpool.release(id, deps.clock().toISOString()))) throw new AppError('NOT_FOUND', `no held mail ${id} in the spool`);
    await audit(tx, actor, 'mail-spool.released', { type: 'mail-spool', id });
  });
}

/**
 * A mail was just held (the drainer gave up on it; call in the transaction
 * that holds it): the team is told by mail, since a held mail was
 * acknowledged to its sender and waits for a person. One alert job counts
 * every mail held when it runs, so: when one is still to run, it tells this
 * one too; otherwise one is queued a minute from now, or an hour after the
 * last alert sent if that is later — a storm of held mails is one alert an
 * hour, and no held mail goes untold.
 */
export async function noteHeldMail(deps: ServiceDeps, tx: Store): Promise<void> {
  const now = deps.clock();
  // Drainers holding mails at once decide one after the other: the second sees the first's alert queued.
  await tx.jobs.lockKind(HELD_MAIL_ALERT_JOB);
  if (await tx.jobs.hasQueued(HELD_MAIL_ALERT_JOB)) return;
  const sent = await tx.audit.lastAt(ALERT_ACTOR.id, HELD_MAIL_ALERTED);
  const soonest = now.getTime() + ALERT_GATHER_MS;
  const runAt = new Date(sent ? Math.max(soonest, Date.parse(sent) + ALERT_INTERVAL_MS) : soonest);
  // Keyed by the minute it runs: one queued for that minute already is this one.
  await tx.jobs.enqueue(
    { kind: HELD_MAIL_ALERT_JOB, payload: {}, runAt: runAt.toISOString(), dedupeKey: `${HELD_MAIL_ALERT_JOB}:${runAt.toISOString().slice(0, 16)}`, maxAttempts: 5 },
    now.toISOString(),
  );
}

const REASON_WORDS: Record<HeldReason, { ja: string; en: string }> = {
  refused: { ja: 'そのままでは報告にできない（大きすぎる、検証で拒否）', en: 'cannot become a report as it is (too large, refused by validation)' },
  attempts: { ja: '試行をすべて失敗', en: 'every attempt failed' },
  'bytes-missing': { ja: '本文のバイト列がスプールにない', en: 'its bytes are missing from the spool' },
};

/** The job: mail the on-call address (or the leads) how many mails are held and why; nothing when an operator released them meanwhile. */
export async function runHeldMailAlert(deps: ServiceDeps): Promise<void> {
  const groups = await deps.store.mailSpool.heldByReason();
  const total = groups.reduce((n, g) => n + g.count, 0);
  if (total === 0) return;
  const where = `${deps.settings.team.publicUrl.replace(/\/$/, '')}/intake-spool`;
  const oldest = groups.map((g) => g.oldestReceivedAt).sort()[0]!;
  const by = HELD_REASONS.map((reason) => ({ reason, count: groups.filter((g) => heldReasonOf(g.reason) === reason).reduce((n, g) => n + g.count, 0) })).filter((x) => x.count > 0);
  await deps.store.transaction(async (tx) => {
    const to = await alertTeam(deps, tx, {
      who: deps.settings.team.oncallEmail ? 'on-call' : 'leads',
      subject: `[Renkei] 受信メール ${total} 通が報告にできず保留中 / ${total} received mail${total === 1 ? '' : 's'} held, not yet reports`,
      lines: {
        ja: [
          `受信を確認済み（250）のメール ${total} 通が、報告として記録できずに受信スプールで保留されています。送信者には受付済みと伝わっています。`,
          ...by.map((x) => `・${REASON_WORDS[x.reason].ja}: ${x.count} 通`),
          `最も古いもの: ${oldest}`,
          `原因を直してから再試行してください: ${where} 、または renkei spool release --all`,
        ],
        en: [
          `${total} mail${total === 1 ? '' : 's'} acknowledged to the sender (250) could not be recorded as reports and ${total === 1 ? 'is' : 'are'} held in the mail spool.`,
          ...by.map((x) => `- ${REASON_WORDS[x.reason].en}: ${x.count}`),
          `oldest: ${oldest}`,
          `Mend the cause, then try them again: ${where} , or renkei spool release --all`,
        ],
      },
    });
    await audit(tx, ALERT_ACTOR, HELD_MAIL_ALERTED, null, { held: total, to });
  });
}
