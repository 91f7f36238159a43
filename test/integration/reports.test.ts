import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { recordReport, recordReports } from '../../src/services/record-report.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { getReport, getReportRaw } from '../../src/services/report.service.js';
import { search } from '../../src/services/search.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

const lure = [
  '銀行を装ったフィッシングメールを受信しました。',
  '本文のリンク先: hxxps://secure-login.example-bank.com.evil[.]example/jp/ から',
  '送信元IP 198.51.100.23, 内部 10.1.2.3',
].join('\n');

describe('recording a report', () => {
  it('stores it with its observables and keeps the raw bytes unchanged', async () => {
    const raw = Buffer.from([0x1b, 0x24, 0x42, 0x30, 0x42, 0x1b, 0x28, 0x42, 0xff, 0x00, 0x0a]);
    const { report, isNew, observableCount } = await recordReport(h.deps, h.actor, {
      channel: 'email',
      sourceRef: '<lure-1@example.jp>',
      sender: 'customer@example.jp',
      subject: '不審なメール',
      body: lure,
      language: 'ja',
      raw: raw.toString('base64'),
    });
    expect(isNew).toBe(true);
    expect(report.status).toBe('new');
    expect(observableCount).toBeGreaterThanOrEqual(3);
    const view = await getReport(h.deps, h.actor, report.id);
    const values = view.observables.map((o) => `${o.type}:${o.value}`);
    expect(values).toContain('url:https://secure-login.example-bank.com.evil.example/jp/');
    expect(values).toContain('ipv4:198.51.100.23');
    expect(view.observables.find((o) => o.value === '10.1.2.3')?.isPrivate).toBe(true);
    expect(view.timeline.map((e) => e.action)).toEqual(['report.received']);
    const stored = await getReportRaw(h.deps, h.actor, report.id);
    expect(stored.content.equals(raw)).toBe(true);
    expect(report.rawSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stores the same (channel, sourceRef) once', async () => {
    const input = { channel: 'email' as const, sourceRef: '<dup@example.jp>', subject: 'twice', body: 'same message' };
    const first = await recordReport(h.deps, h.actor, input);
    const second = await recordReport(h.deps, h.actor, { ...input, body: 'delivered again' });
    expect(second.isNew).toBe(false);
    expect(second.report.id).toBe(first.report.id);
    expect(second.report.body).toBe('same message');
    const n = await sql<{ n: number }>`select count(*) as n from report where source_ref = '<dup@example.jp>'`.execute(h.database.db);
    expect(Number(n.rows[0]!.n)).toBe(1);
  });

  it('defaults sourceRef to a hash of the content, so a resubmitted body is one report', async () => {
    const a = await recordReport(h.deps, h.actor, { subject: 'form', body: 'scan from 192.0.2.77' });
    const b = await recordReport(h.deps, h.actor, { subject: 'form', body: 'scan from 192.0.2.77' });
    expect(a.report.sourceRef).toMatch(/^sha256:/);
    expect(b.isNew).toBe(false);
  });

  it('marks an active incident that shares an observable as a candidate', async () => {
    const soc = await recordReport(h.deps, h.actor, {
      sourceRef: 'soc-1',
      subject: 'Phishing against our customers',
      body: 'URL https://secure-login.example-bank.com.evil.example/jp/ on 198.51.100.23',
    });
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [soc.report.id], category: 'phishing' });
    const later = await recordReport(h.deps, h.actor, {
      sourceRef: 'customer-2',
      subject: 'また来ました',
      body: 'リンク hxxps://secure-login.example-bank.com.evil[.]example/jp/',
    });
    expect(later.candidateIncidentIds).toEqual([incident.id]);
    const view = await getReport(h.deps, h.actor, later.report.id);
    expect(view.candidates.map((c) => c.number)).toEqual([incident.number]);
    expect(view.candidates[0]!.shared).toBeGreaterThanOrEqual(1);
  });

  it('stores a batch as one group: candidates only where an incident holds an observable, a source repeated inside the batch is one report', async () => {
    const first = await recordReport(h.deps, h.actor, { sourceRef: 'group-soc', body: 'C2 at 203.0.113.77 and https://c2.group.example/gate.php' });
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [first.report.id], category: 'malware' });
    const results = await recordReports(h.deps, h.actor, [
      { sourceRef: 'group-a', body: 'beacons to 203.0.113.77 seen' },
      { sourceRef: 'group-b', body: 'unrelated scan from 198.51.100.201' },
      { sourceRef: 'group-a', body: 'beacons to 203.0.113.77 seen' },
      { sourceRef: 'group-c', body: 'also https://c2.group.example/gate.php and 198.51.100.201' },
    ]);
    const [a, b, again, c] = results.map((r) => (r.ok ? r : expect.unreachable(String(r.error))));
    expect([a!.isNew, b!.isNew, again!.isNew, c!.isNew]).toEqual([true, true, false, true]);
    expect(again!.report.id).toBe(a!.report.id);
    expect(a!.candidateIncidentIds).toEqual([incident.id]);
    expect(b!.candidateIncidentIds).toEqual([]);
    expect(c!.candidateIncidentIds).toEqual([incident.id]);
    expect([a!.observableCount, b!.observableCount, c!.observableCount]).toEqual([1, 1, 3]);
    // The address both b and c name is one observable, linked to each.
    const ip = async (reportId: string) => (await h.deps.store.observables.forReport(reportId)).find((o) => o.value === '198.51.100.201')?.id;
    expect(await ip(b!.report.id)).toBeDefined();
    expect(await ip(c!.report.id)).toBe(await ip(b!.report.id));
    const view = await getReport(h.deps, h.actor, c!.report.id);
    expect(view.candidates.map((x) => x.number)).toEqual([incident.number]);
  });

  it('stores a batch as one group: each reporter\'s country and search entry as if it came alone', async () => {
    const lead = await h.user(['lead', 'handler']);
    await createOrganisation(h.deps, lead.actor, { name: 'Group Bank', kind: 'constituent', country: 'JP', contacts: [{ email: 'soc@groupbank.example' }] });
    await createOrganisation(h.deps, lead.actor, { name: 'Group CDN', kind: 'hosting', country: 'NL', resources: [{ kind: 'domain', value: 'cdn.group.example' }] });
    await createOrganisation(h.deps, lead.actor, { name: 'Group Edge', kind: 'hosting', country: 'SE', resources: [{ kind: 'domain', value: 'edge.cdn.group.example' }] });
    const batch = [
      { sourceRef: 'country-contact', sender: 'SOC@GroupBank.example', body: 'kiwifruit' }, // the contact, whatever the case
      { sourceRef: 'country-edge', sender: 'noc@x.edge.cdn.group.example', body: 'mangosteen' }, // the longer of two owned domains
      { sourceRef: 'country-cdn', sender: 'noc@cdn.group.example', body: 'rambutan' },
      { sourceRef: 'country-cctld', sender: 'taro@example.co.jp', body: 'durian' },
      { sourceRef: 'country-generic', sender: 'someone@example.com', body: 'longan' },
      { sourceRef: 'country-said', sender: 'soc@groupbank.example', reporterCountry: 'US', body: 'lychee' }, // the channel's word first
      { sourceRef: 'country-none', body: 'pitaya' },
    ];
    const results = await recordReports(h.deps, h.actor, batch);
    const stored = results.map((r) => (r.ok ? r.report : expect.unreachable(String(r.error))));
    expect(stored.map((r) => r.reporterCountry)).toEqual(['JP', 'SE', 'NL', 'JP', null, 'US', null]);
    for (const [i, { body }] of batch.entries()) {
      const found = await search(h.deps, h.actor, { q: body, kind: 'report' });
      expect(found.reports.items.map((x) => x.item.id)).toEqual([stored[i]!.id]);
    }
  });

  it('does not make candidates out of private addresses alone', async () => {
    const a = await recordReport(h.deps, h.actor, { sourceRef: 'p1', subject: 'internal', body: 'host 192.168.1.10 is infected' });
    await createIncidentFromReports(h.deps, h.actor, { reportIds: [a.report.id] });
    const b = await recordReport(h.deps, h.actor, { sourceRef: 'p2', subject: 'other', body: 'our 192.168.1.10 again' });
    expect(b.candidateIncidentIds).toEqual([]);
  });

  it('cleans control characters from the body and refuses them in the subject', async () => {
    const ok = await recordReport(h.deps, h.actor, { sourceRef: 'ctl-1', subject: 'ok', body: 'a\u0000b\u0007c\td\r\ne \uD800 f' });
    expect(ok.report.body).toBe('abc\td\r\ne \uFFFD f');
    await expect(recordReport(h.deps, h.actor, { sourceRef: 'ctl-2', subject: 'bad\u0000subject', body: 'x' })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: ['subject'] }] },
    });
  });

  it('refuses an invalid TLP and writes nothing', async () => {
    const before = await sql<{ n: number }>`select count(*) as n from report`.execute(h.database.db);
    await expect(
      recordReport(h.deps, h.actor, { sourceRef: 'tlp-bad', body: 'x', tlp: 'WHITE' as never }),
    ).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: ['tlp'] }] } });
    const after = await sql<{ n: number }>`select count(*) as n from report`.execute(h.database.db);
    expect(Number(after.rows[0]!.n)).toBe(Number(before.rows[0]!.n));
  });

  it('records a batch, reporting a bad item and committing the rest', async () => {
    const results = await recordReports(h.deps, h.actor, [
      { sourceRef: 'batch-1', body: 'scan from 203.0.113.5' },
      { sourceRef: 'batch-2', body: 'x', channel: 'pigeon' as never },
      { sourceRef: 'batch-3', body: 'scan from 203.0.113.6' },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const n = await sql<{ n: number }>`select count(*) as n from report where source_ref like 'batch-%'`.execute(h.database.db);
    expect(Number(n.rows[0]!.n)).toBe(2);
  });
});
