import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { recordReport } from '../../src/services/record-report.service.js';
import { getReport } from '../../src/services/report.service.js';
import {
  changeIncidentStatus,
  createIncident,
  getIncident,
  listIncidents,
  updateIncident,
} from '../../src/services/incident.service.js';
import { mergeIncidents, splitIncident } from '../../src/services/merge-split.service.js';
import { listIncidentObservables } from '../../src/services/observable.service.js';
import { addTimelineNote, getTimeline } from '../../src/services/timeline.service.js';
import { attachReports, createIncidentFromReports, rejectReport, rejectReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

let n = 0;
const report = async (body: string, subject = `report ${++n}`) =>
  (await recordReport(h.deps, h.actor, { sourceRef: `t-${++n}`, subject, body })).report;

describe('triage', () => {
  it('creates an incident from a report, numbered per year, with the report on its timeline', async () => {
    const r = await report('Defaced page at https://www.example.go.jp/index.html by 203.0.113.9', 'Web改ざんの報告');
    const incident = await createIncidentFromReports(h.deps, h.actor, {
      reportIds: [r.id],
      category: 'defacement',
      severity: 'high',
      tlp: 'AMBER',
      fiveW1H: { detectedAt: '2026-11-25T09:00:00+09:00', affectedAssets: 'www.example.go.jp' },
    });
    expect(incident.number).toMatch(/^RK-2026-\d{6}$/);
    expect(incident.title).toBe('Web改ざんの報告');
    expect(incident.status).toBe('new');
    expect(incident.fiveW1H.detectedAt).toBe('2026-11-25T00:00:00.000Z');
    expect(incident.fiveW1H.reportedAt).toBe(r.receivedAt);
    const detail = await getIncident(h.deps, h.actor, incident.number);
    expect(detail.reports.map((x) => x.id)).toEqual([r.id]);
    const timeline = (await getTimeline(h.deps, h.actor, incident.id)).items;
    expect(timeline.map((e) => e.action)).toEqual(['incident.created', 'report.triaged', 'task.added']);
    const obs = await listIncidentObservables(h.deps, h.actor, incident.id);
    expect(obs.map((o) => o.value)).toContain('203.0.113.9');
    const view = await getReport(h.deps, h.actor, r.id);
    expect(view.report.status).toBe('triaged');
    expect(view.report.incidentId).toBe(incident.id);
  });

  it('numbers incidents sequentially and uniquely under concurrent creation', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createIncident(h.deps, h.actor, { title: `concurrent ${i}` })));
    const seqs = created.map((i) => Number(i.number.split('-')[2])).sort((a, b) => a - b);
    expect(new Set(seqs).size).toBe(20);
    expect(seqs[19]! - seqs[0]!).toBe(19);
  });

  it('refuses to create an incident from a report that is already on one', async () => {
    const r = await report('one');
    await createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] });
    await expect(createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('leaves nothing half-written when one report of many is unknown', async () => {
    const r = await report('partial');
    const before = await sql<{ n: number }>`select count(*) as n from incident`.execute(h.database.db);
    const counter = await sql<{ last: number }>`select last from incident_counter`.execute(h.database.db);
    await expect(
      createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id, '01234567-89ab-7def-8123-456789abcdef'] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const after = await sql<{ n: number }>`select count(*) as n from incident`.execute(h.database.db);
    expect(Number(after.rows[0]!.n)).toBe(Number(before.rows[0]!.n));
    expect((await sql<{ last: number }>`select last from incident_counter`.execute(h.database.db)).rows).toEqual(counter.rows);
    expect((await getReport(h.deps, h.actor, r.id)).report.status).toBe('new');
  });

  it('attaches a report to an existing incident, and moves one from another incident', async () => {
    const a = await report('first 198.51.100.1');
    const b = await report('second 198.51.100.2');
    const one = await createIncidentFromReports(h.deps, h.actor, { reportIds: [a.id] });
    const two = await createIncidentFromReports(h.deps, h.actor, { reportIds: [b.id] });
    await attachReports(h.deps, h.actor, one.number, { reportIds: [b.id] });
    expect((await getIncident(h.deps, h.actor, one.id)).reports.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect((await getIncident(h.deps, h.actor, two.id)).reports).toEqual([]);
    expect((await listIncidentObservables(h.deps, h.actor, two.id)).map((o) => o.value)).not.toContain('198.51.100.2');
    expect((await getTimeline(h.deps, h.actor, two.id)).items.map((e) => e.action)).toContain('report.detached');
  });

  it('rejects a report with a reason and keeps it', async () => {
    const r = await report('buy cheap watches');
    const rejected = await rejectReport(h.deps, h.actor, r.id, { reason: 'spam', note: 'advertising' });
    expect(rejected.status).toBe('rejected');
    expect(rejected.rejectReason).toBe('spam');
    await expect(rejectReport(h.deps, h.actor, r.id, { reason: 'spam' })).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    await expect(rejectReport(h.deps, h.actor, r.id, { reason: 'nonsense' as never })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('two handlers on one queue', () => {
  const incidentCount = async () => Number((await sql<{ n: number }>`select count(*) as n from incident`.execute(h.database.db)).rows[0]!.n);
  const actions = async (reportId: string) =>
    (await sql<{ action: string }>`select action from timeline_entry where report_id = ${reportId} order by seq`.execute(h.database.db)).rows.map((r) => r.action);

  it('refuses, with onlyNew, to triage a report another handler rejected meanwhile, and changes nothing', async () => {
    const r = await report('spam or not 198.51.100.40');
    const other = await report('still new 198.51.100.41');
    await rejectReport(h.deps, h.actor, r.id, { reason: 'spam' });
    const before = await incidentCount();
    await expect(createIncidentFromReports(h.deps, h.actor, { reportIds: [other.id, r.id], onlyNew: true })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`report ${r.id} is no longer new: it is rejected`) as unknown,
      details: { reason: 'report-not-new', reportId: r.id, status: 'rejected' },
    });
    expect(await incidentCount()).toBe(before);
    expect((await getReport(h.deps, h.actor, other.id)).report.status).toBe('new');
    const target = await createIncident(h.deps, h.actor, { title: 'attach target' });
    await expect(attachReports(h.deps, h.actor, target.id, { reportIds: [r.id], onlyNew: true })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'report-not-new', status: 'rejected' },
    });
    const kept = (await getReport(h.deps, h.actor, r.id)).report;
    expect(kept).toMatchObject({ status: 'rejected', rejectReason: 'spam', incidentId: null });
    expect(await actions(r.id)).toEqual(['report.received', 'report.rejected']);
    expect((await getIncident(h.deps, h.actor, target.id)).reports).toEqual([]);
  });

  it('refuses, with onlyNew, to move a report another handler already put on an incident', async () => {
    const r = await report('triaged elsewhere 198.51.100.42');
    const first = await createIncidentFromReports(h.deps, h.actor, { reportIds: [r.id] });
    const second = await createIncident(h.deps, h.actor, { title: 'second handler' });
    await expect(attachReports(h.deps, h.actor, second.number, { reportIds: [r.id], onlyNew: true })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'report-not-new', status: 'triaged', incidentId: first.id },
    });
    expect((await getReport(h.deps, h.actor, r.id)).report.incidentId).toBe(first.id);
    // Without onlyNew the API still moves it: that is what attaching from an incident means.
    await attachReports(h.deps, h.actor, second.number, { reportIds: [r.id] });
    expect((await getReport(h.deps, h.actor, r.id)).report.incidentId).toBe(second.id);
  });

  it('rejects many reports for one reason, all or none', async () => {
    const [a, b, c] = [await report('bulk spam a'), await report('bulk spam b'), await report('bulk spam c')];
    await createIncidentFromReports(h.deps, h.actor, { reportIds: [c.id] });
    await expect(rejectReports(h.deps, h.actor, { reportIds: [a.id, b.id, c.id], reason: 'spam' })).rejects.toMatchObject({
      code: 'CONFLICT',
      details: { reason: 'report-not-new', reportId: c.id, status: 'triaged' },
    });
    for (const r of [a, b]) {
      expect((await getReport(h.deps, h.actor, r.id)).report.status).toBe('new');
      expect(await actions(r.id)).toEqual(['report.received']);
    }
    const done = await rejectReports(h.deps, h.actor, { reportIds: [a.id, b.id], reason: 'out-of-scope', note: 'not ours' });
    expect(done.map((r) => [r.id, r.status, r.rejectReason])).toEqual([
      [a.id, 'rejected', 'out-of-scope'],
      [b.id, 'rejected', 'out-of-scope'],
    ]);
    expect(await actions(a.id)).toEqual(['report.received', 'report.rejected']);
    const d = await report('bulk duplicate d');
    await expect(rejectReports(h.deps, h.actor, { reportIds: [d.id], reason: 'duplicate', duplicateOf: d.id })).rejects.toMatchObject({ code: 'VALIDATION' });
    const dup = await rejectReports(h.deps, h.actor, { reportIds: [d.id], reason: 'duplicate', duplicateOf: a.id });
    expect(dup[0]).toMatchObject({ status: 'rejected', duplicateOf: a.id });
  });
});

