import type { ReportCreateInput } from '../src/domain/report.js';
import { recordReports } from '../src/services/record-report.service.js';
import { search } from '../src/services/search.service.js';
import { defineBench, percentile, type BenchResult } from './lib.js';
import { onEachDatabase, reportText, seededRandom } from './workload.js';

const REPORTS = 100_000;
const PLANTED = 10;
const RUNS = 50;

/** What is planted, and how each plant is embedded in an ordinary report. */
const PLANTS = [
  { query: 'https://secure-login.example-bank.com.evil.example/jp/', text: (b: string) => `${b}\n転送されたメールのリンク: https://secure-login.example-bank.com.evil.example/jp/ です。` },
  { query: '198.51.100.23', text: (b: string) => `${b}\n2026-11-25T14:40:00Z src=198.51.100.23 dst=10.0.0.5 dport=443` },
  { query: '偽サイト', text: (b: string) => `${b}\n銀行の偽サイトに誘導されたとのことです。` },
  { query: '詐欺', text: (b: string) => `${b}\n投資詐欺の勧誘メッセージも含まれていました。` },
];

/**
 * Full-text search on 100,000 reports (mixed ja/en, near-misses such as 偽の,
 * サイトの, 詐称 everywhere) with a URL, an IP address, 偽サイト and 詐欺
 * planted in known reports' bodies. Recall must be 100%; latency is the whole
 * search use case (both lists, counts, snippets).
 */
export default defineBench({
  name: 'search',
  async run() {
    return onEachDatabase(async (db, actor, name) => {
      const results: BenchResult[] = [];
      const rand = seededRandom(3);
      const plantedAt = new Map<number, number>();
      for (let p = 0; p < PLANTS.length; p++)
        for (let k = 0; k < PLANTED; k++) plantedAt.set(Math.floor(((p * PLANTED + k) * REPORTS) / (PLANTS.length * PLANTED)) + 17 + p, p);
      const expected: string[][] = PLANTS.map(() => []);
      const t0 = performance.now();
      for (let i = 0; i < REPORTS; i += 500) {
        const batch: ReportCreateInput[] = [];
        for (let n = i; n < Math.min(REPORTS, i + 500); n++) {
          const { subject, body } = reportText(rand, n);
          const p = plantedAt.get(n);
          const noisy = n % 7 === 0 ? `${body}\nなりすまし（詐称）の可能性があります。` : body;
          batch.push({ channel: 'email', sourceRef: `<s-${n}@example.jp>`, subject, body: p === undefined ? noisy : PLANTS[p]!.text(noisy) });
        }
        const out = await recordReports(db.container.deps, actor, batch);
        out.forEach((r, j) => {
          const p = plantedAt.get(i + j);
          if (r.ok && p !== undefined) expected[p]!.push(r.report.id);
        });
      }
      const loadSeconds = (performance.now() - t0) / 1000;
      const samples: number[] = [];
      let found = 0;
      let wanted = 0;
      for (let run = 0; run < RUNS + 5; run++) {
        for (let p = 0; p < PLANTS.length; p++) {
          const t = performance.now();
          const res = await search(db.container.deps, actor, { q: PLANTS[p]!.query, kind: 'report', limit: 50 });
          if (run >= 5) samples.push(performance.now() - t);
          if (run === 0) {
            const ids = new Set(res.reports.items.map((x) => x.item.id));
            wanted += expected[p]!.length;
            found += expected[p]!.filter((id) => ids.has(id)).length;
            if (res.reports.total !== expected[p]!.length)
              console.warn(`${name}: "${PLANTS[p]!.query}" found ${res.reports.total}, planted ${expected[p]!.length}`);
          }
        }
      }
      const workload = `${REPORTS.toLocaleString('en')} reports (~750 B, mixed ja/en, near-misses); ${PLANTED} planted each: URL, IP, 偽サイト, 詐欺; ${RUNS} runs per query`;
      results.push(
        { metric: `search recall (${name})`, value: (100 * found) / wanted, unit: '%', target: '= 100', workload },
        { metric: `search p50 (${name})`, value: percentile(samples, 50), unit: 'ms', target: '-', workload },
        { metric: `search p95 (${name})`, value: percentile(samples, 95), unit: 'ms', target: '< 50', workload },
        { metric: `load via recordReports (${name})`, value: Math.round(REPORTS / loadSeconds), unit: 'reports/s', target: '-', workload: 'batches of 500' },
      );
      return results;
    });
  },
});
