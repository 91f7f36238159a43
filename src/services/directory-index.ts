import { IpRangeIndex } from '../domain/ip-range-index.js';
import type { Store } from '../store/store.js';

/**
 * The directory's IP ranges in memory, for longest-prefix owner lookups at
 * hundreds of thousands per second. Rebuilt when the directory version in
 * the database moves (any process may have changed it); the version is read
 * at most once per `recheckMs`, and at once after a change made here.
 */
export class DirectoryIndex {
  private index: IpRangeIndex<string> | undefined;
  private version = -1;
  private checkedAt = 0;
  private building: Promise<IpRangeIndex<string>> | undefined;

  constructor(
    private readonly recheckMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forget the cached version, so the next lookup re-reads it. */
  invalidate(): void {
    this.checkedAt = 0;
  }

  async get(store: Store): Promise<IpRangeIndex<string>> {
    if (this.index && this.now() - this.checkedAt < this.recheckMs) return this.index;
    this.building ??= this.refresh(store).finally(() => (this.building = undefined));
    return this.building;
  }

  private async refresh(store: Store): Promise<IpRangeIndex<string>> {
    const version = await store.organisations.version();
    this.checkedAt = this.now();
    if (this.index && version === this.version) return this.index;
    const index = new IpRangeIndex<string>();
    for (const { organisationId, value } of await store.organisations.ipRanges()) index.add(value, organisationId);
    this.index = index;
    this.version = version;
    return index;
  }
}
