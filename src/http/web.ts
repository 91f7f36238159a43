import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The handlers' web application (web/, built by Vite into web/dist), served
 * by Renkei itself at `/`: hashed assets cached for good, every other path
 * that is not the API answered with the app's index.html (the app routes in
 * the browser). Security headers on every answer.
 */

/** The app's policy: its own scripts, styles and API only; nothing inline, nothing remote, no framing. */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** API answers are data, never pages: should one be opened in a browser, nothing in it runs or loads. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const DEFAULT_WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt']);

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  isImmutable: boolean;
}

function asset(body: Buffer, ext: string, isImmutable: boolean): Asset {
  const gzip = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
  return { body, gzip, type: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, isImmutable };
}

/** Every file of the build, in memory (a few hundred KB), compressed once at start. */
function loadDist(dir: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  const visit = (p: string) => {
    for (const name of readdirSync(p)) {
      const full = join(p, name);
      if (statSync(full).isDirectory()) visit(full);
      else {
        const url = `/${relative(dir, full).split(sep).join('/')}`;
        files.set(url, asset(readFileSync(full), extname(name), url.startsWith('/assets/')));
      }
    }
  };
  visit(dir);
  return files;
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Renkei</title></head><body>
<h1>Renkei (連携)</h1>
<p>The web application is not built yet: run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when missing).
The API is at <a href="/api/docs">/api/docs</a>.</p>
<p lang="ja">Web アプリケーションがまだビルドされていません。<code>npm run build:web</code> を実行してください。</p>
</body></html>`;

const isApiPath = (path: string) => path === '/api' || path.startsWith('/api/') || path === '/.well-known' || path.startsWith('/.well-known/') || path === '/healthz';

export interface WebOptions {
  /** Where the built app is (default: web/dist of this checkout). */
  distDir?: string;
}

/** Registered on the root instance (not encapsulated), so the header hook covers every route. */
export async function registerWeb(app: FastifyInstance, options: WebOptions = {}): Promise<void> {
  const files = loadDist(options.distDir ?? DEFAULT_WEB_DIST);
  const index = files.get('/index.html') ?? asset(Buffer.from(NOT_BUILT), '.html', false);

  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
    const path = request.url.split('?')[0] ?? '/';
    // Swagger UI sets its own policy for its pages (staticCSP).
    if (!path.startsWith('/api/docs') && !reply.hasHeader('content-security-policy')) {
      void reply.header('content-security-policy', isApiPath(path) ? API_CSP : APP_CSP);
      if (!isApiPath(path)) void reply.header('cross-origin-opener-policy', 'same-origin').header('x-frame-options', 'DENY');
    }
    return payload;
  });

  const send = (request: FastifyRequest, reply: FastifyReply, file: Asset) => {
    void reply
      .header('content-type', file.type)
      .header('etag', file.etag)
      .header('vary', 'accept-encoding')
      .header('cache-control', file.isImmutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
    const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    if (file.gzip && acceptsGzip) return reply.header('content-encoding', 'gzip').send(file.gzip);
    return reply.send(file.body);
  };

  app.get('/*', { config: { auth: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (isApiPath(path)) return reply.callNotFound();
    const file = files.get(path);
    if (file) return send(request, reply, file);
    // A missing asset (or any path that names a file) is a 404, not the app.
    if (path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    return send(request, reply, index);
  });
}
