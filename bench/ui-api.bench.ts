import { sql } from 'kysely';
import { cpus } from 'node:os';
import { systemActor } from '../src/domain/actor.js';
import { newId } from '../src/domain/ids.js';
import { INCIDENT_STATUSES } from '../src/domain/incident-lifecycle.js';
import { TLP_LABELS } from '../src/domain/tlp.js';
import { buildApp } from '../src/http/app.js';
import { createToken } from '../src/services/auth/token.service.js';
import type { ReportTable, TimelineTable } from '../src/store/schema.js';
import { defineBench, percentile, type BenchResult } from './lib.js';
import { incidentRow, insertIncidentRows, onEachDatabase, randomHex, seededRandom } from './workload.js';

const INCIDENTS = 100_000;
const OBSERVABLES = 1_000_000;
/** Each incident's own observables (900,000 in all); the other 100,000 are shared between incidents. */
const OWN = 9;
const SHARED = OBSERVABLES - INCIDENTS * OWN;
/** Shared observables per incident, picked at random from the shared pool. */
const SHARED_PER_INCIDENT = 2;
/** One observable (a sinkhole address, say) sits in every tenth incident: the worst case for "seen in N other incidents". */
const HOT_EVERY = 10;
const TIMELINE_PER_INCIDENT = 5;
const SAMPLED = 200;
const BATCH = 1000;

const LISTS: { name: string; url: (number: string) => string }[] = [
  { name: 'GET /api/incidents?limit=50 (list, first page)', url: () => '/api/incidents?limit=50' },
  // The list's other orders and the dashboard's filtered lists: each must find its rows by an index,
  // without planner statistics on SQLite (Renkei never runs ANALYZE there).
  { name: 'list, sort=updatedAt desc', url: () => '/api/incidents?limit=50&sort=updatedAt&direction=desc' },
  { name: 'list, sort=number asc', url: () => '/api/incidents?limit=50&sort=number&direction=asc' },
  { name: 'list, sort=title asc', url: () => '/api/incidents?limit=50&sort=title&direction=asc' },
  { name: 'list, sort=slaDueAt asc (SLA due soon)', url: () => '/api/incidents?limit=50&sort=slaDueAt&direction=asc' },
  { name: 'list, status=new (awaiting work)', url: () => '/api/incidents?limit=50&status=new' },
  { name: 'list, page 20 (offset 950)', url: () => '/api/incidents?limit=50&offset=950' },
];
/** An incident page's three calls. */
const PAGE: { name: string; url: (number: string) => string }[] = [
  { name: 'GET /api/incidents/:id', url: (n) => `/api/incidents/${n}` },
  { name: 'GET /api/incidents/:id/timeline', url: (n) => `/api/incidents/${n}/timeline` },
  { name: 'GET /api/incidents/:id/observables', url: (n) => `/api/incidents/${n}/observables` },
];
const SCREENS = [...LISTS, ...PAGE];

/**
 * What the handlers' web app asks for, measured through the HTTP layer
 * (app.inject: routing, authentication by API token, the access policy,
 * serialisation) on 100,000 incidents and 1,000,000 observables: the
 * incident list's first page, and an incident page's three calls.
 * The target of issue #5: each under 100 ms at p95.
 */
