/**
 * Most-specific-range lookup over a large, static set of address ranges
 * (registry data: a million inetnum / inet6num ranges that nest and overlap).
 *
 * Built once: the ranges are flattened into disjoint segments, each naming
 * the most specific range that covers it (the smallest; among equals, the
 * one added last), in sorted typed arrays. A lookup is one binary search —
 * no allocation, a few hundred nanoseconds — where a per-prefix hash probe
 * (ip-range-index.ts) would need the ranges split into CIDRs first.
 */

/** An IPv4 range as unsigned 32-bit numbers, or an IPv6 range as 128-bit bigints; `ref` says what it is. */
export interface IntervalInput<A extends number | bigint> {
  first: A;
  last: A;
  ref: number;
}

const NONE = -1;

interface Active<A> {
  last: A;
  ref: number;
  size: A;
  order: number;
}

/** A binary min-heap of the open ranges, smallest first; among equal sizes the one added last. */
class Heap<A extends number | bigint> {
  readonly items: Active<A>[] = [];
  #before(a: Active<A>, b: Active<A>): boolean {
    return a.size < b.size || (a.size === b.size && a.order > b.order);
  }
  push(x: Active<A>): void {
    const h = this.items;
    h.push(x);
    for (let i = h.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.#before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): void {
    const h = this.items;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#before(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#before(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/**
 * Flatten ranges into disjoint segments `[starts[i], starts[i+1])`, each with
 * the most specific covering ref (NONE for gaps): a sweep over every range's
 * first address and the address after its last, with the open ranges in a
 * heap ordered by size.
 */
function flatten<A extends number | bigint>(ranges: IntervalInput<A>[], one: A, sub: (a: A, b: A) => A, add: (a: A, b: A) => A): { starts: A[]; refs: number[] } {
  const order = ranges.map((_, i) => i).sort((a, b) => (ranges[a]!.first < ranges[b]!.first ? -1 : ranges[a]!.first > ranges[b]!.first ? 1 : a - b));
  const ends = ranges.map((r) => add(r.last, one)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const starts: A[] = [];
  const refs: number[] = [];
  const heap = new Heap<A>();
  let i = 0;
  let j = 0;
  while (i < order.length || j < ends.length) {
    // The next boundary: the smaller of the next start and the next end.
    const nextStart = i < order.length ? ranges[order[i]!]!.first : null;
    const nextEnd = j < ends.length ? ends[j]! : null;
    const point = nextStart !== null && (nextEnd === null || nextStart <= nextEnd) ? nextStart : nextEnd!;
    while (i < order.length && ranges[order[i]!]!.first === point) {
      const r = ranges[order[i]!]!;
      heap.push({ last: r.last, ref: r.ref, size: sub(r.last, r.first), order: order[i]! });
      i++;
    }
    while (j < ends.length && ends[j] === point) j++;
    while (heap.items.length && heap.items[0]!.last < point) heap.pop();
    const ref = heap.items.length ? heap.items[0]!.ref : NONE;
    if (refs.length === 0 ? ref !== NONE : refs[refs.length - 1] !== ref) {
      starts.push(point);
      refs.push(ref);
    }
  }
  return { starts, refs };
}

/** IPv4: starts in a Uint32Array (Float64 math avoids sign trouble), refs in an Int32Array. */
export class Ipv4IntervalIndex {
  readonly #starts: Uint32Array;
  readonly #refs: Int32Array;

  constructor(ranges: IntervalInput<number>[]) {
    const flat = flatten(
      ranges,
      1,
      (a, b) => a - b,
      (a, b) => a + b,
    );
    // A segment starting at 2^32 (after a range ending at 255.255.255.255) cannot be looked up: drop it.
    const keep = flat.starts.findIndex((s) => s > 0xffffffff);
    const n = keep === -1 ? flat.starts.length : keep;
    this.#starts = Uint32Array.from(flat.starts.slice(0, n));
    this.#refs = Int32Array.from(flat.refs.slice(0, n));
  }

  get segments(): number {
    return this.#starts.length;
  }

  /** The ref of the most specific range containing `address` (an unsigned 32-bit number), or -1. */
  lookup(address: number): number {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    if (hi < 0 || address < starts[0]!) return NONE;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= address) lo = mid;
      else hi = mid - 1;
    }
    return this.#refs[lo]!;
  }
}

const MASK64 = (1n << 64n) - 1n;

/** IPv6: 128-bit starts as two BigUint64Arrays (high and low halves). */
export class Ipv6IntervalIndex {
  readonly #hi: BigUint64Array;
  readonly #lo: BigUint64Array;
  readonly #refs: Int32Array;

  constructor(ranges: IntervalInput<bigint>[]) {
    const flat = flatten(
      ranges,
      1n,
      (a, b) => a - b,
      (a, b) => a + b,
    );
    const n = flat.starts.findIndex((s) => s > (1n << 128n) - 1n);
    const count = n === -1 ? flat.starts.length : n;
    this.#hi = new BigUint64Array(count);
    this.#lo = new BigUint64Array(count);
    for (let i = 0; i < count; i++) {
      this.#hi[i] = flat.starts[i]! >> 64n;
      this.#lo[i] = flat.starts[i]! & MASK64;
    }
    this.#refs = Int32Array.from(flat.refs.slice(0, count));
  }

  get segments(): number {
    return this.#refs.length;
  }

  lookup(address: bigint): number {
    const ahi = address >> 64n;
    const alo = address & MASK64;
    const le = (i: number) => this.#hi[i]! < ahi || (this.#hi[i] === ahi && this.#lo[i]! <= alo);
    let lo = 0;
    let hi = this.#refs.length - 1;
    if (hi < 0 || !le(0)) return NONE;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (le(mid)) lo = mid;
      else hi = mid - 1;
    }
    return this.#refs[lo]!;
  }
}
