import pino from 'pino';
import type { Config } from '../config.js';
import { createContainer } from '../container.js';
import { buildApp } from '../http/app.js';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/** Start the embedded system: API on SQLite by default, PostgreSQL with DATABASE_URL. */
export async function serve(config: Config, role: 'all' | 'api' | 'worker' | 'smtp'): Promise<void> {
  const log = pino({ level: config.logLevel });
  if (role === 'worker' || role === 'smtp') {
    log.error(`role ${role} is not available yet: the SMTP intake (issue 4) and the background workers (issue 7) have not landed`);
    process.exitCode = 2;
    return;
  }
  if (!isLoopback(config.httpHost)) {
    log.error(
      `refusing to listen on ${config.httpHost}: sign-in and API tokens (issue 3) have not landed, so the API must stay on loopback (RENKEI_HTTP_HOST=127.0.0.1)`,
    );
    process.exitCode = 2;
    return;
  }
  const container = await createContainer(config);
  const app = await buildApp({ deps: container.deps, ping: () => container.database.ping(), logger: { level: config.logLevel } });
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
      `  Acting as the local operator: accounts and sign-in arrive with issue 3, so the API listens on loopback only.`,
      `  The SMTP intake (RENKEI_SMTP_PORT=${config.smtpPort}) is not part of this build yet (issue 4).`,
      '',
    ].join('\n'),
  );
}
