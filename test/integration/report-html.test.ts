import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor, type Actor } from '../../src/domain/actor.js';
import { generateTeamKey } from '../../src/formats/pgp.js';
import { buildApp } from '../../src/http/app.js';
import { setIncidentAccessList } from '../../src/services/incident-access.service.js';
import { receiveMail } from '../../src/services/mail-intake.service.js';
import { MAX_REPORT_HTML_CHARS } from '../../src/services/report-html.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { pgpMimeEncrypted } from '../support/pgp-mail.js';

/**
 * GET /api/reports/:id/html: a mailed report's HTML part, read again from the
 * raw original (decrypted when it came encrypted), answered as JSON data —
 * never as a page — capped, recorded in the original's chain of custody, and
 * for a hidden report exactly as for a missing one.
 */
let h: Harness;
let app: FastifyInstance;
let lead: { actor: Actor; token: string };
let handler: string;
const smtp = systemActor('smtp');
const envelope = { mailFrom: 'reporter@example.jp', rcptTo: ['report@renkei.example'], remoteAddress: '192.0.2.25' };

beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  lead = await h.user(['lead', 'handler']);
  handler = (await h.user(['handler'])).token;
});
afterAll(async () => {
  await app.close();
  await h.close();
});

const get = (url: string, token?: string) => app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });

interface HtmlBody {
  html: string | null;
  length: number;
  isTruncated: boolean;
  unavailable: 'no-html' | 'undecryptable' | null;
}

/** A multipart/alternative mail: the text part and the HTML part. */
function alternative(html: string, text = 'see the HTML version'): string {
  return [
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(html).toString('base64').replace(/.{76}/g, '$&\r\n'),
    '--alt--',
    '',
  ].join('\r\n');
}

async function receive(body: string, headers: string[] = []): Promise<string> {
  const raw = Buffer.from([`From: reporter@example.jp`, 'To: report@renkei.example', 'Subject: HTML report', `Message-ID: <${randomUUID()}@example.jp>`, ...headers, body].join('\r\n'));
  return (await receiveMail(h.deps, smtp, raw, envelope, undefined)).report.id;
}

const HOSTILE = '<p>請求書</p><script>alert(1)</script><img src="http://198.51.100.9/track.png"><a href="https://evil.example/login">bank</a>';

describe('GET /api/reports/:id/html', () => {
  it('answers the HTML part as JSON data, never as a page, and records the read in the raw original’s custody', async () => {
    const id = await receive(alternative(HOSTILE));
    const res = await get(`/api/reports/${id}/html`, lead.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.json<HtmlBody>()).toEqual({ html: HOSTILE, length: HOSTILE.length, isTruncated: false, unavailable: null });

    const raw = (await h.deps.store.evidence.forReport(id)).find((i) => i.kind === 'raw-original')!;
    const custody = await h.deps.store.evidence.custody([raw.id]);
    expect(custody.map((e) => e.action)).toEqual(['collected', 'viewed']);
    expect(custody[1]!.detail).toMatchObject({ reportId: id, shownAs: 'html' });
  });

  it('answers null for a mail without HTML, and for a report that is not a mail', async () => {
    const plain = await receive('Content-Type: text/plain; charset=utf-8\r\n\r\nonly text: https://evil.example/\r\n');
    expect((await get(`/api/reports/${plain}/html`, lead.token)).json<HtmlBody>()).toEqual({ html: null, length: 0, isTruncated: false, unavailable: 'no-html' });
    const created = await app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: { authorization: `Bearer ${lead.token}` },
      payload: { channel: 'web-form', subject: 'form', body: '<b>not HTML to show</b>' },
    });
    const formId = created.json<{ report: { id: string } }>().report.id;
    expect((await get(`/api/reports/${formId}/html`, lead.token)).json<HtmlBody>()).toMatchObject({ html: null, unavailable: 'no-html' });
  });

  it(`cuts the HTML to ${MAX_REPORT_HTML_CHARS} characters and says so`, async () => {
    const big = `<p>${'あ'.repeat(MAX_REPORT_HTML_CHARS)}</p>`;
    const id = await receive(alternative(big));
    const body = (await get(`/api/reports/${id}/html`, lead.token)).json<HtmlBody>();
    expect(body).toMatchObject({ length: big.length, isTruncated: true, unavailable: null });
    expect(body.html).toBe(big.slice(0, MAX_REPORT_HTML_CHARS));
  });

  it('decrypts a PGP/MIME mail with the team key, and says when the key no longer opens it', async () => {
    const inner = alternative('<p>暗号化された報告: <b>198.51.100.200</b></p>', '暗号化された報告');
    const id = await receive(await pgpMimeEncrypted(inner, h.deps.teamKeys[0]!.publicKeyArmored));
    expect((await get(`/api/reports/${id}/html`, lead.token)).json<HtmlBody>()).toMatchObject({ html: '<p>暗号化された報告: <b>198.51.100.200</b></p>', unavailable: null });

    // The team key rotated away (the old one no longer held): the stored report says it had HTML, which cannot be read now.
    const kept = h.deps.teamKeys.splice(0, h.deps.teamKeys.length, await generateTeamKey('Other', 'other@team.example'));
    try {
      expect((await get(`/api/reports/${id}/html`, lead.token)).json<HtmlBody>()).toEqual({ html: null, length: 0, isTruncated: false, unavailable: 'undecryptable' });
    } finally {
      h.deps.teamKeys.splice(0, h.deps.teamKeys.length, ...kept);
    }
  });

  it('answers a hidden report exactly like a missing one, asks for a sign-in, and checks the id', async () => {
    const id = await receive(alternative('<p>TLP:RED</p>'));
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [id], tlp: 'RED' });
    await setIncidentAccessList(h.deps, h.actor, incident.id, { accountIds: [lead.actor.id] });
    expect((await get(`/api/reports/${id}/html`, lead.token)).statusCode).toBe(200);

    const hidden = await get(`/api/reports/${id}/html`, handler);
    const missingId = randomUUID();
    const missing = await get(`/api/reports/${missingId}/html`, handler);
    expect(hidden.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    const shape = (body: string, reportId: string) => {
      const { error } = JSON.parse(body) as { error: { code: string; message: string } };
      return { code: error.code, message: error.message.replace(reportId, 'ID') };
    };
    expect(shape(hidden.body, id)).toEqual(shape(missing.body, missingId));
    expect(hidden.body).not.toContain('TLP:RED');

    expect((await get(`/api/reports/${id}/html`)).statusCode).toBe(401);
    expect((await get('/api/reports/not-a-uuid/html', lead.token)).statusCode).toBe(400);
  });

  it('is described in the OpenAPI document', async () => {
    const spec = (await get('/api/openapi.json')).json<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>();
    expect(spec.paths['/api/reports/{id}/html']).toBeDefined();
    expect(spec.components.schemas.ReportHtml).toBeDefined();
  });
});

