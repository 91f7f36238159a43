import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../src/http/app.js';
import { wkdHash } from '../../src/domain/wkd.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
let app: FastifyInstance;
let healthy = true;
let token: string;
beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: async () => healthy && h.database.ping() });
  ({ token } = await h.user(['lead', 'handler']));
});

/** A request as a signed-in lead/handler (API token). */
const call = (opts: InjectOptions | string) => {
  const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
  return app.inject({ ...o, headers: { ...(o.headers ?? {}), authorization: `Bearer ${token}` } });
};
afterAll(async () => {
  await app.close();
  await h.close();
});

const count = async (table: 'report' | 'incident' | 'timeline_entry') =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(h.database.db)).rows[0]!.n);

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: (string | number)[]; message: string }[] };
  requestId: string;
}

describe('HTTP API', () => {
  it('serves health, the OpenAPI 3.1 description and its browser', async () => {
    expect((await call('/healthz')).json()).toEqual({ status: 'ok', database: 'up' });
    healthy = false;
    expect((await call('/healthz')).statusCode).toBe(503);
    healthy = true;
    const spec = (await call('/api/openapi.json')).json<{ openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/reports', '/api/incidents/{id}/merge', '/api/search', '/api/directory/owner']));
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(['Incident', 'Report', 'Error']));
    expect((await call('/api/docs/')).statusCode).toBe(200);
  });

  it('walks a report from intake to a closed incident', async () => {
    const created = await call({
      method: 'POST',
      url: '/api/reports',
      payload: { channel: 'web-form', subject: '偽サイトの報告', body: 'hxxps://login.evil[.]example/ が銀行の偽サイトです', language: 'ja' },
    });
    expect(created.statusCode).toBe(201);
    const reportId = created.json<{ report: { id: string } }>().report.id;
    const again = await call({
      method: 'POST',
      url: '/api/reports',
      payload: { channel: 'web-form', subject: '偽サイトの報告', body: 'hxxps://login.evil[.]example/ が銀行の偽サイトです', language: 'ja' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json<{ isNew: boolean }>().isNew).toBe(false);

    const queue = (await call('/api/reports?status=new')).json<{ items: { id: string; body?: string }[] }>();
    expect(queue.items.map((r) => r.id)).toContain(reportId);
    expect(queue.items[0]).not.toHaveProperty('body');

    const incident = await call({
      method: 'POST',
      url: '/api/incidents/from-reports',
      payload: { reportIds: [reportId], category: 'phishing', tlp: 'AMBER', severity: 'high' },
    });
    expect(incident.statusCode).toBe(201);
    const { number } = incident.json<{ number: string }>();
    for (const status of ['open', 'resolved']) {
      const res = await call({ method: 'POST', url: `/api/incidents/${number}/status`, payload: { status } });
      expect(res.statusCode).toBe(200);
    }
    // The phishing playbook's mandatory tasks are still open: closing needs a lead's override and its reason.
    const refused = await call({ method: 'POST', url: `/api/incidents/${number}/status`, payload: { status: 'closed' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('VALIDATION');
    const closed = await call({ method: 'POST', url: `/api/incidents/${number}/status`, payload: { status: 'closed', override: 'site already down when triaged' } });
    expect(closed.statusCode).toBe(200);
    const seen = await call(`/api/observables/sightings?q=${encodeURIComponent('login.evil[.]example')}`);
    expect(seen.json<{ incidents: { number: string }[] }>().incidents.map((i) => i.number)).toEqual([number]);
    const timeline = (await call(`/api/incidents/${number}/timeline`)).json<{ items: { action: string }[] }>();
    expect(timeline.items.map((e) => e.action)).toEqual(['incident.created', 'report.triaged', 'task.added', 'incident.status', 'incident.status', 'incident.close-override', 'incident.status']);
    const found = (await call(`/api/search?q=${encodeURIComponent('偽サイト')}`)).json<{ reports: { total: number } }>();
    expect(found.reports.total).toBe(1);
  });

  it('answers malformed JSON with a clear error and changes nothing', async () => {
    const before = await count('report');
    const res = await call({ method: 'POST', url: '/api/reports', headers: { 'content-type': 'application/json' }, payload: '{"body": "x",' });
    expect(res.statusCode).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('VALIDATION');
    expect(body.error.message).toMatch(/JSON/);
    expect(body.requestId).toBeTruthy();
    expect(await count('report')).toBe(before);
  });

  it('names unknown fields, wrong types and over-long strings by path', async () => {
    const unknown = await call({ method: 'POST', url: '/api/incidents', payload: { title: 'x', colour: 'red' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<ErrorBody>().error.issues![0]!.path).toEqual(['body']);
    expect(unknown.json<ErrorBody>().error.issues![0]!.message).toMatch(/colour/);

    const wrongType = await call({ method: 'POST', url: '/api/incidents', payload: { title: 42 } });
    expect(wrongType.json<ErrorBody>().error.issues).toEqual([{ path: ['body', 'title'], message: expect.any(String) as unknown, kind: 'invalid' }]);

    const tooLong = await call({ method: 'POST', url: '/api/incidents', payload: { title: 'あ'.repeat(301) } });
    expect(tooLong.json<ErrorBody>().error.issues![0]).toMatchObject({ path: ['body', 'title'], message: expect.stringContaining('300') as unknown, kind: 'too-big' });

    const badTlp = await call({ method: 'POST', url: '/api/incidents', payload: { title: 'x', tlp: 'WHITE', category: 'phishng' } });
    expect(badTlp.json<ErrorBody>().error.issues!.map((i) => i.path.join('.')).sort()).toEqual(['body.category', 'body.tlp']);

    const badDate = await call({ method: 'POST', url: '/api/incidents', payload: { title: 'x', fiveW1H: { occurredAt: '25/11/2026' } } });
    expect(badDate.json<ErrorBody>().error.issues![0]!.path).toEqual(['body', 'fiveW1H', 'occurredAt']);
  });

  it('refuses an invalid transition with 422 and a merge into itself with 400, changing nothing', async () => {
    const created = (await call({ method: 'POST', url: '/api/incidents', payload: { title: 'transitions' } })).json<{ id: string; number: string }>();
    const entries = await count('timeline_entry');
    const bad = await call({ method: 'POST', url: `/api/incidents/${created.id}/status`, payload: { status: 'closed' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json<ErrorBody>().error.code).toBe('INVALID_TRANSITION');
    const self = await call({ method: 'POST', url: `/api/incidents/${created.id}/merge`, payload: { sourceIncident: created.number } });
    expect(self.statusCode).toBe(400);
    expect(self.json<ErrorBody>().error.message).toMatch(/itself/);
    expect(await count('timeline_entry')).toBe(entries);
  });

  it("publishes the team's PGP key, also by Web Key Directory", async () => {
    const key = (await app.inject('/api/team-key')).json<{ fingerprint: string; publicKey: string }>();
    expect(key.fingerprint).toBe(h.deps.teamKeys[0]!.fingerprint);
    expect(key.publicKey).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    const wkd = await app.inject(`/.well-known/openpgpkey/hu/${wkdHash('csirt')}`);
    expect(wkd.statusCode).toBe(200);
    expect(wkd.headers['content-type']).toBe('application/octet-stream');
    expect((await app.inject(`/.well-known/openpgpkey/hu/${wkdHash('nobody')}`)).statusCode).toBe(404);
  });

  it('requires authentication for the API but not for health and the description', async () => {
    expect((await app.inject('/api/incidents')).statusCode).toBe(401);
    expect((await app.inject('/api/incidents')).json<ErrorBody>().error.code).toBe('UNAUTHENTICATED');
    expect((await app.inject({ url: '/api/incidents', headers: { authorization: 'Bearer rk_nope' } })).statusCode).toBe(401);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/api/openapi.json')).statusCode).toBe(200);
  });

  it('refuses NUL characters with 400, in the URL and in stored text, on both databases', async () => {
    for (const url of ['/api/incidents/%00', '/api/incidents?owner=%00', '/api/search?q=a&owner=%00', '/api/organisations?q=%00']) {
      const res = await call(url);
      expect(res.statusCode, url).toBe(400);
    }
    const org = await call({ method: 'POST', url: '/api/organisations', payload: { name: 'Nul\u0000Org', kind: 'isp' } });
    expect(org.statusCode).toBe(400);
    expect(org.json<ErrorBody>().error.issues![0]!.path).toEqual(['body', 'name']);
    const csv = 'organisation,kind,notes\nGood,isp,fine\nAlso good,isp,has a \u0000 nul\n';
    const imported = await call({ method: 'POST', url: '/api/organisations/import', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(imported.statusCode).toBe(200);
    expect(imported.json<{ created: number }>().created).toBe(2);
  });

  it('answers 404 the same way for an unknown incident, report or route', async () => {
    for (const url of ['/api/incidents/RK-2026-999999', '/api/reports/01234567-89ab-7def-8123-456789abcdef', '/api/nothing']) {
      const res = await call(url);
      expect(res.statusCode).toBe(404);
      expect(res.json<ErrorBody>().error.code).toBe('NOT_FOUND');
    }
  });

  it('imports a CSV with a broken row and looks up an owner', async () => {
    const csv = 'organisation,kind,ip_ranges,contact_email\nGood ISP,isp,192.0.2.0/24,abuse@good.example\nBad,isp,192.0.2.0/99,abuse@bad.example\n';
    const res = await call({ method: 'POST', url: '/api/organisations/import', headers: { 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ created: number; errors: { row: number }[] }>()).toMatchObject({ created: 1, errors: [{ row: 3 }] });
    const owner = (await call('/api/directory/owner?q=192.0.2.10')).json<{ matches: { organisation: { name: string } }[] }>();
    expect(owner.matches[0]!.organisation.name).toBe('Good ISP');
    const exported = await call('/api/organisations/export');
    expect(exported.headers['content-type']).toMatch(/text\/csv/);
    expect(exported.body).toContain('Good ISP');
  });

  it('reads invalid UTF-8 in a JSON body as U+FFFD and keeps the raw original byte for byte', async () => {
    const raw = Buffer.from([0x66, 0x72, 0x6f, 0x6d, 0x20, 0xff, 0xfe, 0x20, 0x82, 0xa0]);
    const json = Buffer.concat([Buffer.from('{"sourceRef":"utf8-bad","subject":"bad bytes","body":"a'), Buffer.from([0xff, 0xc3]), Buffer.from(`b","raw":"${raw.toString('base64')}"}`)]);
    const res = await call({ method: 'POST', url: '/api/reports', headers: { 'content-type': 'application/json' }, payload: json });
    expect(res.statusCode).toBe(201);
    const { report } = res.json<{ report: { id: string; body: string } }>();
    expect(report.body).toBe('a\uFFFD\uFFFDb');
    expect((await call(`/api/reports/${report.id}/raw`)).rawPayload.equals(raw)).toBe(true);
  });

  it('takes a bulk of 1,000 reports with one bad item: the rest are kept, the bad one says why', async () => {
    const reports: unknown[] = Array.from({ length: 1000 }, (_, i) => ({ sourceRef: `bulk-${i}`, body: `scan from 198.51.100.${i % 250}` }));
    reports[500] = { sourceRef: 'bulk-bad', body: 'x', tlp: 'WHITE' };
    reports[501] = { sourceRef: 'bulk-0', body: 'scan from 198.51.100.0' };
    const res = await call({ method: 'POST', url: '/api/reports/bulk', payload: { reports } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ accepted: number; duplicates: number; rejected: number; items: { index: number; status: string; error?: { code: string; issues: { path: unknown[] }[] } }[] }>();
    expect(body).toMatchObject({ accepted: 998, duplicates: 1, rejected: 1 });
    expect(body.items[500]).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION', issues: [{ path: ['tlp'] }] } });
    expect(body.items[501]!.status).toBe('duplicate');
  });

  it('serves the raw original as a download, never inline', async () => {
    const raw = Buffer.from('From: a@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n\r\nbody\r\n');
    const created = await call({
      method: 'POST',
      url: '/api/reports',
      payload: { channel: 'email', sourceRef: '<raw@example.jp>', body: 'body', raw: raw.toString('base64') },
    });
    const id = created.json<{ report: { id: string } }>().report.id;
    const res = await call(`/api/reports/${id}/raw`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment/);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.rawPayload.equals(raw)).toBe(true);
  });
});
