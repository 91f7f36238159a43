import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FetchPolicy } from '../domain/fetch-policy.js';
import type { FetchOutcome, FetchProfile } from '../domain/liveness.js';

/** Resolve a name to every address (injectable so tests can answer as a hostile DNS would). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addresses: LookupAddress[]) => (err ? reject(err) : resolve(addresses.map((a) => a.address)))),
  );

export interface FetchOptions {
  policy: FetchPolicy;
  resolve?: Resolver;
  /** Bytes of body kept (and hashed); the rest is not read. */
  maxBytes?: number;
  timeoutMs?: number;
  maxRedirects?: number;
}

class FetchError extends Error {
  constructor(
    readonly kind: NonNullable<FetchOutcome['errorKind']>,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GET a URL as one browser profile would, following redirects by hand so
 * each hop is checked: every address a name resolves to must be allowed by
 * the policy (so a DNS answer or a redirect to 127.0.0.1 or
 * 169.254.169.254 is refused), and the connection goes to the address that
 * was checked. The body is read up to a cap and hashed; never rendered.
 */
export async function fetchAsProfile(url: string, profile: FetchProfile, options: FetchOptions): Promise<FetchOutcome> {
  const maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
  const maxRedirects = options.maxRedirects ?? 8;
  const chain: FetchOutcome['chain'] = [];
  const seen = new Set<string>();
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      if (seen.has(current)) throw new FetchError('redirect-loop', `redirect loop back to ${current}`);
      seen.add(current);
      const res = await request(current, profile, options, maxBytes);
      chain.push({ url: current, status: res.status, address: res.address });
      if (res.status >= 300 && res.status < 400 && res.location) {
        if (hop >= maxRedirects) throw new FetchError('too-many-redirects', `more than ${maxRedirects} redirects`);
        current = new URL(res.location, current).toString();
        continue;
      }
      return {
        profile: profile.name,
        status: res.status,
        errorKind: null,
        error: null,
        chain,
        finalUrl: current,
        title: titleOf(res.body),
        bodySha256: createHash('sha256').update(res.body).digest('hex'),
        bodyBytes: res.body.length,
        truncated: res.truncated,
        certificate: res.certificate,
        body: res.body,
      };
    }
  } catch (err) {
    const e = err instanceof FetchError ? err : classify(err);
    return { profile: profile.name, status: null, errorKind: e.kind, error: e.message, chain, finalUrl: current, title: null, bodySha256: null, bodyBytes: 0, truncated: false, certificate: null, body: null };
  }
}

interface RawResponse {
  status: number;
  location: string | null;
  address: string | null;
  body: Buffer;
  truncated: boolean;
  certificate: FetchOutcome['certificate'];
}

async function request(target: string, profile: FetchProfile, options: FetchOptions, maxBytes: number): Promise<RawResponse> {
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new FetchError('other', `not a URL: ${target.slice(0, 200)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FetchError('policy', `${u.protocol} URLs are not fetched`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let address: string;
  if (isIP(host)) {
    const refusal = options.policy.refusal(host);
    if (refusal) throw new FetchError('policy', refusal);
    address = host;
  } else {
    let addresses: string[];
    try {
      addresses = await (options.resolve ?? systemResolver)(host);
    } catch (err) {
      throw new FetchError('dns', `${host} does not resolve: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (addresses.length === 0) throw new FetchError('dns', `${host} does not resolve`);
    for (const a of addresses) {
      const refusal = options.policy.refusal(a);
      if (refusal) throw new FetchError('policy', `${host} resolves to ${refusal}`);
    }
    address = addresses[0]!;
  }
  // Connect to the address checked above, whatever the resolver would say a second time (no DNS rebinding).
  const pinned: LookupFunction = (_hostname, opts, cb) => {
    const family = isIP(address);
    if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: LookupAddress[]) => void)(null, [{ address, family }]);
    else cb(null, address, family);
  };
  const timeout = options.timeoutMs ?? 10_000;
  return new Promise<RawResponse>((resolve, reject) => {
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(
      u,
      {
        method: 'GET',
        lookup: pinned,
        headers: { 'user-agent': profile.userAgent, 'accept-language': profile.acceptLanguage, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
        timeout,
        ...(u.protocol === 'https:' ? { rejectUnauthorized: false, servername: isIP(host) ? undefined : host } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const socket = res.socket as TLSSocket;
        const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null;
        const certificate =
          peer && Object.keys(peer).length
            ? { subject: [peer.subject?.CN ?? []].flat()[0] ?? null, issuer: [peer.issuer?.CN ?? []].flat()[0] ?? null, validTo: peer.valid_to ?? null, authorized: socket.authorized === true }
            : null;
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            location: typeof res.headers.location === 'string' ? res.headers.location : null,
            address: res.socket?.remoteAddress ?? address,
            body: Buffer.concat(chunks),
            truncated,
            certificate,
          });
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          const room = maxBytes - size;
          if (chunk.length >= room) {
            chunks.push(chunk.subarray(0, room));
            size = maxBytes;
            truncated = true;
            res.destroy();
            done();
            return;
          }
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', done);
        res.on('error', (err) => (truncated ? undefined : reject(err)));
      },
    );
    req.on('timeout', () => req.destroy(new FetchError('timeout', `no answer within ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function classify(err: unknown): FetchError {
  const e = err as NodeJS.ErrnoException & { kind?: string };
  if (err instanceof FetchError) return err;
  if (e.code === 'ECONNREFUSED') return new FetchError('refused', `connection refused (${e.message})`);
  if (e.code === 'ETIMEDOUT' || e.code === 'ESOCKETTIMEDOUT') return new FetchError('timeout', e.message);
  if (e.code === 'ECONNRESET') return new FetchError('other', `connection reset (${e.message})`);
  if (e.code?.startsWith('ERR_TLS') || e.code?.includes('CERT')) return new FetchError('tls', e.message);
  return new FetchError('other', e.message ?? String(err));
}

function titleOf(body: Buffer): string | null {
  const head = body.subarray(0, 256 * 1024).toString('utf8');
  const m = /<title[^>]*>([^<]{0,500})/i.exec(head);
  return m ? m[1]!.replace(/\s+/g, ' ').trim() || null : null;
}

/** At most `limit` calls of `fn` at once; the others wait their turn (checks of a thousand sites do not open a thousand sockets). */
export function limitConcurrency<A extends unknown[], R>(fn: (...args: A) => Promise<R>, limit: number): (...args: A) => Promise<R> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (...args: A) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn(...args);
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
