import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import type { Incident } from '../../src/domain/incident.js';
import type { ReportCreateInput } from '../../src/domain/report.js';
import type { PublicStatistics, QuarterlyReport } from '../../src/domain/statistics.js';
import { leadingZeroBits } from '../../src/domain/web-form.js';
import { buildApp } from '../../src/http/app.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { changeIncidentStatus, createIncident } from '../../src/services/incident.service.js';
import { mergeIncidents } from '../../src/services/merge-split.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { forgetPublicStatistics, quarterlyReport } from '../../src/services/statistics.service.js';
import { createTakedown } from '../../src/services/takedown.service.js';
import { attachReports, createIncidentFromReports, rejectReport } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The quarterly report and the public status page on a fixed data set whose
 * answers are worked out by hand below, checked number by number on SQLite
 * and PostgreSQL. Q3 2026 in JST is 2026-06-30T15:00Z … 2026-09-30T15:00Z.
 *
 * Reports (received; channel; sender → country):
 *   R0  06-30 23:30 JST email  old@example.jp        → Q2, not counted
 *   R1  07-01 00:30 JST email  soc@bank.example      → JP (directory contact)       July
 *   R3  07-15 10:00 JST api    taro@example.co.jp    → JP (ccTLD)                   July
 *   R5  07-31 23:50 JST email  abuse@cert.hoster.example.net → DE (directory domain) July (attached to I2)
 *   R4  08-01 00:10 JST feed   —                     → unknown                      August
 *   R11 08-10 09:00 JST phone  —                     → unknown (rejected duplicate: still a report) August
 *   R2  08-20 09:00 JST web-form jane@example.com + country US → US                 August
 *   R7  09-22 09:00 JST email  spam                  → rejected as spam, not counted
 *   R6  09-24 09:00 JST email  someone@example.com   → unknown (generic TLD)        September
 *   R8  09-29 09:00 JST email  x@example.de          → on the exercise incident, not counted
 *   R9  09-30 23:59 JST email  a@example.fr          → FR                           September
 *   R10 10-01 00:00 JST email  b@example.jp          → Q4, not counted
 * Incidents:
 *   I6 defacement, created 06-30 23:45 JST (Q2), resolved 07-01 12:00 JST (its steps end in Q3)
 *   I1 phishing finance/domestic, from R1 +1 h; takedown sent +2 h; site down +5 h; resolved +24 h
 *   I2 phishing sns/foreign, from R3 +2 h; two sites; takedown sent +4 h; R5 attached later
 *   I3 scan, from R4 +30 min; only a reporter update sent (+1 h); resolved +48 h
 *   I7 other, from R2, rejected
 *   I9 phishing, no brand (unclassified), made by hand (no report); one site
 *   I4a malware from R6 +30 min; I4b malware from R9 +30 s, notification sent, merged into I4a
 *   I5 exercise phishing finance/domestic from R8: site, coordination, down — none of it counts
 *   I8 dos, from R10 (Q4)
 */
let h: Harness;
let app: FastifyInstance;
let lead: { actor: Actor; token: string };
const ids: Record<string, string> = {};
const incidents: Record<string, Incident> = {};