describe('incident lifecycle', () => {
  it('follows new → open → waiting → resolved → closed and refuses invalid moves', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'lifecycle' });
    await expect(changeIncidentStatus(h.deps, h.actor, i.id, { status: 'closed' })).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
      message: expect.stringContaining('from new to closed') as unknown,
    });
    for (const status of ['open', 'waiting', 'resolved', 'closed'] as const)
      expect((await changeIncidentStatus(h.deps, h.actor, i.id, { status })).status).toBe(status);
    const closed = (await getIncident(h.deps, h.actor, i.id)).incident;
    expect(closed.resolvedAt).not.toBeNull();
    expect(closed.closedAt).not.toBeNull();
    const statuses = (await getTimeline(h.deps, h.actor, i.id)).items.filter((e) => e.action === 'incident.status');
    expect(statuses.map((e) => (e.changes.status as { after: string }).after)).toEqual(['open', 'waiting', 'resolved', 'closed']);
  });

  it('records every field change with before and after, and refuses a stale version', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'edit me', severity: 'low' });
    const updated = await updateIncident(h.deps, h.actor, i.id, {
      severity: 'critical',
      fiveW1H: { vector: 'フィッシングメール', motive: '金銭目的' },
      version: i.version,
    });
    expect(updated.version).toBe(i.version + 1);
    const entry = (await getTimeline(h.deps, h.actor, i.id)).items.at(-1)!;
    expect(entry.action).toBe('incident.updated');
    expect(entry.changes).toMatchObject({
      severity: { before: 'low', after: 'critical' },
      'fiveW1H.vector': { before: null, after: 'フィッシングメール' },
    });
    await expect(updateIncident(h.deps, h.actor, i.id, { title: 'late', version: i.version })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await getIncident(h.deps, h.actor, i.id)).incident.title).toBe('edit me');
  });

  it('refuses an unknown organisation and changes nothing', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'orgs' });
    await expect(
      updateIncident(h.deps, h.actor, i.id, { title: 'changed', organisationIds: ['01234567-89ab-7def-8123-456789abcdef'] }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    expect((await getIncident(h.deps, h.actor, i.id)).incident.title).toBe('orgs');
  });
});

