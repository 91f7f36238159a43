import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { recordReport } from '../../src/services/record-report.service.js';
import { getIncident } from '../../src/services/incident.service.js';
import { mergeIncidents } from '../../src/services/merge-split.service.js';
import { listIncidentObservables } from '../../src/services/observable.service.js';
import { attachReports, createIncidentFromReports, rejectReport } from '../../src/services/triage.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/** Concurrent writers on one thing: exactly one wins, the rest get a clear error, nothing is left inconsistent. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

let n = 0;
const report = async (body: string) => (await recordReport(h.deps, h.actor, { sourceRef: `c-${++n}`, subject: `c ${n}`, body })).report;

describe('concurrent triage', () => {
  it('lets exactly one of two triages of the same report win', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const r = await report(`race ${trial} at 198.51.100.${trial}`);
      const results = await Promise.allSettled([
        createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] }),
        createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] }),
      ]);
      const won = results.filter((x) => x.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
      const orphans = await sql<{ n: number }>`
        select count(*) as n from incident i
        where not exists (select 1 from report r where r.incident_id = i.id)
          and exists (select 1 from incident_observable io where io.incident_id = i.id)`.execute(h.database.db);
      expect(Number(orphans.rows[0]!.n)).toBe(0);
    }
  });

  // A rejected report may be triaged after all (see below), so the two run in some order and the state is that
  // order's: triage first, the rejection is refused; rejection first, the triage takes the report up again.
  // Which one locks first varies on PostgreSQL; either way the report ends in one consistent state.
  it('serialises a triage and a rejection of one report: never a rejected report on an incident', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const r = await report(`triage or reject ${trial}`);
      const [triage, rejection] = await Promise.allSettled([
        createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] }),
        rejectReport(h.deps, h.actor, r.id, { reason: 'spam' }),
      ]);
      expect(triage.status).toBe('fulfilled');
      const row = await sql<{ status: string; incident_id: string | null; reject_reason: string | null }>`
        select status, incident_id, reject_reason from report where id = ${r.id}`.execute(h.database.db);
      expect(row.rows[0]).toMatchObject({ status: 'triaged', incident_id: (triage as PromiseFulfilledResult<{ id: string }>).value.id, reject_reason: null });
      const actions = await sql<{ action: string }>`select action from timeline_entry where report_id = ${r.id} order by seq`.execute(h.database.db);
      if (rejection.status === 'rejected') {
        expect(rejection.reason).toMatchObject({ code: 'INVALID_TRANSITION' });
        expect(actions.rows.map((a) => a.action)).not.toContain('report.rejected');
      } else {
        // The rejection came first, and the triage after it is on the record as such.
        expect(actions.rows.map((a) => a.action)).toEqual(expect.arrayContaining(['report.rejected', 'report.attached']));
      }
    }
  });

  it('lets exactly one of a queue triage (onlyNew) and a rejection of one report win', async () => {
    for (let trial = 0; trial < 4; trial++) {
      const r = await report(`queue race ${trial}`);
      const results = await Promise.allSettled([
        createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id], onlyNew: true }),
        rejectReport(h.deps, h.actor, r.id, { reason: 'spam' }),
      ]);
      expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: { details: { reason: 'report-not-new' } } });
      const actions = await sql<{ action: string }>`select action from timeline_entry where report_id = ${r.id} and action <> 'report.received'`.execute(h.database.db);
      expect(actions.rows).toHaveLength(1);
    }
  });

  it('never attaches a report to an incident that is being merged away', async () => {
    const a = await report('merge target 192.0.2.10');
    const b = await report('merge source 192.0.2.11');
    const c = await report('late report 192.0.2.12');
    const target = await createIncidentFromReports(h.deps, h.actor, { reportIds: [a.id] });
    const source = await createIncidentFromReports(h.deps, h.actor, { reportIds: [b.id] });
    await Promise.allSettled([
      mergeIncidents(h.deps, h.actor, target.id, { sourceIncident: source.id }),
      attachReports(h.deps, h.actor, source.id, { reportIds: [c.id] }),
    ]);
    const closed = await getIncident(h.deps, h.actor, source.id);
    expect(closed.incident.mergedInto).toBe(target.id);
    expect(closed.reports).toEqual([]);
  });

  it('records reports naming the same observables in opposite orders side by side', async () => {
    const domains = Array.from({ length: 300 }, (_, i) => `host${i}.deadlock.example`);
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        recordReport(h.deps, h.actor, { sourceRef: `dl-${i}`, body: (i % 2 ? [...domains].reverse() : domains).join('\n') }),
      ),
    );
    expect(results.filter((x) => x.status === 'rejected')).toEqual([]);
  });

  it('answers a duplicate organisation name with CONFLICT, also when both arrive at once', async () => {
    const results = await Promise.allSettled([
      createOrganisation(h.deps, h.actor, { name: 'Twin ISP', kind: 'isp' }),
      createOrganisation(h.deps, h.actor, { name: 'twin isp', kind: 'isp' }),
    ]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
  });
});

describe('review regressions', () => {
  it('keeps the same text from two senders as two reports', async () => {
    const one = await recordReport(h.deps, h.actor, { channel: 'web-form', sender: 'alice@example.jp', body: 'same lure text' });
    const two = await recordReport(h.deps, h.actor, { channel: 'web-form', sender: 'bob@example.jp', body: 'same lure text' });
    expect(two.isNew).toBe(true);
    expect(two.report.id).not.toBe(one.report.id);
  });

  it('clears the rejection when a rejected report is triaged after all', async () => {
    const r = await report('rejected too early');
    await rejectReport(h.deps, h.actor, r.id, { reason: 'spam', note: 'looked like spam' });
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] });
    const detail = await getIncident(h.deps, h.actor, incident.id);
    expect(detail.reports[0]!.status).toBe('triaged');
    const row = await sql<{ reject_reason: string | null }>`select reject_reason from report where id = ${r.id}`.execute(h.database.db);
    expect(row.rows[0]!.reject_reason).toBeNull();
  });

  it('leaves no observables behind on an incident whose only report moved away', async () => {
    const r = await report('moving 203.0.113.99');
    const one = await createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] });
    const two = await createIncidentFromReports(h.deps, h.actor, { reportIds: [(await report('anchor')).id] });
    await attachReports(h.deps, h.actor, two.id, { reportIds: [r.id] });
    expect(await listIncidentObservables(h.deps, h.actor, one.id)).toEqual([]);
  });
});