export default defineBench({
  name: 'ui-api',
  async run() {
    return onEachDatabase(async (db, actor, name) => {
      const results: BenchResult[] = [];
      const d = db.container.database.db;
      const rand = seededRandom(5);
      const at0 = Date.parse('2025-06-01T00:00:00Z');
      const iso = (ms: number) => new Date(ms).toISOString();
      const incidentIds: string[] = [];
      const numbers: string[] = [];
      const isRed: boolean[] = [];
      const t0 = performance.now();

      // Incidents, one report each, and their timelines.
      await d.transaction().execute(async (tx) => {
        for (let i = 0; i < INCIDENTS; i += BATCH) {
          const incidents = [];
          const reports: ReportTable[] = [];
          const timeline: Omit<TimelineTable, 'seq'>[] = [];
          for (let k = i; k < i + BATCH; k++) {
            const id = newId();
            const at = at0 + k * 5 * 60_000;
            incidentIds.push(id);
            const row = incidentRow(id, k, iso(at), {
              title: `フィッシングサイトの報告 ${k}`,
              status: INCIDENT_STATUSES[Math.floor(rand() * INCIDENT_STATUSES.length)]!,
              tlp: TLP_LABELS[Math.floor(rand() * TLP_LABELS.length)]!,
              updated_at: iso(at + Math.floor(rand() * 90 * 86_400_000)),
              // Two in five have an SLA clock running.
              sla_due_at: rand() < 0.4 ? iso(at + Math.floor(rand() * 7 * 86_400_000)) : null,
            });
            numbers.push(row.number);
            isRed.push(row.tlp === 'RED');
            incidents.push(row);
            const reportId = newId();
            reports.push({
              id: reportId,
              channel: 'email',
              source_ref: `<r-${k}@bench.example>`,
              sender: `reporter${k % 5000}@example.jp`,
              sender_name: null,
              subject: `偽サイトの報告 #${k}`,
              body: `偽サイトを見つけました。https://login-${k}.example.com/ を確認してください。`,
              language: 'ja',
              received_at: iso(at - 60_000),
              created_at: iso(at - 60_000),
              created_by: 'bench',
              status: 'triaged',
              reject_reason: null,
              reject_note: null,
              duplicate_of: null,
              incident_id: id,
              tlp: 'AMBER',
              meta: '{}',
              raw_sha256: null,
              raw_size: null,
              reporter_country: 'JP',
              reply_to: null,
            });
            for (let e = 0; e < TIMELINE_PER_INCIDENT; e++)
              timeline.push({
                id: newId(),
                incident_id: id,
                report_id: e === 0 ? reportId : null,
                at: iso(at + e * 600_000),
                actor: 'bench',
                action: e === 0 ? 'report.triaged' : e === 1 ? 'incident.created' : 'note',
                changes: e === 1 ? JSON.stringify({ after: { status: 'new' } }) : '{}',
                note: e > 1 ? `経過メモ ${e}: 事業者に連絡済み。` : null,
              });
          }
          await insertIncidentRows(tx, incidents);
          await tx.insertInto('report').values(reports).execute();
          // SQLite takes at most 32,766 parameters a statement.
          for (let t = 0; t < timeline.length; t += 2000) await tx.insertInto('timeline_entry').values(timeline.slice(t, t + 2000)).execute();
        }
      });

      // 1,000,000 observables: nine of each incident's own, and a shared pool.
      const observableIds: string[] = new Array<string>(OBSERVABLES);
      await d.transaction().execute(async (tx) => {
        for (let i = 0; i < OBSERVABLES; i += BATCH) {
          const rows = [];
          for (let k = i; k < Math.min(OBSERVABLES, i + BATCH); k++) {
            const id = newId();
            observableIds[k] = id;
            const kind = k % 3;
            const value =
              kind === 0
                ? `${10 + (k % 200)}.${(k >> 8) & 255}.${(k >> 16) & 255}.${k & 255}`
                : kind === 1
                  ? `host-${k}.example.net`
                  : `https://login-${k}.example.com/${randomHex(rand, 8)}/`;
            rows.push({ id, type: kind === 0 ? 'ipv4' : kind === 1 ? 'domain' : 'url', value, is_private: 0, first_seen_at: iso(at0), last_seen_at: iso(at0) });
          }
          await tx.insertInto('observable').values(rows).execute();
        }
      });

      // Links: each incident (and its report) to its own nine, two from the pool, and every tenth to the hot one.
      const hot = observableIds[INCIDENTS * OWN]!;
      let links = 0;
      await d.transaction().execute(async (tx) => {
        for (let i = 0; i < INCIDENTS; i += BATCH / 10) {
          const io: { incident_id: string; observable_id: string; is_manual: number }[] = [];
          for (let k = i; k < i + BATCH / 10; k++) {
            const set = new Set<string>();
            for (let o = 0; o < OWN; o++) set.add(observableIds[k * OWN + o]!);
            for (let s = 0; s < SHARED_PER_INCIDENT; s++) set.add(observableIds[INCIDENTS * OWN + 1 + Math.floor(rand() * (SHARED - 1))]!);
            if (k % HOT_EVERY === 0) set.add(hot);
            for (const observable_id of set) io.push({ incident_id: incidentIds[k]!, observable_id, is_manual: 0 });
          }
          links += io.length;
          await tx.insertInto('incident_observable').values(io).execute();
        }
      });
      const reportIds = await d.selectFrom('report').select(['id', 'incident_id']).execute();
      const reportOf = new Map(reportIds.map((r) => [r.incident_id!, r.id]));
      await d.transaction().execute(async (tx) => {
        for (let i = 0; i < INCIDENTS; i += BATCH / 10) {
          const ids = incidentIds.slice(i, i + BATCH / 10);
          const rows = await tx.selectFrom('incident_observable').select(['incident_id', 'observable_id']).where('incident_id', 'in', ids).execute();
          await tx
            .insertInto('report_observable')
            .values(rows.map((r) => ({ report_id: reportOf.get(r.incident_id)!, observable_id: r.observable_id })))
            .execute();
        }
      });
      // Fresh statistics on PostgreSQL, as autovacuum leaves them. Not on SQLite: Renkei never runs
      // ANALYZE there, so the plans measured are the ones a team's SQLite database gets.
      if (name === 'postgres') await sql`analyze`.execute(d);
      const loadSeconds = (performance.now() - t0) / 1000;

      const { token } = await createToken(db.container.deps, systemActor('bench'), actor.id, { name: 'bench', scopes: ['read'] });
      const app = await buildApp({ deps: db.container.deps, ping: () => db.container.database.ping() });
      try {
        const get = async (url: string) => {
          const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
          if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
          return res;
        };
        // Incidents spread over the whole range, a tenth of them holding the hot observable; TLP:RED ones
        // are left out (a lead sees them only when on their access list).
        const sample = Array.from({ length: SAMPLED }, (_, j) => {
          let k = Math.floor((j * INCIDENTS) / SAMPLED) + (j % HOT_EVERY === 0 ? 0 : 1);
          while (isRed[k]) k += j % HOT_EVERY === 0 ? HOT_EVERY : 1;
          return numbers[k]!;
        });
        for (let w = 0; w < 10; w++) for (const s of SCREENS) await get(s.url(sample[w]!));
        const workload = `${INCIDENTS.toLocaleString('en')} incidents, ${INCIDENTS.toLocaleString('en')} reports, ${OBSERVABLES.toLocaleString('en')} observables (${links.toLocaleString('en')} incident links; one in every ${HOT_EVERY}th incident), ${(INCIDENTS * TIMELINE_PER_INCIDENT).toLocaleString('en')} timeline entries; as a lead via app.inject with an API token; ${SAMPLED} requests each; ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}`;
        const page: number[] = [];
        for (const s of SCREENS) {
          const samples: number[] = [];
          let bytes = 0;
          for (const n of sample) {
            const t = performance.now();
            const res = await get(s.url(n));
            samples.push(performance.now() - t);
            bytes += res.rawPayload.length;
          }
          results.push(
            { metric: `${s.name} p50 (${name})`, value: percentile(samples, 50), unit: 'ms', target: '-', workload },
            { metric: `${s.name} p95 (${name})`, value: percentile(samples, 95), unit: 'ms', target: '< 100', workload: `mean response ${Math.round(bytes / samples.length).toLocaleString('en')} B` },
          );
        }
        // The incident page as the browser loads it: its three calls at once.
        for (const n of sample) {
          const t = performance.now();
          await Promise.all(PAGE.map((s) => get(s.url(n))));
          page.push(performance.now() - t);
        }
        results.push(
          { metric: `incident page, 3 calls in parallel, p50 (${name})`, value: percentile(page, 50), unit: 'ms', target: '-', workload: 'detail + timeline + observables' },
          { metric: `incident page, 3 calls in parallel, p95 (${name})`, value: percentile(page, 95), unit: 'ms', target: '< 100', workload: 'detail + timeline + observables' },
          { metric: `load, direct inserts (${name})`, value: Math.round(loadSeconds), unit: 's', target: '-', workload: 'incidents, reports, timeline, observables, links' },
        );
      } finally {
        await app.close();
      }
      return results;
    });
  },
});