const setClock = (iso: string) => {
  const delta = Date.parse(iso) - h.now().getTime();
  // Every clock reading moves it 1 ms: two steps set at the same moment land a few ms apart (whole seconds are compared).
  if (delta < -1000) throw new Error(`the clock cannot go back to ${iso} from ${h.now().toISOString()}`);
  if (delta > 0) h.advance(delta);
};
const report = async (name: string, input: Omit<ReportCreateInput, 'body'> & { receivedAt: string }) => {
  setClock(input.receivedAt);
  ids[name] = (await recordReport(h.deps, lead.actor, { sourceRef: name, body: `report ${name}: https://${name.toLowerCase()}.evil.example/`, ...input })).report.id;
};
const fromReports = async (name: string, at: string, reportNames: string[], extra: Record<string, unknown> = {}) => {
  setClock(at);
  incidents[name] = await createIncidentFromReports(h.deps, lead.actor, { reportIds: reportNames.map((r) => ids[r]!), title: `incident ${name}`, ...extra });
};
const status = async (name: string, at: string, ...steps: string[]) => {
  setClock(at);
  for (const s of steps) await changeIncidentStatus(h.deps, lead.actor, incidents[name]!.id, { status: s });
};
const coordinate = async (name: string, at: string, purpose: 'takedown' | 'notification' | 'reporter-update', contactEmail: string) => {
  setClock(at);
  const c = await createCoordination(h.deps, lead.actor, incidents[name]!.id, { purpose, contactEmail });
  await sendCoordination(h.deps, lead.actor, incidents[name]!.id, c.id);
};
const site = async (name: string, url: string) => createTakedown(h.deps, lead.actor, incidents[name]!.id, { url });
/** The liveness checker's verdict "down", as it records it: the takedown's state and a timeline entry. */
const down = async (name: string, at: string) => {
  setClock(at);
  const incidentId = incidents[name]!.id;
  await h.deps.store.transaction(async (tx) => {
    for (const t of await tx.takedowns.forIncident(incidentId)) {
      await tx.takedowns.update(t.id, { state: 'down', down_since: at });
      await tx.timeline.append([{ incidentId, reportId: null, actor: 'system:liveness', action: 'takedown.state', changes: { url: t.url, state: { before: t.state, after: 'down' } }, note: null }]);
    }
  });
};

