import type { Logger } from 'pino';
import { systemActor, type Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { MAX_RAW_BYTES } from '../domain/report.js';
import { MAX_SPOOL_ATTEMPTS, type HeldReason, type SpoolCounts } from '../domain/spooled-mail.js';
import type { SpooledMail } from '../store/repositories/mail-spool.repository.js';
import type { ServiceDeps } from './deps.js';
import { GroupCommitter, GroupWriter } from './group-commit.js';
import { noteHeldMail } from './held-mail.service.js';
import type { Envelope, MailFacts, RouteTaken } from './inbound-mail.js';
import { afterRecorded, readInbound } from './mail-intake.service.js';
import type { RecordedReport } from './record-report.service.js';

/** Who records the mail the IMAP poller spooled. */
const IMAP_ACTOR = systemActor('imap');

/** Mails taken from the spool at a time. */
const TAKE = 64;
/** Attempts before a mail that keeps failing (or kills the process while it is read) is held for an operator: about 2 hours of retries. */
export const MAX_ATTEMPTS = MAX_SPOOL_ATTEMPTS;

export interface MailSpoolOptions {
  logger?: Logger;
  /** Mails being read or recorded at once (their bytes are in memory). */
  maxInFlight?: number;
  /** Bytes of mail being read or recorded at once (the first mail of a take is taken even when it goes over: at most this plus one mail). */
  maxInFlightBytes?: number;
  /** How often an idle drainer looks again (for mail whose retry time came, or spooled by another process). */
  idlePollMs?: number;
  /** How long a group of reports waits for more before it is recorded. */
  groupWaitMs?: number;
  /** The longest wait before a mail that could not be recorded is tried again (15 minutes). */
  maxRetryDelayMs?: number;
}

/**
 * The SMTP listener's spool (issue #4: `250` only once the whole message is
 * durably stored). `accept` writes the raw message as one row — grouped with
 * other senders' in one transaction and one disk sync — and returns once it
 * is on disk: only then does the listener answer `250`. The drainer then
 * reads the spooled mails (in the mail threads), and records their reports
 * in large groups, each group's transaction also removing its mails from the
 * spool: a crash at any moment leaves every acknowledged mail either
 * spooled (read again after restart) or recorded, never both, never
 * neither. Reading the same mail twice (two processes, a crash after the
 * read) records it once: the same Message-ID or bytes is one report.
 *
 * Each attempt at a mail is claimed first (counted, and the mail not due
 * again before its retry time), so a mail that cannot be recorded now (the
 * evidence disk full) is tried again later, waiting longer each time, and
 * one whose reading kills the process does not take the intake down with it
 * forever: after MAX_ATTEMPTS it is held, with the reason, for an operator
 * (`renkei spool`, `renkei spool release`); so is at once a mail validation
 * refuses as it is. Never dropped. While the database is away nothing is
 * claimed: the drainer waits for it.
 */
export class MailSpool {
  private readonly writer: GroupWriter<{ id: string; receivedAt: string; envelope: string; route: string | null; raw: Buffer }, object>;
  /** Reports are recorded in large groups: the sender heard `250` already, so a group may wait 100 ms for company (a transaction and a commit a group: the fewer, the less each mail costs). */
  private readonly committer: GroupCommitter;
  private readonly busy = new Map<string, number>();
  private busyBytes = 0;
  /** Mails in hand not yet handed to the committer (being read). */
  private reading = 0;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private idleWaiters: (() => void)[] = [];
  private readonly maxInFlight: number;
  private readonly maxInFlightBytes: number;
  private readonly idlePollMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly actor: Actor,
    private readonly options: MailSpoolOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 128;
    this.maxInFlightBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024;
    this.idlePollMs = options.idlePollMs ?? 1000;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 15 * 60_000;
    // A group waits for company only while other mails are being read: otherwise none is coming.
    this.committer = new GroupCommitter(deps, actor, 64, options.groupWaitMs ?? 100, { companyComing: () => this.reading > 0 });
    this.writer = new GroupWriter(
      async (batch) => {
        const { durable } = await deps.store.transactionCommitted((tx) => tx.mailSpool.addMany(batch));
        return { results: batch.map(() => ({ ok: true as const })), durable };
      },
      { maxBatch: 128, lingerMs: 1, groupsAtOnce: this.committer.groupsAtOnce },
    );
  }

  /**
   * Spool one mail; resolves with its spool id once it is on disk. Throws
   * VALIDATION for a mail no report can hold (larger than a report's raw
   * original may be), and whatever kept it from the disk otherwise.
   */
  async accept(raw: Buffer, envelope: Envelope, route: RouteTaken | null): Promise<string> {
    if (raw.length > MAX_RAW_BYTES) throw new AppError('VALIDATION', `the message is larger than ${MAX_RAW_BYTES} bytes`);
    const id = newId();
    const receivedAt = this.deps.clock().toISOString();
    await this.writer.submit({ id, receivedAt, envelope: JSON.stringify(envelope), route: route ? JSON.stringify(route) : null, raw });
    this.wake();
    return id;
  }

  /** Start draining (spooled mail left by an earlier run first). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.drain();
  }

  /** Stop taking mail from the spool and let the mails in hand finish; what is left stays spooled for the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once nothing is due in the spool and nothing is in hand (tests and benchmarks wait for this). */
  idle(): Promise<void> {
    if (!this.loop || this.stopping) return Promise.reject(new Error('the mail spool is not draining (start it first)'));
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.wake();
    });
  }

  counts(): Promise<SpoolCounts> {
    return this.deps.store.mailSpool.counts();
  }

  private wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async drain(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let rows: SpooledMail[];
      let raws: Map<string, Buffer>;
      const room = this.maxInFlight - this.busy.size;
      // Take mail in handfuls: asking the spool for every mail that arrives costs a query each.
      if ((this.busy.size > 0 && room < TAKE) || this.busyBytes >= this.maxInFlightBytes) {
        await this.sleep(this.idlePollMs);
        continue;
      }
      // Only those who asked before this look are answered by it (a mail spooled meanwhile may be missing from it).
      const waiting = this.idleWaiters.splice(0);
      try {
        // Due mails, oldest first, as many as the bytes allow (one at least, even a larger one); claimed; then their bytes.
        const now = this.deps.clock();
        const due = await this.deps.store.mailSpool.due(now.toISOString(), Math.min(room, TAKE), [...this.busy.keys()]);
        const picked: SpooledMail[] = [];
        let bytes = this.busyBytes;
        for (const row of due) {
          if (picked.length && bytes + row.size > this.maxInFlightBytes) break;
          picked.push(row);
          bytes += row.size;
        }
        const claimed = await this.claim(picked, now);
        rows = picked.filter((r) => claimed.has(r.id)).map((r) => ({ ...r, attempts: r.attempts + 1 }));
        raws = rows.length ? await this.deps.store.mailSpool.raws(rows.map((r) => r.id)) : new Map<string, Buffer>();
        failures = 0;
      } catch (err) {
        this.idleWaiters.unshift(...waiting);
        // The database is away: look again, less often the longer it stays away.
        this.options.logger?.error({ err }, 'mail spool: cannot read the spool; trying again');
        await this.sleep(Math.min(250 * 2 ** failures++, 5000));
        continue;
      }
      if (rows.length === 0) {
        if (this.busy.size === 0) waiting.forEach((r) => r());
        else this.idleWaiters.unshift(...waiting);
        await this.sleep(this.idlePollMs);
        continue;
      }
      this.idleWaiters.unshift(...waiting);
      for (const row of rows) {
        const raw = raws.get(row.id);
        // Stopping: the claim runs out, and the next start takes it.
        if (this.stopping) continue;
        if (!raw) {
          // Claimed a moment ago, and no bytes: recorded since by another process (the row went with them, and this
          // changes nothing), or the bytes are missing — held, with why, rather than tried for ever.
          void this.deps.store
            .transaction(async (tx) => {
              await tx.mailSpool.postpone(row.id, { nextAttemptAt: row.receivedAt, error: 'its bytes are missing from the spool (mail_spool_raw)', hold: 'bytes-missing' });
              await noteHeldMail(this.deps, tx);
            })
            .catch((err: unknown) => this.options.logger?.error({ err, spoolId: row.id }, 'mail spool: cannot hold a mail without bytes'));
          continue;
        }
        this.busy.set(row.id, row.size);
        this.busyBytes += row.size;
        void this.record(row, raw).finally(() => {
          this.busy.delete(row.id);
          this.busyBytes -= row.size;
          this.wake();
        });
      }
    }
    // Stopping: the mails in hand finish (recorded, or left spooled).
    while (this.busy.size) await this.sleep(50);
  }

  /** Claim these mails for one more attempt each: the ids claimed, not those another drainer claimed meanwhile. */
  private async claim(picked: SpooledMail[], now: Date): Promise<Set<string>> {
    if (picked.length === 0) return new Set();
    // The claim does not wait for the disk: it counts attempts against a mail whose reading kills the process, and what a
    // dead process wrote is safe with the system; a power loss may forget a claim, and then no mail was to blame.
    const { result } = await this.deps.store.transactionCommitted(async (tx) => {
      const ids = new Set<string>();
      for (const attempts of new Set(picked.map((r) => r.attempts))) {
        const until = new Date(now.getTime() + this.retryDelay(attempts + 1)).toISOString();
        const of = picked.filter((r) => r.attempts === attempts).map((r) => r.id);
        for (const id of await tx.mailSpool.claim(of, attempts, now.toISOString(), until)) ids.add(id);
      }
      return ids;
    });
    return result;
  }

  /** Read and record one spooled mail; when that fails, it waits in the spool for its next attempt (or is held). */
  private async record(row: SpooledMail, raw: Buffer): Promise<void> {
    try {
      const { recorded, facts } = await this.readAndSubmit(row, raw);
      const result = await recorded;
      try {
        await afterRecorded(this.deps, this.actor, result, facts);
      } catch (err) {
        // Recorded: a reply that could not be threaded waits in the triage queue.
        this.options.logger?.warn({ err, report: result.report.id }, 'mail spool: reply not threaded');
      }
    } catch (err) {
      // Validation refuses it as it is: held at once. Anything else: tried again later, held after MAX_ATTEMPTS.
      const hold: HeldReason | null = err instanceof AppError && err.code === 'VALIDATION' ? 'refused' : row.attempts >= MAX_ATTEMPTS ? 'attempts' : null;
      const error = err instanceof Error ? err.message : String(err);
      this.options.logger?.error({ err, spoolId: row.id, attempts: row.attempts, hold }, hold ? 'mail spool: mail held for an operator (renkei spool)' : 'mail spool: mail not recorded; will try again');
      try {
        const change = { nextAttemptAt: new Date(this.deps.clock().getTime() + this.retryDelay(row.attempts)).toISOString(), error, hold };
        // Held: the alert to the team is queued with it, in one transaction.
        if (hold)
          await this.deps.store.transaction(async (tx) => {
            await tx.mailSpool.postpone(row.id, change);
            await noteHeldMail(this.deps, tx);
          });
        else await this.deps.store.mailSpool.postpone(row.id, change);
      } catch {
        // The database is away: the claim keeps the mail waiting until its retry time all the same (and the alert comes when it is held then).
      }
    }
  }

  /** Read a spooled mail and hand its report to the group committer; when the last mail being read is done, a group lingering for company begins. */
  private async readAndSubmit(row: SpooledMail, raw: Buffer): Promise<{ recorded: Promise<RecordedReport>; facts: MailFacts }> {
    this.reading++;
    try {
      const envelope = JSON.parse(row.envelope) as Envelope;
      const route = row.route ? (JSON.parse(row.route) as RouteTaken) : null;
      const { item, facts } = await readInbound(this.deps, raw, envelope, route);
      // Received when the listener took it, not when it was read (later, after an outage).
      if ('prepared' in item.input) item.input.prepared.input.receivedAt = row.receivedAt;
      // Mail the IMAP poller spooled is recorded as the poller's (the listener's own is the spool's actor).
      const byImap = envelope.remoteAddress?.startsWith('imap:') ? IMAP_ACTOR.id : undefined;
      return { recorded: this.committer.submit({ ...item, spoolId: row.id, ...(byImap ? { createdBy: byImap } : {}) }), facts };
    } finally {
      if (--this.reading === 0) this.committer.flush();
    }
  }

  /** How long a mail waits after its `attempts`-th attempt: 1 s, 2 s, 4 s … up to `maxRetryDelayMs`. */
  private retryDelay(attempts: number): number {
    return Math.min(1000 * 2 ** Math.max(0, attempts - 1), this.maxRetryDelayMs);
  }
}
