import { IpRangeIndex } from '../domain/ip-range-index.js';
import type { Store } from '../store/store.js';

/** A contact's public key, with whose it is (to name the signer of a signed report). */
export type ContactKey = Awaited<ReturnType<Store['organisations']['contactKeys']>>[number];

/**
 * The directory in memory: its IP ranges, for longest-prefix owner lookups
 * at hundreds of thousands per second, and its contacts' public keys, for
 * every signed or encrypted report. Each is re-read when the directory
 * version in the database moves (any process may have changed it); the
 * version is read at most once per `recheckMs`, and at once after a change
 * made here.
 */
export class DirectoryIndex {
  private index: IpRangeIndex<string> | undefined;
  private version = -1;
  private checkedAt = 0;
  private building: Promise<IpRangeIndex<string>> | undefined;
  private keys: { version: number; checkedAt: number; list: ContactKey[] } | undefined;

  constructor(
    private readonly recheckMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Forget the cached version, so the next lookup re-reads it. */
  invalidate(): void {
    this.checkedAt = 0;
    if (this.keys) this.keys.checkedAt = 0;
  }

  /** The contacts' public keys (only the IP index is built by `get`; these are read apart, when a PGP mail asks). */
  async contactKeys(store: Store): Promise<ContactKey[]> {
    const now = this.now();
    if (this.keys && now - this.keys.checkedAt < this.recheckMs) return this.keys.list;
    const version = await store.organisations.version();
    if (this.keys?.version === version) this.keys.checkedAt = now;
    else this.keys = { version, checkedAt: now, list: await store.organisations.contactKeys() };
    return this.keys.list;
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