beforeAll(async () => {
  h = await createHarness({ start: '2026-06-01T00:00:00.000Z' });
  h.deps.settings.intake.formPowBits = 4;
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  lead = await h.user(['lead', 'handler']);
  await createOrganisation(h.deps, lead.actor, { name: 'Example Bank', kind: 'constituent', country: 'JP', contacts: [{ email: 'soc@bank.example' }] });
  await createOrganisation(h.deps, lead.actor, { name: 'Hoster GmbH', kind: 'hosting', country: 'DE', resources: [{ kind: 'domain', value: 'hoster.example.net' }] });

  await report('R0', { channel: 'email', sender: 'old@example.jp', receivedAt: '2026-06-30T14:30:00.000Z' });
  await fromReports('I6', '2026-06-30T14:45:00.000Z', ['R0'], { category: 'defacement' });

  await report('R1', { channel: 'email', sender: 'soc@bank.example', receivedAt: '2026-06-30T15:30:00.000Z' });
  await fromReports('I1', '2026-06-30T16:30:00.000Z', ['R1'], { category: 'phishing', brandName: 'Example Bank', brandSector: 'finance', brandOrigin: 'domestic' });
  await site('I1', 'hxxps://login[.]bank-example[.]test/jp/');
  await coordinate('I1', '2026-06-30T18:30:00.000Z', 'takedown', 'abuse@hoster.example.net');
  await down('I1', '2026-06-30T21:30:00.000Z');
  await status('I6', '2026-07-01T03:00:00.000Z', 'open', 'resolved');
  await status('I1', '2026-07-01T03:00:00.000Z', 'open');
  await status('I1', '2026-07-01T16:30:00.000Z', 'resolved');

  await report('R3', { channel: 'api', sender: 'taro@example.co.jp', receivedAt: '2026-07-15T01:00:00.000Z' });
  await fromReports('I2', '2026-07-15T03:00:00.000Z', ['R3'], { category: 'phishing', brandName: 'Photo SNS', brandSector: 'sns', brandOrigin: 'foreign' });
  await site('I2', 'https://sns-login.phish.test/a');
  await site('I2', 'https://sns-login.phish.test/b');
  await coordinate('I2', '2026-07-15T07:00:00.000Z', 'takedown', 'abuse@hoster.example.net');

  await report('R5', { channel: 'email', sender: 'abuse@cert.hoster.example.net', receivedAt: '2026-07-31T14:50:00.000Z' });
  setClock('2026-07-31T15:00:00.000Z');
  await attachReports(h.deps, lead.actor, incidents.I2!.id, { reportIds: [ids.R5!] });

  await report('R4', { channel: 'feed', receivedAt: '2026-07-31T15:10:00.000Z' });
  await fromReports('I3', '2026-07-31T15:40:00.000Z', ['R4'], { category: 'scan' });
  await coordinate('I3', '2026-07-31T16:40:00.000Z', 'reporter-update', 'reporter@example.org');
  await status('I3', '2026-08-02T15:40:00.000Z', 'open', 'resolved');

  await report('R11', { channel: 'phone', receivedAt: '2026-08-10T00:00:00.000Z' });
  await rejectReport(h.deps, lead.actor, ids.R11!, { reason: 'duplicate', duplicateOf: ids.R4 });

  await report('R2', { channel: 'web-form', sender: 'jane@example.com', reporterCountry: 'US', receivedAt: '2026-08-20T00:00:00.000Z' });
  await fromReports('I7', '2026-08-20T01:00:00.000Z', ['R2'], { category: 'other' });
  await status('I7', '2026-08-20T02:00:00.000Z', 'rejected');

  setClock('2026-09-10T00:00:00.000Z');
  incidents.I9 = await createIncident(h.deps, lead.actor, { title: 'incident I9', category: 'phishing' });
  await site('I9', 'https://unbranded.phish.test/');

  await report('R7', { channel: 'email', sender: 'spam@example.ru', receivedAt: '2026-09-22T00:00:00.000Z' });
  await rejectReport(h.deps, lead.actor, ids.R7!, { reason: 'spam' });

  await report('R6', { channel: 'email', sender: 'someone@example.com', receivedAt: '2026-09-24T00:00:00.000Z' });
  await fromReports('I4a', '2026-09-24T00:30:00.000Z', ['R6'], { category: 'malware' });

  await report('R8', { channel: 'email', sender: 'x@example.de', receivedAt: '2026-09-29T00:00:00.000Z' });
  await fromReports('I5', '2026-09-29T00:10:00.000Z', ['R8'], { category: 'phishing', exercise: true, brandSector: 'finance', brandOrigin: 'domestic' });
  await site('I5', 'https://drill.phish.test/');
  await coordinate('I5', '2026-09-29T00:20:00.000Z', 'takedown', 'abuse@hoster.example.net');
  await down('I5', '2026-09-29T00:30:00.000Z');
  await status('I5', '2026-09-29T00:40:00.000Z', 'open');

  await report('R9', { channel: 'email', sender: 'a@example.fr', receivedAt: '2026-09-30T14:59:00.000Z' });
  await fromReports('I4b', '2026-09-30T14:59:30.000Z', ['R9'], { category: 'malware' });
  await coordinate('I4b', '2026-09-30T14:59:40.000Z', 'notification', 'noc@example.fr');
  setClock('2026-09-30T14:59:50.000Z');
  await mergeIncidents(h.deps, lead.actor, incidents.I4a!.id, { sourceIncident: incidents.I4b!.number });

  await report('R10', { channel: 'email', sender: 'b@example.jp', receivedAt: '2026-09-30T15:00:00.000Z' });
  await fromReports('I8', '2026-09-30T15:05:00.000Z', ['R10'], { category: 'dos' });
  setClock('2026-10-07T03:00:00.000Z');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await h?.close();
});

