import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { authenticateSession, type Session } from '../services/auth/session.service.js';
import { authenticateToken } from '../services/auth/token.service.js';
import { safeEqual } from '../services/auth/secrets.js';
import type { ServiceDeps } from '../services/deps.js';

export const SESSION_COOKIE = 'renkei_session';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Who may call a route: `public` (anyone), `pending` (signed in, second
 * factor not yet passed — only the sign-in steps), `required` (the default:
 * fully signed in, by session or API token).
 */
export type RouteAuth = 'public' | 'pending' | 'required';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** Set on every route but `public` ones (where it is set when the caller happens to be signed in). */
    actor: Actor;
    /** The browser session, when the caller uses one (not with an API token). */
    session?: Session;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthOptions {
  deps: ServiceDeps;
  secureCookies: boolean;
}

/**
 * Authentication for every request, in one hook: a bearer API token or the
 * session cookie becomes `request.actor`; browser sessions must send the
 * CSRF token on every state-changing request.
 */
export async function registerAuth(app: FastifyInstance, { deps }: AuthOptions): Promise<void> {
  await app.register(fastifyCookie);
  app.decorateRequest('actor');
  app.decorateRequest('session');
  app.addHook('onRequest', async (request) => {
    const mode = request.routeOptions.config.auth ?? 'required';
    const ip = request.ip ?? null;
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      if (mode === 'public') return;
      request.actor = await authenticateToken(deps, header.slice(7).trim(), ip);
      return;
    }
    const cookie = request.cookies[SESSION_COOKIE];
    const found = cookie ? await authenticateSession(deps, cookie, ip) : undefined;
    if (found) {
      request.actor = found.actor;
      request.session = found.session;
    }
    if (mode === 'public') return;
    if (!found) throw new AppError('UNAUTHENTICATED', 'sign in first (session cookie or Authorization: Bearer <API token>)');
    if (!found.session.isMfaPassed && mode !== 'pending')
      throw new AppError('UNAUTHENTICATED', 'the second factor is required before anything else', { next: 'second-factor' });
    if (!SAFE_METHODS.has(request.method)) assertCsrf(request, found.session);
  });
}

function assertCsrf(request: FastifyRequest, session: Session): void {
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken))
    throw new AppError('FORBIDDEN', `missing or wrong ${CSRF_HEADER} header: send the csrfToken from sign-in with every change`);
}
