/**
 * Abuse-contact resolution against a full imported registry, in process.
 *
 * Workload (fixed seed): 1,000,000 registry ranges as RIR data nests them —
 * 90% IPv4 (8,000 allocations of /12–/20, the rest assignments of /22–/29
 * inside them, ranges not always CIDR-aligned) and 10% IPv6 (/29–/32
 * allocations with /40–/56 assignments) — then 100,000 lookups (90% IPv4),
 * 70% inside an imported range, the rest random. Measures the lookup the
 * resolution service does (text address → most specific range → its row).
 */
import { RegistryLookup } from '../src/services/registry-index.js';
import type { StoredRegistryRange } from '../src/store/repositories/registry.repository.js';
import { defineBench, seededRandom } from './lib.js';

const RANGES = 1_000_000;
const LOOKUPS = 100_000;

const v4Text = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
const v6Text = (n: bigint) => {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((n >> shift) & 0xffffn).toString(16));
  return groups.join(':');
};

function generate(seed: number): { rows: StoredRegistryRange[]; lookups: string[] } {
  const next = seededRandom(seed);
  const int = (below: number) => Math.floor(next() * below);
  const row = (family: 4 | 6, first: number | bigint, last: number | bigint, i: number): StoredRegistryRange => ({
    source: 'bench',
    family,
    first,
    last,
    netname: `NET-${i}`,
    orgName: null,
    country: 'JP',
    abuseEmail: `abuse${i % 5000}@isp.example`,
    registry: 'apnic',
  });
  const rows: StoredRegistryRange[] = [];
  const v4Parents: { first: number; size: number }[] = [];
  for (let i = 0; i < 8000; i++) {
    const size = 2 ** (32 - (12 + int(9)));
    const first = Math.floor((int(0xffffffff) + 1) / size) * size;
    v4Parents.push({ first, size });
    rows.push(row(4, first, first + size - 1, rows.length));
  }
  const v6Parents: bigint[] = [];
  for (let i = 0; i < 2000; i++) {
    const first = (0x2001n << 112n) | (BigInt(int(0x10000)) << 96n);
    v6Parents.push(first);
    rows.push(row(6, first, first | ((1n << 96n) - 1n), rows.length));
  }
  while (rows.length < RANGES) {
    if (next() < 0.9) {
      const p = v4Parents[int(v4Parents.length)]!;
      const size = Math.min(p.size, next() < 0.15 ? 100 + int(900) : 2 ** (32 - (22 + int(8))));
      const first = p.first + Math.floor(int(p.size - size + 1) / 4) * 4;
      rows.push(row(4, first, first + size - 1, rows.length));
    } else {
      const p = v6Parents[int(v6Parents.length)]!;
      const len = [40, 48, 48, 56][int(4)]!;
      const first = p | (BigInt(int(0x10000)) << BigInt(128 - len));
      rows.push(row(6, first, first | ((1n << BigInt(128 - len)) - 1n), rows.length));
    }
  }
  const lookups: string[] = [];
  for (let i = 0; i < LOOKUPS; i++) {
    const r = next() < 0.7 ? rows[int(rows.length)]! : null;
    const v6 = r ? r.family === 6 : next() < 0.1;
    if (v6) lookups.push(v6Text(r ? (r.first as bigint) + BigInt(int(1000)) : (0x2001n << 112n) | BigInt(int(0x7fffffff)) << 64n));
    else lookups.push(v4Text(r ? Math.min(r.last as number, (r.first as number) + int(64)) : int(0xffffffff)));
  }
  return { rows, lookups };
}

export default defineBench({
  name: 'abuse-contact',
  async run() {
    const { rows, lookups } = generate(20261125);
    const heapBefore = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const index = RegistryLookup.build(rows);
    const buildMs = performance.now() - t0;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    let found = 0;
    for (let i = 0; i < 10_000; i++) if (index.lookup(lookups[i]!)) found++; // warm-up
    found = 0;
    const t1 = performance.now();
    for (const ip of lookups) if (index.lookup(ip)?.abuseEmail) found++;
    const seconds = (performance.now() - t1) / 1000;
    const workload = `${RANGES.toLocaleString('en')} nested registry ranges (90% IPv4), ${LOOKUPS.toLocaleString('en')} lookups, ${Math.round((found / LOOKUPS) * 100)}% found`;
    return [
      { metric: 'abuse-contact lookup (registry)', value: Math.round(LOOKUPS / seconds), unit: 'lookups/s', target: '>= 200000', workload },
      { metric: 'registry index build', value: Math.round(buildMs), unit: 'ms', target: '-', workload: `${RANGES.toLocaleString('en')} ranges flattened into disjoint segments` },
      { metric: 'registry index heap', value: Math.round(heapMb), unit: 'MB', target: '-', workload: 'heap used after build minus before (rows held by the caller not counted)' },
    ];
  },
});