const get = (url: string, token?: string) => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('where a report comes from', () => {
  it('takes the channel’s country, then the directory organisation, then the ccTLD; unknown otherwise', async () => {
    const country = async (name: string) => (await h.deps.store.reports.findById({ kind: 'all' }, ids[name]!))!.reporterCountry;
    expect(await country('R1')).toBe('JP'); // contact of Example Bank (JP); .example says nothing
    expect(await country('R5')).toBe('DE'); // a subdomain of Hoster GmbH's domain
    expect(await country('R3')).toBe('JP'); // .jp
    expect(await country('R9')).toBe('FR');
    expect(await country('R2')).toBe('US'); // the form said so
    expect(await country('R6')).toBeNull(); // .com: not guessed
    expect(await country('R4')).toBeNull(); // no sender
  });

  it('shows the reporter’s country in the report API, null when unknown', async () => {
    const shown = async (name: string) => (await get(`/api/reports/${ids[name]!}`, lead.token)).json<{ report: { reporterCountry: string | null } }>().report.reporterCountry;
    expect(await shown('R1')).toBe('JP');
    expect(await shown('R5')).toBe('DE');
    expect(await shown('R4')).toBeNull();
  });

  it('takes the country from the public form’s optional field', async () => {
    const { challenge, bits } = (await get('/api/public/challenge')).json<{ challenge: string; bits: number }>();
    let nonce = 0;
    while (leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest()) < bits) nonce++;
    const fields = { reporterName: 'Jane Roe', email: 'jane@example.com', country: 'jp', incidentType: 'phishing', description: 'A fake shop.', language: 'en' };
    const res = await app.inject({ method: 'POST', url: '/api/public/reports', payload: { fields, challenge, nonce: String(nonce) }, remoteAddress: '192.0.2.77' });
    expect(res.statusCode, res.body).toBe(201);
    const row = await h.database.db.selectFrom('report').select(['reporter_country', 'body']).where('channel', '=', 'web-form').where('sender', '=', 'jane@example.com').where('source_ref', 'like', 'form:%').executeTakeFirstOrThrow();
    expect(row.reporter_country).toBe('JP');
    expect(row.body).toContain('Country: JP');
  });
});

