import type { Actor } from '../domain/actor.js';
import type { ServiceDeps } from './deps.js';
import { recordChannelReportsCommitted, type ChannelItem, type RecordedReport } from './record-report.service.js';

/**
 * Reports from a channel are written in groups: while one transaction is
 * committing, new arrivals queue, and the next transaction takes them all
 * (up to `maxBatch`, after lingering a few milliseconds for company). Each
 * caller's promise settles only after the transaction holding its report is
 * committed and on disk — durability is unchanged, one disk sync serves many
 * messages, and the next group is written while the last one syncs.
 */
export class GroupCommitter {
  private queue: { item: ChannelItem; resolve: (r: RecordedReport) => void; reject: (e: unknown) => void }[] = [];
  private isFlushing = false;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly actor: Actor,
    private readonly maxBatch = 64,
    /** How long a commit waits for company. The commit's disk sync blocks the event loop (SQLite), so without a pause nothing else could arrive. */
    private readonly lingerMs = 3,
  ) {}

  submit(item: ChannelItem): Promise<RecordedReport> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.isFlushing) return;
    this.isFlushing = true;
    try {
      while (this.queue.length) {
        if (this.queue.length < this.maxBatch) await new Promise((r) => setTimeout(r, this.lingerMs));
        const batch = this.queue.splice(0, this.maxBatch);
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
    } finally {
      this.isFlushing = false;
    }
  }
}
