import { describe, expect, it } from 'vitest';
import { Ipv4IntervalIndex, Ipv6IntervalIndex, type IntervalInput } from './interval-index.js';

/** The specification, slowly: the smallest range containing the address; among equal sizes, the one added last. */
function brute<A extends number | bigint>(ranges: IntervalInput<A>[], address: A): number {
  let best = -1;
  let bestSize: A | null = null;
  ranges.forEach((r) => {
    if (r.first <= address && address <= r.last) {
      const size = (r.last as number) - (r.first as number);
      if (bestSize === null || size <= (bestSize as number)) {
        best = r.ref;
        bestSize = size as A;
      }
    }
  });
  return best;
}

function seeded(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('Ipv4IntervalIndex', () => {
  it('finds the most specific of nested ranges, and nothing in the gaps', () => {
    const ranges = [
      { first: 0x0a000000, last: 0x0affffff, ref: 1 }, // 10.0.0.0/8
      { first: 0x0a010000, last: 0x0a01ffff, ref: 2 }, // 10.1.0.0/16
      { first: 0x0a010100, last: 0x0a0101ff, ref: 3 }, // 10.1.1.0/24
      { first: 0xffffff00, last: 0xffffffff, ref: 4 }, // the very end of the space
    ];
    const index = new Ipv4IntervalIndex(ranges);
    expect(index.lookup(0x0a010105)).toBe(3);
    expect(index.lookup(0x0a010205)).toBe(2);
    expect(index.lookup(0x0a020000)).toBe(1);
    expect(index.lookup(0x0b000000)).toBe(-1);
    expect(index.lookup(0x09ffffff)).toBe(-1);
    expect(index.lookup(0xffffffff)).toBe(4);
    expect(new Ipv4IntervalIndex([]).lookup(1)).toBe(-1);
  });

  it('agrees with the brute-force answer on random nested and overlapping ranges', () => {
    const rnd = seeded(42);
    const ranges: IntervalInput<number>[] = [];
    for (let ref = 0; ref < 400; ref++) {
      const first = Math.floor(rnd() * 10_000);
      ranges.push({ first, last: first + Math.floor(rnd() * (rnd() < 0.2 ? 3000 : 200)), ref });
    }
    const index = new Ipv4IntervalIndex(ranges);
    for (let a = 0; a < 13_500; a += 7) expect(index.lookup(a), `address ${a}`).toBe(brute(ranges, a));
  });
});

describe('Ipv6IntervalIndex', () => {
  it('looks up 128-bit addresses across the 64-bit halves', () => {
    const p = (hex: string) => BigInt(`0x${hex}`);
    const ranges = [
      { first: p('20010db8000000000000000000000000'), last: p('20010db8ffffffffffffffffffffffff'), ref: 1 }, // 2001:db8::/32
      { first: p('20010db8000100000000000000000000'), last: p('20010db80001ffffffffffffffffffff'), ref: 2 }, // /48
      { first: p('20010db8000100000000000000000010'), last: p('20010db8000100000000000000000010'), ref: 3 }, // one /128
    ];
    const index = new Ipv6IntervalIndex(ranges);
    expect(index.lookup(p('20010db8000100000000000000000010'))).toBe(3);
    expect(index.lookup(p('20010db8000100000000000000000011'))).toBe(2);
    expect(index.lookup(p('20010db8000200000000000000000000'))).toBe(1);
    expect(index.lookup(p('20010db9000000000000000000000000'))).toBe(-1);
  });
});