describe('the quarterly report, Q3 2026 in JST', () => {
  let r: QuarterlyReport;
  beforeAll(async () => {
    r = await quarterlyReport(h.deps, lead.actor, { year: 2026, quarter: 3 });
  });

  it('covers 1 July – 30 September in Tokyo', () => {
    expect(r.period.from).toBe('2026-06-30T15:00:00.000Z');
    expect(r.period.to).toBe('2026-09-30T15:00:00.000Z');
    expect(r.period.months.map((m) => m.month)).toEqual(['2026-07', '2026-08', '2026-09']);
    expect(r.country).toBe('JP');
  });

  it('counts reports by channel, origin and month (spam, exercise and the next quarter left out)', () => {
    expect(r.reports.total).toBe(8);
    expect(r.reports.byOrigin).toEqual({ domestic: 2, foreign: 3, unknown: 3 });
    expect(r.reports.byChannel).toEqual({
      email: { domestic: 1, foreign: 2, unknown: 1, total: 4 },
      'web-form': { domestic: 0, foreign: 1, unknown: 0, total: 1 },
      api: { domestic: 1, foreign: 0, unknown: 0, total: 1 },
      feed: { domestic: 0, foreign: 0, unknown: 1, total: 1 },
      phone: { domestic: 0, foreign: 0, unknown: 1, total: 1 },
      other: { domestic: 0, foreign: 0, unknown: 0, total: 0 },
    });
    // R5 at 23:50 JST on 31 July is July; R4 ten minutes after midnight is August; R9 at 23:59 on 30 September is September.
    expect(r.reports.byMonth).toEqual([3, 3, 2]);
  });

  it('counts incidents once (merged into one), without the exercise, the rejected and other quarters', () => {
    expect(r.incidents.total).toBe(5);
    expect(r.incidents.byMonth).toEqual([2, 1, 2]);
    expect(r.incidents.byCategory.phishing).toEqual({ months: [2, 0, 1], total: 3 });
    expect(r.incidents.byCategory.scan).toEqual({ months: [0, 1, 0], total: 1 });
    expect(r.incidents.byCategory.malware).toEqual({ months: [0, 0, 1], total: 1 });
    for (const c of ['defacement', 'dos', 'other', 'targeted-attack', 'ics', 'vulnerability'] as const) expect(r.incidents.byCategory[c], c).toEqual({ months: [0, 0, 0], total: 0 });
  });

  it('counts coordinated cases: I1, I2, and I4a through the incident merged into it — not a reporter update alone', () => {
    expect(r.incidents.coordinated).toBe(3);
  });

  it('counts phishing sites by brand sector and origin', () => {
    expect(r.phishing.total).toBe(4);
    expect(r.phishing.byOrigin).toEqual({ domestic: 1, foreign: 2, unknown: 1 });
    expect(r.phishing.bySector.finance).toEqual({ domestic: 1, foreign: 0, unknown: 0, total: 1 });
    expect(r.phishing.bySector.sns).toEqual({ domestic: 0, foreign: 2, unknown: 0, total: 2 });
    expect(r.phishing.bySector.unclassified).toEqual({ domestic: 0, foreign: 0, unknown: 1, total: 1 });
    for (const s of ['e-commerce', 'telecom', 'government', 'other'] as const) expect(r.phishing.bySector[s].total, s).toBe(0);
  });

  it('takes the median time of each step completed within the quarter', () => {
    expect(r.steps).toEqual({
      // I1 1 h, I2 2 h, I3 30 min, I9 0, I4a 30 min
      triage: { count: 5, medianSeconds: 1800 },
      // I1 2 h, I2 4 h, I3 1 h (the reporter update is a notification)
      'first-notification': { count: 3, medianSeconds: 7200 },
      // I1 down after 5 h, I6 resolved after 12 h 15 min (created in Q2), I3 resolved after 48 h
      containment: { count: 3, medianSeconds: 44100 },
      resolution: { count: 3, medianSeconds: 86400 },
    });
  });

  it('leaves the exercise out entirely: marking the drill real would change every section', async () => {
    await h.database.db.updateTable('incident').set({ exercise: 0 }).where('id', '=', incidents.I5!.id).execute();
    try {
      const real = await quarterlyReport(h.deps, lead.actor, { year: 2026, quarter: 3 });
      expect(real.reports.total).toBe(9);
      expect(real.incidents.total).toBe(6);
      expect(real.incidents.coordinated).toBe(4);
      expect(real.phishing.bySector.finance.domestic).toBe(2);
      expect(real.steps.triage.count).toBe(6);
    } finally {
      await h.database.db.updateTable('incident').set({ exercise: 1 }).where('id', '=', incidents.I5!.id).execute();
    }
  });

  it('has the neighbouring quarters right', async () => {
    const q2 = await quarterlyReport(h.deps, lead.actor, { year: 2026, quarter: 2 });
    expect(q2.reports.total).toBe(1); // R0
    expect(q2.incidents.total).toBe(1); // I6
    expect(q2.incidents.byCategory.defacement.months).toEqual([0, 0, 1]);
    const q4 = await quarterlyReport(h.deps, lead.actor, { year: 2026, quarter: 4 });
    expect(q4.reports.byOrigin).toEqual({ domestic: 2, foreign: 0, unknown: 0 }); // R10 and the form's report
    expect(q4.incidents.total).toBe(1); // I8
  });

  it('is the current quarter without year and quarter', async () => {
    const now = await quarterlyReport(h.deps, lead.actor, {});
    expect([now.period.year, now.period.quarter]).toEqual([2026, 4]);
  });
});

