import { sql, type Kysely } from 'kysely';
import { newId } from '../src/domain/ids.js';
import { findSightings, listIncidentObservables } from '../src/services/observable.service.js';
import type { DB } from '../src/store/schema.js';
import { defineBench, percentile, type BenchResult } from './lib.js';
import { incidentRow, insertIncidentRows, onEachDatabase, seededRandom } from './workload.js';

const INCIDENTS = 100_000;
const OBSERVABLES = 1_000_000;
/** Each incident has 10 observables of its own and 2 from a shared "hot" set, so sharing exists. */
const OWN = 10;
const HOT = 10_000;
const LOOKUPS = 2_000;

const ipOf = (n: number) => `${21 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/**
 * "Where else has this been seen" on 1,000,000 observables across 100,000
 * incidents. The data is bulk-loaded (this measures the lookup, not intake);
 * each lookup is the whole use case a handler calls: detect the type of the
 * pasted value, find the observable, list incidents and reports sharing it.
 */
export default defineBench({
  name: 'correlation',
  async run() {
    return onEachDatabase(async (db, actor, name) => {
      const results: BenchResult[] = [];
      const loadStart = performance.now();
      const incidentIds = await load(db.container.database.db);
      const loadSeconds = (performance.now() - loadStart) / 1000;
      if (name === 'postgres') await sql`analyze`.execute(db.container.database.db);
      const rand = seededRandom(11);
      const deps = db.container.deps;
      const samples: number[] = [];
      for (let i = 0; i < LOOKUPS + 200; i++) {
        // One in five lookups is a hot (widely shared) observable.
        const n = rand() < 0.2 ? Math.floor(rand() * HOT) : HOT + Math.floor(rand() * (OBSERVABLES - HOT));
        const t = performance.now();
        const seen = await findSightings(deps, actor, ipOf(n), 50);
        if (i >= 200) samples.push(performance.now() - t);
        if (seen.incidentTotal < 1) throw new Error('an observable was not found');
      }
      const perIncident: number[] = [];
      for (let i = 0; i < 300; i++) {
        const id = incidentIds[Math.floor(rand() * incidentIds.length)]!;
        const t = performance.now();
        await listIncidentObservables(deps, actor, id);
        perIncident.push(performance.now() - t);
      }
      const workload = `${OBSERVABLES.toLocaleString('en')} observables, ${INCIDENTS.toLocaleString('en')} incidents, ${(INCIDENTS * (OWN + 2)).toLocaleString('en')} links; ${LOOKUPS} lookups, 20% hot`;
      results.push(
        { metric: `where else seen p50 (${name})`, value: percentile(samples, 50), unit: 'ms', target: '-', workload },
        { metric: `where else seen p99 (${name})`, value: percentile(samples, 99), unit: 'ms', target: '< 5', workload },
        {
          metric: `incident observables with seen-elsewhere counts p99 (${name})`,
          value: percentile(perIncident, 99),
          unit: 'ms',
          target: '-',
          workload: `300 incidents of 12 observables each, same data`,
        },
        { metric: `bulk load (${name})`, value: loadSeconds, unit: 's', target: '-', workload },
      );
      return results;
    });
  },
});

async function load(db: Kysely<DB>): Promise<string[]> {
  const at = '2026-11-01T00:00:00.000Z';
  const observableIds: string[] = new Array<string>(OBSERVABLES);
  const CHUNK = 2_000;
  await db.transaction().execute(async (tx) => {
    for (let i = 0; i < OBSERVABLES; i += CHUNK) {
      const rows = [];
      for (let n = i; n < Math.min(OBSERVABLES, i + CHUNK); n++) {
        observableIds[n] = newId();
        rows.push({ id: observableIds[n]!, type: 'ipv4', value: ipOf(n), is_private: 0, first_seen_at: at, last_seen_at: at });
      }
      await tx.insertInto('observable').values(rows).execute();
    }
  });
  const incidentIds: string[] = [];
  const rand = seededRandom(5);
  await db.transaction().execute(async (tx) => {
    const per = 500;
    for (let i = 0; i < INCIDENTS; i += per) {
      const incidents = [];
      const links: { incident_id: string; observable_id: string; is_manual: number }[] = [];
      for (let k = i; k < Math.min(INCIDENTS, i + per); k++) {
        const id = newId();
        incidentIds.push(id);
        incidents.push(incidentRow(id, k, at, { status: k % 3 === 0 ? 'closed' : 'open' }));
        // Own observables: the non-hot range split evenly; two hot ones drawn at random.
        const ownStart = HOT + Math.floor((k * (OBSERVABLES - HOT)) / INCIDENTS);
        const ownEnd = HOT + Math.floor(((k + 1) * (OBSERVABLES - HOT)) / INCIDENTS);
        const chosen = new Set<number>();
        for (let n = ownStart; n < ownEnd; n++) chosen.add(n);
        while (chosen.size < ownEnd - ownStart + 2) chosen.add(Math.floor(rand() * HOT));
        for (const n of chosen) links.push({ incident_id: id, observable_id: observableIds[n]!, is_manual: 0 });
      }
      await insertIncidentRows(tx, incidents);
      for (let j = 0; j < links.length; j += CHUNK) await tx.insertInto('incident_observable').values(links.slice(j, j + CHUNK)).execute();
    }
  });
  return incidentIds;
}
