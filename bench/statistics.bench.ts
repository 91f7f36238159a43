import { sql, type Kysely } from 'kysely';
import { cpus } from 'node:os';
import { CATEGORIES } from '../src/domain/taxonomy.js';
import { BRAND_SECTORS } from '../src/domain/incident.js';
import { newId } from '../src/domain/ids.js';
import { quarterPeriod } from '../src/domain/statistics.js';
import { publicStatistics, quarterlyReport, quarterlyReportFile } from '../src/services/statistics.service.js';
import type { CoordinationTable, DB, IncidentTable, ReportTable, TakedownTable, TimelineTable } from '../src/store/schema.js';
import { defineBench, percentile, type BenchResult } from './lib.js';
import { incidentRow, onEachDatabase, seededRandom } from './workload.js';

const REPORTS = 1_000_000;
const INCIDENTS = 200_000;
const RUNS = 5;
/** Rows a multi-row INSERT at most (and under SQLite's 32,766 parameters a statement). */
const BATCH = 1000;

/**
 * Issue #7's target: recomputing the quarterly report over 1,000,000 reports
 * and 200,000 incidents in under 5 s, on SQLite and on PostgreSQL. The worst
 * case: every report and incident falls in the quarter measured (Q3 2026 in
 * JST), so every query of the report reads all of them. Loaded with bulk
 * inserts (benchmarks measure reads; the use cases are skipped on purpose).
 */
