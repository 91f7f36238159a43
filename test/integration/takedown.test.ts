import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAsProfile } from '../../src/channels/web-fetch.js';
import { FetchPolicy } from '../../src/domain/fetch-policy.js';
import { FETCH_PROFILES } from '../../src/domain/liveness.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { checkTakedownNow, createTakedown, listTakedowns } from '../../src/services/takedown.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { storedBytes } from '../../src/services/evidence-bytes.js';

/**
 * Takedown tracking and liveness checks against local web servers (allowed
 * by RENKEI_FETCH_ALLOW=127.0.0.0/8 here; refused otherwise): cloaking,
 * down, verified, relapse, redirect loops, endless bodies, and the SSRF guard.
 */
let h: Harness;
let site: http.Server;
let port = 0;
let mode: 'cloak' | 'up' | 'down' = 'cloak';
const MAX = 64 * 1024;

/** What a hostile DNS might answer. */
const dns: Record<string, string[]> = { 'phish.evil.example': ['127.0.0.1'], 'metadata.evil.example': ['169.254.169.254'], 'mixed.evil.example': ['127.0.0.1', '10.0.0.5'] };
const resolve = (host: string) => (dns[host] ? Promise.resolve(dns[host]) : Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })));

beforeAll(async () => {
  site = http.createServer((req, res) => {
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop2' }).end();
    if (req.url === '/loop2') return res.writeHead(302, { location: '/loop' }).end();
    if (req.url === '/to-metadata') return res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      pump();
      return;
    }
    if (mode === 'down') return res.writeHead(404).end('gone');
    const japanese = String(req.headers['accept-language'] ?? '').startsWith('ja');
    if (mode === 'cloak' && !japanese) return res.writeHead(404).end('Not Found');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><head><title>ログイン | Example Bank</title></head><body>phish</body></html>');
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
  port = (site.address() as AddressInfo).port;
  h = await createHarness({ fetchAllow: ['127.0.0.0/8'], fetchMaxBytes: MAX, resolve });
});
afterAll(async () => {
  site.closeAllConnections();
  await new Promise((r) => site.close(r));
  await h.close();
});

async function incidentWith(url: string) {
  const { report } = await recordReport(h.deps, h.actor, { sourceRef: `t-${Math.random()}`, body: `phishing at ${url}` });
  return createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id], category: 'phishing' });
}

describe('takedown tracking', () => {
  it('says cloaked (never down) when the kit answers Japanese browsers only; goes down, verified after 48 h, and relapses', async () => {
    const url = `http://phish.evil.example:${port}/jp/login`;
    const incident = await incidentWith(url);
    const t = await createTakedown(h.deps, h.actor, incident.id, { url: url.replace('http', 'hxxp').replace('.example', '[.]example') });
    expect(t).toMatchObject({ state: 'reported', url });

    mode = 'cloak';
    await h.runJobs(); // the first check, queued at creation
    let [view] = await listTakedowns(h.deps, h.actor, incident.id);
    expect(view!.lastVerdict).toBe('cloaked');
    expect(view!.state).toBe('reported');
    const outcomes = view!.checks[0]!.outcomes;
    expect(outcomes.map((o) => [o.profile, o.status])).toEqual([
      ['desktop-ja', 200],
      ['mobile-ja', 200],
      ['desktop-en', 404],
    ]);
    expect(outcomes[0]!.title).toBe('ログイン | Example Bank');
    expect(outcomes[0]!.chain[0]!.address).toBe('127.0.0.1');
    expect((await storedBytes(h.deps, outcomes[0]!.bodySha256!)).toString()).toContain('Example Bank');

    // A takedown request goes out: requested.
    const c = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', contactEmail: 'abuse@host.example' });
    await sendCoordination(h.deps, h.actor, incident.id, c.id);
    expect((await listTakedowns(h.deps, h.actor, incident.id))[0]!.state).toBe('requested');

    mode = 'down';
    view = await checkTakedownNow(h.deps, h.actor, incident.id, t.id);
    expect(view).toMatchObject({ state: 'down', lastVerdict: 'down', verifiedAt: null });
    h.advance(49 * 3600_000);
    view = await checkTakedownNow(h.deps, h.actor, incident.id, t.id);
    expect(view.verifiedAt).not.toBeNull();
    expect(view.hoursToTakedown).toBeGreaterThanOrEqual(0);

    mode = 'cloak';
    h.advance(72 * 3600_000);
    view = await checkTakedownNow(h.deps, h.actor, incident.id, t.id);
    expect(view).toMatchObject({ state: 'relapsed', verifiedAt: null });
    const entries = (await getTimeline(h.deps, h.actor, incident.id)).items.filter((e) => e.action === 'takedown.state');
    expect(entries.map((e) => (e.changes.state as { after: string } | undefined)?.after)).toEqual(['requested', 'down', undefined, 'relapsed']);
    expect(entries.at(-1)!.note).toMatch(/relapse/);
  });

  it('keeps checking on a schedule until verified', async () => {
    const url = `http://127.0.0.1:${port}/scheduled`;
    const incident = await incidentWith(url);
    mode = 'up';
    const t = await createTakedown(h.deps, h.actor, incident.id, { url });
    await h.runJobs();
    h.advance(31 * 60_000);
    await h.runJobs();
    expect((await listTakedowns(h.deps, h.actor, incident.id)).find((x) => x.id === t.id)!.checks).toHaveLength(2);
  });
});

