import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { API_CSP, APP_CSP, DEFAULT_WEB_DIST } from '../../src/http/web.js';
import { createHarness, type Harness } from '../support/harness.js';

/** The web application served by Renkei itself (src/http/web.ts); web/dist is built by the test run's global setup. */
let h: Harness;
let app: FastifyInstance;
let asset: string;

beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  asset = /src="(\/assets\/[^"]+\.js)"/.exec(readFileSync(join(DEFAULT_WEB_DIST, 'index.html'), 'utf8'))![1]!;
});
afterAll(async () => {
  await app.close();
  await h.close();
});

describe('the web application', () => {
  it('is served at / and at every path the app routes, with its security headers', async () => {
    for (const url of ['/', '/triage', '/incidents/RK-2026-000001', '/search?q=%E8%A9%90%E6%AC%BA']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('<div id="root"></div>');
      expect(res.headers['content-security-policy']).toBe(APP_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    expect(APP_CSP).toContain("script-src 'self'");
    expect(APP_CSP).not.toContain('unsafe');
  });

  it('serves hashed assets compressed and cached for good, and answers 304 to a known ETag', async () => {
    const res = await app.inject({ url: asset, headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['cache-control']).toContain('immutable');
    expect(gunzipSync(res.rawPayload).length).toBeGreaterThan(res.rawPayload.length);
    expect((await app.inject({ url: asset, headers: { 'if-none-match': String(res.headers.etag) } })).statusCode).toBe(304);
  });

  it('leaves the API its JSON 404s, and a missing file is a 404, not the app', async () => {
    for (const url of ['/api/nothing-here', '/.well-known/nothing', '/assets/missing.js', '/favicon.ico']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
    }
    const api = await app.inject('/api/incidents');
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-security-policy']).toBe(API_CSP);
  });

  it('keeps the API documentation working with its own policy', async () => {
    const res = await app.inject('/api/docs/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).not.toBe(APP_CSP);
  });
});

describe('PATCH /api/auth/me', () => {
  it('changes the language of one’s own account, and only to a known one', async () => {
    const { token, actor } = await h.user(['handler']);
    const headers = { authorization: `Bearer ${token}` };
    const res = await app.inject({ method: 'PATCH', url: '/api/auth/me', headers, payload: { language: 'en' } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ id: string; language: string }>()).toMatchObject({ id: actor.id, language: 'en' });
    const bad = await app.inject({ method: 'PATCH', url: '/api/auth/me', headers, payload: { language: 'fr' } });
    expect(bad.statusCode).toBe(400);
    const roles = await app.inject({ method: 'PATCH', url: '/api/auth/me', headers, payload: { roles: ['administrator'] } });
    expect(roles.statusCode).toBe(400);
  });
});
