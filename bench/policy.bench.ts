import { sql } from 'kysely';
import type { Actor, Role } from '../src/domain/actor.js';
import { systemActor } from '../src/domain/actor.js';
import { newId } from '../src/domain/ids.js';
import { TLP_LABELS } from '../src/domain/tlp.js';
import { createAccount } from '../src/services/auth/account.service.js';
import { actorOf, signIn } from '../src/services/auth/session.service.js';
import { listIncidents } from '../src/services/incident.service.js';
import { createOrganisation } from '../src/services/organisation.service.js';
import type { IncidentTable } from '../src/store/schema.js';
import { defineBench, percentile, type BenchResult } from './lib.js';
import { benchDatabases, incidentRow, insertIncidentRows, openBenchDb, seededRandom } from './workload.js';

const INCIDENTS = 100_000;
const RUNS = 300;
const CONSTITUENCIES = ['finance', 'gov', 'telecom', 'energy', null];

/**
 * The cost of the access policy: list the newest 50 of 100,000 incidents as
 * the system (no policy) and as each kind of user (the policy's SQL in the
 * query), and the cost of a password sign-in (argon2id).
 */
export default defineBench({
  name: 'policy',
  async run() {
    const results: BenchResult[] = [];
    for (const name of await benchDatabases()) {
      const db = await openBenchDb(name);
      try {
        const deps = db.container.deps;
        const system = systemActor('bench');
        const partnerOrg = (await createOrganisation(deps, system, { name: 'Partner', kind: 'csirt' })).id;
        const rand = seededRandom(9);
        const at0 = Date.parse('2026-01-01T00:00:00Z');
        const incidents: IncidentTable[] = [];
        await db.container.database.db.transaction().execute(async (tx) => {
          for (let i = 0; i < INCIDENTS; i += 1000) {
            const rows = [];
            for (let k = i; k < i + 1000; k++) {
              const row = incidentRow(newId(), k, new Date(at0 + k * 60_000).toISOString(), {
                tlp: TLP_LABELS[Math.floor(rand() * TLP_LABELS.length)]!,
                constituency: CONSTITUENCIES[Math.floor(rand() * CONSTITUENCIES.length)]!,
              });
              incidents.push(row);
              rows.push(row);
            }
            await insertIncidentRows(tx, rows);
          }
          // A tenth shared with the partner; a share carries copies of its incident's created_at, tlp and merged_into (as setShares writes them).
          const shares = incidents
            .filter((_, k) => k % 10 === 0)
            .map(({ id, created_at, tlp, merged_into }) => ({ incident_id: id, organisation_id: partnerOrg, created_at, tlp, merged_into }));
          for (let i = 0; i < shares.length; i += 1000) await tx.insertInto('incident_share').values(shares.slice(i, i + 1000)).execute();
        });
        if (name === 'postgres') await sql`analyze`.execute(db.container.database.db);
        const make = async (roles: Role[], extra: { constituencies?: string[]; organisationId?: string } = {}): Promise<Actor> => {
          const { account } = await createAccount(deps, system, {
            email: `${roles.join('-')}-${newId().slice(-6)}@bench.example`,
            displayName: roles.join('/'),
            roles,
            password: 'correct horse battery staple',
            ...extra,
          });
          return actorOf(account, '127.0.0.1');
        };
        const who: [string, Actor][] = [
          ['no policy (system)', system],
          ['lead', await make(['lead'])],
          ['handler, 2 constituencies', await make(['handler'], { constituencies: ['finance', 'gov'] })],
          ['partner (shared only)', await make(['partner'], { organisationId: partnerOrg })],
        ];
        const timings = new Map<string, number[]>(who.map(([k]) => [k, []]));
        for (let r = 0; r < RUNS + 20; r++)
          for (const [key, actor] of who) {
            const t = performance.now();
            await listIncidents(deps, actor, {}, { by: 'createdAt', direction: 'desc' }, { limit: 50, offset: 0 });
            if (r >= 20) timings.get(key)!.push(performance.now() - t);
          }
        const base = percentile(timings.get('no policy (system)')!, 50);
        const workload = `${INCIDENTS.toLocaleString('en')} incidents (random TLP and constituency, 10% shared), newest 50 with total count; ${RUNS} runs`;
        for (const [key] of who) {
          const p50 = percentile(timings.get(key)!, 50);
          results.push({ metric: `list 50, ${key}, p50 (${name})`, value: p50, unit: 'ms', target: '-', workload });
          if (key !== 'no policy (system)')
            results.push({ metric: `policy cost, ${key} (${name})`, value: p50 - base, unit: 'ms', target: '< 1', workload: 'p50 difference to no policy' });
        }
        const signIns: number[] = [];
        await make(['auditor'], {}).then(async (a) => {
          const account = await deps.store.accounts.findById(a.id);
          for (let i = 0; i < 12; i++) {
            const t = performance.now();
            await signIn(deps, { email: account!.email, password: 'correct horse battery staple' }, { ip: null, userAgent: null });
            signIns.push(performance.now() - t);
          }
        });
        results.push({
          metric: `sign-in with password, p50 (${name})`,
          value: percentile(signIns.slice(2), 50),
          unit: 'ms',
          target: '< 500',
          workload: 'argon2id m=19 MiB t=2 p=1, 10 sign-ins after 2 warm-up',
        });
      } finally {
        await db.dispose();
      }
    }
    return results;
  },
});
