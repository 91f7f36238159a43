import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One figure, in the shape DESIGN.md §4 fixes for `bench/results/NAME.json`. */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  /** The target as text, e.g. ">= 50 MB/s" or "< 5 ms". */
  target: string;
  workload: string;
}

export interface Bench {
  name: string;
  run(): Promise<BenchResult[]>;
}

export const defineBench = (bench: Bench): Bench => bench;

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

export function report(name: string, results: BenchResult[]): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  const rows = results.map((r) => [r.metric, formatValue(r.value), r.unit, r.target, r.workload]);
  const header = ['metric', 'value', 'unit', 'target', 'workload'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(`\n## ${name}\n`);
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of rows) console.log(line(row));
}

const formatValue = (v: number): string =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);

/** Percentile of a list of samples (nearest-rank). */
export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

/** Deterministic PRNG (mulberry32) so every run generates the same workload. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