describe('merge and split', () => {
  it('merges an incident into another: reports and observables move, the source is closed and points at the target', async () => {
    const a = await report('C2 at 192.0.2.200');
    const b = await report('C2 seen at evil-c2.example');
    const target = await createIncidentFromReports(h.deps, h.actor, { reportIds: [a.id], tlp: 'GREEN' });
    const source = await createIncidentFromReports(h.deps, h.actor, { reportIds: [b.id], tlp: 'AMBER+STRICT' });
    const merged = await mergeIncidents(h.deps, h.actor, target.id, { sourceIncident: source.number, note: 'same campaign' });
    expect(merged.tlp).toBe('AMBER+STRICT');
    const detail = await getIncident(h.deps, h.actor, target.id);
    expect(detail.reports.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(detail.mergedFrom).toEqual([source.id]);
    const old = (await getIncident(h.deps, h.actor, source.id)).incident;
    expect(old.mergedInto).toBe(target.id);
    expect(old.status).toBe('closed');
    expect((await listIncidentObservables(h.deps, h.actor, target.id)).map((o) => o.value)).toContain('evil-c2.example');
    const actions = (await getTimeline(h.deps, h.actor, target.id)).items.map((e) => e.action);
    expect(actions).toContain('incident.merged');
    expect(actions).toContain('incident.merged-into');
    const reopened = await createIncident(h.deps, h.actor, { title: 'finished target' });
    for (const status of ['open', 'resolved'] as const) await changeIncidentStatus(h.deps, h.actor, reopened.id, { status });
    const active = await createIncident(h.deps, h.actor, { title: 'active source' });
    const afterMerge = await mergeIncidents(h.deps, h.actor, reopened.id, { sourceIncident: active.id });
    expect(afterMerge).toMatchObject({ status: 'open', resolvedAt: null, closedAt: null });
    const list = await listIncidents(h.deps, h.actor, {}, { by: 'createdAt', direction: 'desc' }, { limit: 200, offset: 0 });
    expect(list.items.map((i) => i.id)).not.toContain(source.id);
  });

  it('refuses to merge an incident into itself', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'self' });
    await expect(mergeIncidents(h.deps, h.actor, i.id, { sourceIncident: i.number })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('into itself') as unknown,
    });
  });

  it('splits reports off into a new incident that inherits the classification', async () => {
    const a = await report('host 198.51.100.50 scanning');
    const b = await report('unrelated malware at https://dl.example.net/x.exe');
    const source = await createIncidentFromReports(h.deps, h.actor, { reportIds: [a.id, b.id], category: 'scan', tlp: 'AMBER' });
    const split = await splitIncident(h.deps, h.actor, source.id, { reportIds: [b.id], title: 'malware distribution', category: 'malware' });
    expect(split.category).toBe('malware');
    expect(split.tlp).toBe('AMBER');
    const c = await report('a GREEN one');
    const greenSource = await createIncidentFromReports(h.deps, h.actor, { reportIds: [c.id], category: 'scan', tlp: 'GREEN', severity: 'high' });
    const inherited = await splitIncident(h.deps, h.actor, greenSource.id, { reportIds: [c.id], title: 'inherits' });
    expect(inherited).toMatchObject({ tlp: 'GREEN', category: 'scan', severity: 'high' });
    expect((await getIncident(h.deps, h.actor, source.id)).reports.map((r) => r.id)).toEqual([a.id]);
    expect((await listIncidentObservables(h.deps, h.actor, source.id)).map((o) => o.value)).not.toContain('https://dl.example.net/x.exe');
    expect((await listIncidentObservables(h.deps, h.actor, split.id)).map((o) => o.value)).toContain('https://dl.example.net/x.exe');
    await expect(splitIncident(h.deps, h.actor, source.id, { reportIds: [b.id], title: 'again' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});

describe('timeline', () => {
  it('is append-only: notes and corrections are new entries, and the database refuses edits', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'notes' });
    const note = await addTimelineNote(h.deps, h.actor, i.id, { note: 'ISPに連絡済み' });
    const fix = await addTimelineNote(h.deps, h.actor, i.id, { note: 'ISPではなくホスティング事業者に連絡', corrects: note.id });
    expect(fix.action).toBe('correction');
    await expect(sql`update timeline_entry set note = 'tampered' where id = ${note.id}`.execute(h.database.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from timeline_entry where id = ${note.id}`.execute(h.database.db)).rejects.toThrow(/append-only/);
    const entries = (await getTimeline(h.deps, h.actor, i.id)).items;
    expect(entries.find((e) => e.id === note.id)!.note).toBe('ISPに連絡済み');
  });
});
