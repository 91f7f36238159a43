import type { Actor } from '../domain/actor.js';
import type { ServiceDeps } from './deps.js';
import { recordChannelReportsCommitted, type ChannelItem, type RecordedReport } from './record-report.service.js';

/**
 * Reports from a channel are written in groups: while a transaction is
 * being written, new arrivals queue, and the next transaction takes them all
 * (up to `maxBatch`, after lingering a few milliseconds for company). Each
 * caller's promise settles only after the transaction holding its report is
 * committed and on disk — durability is unchanged, one disk sync serves many
 * messages, and the next group is written while the last one syncs.
 *
 * SQLite has one writer: one group is written at a time. PostgreSQL writes
 * several groups at once on separate connections: a group's statements wait
 * on network round trips, not on the database's single lock, so one group
 * at a time left the transaction the slowest step of intake (30 ms a group
 * of four). Two groups may lock the same observable rows in opposite order;
 * the database then aborts one, the store retries it (db-errors.ts), and a
 * group that still fails is written mail by mail.
 */
export class GroupCommitter {
  private queue: { item: ChannelItem; resolve: (r: RecordedReport) => void; reject: (e: unknown) => void }[] = [];
  private writing = 0;
  private lingering = false;
  /** Groups written at once: 1 on SQLite (one writer), 3 on PostgreSQL. */
  readonly groupsAtOnce: number;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly actor: Actor,
    private readonly maxBatch = 64,
    /** How long a group waits for company before its transaction begins. */
    private readonly lingerMs = 3,
    groupsAtOnce?: number,
  ) {
    this.groupsAtOnce = groupsAtOnce ?? (deps.store.dialect === 'postgres' ? 3 : 1);
  }

  submit(item: ChannelItem): Promise<RecordedReport> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  /** Begin a group when a writer is free: at once when a full group waits, else after lingering. */
  private next(): void {
    if (this.lingering || this.writing >= this.groupsAtOnce || this.queue.length === 0) return;
    const begin = () => {
      this.lingering = false;
      const batch = this.queue.splice(0, this.maxBatch);
      if (batch.length === 0) return;
      this.writing++;
      void this.write(batch).finally(() => {
        this.writing--;
        this.next();
      });
      this.next();
    };
    if (this.queue.length >= this.maxBatch) return begin();
    this.lingering = true;
    setTimeout(begin, this.lingerMs);
  }

  private async write(batch: GroupCommitter['queue']): Promise<void> {
    try {
      const { results, durable } = await recordChannelReportsCommitted(
        this.deps,
        this.actor,
        batch.map((b) => b.item),
      );
      // Committed: the next group may begin while this one's disk sync runs; its senders hear only once it is on disk.
      durable.then(
        () => results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r) : batch[i]!.reject(r.error))),
        (err: unknown) => batch.forEach((b) => b.reject(err)),
      );
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}
