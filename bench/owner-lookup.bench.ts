/**
 * "Who owns this address?" — longest-prefix match over a directory-sized set of ranges.
 *
 * Workload (fixed seed): 500,000 ranges, 90% IPv4 (/8–/29, most nested inside 2,000
 * /8–/16 allocations, as RIR and ISP data nest) and 10% IPv6 (/32 allocations
 * with /40–/64 customers); then 1,000,000 lookups, 90% IPv4 and 10% IPv6, about 60%
 * inside a known range and the rest uniformly random (mostly misses).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IpRangeIndex } from '../src/domain/ip-range-index.js';
import { defineBench, seededRandom, type BenchResult } from './lib.js';

const RANGES = 500_000;
const LOOKUPS = 1_000_000;
const V6_SHARE = 0.1;

interface Range {
  family: 4 | 6;
  network: bigint;
  prefixLength: number;
}

const v4Text = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const v6Text = (n: bigint) => {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((n >> shift) & 0xffffn).toString(16));
  return groups.join(':');
};
const text = (family: 4 | 6, n: bigint) => (family === 4 ? v4Text(Number(n)) : v6Text(n));

function generate(seed: number): { cidrs: string[]; lookups: string[] } {
  const next = seededRandom(seed);
  const int = (below: number) => Math.floor(next() * below);
  const bigRandom = (bits: number) => {
    let v = 0n;
    for (let b = 0; b < bits; b += 16) v = (v << 16n) | BigInt(int(0x10000));
    return v & ((1n << BigInt(bits)) - 1n);
  };
  const block = (family: 4 | 6, network: bigint, prefixLength: number, childLength: number): Range => {
    const bits = family === 4 ? 32 : 128;
    const inner = bigRandom(childLength - prefixLength) << BigInt(bits - childLength);
    return { family, network: network | inner, prefixLength: childLength };
  };

  const ranges: Range[] = [];
  const v4Parents: Range[] = [];
  for (let i = 0; i < 2_000; i++) {
    // A few /8s, the rest /10–/16: together about a quarter of the space, so random addresses often miss.
    const prefixLength = i < 8 ? 8 : 10 + int(7);
    const parent = block(4, 0n, 0, prefixLength);
    v4Parents.push(parent);
    ranges.push(parent);
  }
  const v6Parents: Range[] = [];
  for (let i = 0; i < 2_000; i++) {
    // 2000::/3, global unicast.
    const parent = block(6, 1n << 125n, 3, 32);
    v6Parents.push(parent);
    ranges.push(parent);
  }
  const v6Target = Math.round(RANGES * V6_SHARE);
  while (ranges.length < RANGES) {
    if (ranges.length < RANGES - v6Target + v6Parents.length) {
      if (next() < 0.8) {
        // Nested: /24 is the most common assignment, as in real delegations.
        const parent = v4Parents[int(v4Parents.length)]!;
        const wanted = next() < 0.4 ? 24 : 17 + int(13);
        ranges.push(block(4, parent.network, parent.prefixLength, Math.max(wanted, parent.prefixLength + 1)));
      } else {
        ranges.push(block(4, 0n, 0, 20 + int(10)));
      }
    } else {
      const parent = v6Parents[int(v6Parents.length)]!;
      ranges.push(block(6, parent.network, 32, [40, 48, 48, 56, 64][int(5)]!));
    }
  }

  const lookups: string[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const family: 4 | 6 = next() < V6_SHARE ? 6 : 4;
    const bits = family === 4 ? 32 : 128;
    if (next() < 0.6) {
      let range: Range;
      do range = ranges[int(ranges.length)]!;
      while (range.family !== family);
      const host = bigRandom(bits - range.prefixLength);
      lookups.push(text(family, range.network | host));
    } else {
      lookups.push(text(family, family === 4 ? bigRandom(32) : (1n << 125n) | bigRandom(125)));
    }
  }
  const cidrs = ranges.map((r) => `${text(r.family, r.network)}/${r.prefixLength}`);
  return { cidrs, lookups };
}

/** A real collection between heap readings, without asking for `--expose-gc` on the command line. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
}

export default defineBench({
  name: 'owner-lookup',
  async run(): Promise<BenchResult[]> {
    const { cidrs, lookups } = generate(42);
    const workload = `${RANGES.toLocaleString('en')} ranges (10% IPv6), ${LOOKUPS.toLocaleString('en')} lookups, seed 42`;

    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const buildStart = performance.now();
    const index = new IpRangeIndex<number>();
    for (let i = 0; i < cidrs.length; i++) index.add(cidrs[i]!, i);
    const buildMs = performance.now() - buildStart;
    collectGarbage();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;

    // Warm up the JIT on a slice, then time the whole run.
    for (let i = 0; i < 100_000; i++) index.lookup(lookups[i]!);
    let hits = 0;
    let covering = 0;
    const start = performance.now();
    for (let i = 0; i < lookups.length; i++) {
      const found = index.lookup(lookups[i]!);
      if (found !== undefined) {
        hits++;
        covering += found.covering.length;
      }
    }
    const seconds = (performance.now() - start) / 1000;

    const v6Lookups = lookups.filter((ip) => ip.includes(':'));
    const v6Start = performance.now();
    for (const ip of v6Lookups) index.lookup(ip);
    const v6Seconds = (performance.now() - v6Start) / 1000;

    const hitShare = `${Math.round((hits / lookups.length) * 100)}% hit, ${(covering / Math.max(hits, 1)).toFixed(1)} covering/hit`;
    return [
      { metric: 'owner lookup', value: Math.round(lookups.length / seconds), unit: 'lookups/s', target: '> 200000', workload: `${workload}; ${hitShare}` },
      { metric: 'owner lookup, IPv6 only', value: Math.round(v6Lookups.length / v6Seconds), unit: 'lookups/s', target: '-', workload: `${v6Lookups.length.toLocaleString('en')} IPv6 lookups of the same run` },
      { metric: 'index build', value: Math.round(buildMs), unit: 'ms', target: '-', workload: `${index.size.toLocaleString('en')} ranges added` },
      { metric: 'index heap', value: Math.round(heapMb), unit: 'MB', target: '-', workload: 'heap used after build minus before, after full GC' },
    ];
  },
});