describe('fetching a reported site', () => {
  const open = new FetchPolicy(['127.0.0.0/8']);
  const closed = new FetchPolicy();
  const fetch = (url: string, policy = open) => fetchAsProfile(url, FETCH_PROFILES[0]!, { policy, resolve, maxBytes: MAX, timeoutMs: 3000 });

  it('stops at a redirect loop and reads an endless body only up to the cap', async () => {
    const loop = await fetch(`http://127.0.0.1:${port}/loop`);
    expect(loop).toMatchObject({ errorKind: 'redirect-loop', status: null });
    expect(loop.chain.map((c) => c.status)).toEqual([302, 302]);
    const endless = await fetch(`http://127.0.0.1:${port}/endless`);
    expect(endless).toMatchObject({ status: 200, truncated: true, bodyBytes: MAX });
  });

  it('refuses loopback, private and metadata addresses — by literal, by DNS answer and by redirect — unless allowed', async () => {
    expect(await fetch(`http://127.0.0.1:${port}/`, closed)).toMatchObject({ errorKind: 'policy' });
    expect(await fetch(`http://phish.evil.example:${port}/`, closed)).toMatchObject({ errorKind: 'policy' });
    expect((await fetch('http://metadata.evil.example/latest/meta-data/')).error).toMatch(/169\.254\.169\.254 is link-local/);
    expect(await fetch('http://169.254.169.254/')).toMatchObject({ errorKind: 'policy' });
    expect(await fetch('http://[::ffff:169.254.169.254]/')).toMatchObject({ errorKind: 'policy' });
    expect(await fetch(`http://mixed.evil.example:${port}/`)).toMatchObject({ errorKind: 'policy' }); // one bad answer is enough
    const redirected = await fetch(`http://127.0.0.1:${port}/to-metadata`);
    expect(redirected).toMatchObject({ errorKind: 'policy' });
    expect(redirected.chain.map((c) => c.status)).toEqual([302]);
    expect(await fetch('http://nowhere.evil.example/')).toMatchObject({ errorKind: 'dns' });
    expect(await fetch('file:///etc/passwd')).toMatchObject({ errorKind: 'policy' });
  });

  it('refuses a URL that is not http(s) as a takedown, with a clear error', async () => {
    const incident = await incidentWith('https://x.evil.example/');
    await expect(createTakedown(h.deps, h.actor, incident.id, { url: 'javascript:alert(1)' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
