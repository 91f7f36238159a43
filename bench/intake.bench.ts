import { recordReport, recordReports } from '../src/services/record-report.service.js';
import type { ReportCreateInput } from '../src/domain/report.js';
import { defineBench, type BenchResult } from './lib.js';
import { onEachDatabase, reportText, seededRandom } from './workload.js';

const REPORTS = 20_000;
const BATCH = 200;

/**
 * Report intake with extraction, correlation and indexing: batches of 200
 * through `recordReports` (one transaction per batch, synchronous=FULL on
 * SQLite), then single reports through `recordReport` (one commit each).
 */
export default defineBench({
  name: 'intake',
  async run() {
    return onEachDatabase(async (db, actor, name) => {
      const results: BenchResult[] = [];
      const rand = seededRandom(7);
      const inputs: ReportCreateInput[] = Array.from({ length: REPORTS }, (_, i) => ({
        channel: 'email',
        sourceRef: `<bench-${i}@example.jp>`,
        ...reportText(rand, i),
      }));
      const bytes = inputs.reduce((n, r) => n + Buffer.byteLength(r.body), 0);
      const t0 = performance.now();
      for (let i = 0; i < inputs.length; i += BATCH) {
        const out = await recordReports(db.container.deps, actor, inputs.slice(i, i + BATCH));
        if (out.some((r) => !r.ok)) throw new Error('a bench report was refused');
      }
      const seconds = (performance.now() - t0) / 1000;
      results.push({
        metric: `report insert, batched (${name})`,
        value: Math.round(REPORTS / seconds),
        unit: 'reports/s',
        target: name === 'sqlite' ? '>= 1000' : '-',
        workload: `${REPORTS} reports of ${Math.round(bytes / REPORTS)} B mixed ja/en text with URLs, IPs, hashes; batches of ${BATCH}; extraction + correlation + search index`,
      });
      const singles = 500;
      const t1 = performance.now();
      for (let i = 0; i < singles; i++)
        await recordReport(db.container.deps, actor, { channel: 'api', sourceRef: `single-${i}`, ...reportText(rand, REPORTS + i) });
      results.push({
        metric: `report insert, one commit each (${name})`,
        value: Math.round(singles / ((performance.now() - t1) / 1000)),
        unit: 'reports/s',
        target: '-',
        workload: `${singles} reports after ${REPORTS}, each its own durable transaction`,
      });
      return results;
    });
  },
});
