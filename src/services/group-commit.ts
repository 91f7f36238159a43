import type { Actor } from '../domain/actor.js';
import type { ServiceDeps } from './deps.js';
import { recordChannelReportsCommitted, type ChannelItem, type RecordedReport } from './record-report.service.js';

/**
 * Writes in groups: while a transaction is being written, new arrivals
 * queue, and the next transaction takes them all (up to `maxBatch`, after
 * lingering a few milliseconds for company). Each caller's promise settles
 * only after the transaction holding its item is committed and on disk —
 * durability is unchanged, one disk sync serves many items, and the next
 * group is written while the last one syncs.
 */
export class GroupWriter<T, R> {
  private queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private writing = 0;
  private lingering: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly writeGroup: (batch: T[]) => Promise<{ results: (({ ok: true } & R) | { ok: false; error: unknown })[]; durable: Promise<void> }>,
    private readonly options: {
      maxBatch: number;
      /** How long a group waits for company before its transaction begins. */
      lingerMs: number;
      /** Groups written at once. */
      groupsAtOnce: number;
      /** Whether more items are on their way (default: always): a group lingers for company only then. */
      companyComing?: () => boolean;
    },
  ) {}

  get groupsAtOnce(): number {
    return this.options.groupsAtOnce;
  }

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  /**
   * No more company is coming (the caller has nothing else on the way): a
   * group lingering already begins now instead of waiting out its linger
   * (one not yet begun does not linger: see `companyComing`).
   */
  flush(): void {
    if (this.lingering === undefined) return;
    clearTimeout(this.lingering);
    this.lingering = undefined;
    this.begin();
  }

  /** Begin a group when a writer is free: at once when a full group waits, else after lingering. */
  private next(): void {
    // A full group does not wait out the linger.
    if (this.lingering !== undefined && this.queue.length >= this.options.maxBatch) return this.flush();
    if (this.lingering !== undefined || this.writing >= this.options.groupsAtOnce || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatch || this.options.companyComing?.() === false) return this.begin();
    this.lingering = setTimeout(() => {
      this.lingering = undefined;
      this.begin();
    }, this.options.lingerMs);
  }

  private begin(): void {
    const batch = this.queue.splice(0, this.options.maxBatch);
    if (batch.length === 0) return;
    this.writing++;
    void this.write(batch).finally(() => {
      this.writing--;
      this.next();
    });
    this.next();
  }

  private async write(batch: GroupWriter<T, R>['queue']): Promise<void> {
    try {
      const { results, durable } = await this.writeGroup(batch.map((b) => b.item));
      // Committed: the next group may begin while this one's disk sync runs; its callers hear only once it is on disk.
      durable.then(
        () => results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r) : batch[i]!.reject(r.error))),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      );
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}

/**
 * Reports from a channel, recorded in groups (`GroupWriter`).
 *
 * SQLite has one writer: one group is written at a time. PostgreSQL writes
 * several groups at once on separate connections: a group's statements wait
 * on network round trips, not on the database's single lock, so one group
 * at a time left the transaction the slowest step of intake (30 ms a group
 * of four). Two groups may lock the same observable rows in opposite order;
 * the database then aborts one, the store retries it (db-errors.ts), and a
 * group that still fails is written item by item.
 */
export class GroupCommitter extends GroupWriter<ChannelItem, RecordedReport> {
  constructor(deps: ServiceDeps, actor: Actor, maxBatch = 64, lingerMs = 3, options: { groupsAtOnce?: number; companyComing?: () => boolean } = {}) {
    super((batch) => recordChannelReportsCommitted(deps, actor, batch), {
      maxBatch,
      lingerMs,
      /** 1 on SQLite (one writer), 3 on PostgreSQL. */
      groupsAtOnce: options.groupsAtOnce ?? (deps.store.dialect === 'postgres' ? 3 : 1),
      ...(options.companyComing ? { companyComing: options.companyComing } : {}),
    });
  }
}
