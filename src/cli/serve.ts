import pino from 'pino';
import type { Config } from '../config.js';
import { createContainer } from '../container.js';
import { buildApp } from '../http/app.js';
import { systemActor } from '../domain/actor.js';
import { bootstrapAdministrator } from '../services/auth/account.service.js';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** Start the embedded system: API on SQLite by default, PostgreSQL with DATABASE_URL. */
export async function serve(config: Config, role: 'all' | 'api' | 'worker' | 'smtp'): Promise<void> {
  const log = pino({ level: config.logLevel });
  if (role === 'worker' || role === 'smtp') {
    log.error(`role ${role} is not available yet: the SMTP intake (issue 4) and the background workers (issue 7) have not landed`);
    process.exitCode = 2;
    return;
  }
  if (!isLoopback(config.httpHost) && !config.secureCookies)
    log.warn(`listening on ${config.httpHost} without RENKEI_SECURE_COOKIES=true: serve it behind TLS and set it`);
  const container = await createContainer(config);
  const admin = await bootstrapAdministrator(container.deps, systemActor('bootstrap'), { email: config.adminEmail, password: config.adminPassword });
  const app = await buildApp({
    deps: container.deps,
    ping: () => container.database.ping(),
    logger: { level: config.logLevel },
    secureCookies: config.secureCookies,
  });
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await app.close();
    await container.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host: config.httpHost, port: config.httpPort });
  const url = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${config.httpPort}`;
  console.log(
    [
      '',
      `Renkei (連携) is up — ${container.database.describe}`,
      `  API           ${url}/api`,
      `  API docs      ${url}/api/docs`,
      `  Health        ${url}/healthz`,
      ...(admin.created
        ? [
            `  First administrator created: ${admin.email}`,
            ...(admin.password
              ? [`  Its password, shown this once and never again: ${admin.password}`]
              : ['  Its password is the one in RENKEI_ADMIN_PASSWORD.']),
            '  Sign in (POST /api/auth/sign-in) and enrol a TOTP authenticator; or create an API token: npm run renkei -- token create --user EMAIL --scope write',
          ]
        : []),
      `  The SMTP intake (RENKEI_SMTP_PORT=${config.smtpPort}) is not part of this build yet (issue 4).`,
      '',
    ].join('\n'),
  );
}