interface HeadersBody {
  headers: { name: string; value: string }[];
  isTruncated: boolean;
}

describe('GET /api/reports/:id/headers', () => {
  it('answers every header in order, duplicates kept, unfolded and decoded, and records the read in custody', async () => {
    const id = await receive('Content-Type: text/plain; charset=utf-8\r\n\r\nbody 198.51.100.7\r\n', [
      'Received: from mx2.example.net (mx2.example.net [198.51.100.2])\r\n\tby mx.renkei.example; Thu, 26 Nov 2026 09:00:02 +0900',
      'Received: from sender.example.jp (sender.example.jp [203.0.113.5]) by mx2.example.net; Thu, 26 Nov 2026 09:00:01 +0900',
      'X-Report-Note: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <script>alert(1)</script>',
      'Authentication-Results: mx.renkei.example; spf=fail smtp.mailfrom=example.jp',
    ]);
    const res = await get(`/api/reports/${id}/headers`, lead.token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { headers, isTruncated } = res.json<HeadersBody>();
    expect(isTruncated).toBe(false);
    expect(headers.map((x) => x.name)).toEqual(['From', 'To', 'Subject', 'Message-ID', 'Received', 'Received', 'X-Report-Note', 'Authentication-Results', 'Content-Type']);
    expect(headers.filter((x) => x.name === 'Received').map((x) => x.value)).toEqual([
      'from mx2.example.net (mx2.example.net [198.51.100.2]) by mx.renkei.example; Thu, 26 Nov 2026 09:00:02 +0900',
      'from sender.example.jp (sender.example.jp [203.0.113.5]) by mx2.example.net; Thu, 26 Nov 2026 09:00:01 +0900',
    ]);
    // Decoded (ISO-2022-JP 山田), and the markup is data for the screen to show as text.
    expect(headers.find((x) => x.name === 'X-Report-Note')!.value).toBe('山田 <script>alert(1)</script>');

    const raw = (await h.deps.store.evidence.forReport(id)).find((i) => i.kind === 'raw-original')!;
    const custody = await h.deps.store.evidence.custody([raw.id]);
    expect(custody.at(-1)).toMatchObject({ action: 'viewed', detail: { reportId: id, shownAs: 'headers' } });
  });

  it('reads the headers even when the body defeats the MIME parser', async () => {
    const id = await receive('Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\ncut off', ['X-Kept: yes']);
    const { headers } = (await get(`/api/reports/${id}/headers`, lead.token)).json<HeadersBody>();
    expect(headers).toContainEqual({ name: 'X-Kept', value: 'yes' });
  });

  it('answers no headers for a report that did not come by mail', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: { authorization: `Bearer ${lead.token}` },
      payload: { channel: 'web-form', subject: 'form', body: 'Received: not a header' },
    });
    const formId = created.json<{ report: { id: string } }>().report.id;
    expect((await get(`/api/reports/${formId}/headers`, lead.token)).json<HeadersBody>()).toEqual({ headers: [], isTruncated: false });
  });

  it('answers a hidden report exactly like a missing one, and asks for a sign-in', async () => {
    const id = await receive('Content-Type: text/plain\r\n\r\nTLP:RED headers\r\n', ['X-Secret: TLP:RED']);
    const incident = await createIncidentFromReports(h.deps, h.actor, { reportIds: [id], tlp: 'RED' });
    await setIncidentAccessList(h.deps, h.actor, incident.id, { accountIds: [lead.actor.id] });
    expect((await get(`/api/reports/${id}/headers`, lead.token)).statusCode).toBe(200);
    const hidden = await get(`/api/reports/${id}/headers`, handler);
    const missingId = randomUUID();
    const missing = await get(`/api/reports/${missingId}/headers`, handler);
    expect([hidden.statusCode, missing.statusCode]).toEqual([404, 404]);
    const shape = (body: string, reportId: string) => {
      const { error } = JSON.parse(body) as { error: { code: string; message: string } };
      return { code: error.code, message: error.message.replace(reportId, 'ID') };
    };
    expect(shape(hidden.body, id)).toEqual(shape(missing.body, missingId));
    expect(hidden.body).not.toContain('TLP:RED');
    expect((await get(`/api/reports/${id}/headers`)).statusCode).toBe(401);
  });
});