/** Load the fixed workload (seeded: the same rows every run) with multi-row inserts, then refresh the planner's statistics. */
export async function loadStatisticsWorkload(d: Kysely<DB>, dialect: 'sqlite' | 'postgres'): Promise<{ timelineRows: number; coordinationRows: number; takedownRows: number }> {
  const rand = seededRandom(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const q = quarterPeriod(2026, 3, 'Asia/Tokyo');
  const start = Date.parse(q.from);
  const span = Date.parse(q.to) - start - 3 * 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const incidentIds: string[] = new Array<string>(INCIDENTS);
  const createdAt: number[] = new Array<number>(INCIDENTS);
  let timelineRows = 0;
  let coordinationRows = 0;
  let takedownRows = 0;
  const insert = async <T>(tx: typeof d, table: 'incident' | 'report' | 'timeline_entry' | 'coordination' | 'takedown', rows: T[]) => {
    const per = Math.min(BATCH, Math.floor(30_000 / Math.max(1, Object.keys(rows[0] ?? {}).length)));
    for (let i = 0; i < rows.length; i += per) await tx.insertInto(table).values(rows.slice(i, i + per) as never).execute();
  };

  // 200,000 incidents (1 % exercises, 2 % merged, 1 % rejected), their coordinations, sites and timelines.
  for (let i = 0; i < INCIDENTS; i += 10_000) {
    await d.transaction().execute(async (tx) => {
      const incidents: IncidentTable[] = [];
      const timeline: Omit<TimelineTable, 'seq'>[] = [];
      const coordinations: CoordinationTable[] = [];
      const takedowns: TakedownTable[] = [];
      for (let k = i; k < i + 10_000; k++) {
        const id = newId();
        const at = start + Math.floor((k / INCIDENTS) * span);
        incidentIds[k] = id;
        createdAt[k] = at;
        const category = rand() < 0.4 ? 'phishing' : pick(CATEGORIES);
        const resolved = rand() < 0.5 ? at + Math.floor(rand() * 3 * 86_400_000) : null;
        const r = rand();
        incidents.push(
          incidentRow(id, k, iso(at), {
            category,
            status: r < 0.01 ? 'rejected' : resolved ? 'resolved' : pick(['new', 'open', 'waiting'] as const),
            merged_into: r >= 0.01 && r < 0.03 && k > 0 ? incidentIds[k - 1]! : null,
            exercise: rand() < 0.01 ? 1 : 0,
            reported_at: iso(at - Math.floor(rand() * 7_200_000)),
            resolved_at: resolved ? iso(resolved) : null,
            brand_sector: category === 'phishing' && rand() < 0.9 ? pick(BRAND_SECTORS) : null,
            brand_origin: category === 'phishing' && rand() < 0.9 ? pick(['domestic', 'foreign'] as const) : null,
          }),
        );
        const entry = (action: string, ms: number, changes: unknown) =>
          timeline.push({ id: newId(), incident_id: id, report_id: null, at: iso(ms), actor: 'bench', action, changes: JSON.stringify(changes), note: null });
        entry('incident.created', at, { after: { status: 'new' } });
        entry('note', at + 60_000, {});
        if (rand() < 0.6) {
          const sent = at + Math.floor(rand() * 86_400_000);
          const purpose = rand() < 0.15 ? 'reporter-update' : category === 'phishing' ? 'takedown' : 'notification';
          coordinations.push({
            id: newId(),
            incident_id: id,
            sequence: 1,
            purpose,
            state: 'sent',
            organisation_id: null,
            contact_email: 'abuse@hoster.example',
            contact_name: null,
            language: 'en',
            tlp: 'AMBER',
            defang: 1,
            encrypt: 0,
            subject: `[RK-2026-${k}-C1] Takedown request`,
            body: 'Please take the site down.',
            evidence: '[]',
            reminder_after_hours: 24,
            follow_ups_sent: 0,
            last_sent_at: iso(sent),
            last_reply_at: null,
            next_reminder_at: null,
            created_at: iso(sent - 60_000),
            created_by: 'bench',
            updated_at: iso(sent),
          });
          entry('coordination.sent', sent, { coordination: `C1`, to: 'abuse@hoster.example' });
        }
        if (category === 'phishing') {
          const sites = 1 + Math.floor(rand() * 2);
          for (let s = 0; s < sites; s++) {
            const down = rand() < 0.4 ? at + Math.floor(rand() * 2 * 86_400_000) : null;
            takedowns.push({
              id: newId(),
              incident_id: id,
              url: `https://login-${k}-${s}.phish.example/`,
              state: down ? 'down' : 'requested',
              reported_at: iso(at),
              requested_at: iso(at + 3_600_000),
              acknowledged_at: null,
              down_since: down ? iso(down) : null,
              verified_at: null,
              relapsed_at: null,
              last_verdict: null,
              last_check_at: null,
              created_by: 'bench',
            });
            if (down) entry('takedown.state', down, { url: `https://login-${k}-${s}.phish.example/`, state: { before: 'requested', after: 'down' } });
          }
        }
        if (resolved) entry('incident.status', resolved, { status: { before: 'open', after: 'resolved' }, resolvedAt: { before: null, after: iso(resolved) } });
      }
      await insert(tx, 'incident', incidents);
      await insert(tx, 'timeline_entry', timeline);
      await insert(tx, 'coordination', coordinations);
      await insert(tx, 'takedown', takedowns);
      timelineRows += timeline.length;
      coordinationRows += coordinations.length;
      takedownRows += takedowns.length;
    });
  }

  // 1,000,000 reports: nine in ten on an incident (about 4.5 each), the rest untriaged or rejected (a third as spam).
  const countries = ['JP', 'JP', 'JP', 'JP', 'JP', 'JP', 'US', 'DE', 'CN', null, null, null] as const;
  for (let i = 0; i < REPORTS; i += 20_000) {
    await d.transaction().execute(async (tx) => {
      const reports: ReportTable[] = [];
      for (let k = i; k < i + 20_000; k++) {
        const attached = rand() < 0.9;
        const n = Math.floor(rand() * INCIDENTS);
        const at = attached ? createdAt[n]! - Math.floor(rand() * 3_600_000) + 3_600_000 : start + Math.floor(rand() * span);
        const rejected = !attached && rand() < 0.3;
        reports.push({
          id: newId(),
          channel: pick(['email', 'email', 'email', 'web-form', 'api', 'feed', 'feed', 'phone'] as const),
          source_ref: `bench-${k}`,
          sender: null,
          sender_name: null,
          subject: null,
          body: 'bench',
          language: 'ja',
          received_at: iso(Math.max(start, at)),
          created_at: iso(Math.max(start, at)),
          created_by: 'bench',
          status: attached ? 'triaged' : rejected ? 'rejected' : 'new',
          reject_reason: rejected ? pick(['spam', 'out-of-scope', 'duplicate'] as const) : null,
          reject_note: null,
          duplicate_of: null,
          incident_id: attached ? incidentIds[n]! : null,
          tlp: 'AMBER',
          meta: '{}',
          raw_sha256: null,
          raw_size: null,
          reporter_country: pick(countries),
          reply_to: null,
        });
      }
      await insert(tx, 'report', reports);
    });
  }
  // Fresh planner statistics (and, on PostgreSQL, the visibility map), as autovacuum leaves them after a load.
  if (dialect === 'postgres') await sql`vacuum analyze`.execute(d);
  else await sql`analyze`.execute(d);
  return { timelineRows, coordinationRows, takedownRows };
}

export default defineBench({
  name: 'statistics',
  async run() {
    return onEachDatabase(async (db, actor, name) => {
      const t0 = performance.now();
      const { timelineRows, coordinationRows, takedownRows } = await loadStatisticsWorkload(db.container.database.db, name);
      const loadSeconds = (performance.now() - t0) / 1000;

      const deps = db.container.deps;
      const samples: number[] = [];
      let report = await quarterlyReport(deps, actor, { year: 2026, quarter: 3 });
      for (let run = 0; run < RUNS; run++) {
        const t = performance.now();
        report = await quarterlyReport(deps, actor, { year: 2026, quarter: 3 });
        samples.push(performance.now() - t);
      }
      const tFiles = performance.now();
      await quarterlyReportFile(deps, actor, { year: 2026, quarter: 3 }, 'csv', 'ja');
      await quarterlyReportFile(deps, actor, { year: 2026, quarter: 3 }, 'html', 'en');
      const filesMs = (performance.now() - tFiles) / 2;
      deps.settings.statistics = { country: 'JP', publicStatus: true };
      deps.clock = () => new Date('2026-09-20T03:00:00Z');
      const tPublic = performance.now();
      await publicStatistics(deps);
      const publicMs = performance.now() - tPublic;

      const workload = `${REPORTS.toLocaleString('en')} reports and ${INCIDENTS.toLocaleString('en')} incidents all in the quarter (${report.reports.total.toLocaleString('en')} reports and ${report.incidents.total.toLocaleString('en')} incidents counted), ${timelineRows.toLocaleString('en')} timeline entries, ${coordinationRows.toLocaleString('en')} coordinations, ${takedownRows.toLocaleString('en')} sites; loaded in ${loadSeconds.toFixed(0)} s; ${RUNS} runs after a warm-up; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}`;
      const results: BenchResult[] = [
        { metric: `quarterly report, median of ${RUNS} (${name})`, value: percentile(samples, 50) / 1000, unit: 's', target: '< 5', workload },
        { metric: `quarterly report, slowest (${name})`, value: Math.max(...samples) / 1000, unit: 's', target: '< 5', workload: 'same' },
        { metric: `quarterly report as CSV or HTML (${name})`, value: filesMs / 1000, unit: 's', target: '< 5', workload: 'same, computed again and written' },
        { metric: `public status page, uncached (${name})`, value: publicMs / 1000, unit: 's', target: '-', workload: 'same; three weeks of reports' },
      ];
      return results;
    });
  },
});
