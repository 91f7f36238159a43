import { Ipv4IntervalIndex, Ipv6IntervalIndex, type IntervalInput } from '../domain/interval-index.js';
import { parseAddress } from '../domain/ip-range-index.js';
import type { StoredRegistryRange } from '../store/repositories/registry.repository.js';
import type { Store } from '../store/store.js';


/** The imported registry ranges in memory: one binary search a lookup (see domain/interval-index.ts). */
export class RegistryLookup {
  constructor(
    private readonly v4: Ipv4IntervalIndex,
    private readonly v6: Ipv6IntervalIndex,
    private readonly rows: StoredRegistryRange[],
  ) {}

  get size(): number {
    return this.rows.length;
  }

  /** The most specific imported range containing the address, or undefined. */
  lookup(ip: string): StoredRegistryRange | undefined {
    const a = parseAddress(ip);
    if (!a) return undefined;
    const ref = a.family === 4 ? this.v4.lookup(a.value) : this.v6.lookup(a.value);
    return ref < 0 ? undefined : this.rows[ref];
  }

  static build(rows: StoredRegistryRange[]): RegistryLookup {
    const v4: IntervalInput<number>[] = [];
    const v6: IntervalInput<bigint>[] = [];
    rows.forEach((r, ref) => {
      if (r.family === 4) v4.push({ first: r.first as number, last: r.last as number, ref });
      else v6.push({ first: r.first as bigint, last: r.last as bigint, ref });
    });
    return new RegistryLookup(new Ipv4IntervalIndex(v4), new Ipv6IntervalIndex(v6), rows);
  }
}

/** Rebuilt when the registry version in the database moves (an import, by any process); checked at most once per `recheckMs`. */
export class RegistryIndex {
  private lookup: RegistryLookup | undefined;
  private version = -1;
  private checkedAt = 0;
  private building: Promise<RegistryLookup> | undefined;

  constructor(
    private readonly recheckMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  invalidate(): void {
    this.checkedAt = 0;
  }

  async get(store: Store): Promise<RegistryLookup> {
    if (this.lookup && this.now() - this.checkedAt < this.recheckMs) return this.lookup;
    this.building ??= this.refresh(store).finally(() => (this.building = undefined));
    return this.building;
  }

  private async refresh(store: Store): Promise<RegistryLookup> {
    const version = await store.registry.version();
    this.checkedAt = this.now();
    if (this.lookup && version === this.version) return this.lookup;
    const rows: StoredRegistryRange[] = [];
    for await (const page of store.registry.all()) for (const r of page) rows.push(r);
    this.lookup = RegistryLookup.build(rows);
    this.version = version;
    return this.lookup;
  }
}