describe('the quarterly report over HTTP', () => {
  it('answers staff roles, refuses partners and asks for a sign-in', async () => {
    for (const roles of [['lead'], ['handler'], ['auditor'], ['administrator']] as const) {
      const { token } = await h.user([...roles]);
      const res = await get('/api/statistics/quarterly?year=2026&quarter=3', token);
      expect(res.statusCode, roles.join()).toBe(200);
      expect(res.json<QuarterlyReport>().reports.total).toBe(8);
    }
    const org = await createOrganisation(h.deps, lead.actor, { name: 'Partner CSIRT', kind: 'csirt' });
    const partner = await h.user(['partner'], { organisationId: org.id });
    expect((await get('/api/statistics/quarterly?year=2026&quarter=3', partner.token)).statusCode).toBe(403);
    expect((await get('/api/statistics/quarterly.csv?year=2026&quarter=3', partner.token)).statusCode).toBe(403);
    expect((await get('/api/statistics/quarterly?year=2026&quarter=3')).statusCode).toBe(401);
    expect((await get('/api/statistics/quarterly?year=2026&quarter=5', lead.token)).statusCode).toBe(400);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json<{ paths: Record<string, unknown> }>();
    for (const path of ['/api/statistics/quarterly', '/api/statistics/quarterly.csv', '/api/statistics/quarterly.html', '/api/public/statistics']) expect(doc.paths, path).toHaveProperty([path]);
  });

  it('exports CSV with a BOM, one figure a row, in Japanese and English', async () => {
    const ja = await get('/api/statistics/quarterly.csv?year=2026&quarter=3&lang=ja', lead.token);
    expect(ja.statusCode).toBe(200);
    expect(ja.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(ja.headers['content-disposition']).toBe('attachment; filename="renkei-statistics-2026-Q3-ja.csv"');
    expect([...ja.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = ja.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('区分,項目,内訳,値,単位');
    expect(lines).toContain('対象期間,開始,,2026-07-01,');
    expect(lines).toContain('対象期間,終了,,2026-09-30,');
    expect(lines).toContain('報告件数,合計,,8,件');
    expect(lines).toContain('報告件数,電子メール,国外,2,件');
    expect(lines).toContain('報告件数,2026年8月,合計,3,件');
    expect(lines).toContain('インシデント件数,合計,,5,件');
    expect(lines).toContain('調整件数,合計,,3,件');
    expect(lines).toContain('インシデント件数,フィッシングサイト,2026年9月,1,件');
    expect(lines).toContain('フィッシングサイト件数,SNS,海外ブランド,2,件');
    expect(lines).toContain('フィッシングサイト件数,未分類,不明,1,件');
    expect(lines).toContain('対応段階ごとの所要時間 (中央値),解決,中央値 (時間:分),1440.0,分');

    const en = await get('/api/statistics/quarterly.csv?year=2026&quarter=3&lang=en', lead.token);
    const enLines = en.body.replace(/^\uFEFF/, '').split('\r\n');
    expect(enLines[0]).toBe('section,item,breakdown,value,unit');
    expect(enLines).toContain('Reports,E-mail,Foreign,2,count');
    expect(enLines).toContain('Reports,Total,Unknown,3,count');
    expect(enLines).toContain('Incidents,Phishing site,Jul 2026,2,count');
    expect(enLines).toContain('Phishing sites,Finance,Domestic brand,1,count');
    expect(enLines).toContain('Median time per step,Triage (report to incident),Median (h:mm),30.0,minutes');
    expect(enLines).toContain('Median time per step,First notification,Count,3,count');
    expect(lines.length).toBe(enLines.length);
  });

  it('serves a printable HTML report under a policy that allows its own style block only', async () => {
    const res = await get('/api/statistics/quarterly.html?year=2026&quarter=3&lang=ja', lead.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; /);
    expect(csp).not.toMatch(/unsafe|script-src/);
    const style = /<style>([\s\S]*?)<\/style>/.exec(res.body)![1]!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(res.body).not.toMatch(/<script|\son[a-z]+=|style="|javascript:/i);
    expect(res.body).toContain('<html lang="ja">');
    expect(res.body).toContain('2026年 第3四半期 (2026年7月1日〜2026年9月30日)');
    expect(res.body).toContain('@page');
    expect(res.body).toMatch(/<svg [^>]*role="img"/);
    // The summary cards: reports, incidents, coordinated cases, phishing sites.
    expect([...res.body.matchAll(/<span class="v">([^<]+)<\/span>/g)].map((m) => m[1])).toEqual(['8', '5', '3', '4']);
    expect(res.body).toContain('<th scope="row">解決</th><td>3</td><td>24:00</td>');

    const en = await get('/api/statistics/quarterly.html?year=2026&quarter=3&lang=en', lead.token);
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Q3 2026 (2026-07-01 – 2026-09-30)');
    expect(en.body).toContain('<th scope="row">Triage (report to incident)</th><td>5</td><td>0:30</td>');
    expect(en.body).not.toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
  });
});

describe('the public status page', () => {
  it('is not there unless switched on', async () => {
    h.deps.settings.statistics!.publicStatus = false;
    forgetPublicStatistics(h.deps);
    const res = await get('/api/public/statistics');
    expect(res.statusCode).toBe(404);
  });

  it('shows this week and the two before, incidents being handled and sites being coordinated, numbers only', async () => {
    h.deps.settings.statistics!.publicStatus = true;
    forgetPublicStatistics(h.deps);
    // Now: Wednesday 7 October 2026, 12:00 JST. Weeks from Monday 21 September, 28 September and 5 October.
    const res = await get('/api/public/statistics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const p = res.json<PublicStatistics>();
    expect(p.weeks.map((w) => [w.from, w.domestic, w.foreign, w.unknown, w.total])).toEqual([
      // R6 (unknown); R7 spam is not counted
      ['2026-09-20T15:00:00.000Z', 0, 0, 1, 1],
      // R9 (FR), R10 (JP, 1 October); R8 sits on the exercise incident
      ['2026-09-27T15:00:00.000Z', 1, 1, 0, 2],
      // the form's report (JP, this morning)
      ['2026-10-04T15:00:00.000Z', 1, 0, 0, 1],
    ]);
    // Being handled: I2, I9 (phishing), I4a (malware), I8 (dos); not the exercise I5, the merged I4b or the resolved.
    expect(p.incidentsTotal).toBe(4);
    expect(p.incidentsByCategory).toMatchObject({ phishing: 2, malware: 1, dos: 1, scan: 0, defacement: 0, other: 0 });
    // I2's two sites (SNS) and I9's (unclassified); I1's is down and resolved; I5 is a drill.
    expect(p.phishingSitesTotal).toBe(3);
    expect(p.phishingSitesBySector).toEqual({ finance: 0, 'e-commerce': 0, telecom: 0, government: 0, sns: 2, other: 0, unclassified: 1 });
  });

  it('reveals nothing identifying', async () => {
    const body = (await get('/api/public/statistics')).body;
    for (const secret of ['RK-', 'incident I', 'example', 'phish.test', '@', 'Example Bank', 'Photo SNS', 'http', 'soc', 'hoster']) expect(body, secret).not.toContain(secret);
    const walk = (v: unknown, path: string): void => {
      if (typeof v === 'number') return;
      if (typeof v === 'string') {
        expect(['generatedAt', 'timeZone', 'from', 'to'], path).toContain(path.split('.').at(-1));
        return;
      }
      if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    walk(JSON.parse(body), '');
  });

  it('counts again only after five minutes', async () => {
    const before = (await get('/api/public/statistics')).json<PublicStatistics>();
    await report('R12', { channel: 'email', sender: 'late@example.jp', receivedAt: new Date(h.now().getTime() + 60_000).toISOString() });
    expect((await get('/api/public/statistics')).json<PublicStatistics>().weeks[2]!.total).toBe(before.weeks[2]!.total);
    h.advance(5 * 60_000);
    expect((await get('/api/public/statistics')).json<PublicStatistics>().weeks[2]!.total).toBe(before.weeks[2]!.total + 1);
  });
});
