import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { ServiceDeps } from '../services/deps.js';
import { registerAuth } from './auth.js';
import { AppError } from '../domain/errors.js';
import { authRoutes } from './routes/auth.routes.js';
import { intakeRoutes } from './routes/intake.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { errorHandler } from './error-handler.js';
import { incidentRoutes } from './routes/incidents.routes.js';
import { coordinationRoutes } from './routes/coordinations.routes.js';
import { evidenceRoutes } from './routes/evidence.routes.js';
import { passwordResetRoutes } from './routes/password-reset.routes.js';
import { publicRoutes } from './routes/public.routes.js';
import { metaRoutes } from './routes/meta.routes.js';
import { observableRoutes } from './routes/observables.routes.js';
import { organisationRoutes } from './routes/organisations.routes.js';
import { reportRoutes } from './routes/reports.routes.js';
import { searchRoutes } from './routes/search.routes.js';
import { steeringRoutes } from './routes/steering.routes.js';
import { statisticsRoutes } from './routes/statistics.routes.js';
import { registerWeb } from './web.js';

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: { method: string; url: string }[];
  }
}

export interface AppOptions {
  deps: ServiceDeps;
  /** Whether the database answers: `/healthz` says 503 when it does not. */
  ping: () => Promise<boolean>;
  /** Mark session cookies `Secure` (when served over TLS). */
  secureCookies?: boolean;
  logger?: boolean | { level: string };
  version?: string;
  /** The proxies whose X-Forwarded-For gives the client's address (see config.ts trustProxy); none by default. */
  trustProxy?: false | string[];
}

/** The HTTP API: thin routes over the use cases, validated both ways, described at /api/openapi.json. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Reports may carry a raw original of up to 25 MB as base64.
    bodyLimit: 40 * 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` }, requestId: request.id }),
  );

  // Every route, for the authorisation matrix test (route-policy.ts).
  const routeTable: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  app.decorate('routeTable', routeTable);
  // The documentation pages are public; everything they describe needs a sign-in.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config as object), auth: 'public' };
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Renkei API',
        description: 'Renkei (連携) — incident coordination for CSIRTs. Reports, incidents, observables, the directory and search.',
        version: options.version ?? '0.1.0',
      },
      tags: [
        { name: 'reports', description: 'Inbound reports and triage' },
        { name: 'incidents', description: 'Incidents, their timeline (経過記録) and observables' },
        { name: 'observables', description: 'Correlation: where else has this been seen' },
        { name: 'directory', description: 'Organisations, contacts and owned resources' },
        { name: 'search', description: 'Full-text search, Japanese included' },
        { name: 'meta', description: 'Health and taxonomy' },
        { name: 'auth', description: 'Sign-in, second factor, sessions and API tokens' },
        { name: 'admin', description: 'Accounts and the audit log' },
        { name: 'intake', description: 'The mail spool: mail acknowledged (250) and not yet a report, the mails held for an operator' },
        { name: 'evidence', description: 'Evidence and its chain of custody: hashes checked on every read, malware only as a ZIP encrypted with "infected"' },
        { name: 'statistics', description: 'The quarterly report (JSON, CSV, printable HTML) and the public status page' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token (rk_…) from POST /api/tokens or `renkei token create`' },
          session: { type: 'apiKey', in: 'cookie', name: 'renkei_session', description: 'browser session; send x-csrf-token on changes' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: {}, staticCSP: true });

  // NUL cannot be stored or searched on PostgreSQL; refuse it in the URL before anything reads it.
  app.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url)) throw new AppError('VALIDATION', 'the URL contains a NUL character (%00)', { issues: [{ path: ['url'], message: 'NUL is not allowed' }] });
  });

  const deps = options.deps;
  await registerAuth(app, { deps, secureCookies: options.secureCookies ?? false });
  await app.register(metaRoutes, { deps, ping: options.ping });
  await app.register(authRoutes, { prefix: '/api', deps, secureCookies: options.secureCookies ?? false });
  await app.register(passwordResetRoutes, { prefix: '/api', deps });
  await app.register(publicRoutes, { prefix: '/api', deps });
  await app.register(adminRoutes, { prefix: '/api', deps });
  await app.register(reportRoutes, { prefix: '/api', deps });
  await app.register(intakeRoutes, { prefix: '/api', deps });
  await app.register(incidentRoutes, { prefix: '/api', deps });
  await app.register(coordinationRoutes, { prefix: '/api', deps });
  await app.register(evidenceRoutes, { prefix: '/api', deps });
  await app.register(observableRoutes, { prefix: '/api', deps });
  await app.register(organisationRoutes, { prefix: '/api', deps });
  await app.register(searchRoutes, { prefix: '/api', deps });
  await app.register(steeringRoutes, { prefix: '/api', deps });
  await app.register(statisticsRoutes, { prefix: '/api', deps });
  app.get('/api/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());
  // The web application at / (every other GET that is not the API) and the security headers of every answer.
  await registerWeb(app);
  await app.ready();
  return app;
}
