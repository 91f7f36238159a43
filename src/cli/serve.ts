import { readFileSync } from 'node:fs';
import pino from 'pino';
import type { SMTPServer } from 'smtp-server';
import type { Config } from '../config.js';
import { createContainer } from '../container.js';
import { buildApp } from '../http/app.js';
import { createSmtpIntake } from '../channels/smtp-intake.js';
import { MailSpool } from '../services/mail-spool.service.js';
import type { ImapPoller } from '../channels/imap-poller.js';
import { systemActor } from '../domain/actor.js';
import { parseIntakeRoutes } from '../domain/intake-route.js';
import { bootstrapAdministrator } from '../services/auth/account.service.js';
import { scheduleEvidenceRetention } from '../services/evidence-retention.service.js';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * Start Renkei: by default (`all`) the API and the SMTP intake in one process,
 * on SQLite under the data directory, or PostgreSQL with DATABASE_URL.
 * `--role api`, `--role smtp` or `--role worker` (the job queue: outbound
 * mail, reminders) run one part, for scale-out; any number of each.
 */
export async function serve(config: Config, role: 'all' | 'api' | 'worker' | 'smtp'): Promise<void> {
  const log = pino({ level: config.logLevel });
  if (!isLoopback(config.httpHost) && !config.secureCookies)
    log.warn(`listening on ${config.httpHost} without RENKEI_SECURE_COOKIES=true: serve it behind TLS and set it`);
  const container = await createContainer(config, {
    onConnectionError: (err) => log.warn({ err: err.message }, 'database connection lost (the server restarted or stopped); the next statement connects anew'),
  });
  const runApi = role === 'all' || role === 'api';
  const runSmtp = (role === 'all' || role === 'smtp') && config.smtpPort !== 0;
  const runWorker = role === 'all' || role === 'worker';
  const admin = runApi
    ? await bootstrapAdministrator(container.deps, systemActor('bootstrap'), { email: config.adminEmail, password: config.adminPassword })
    : { created: false as const };
  const app = runApi
    ? await buildApp({ deps: container.deps, ping: () => container.database.ping(), logger: { level: config.logLevel }, secureCookies: config.secureCookies, trustProxy: config.trustProxy ?? false })
    : undefined;
  let smtp: SMTPServer | undefined;
  let spool: MailSpool | undefined;
  let imap: ImapPoller | undefined;
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await imap?.stop();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await spool?.stop(); // mails in hand finish; the rest stay spooled for the next start
    await app?.close();
    await container.close(); // stops the job worker, letting running jobs finish
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const lines = ['', `Renkei (連携) is up — ${container.database.describe}`];
  // The SMTP listener comes up before the API: once /healthz answers, every
  // door this process opens is open (operators and the CI smoke test rely on it).
  let smtpLine: string | undefined;
  const runImap = (role === 'all' || role === 'smtp') && Boolean(config.imapUrl);
  if (runSmtp || runImap) {
    // The mail doors say they are up only when mail can be read at once (worker threads started and loaded).
    await container.deps.mailReader?.warm();
    // Mail spooled and not yet recorded (left by a crash, or the database away) is taken first, oldest first, beside new mail.
    spool = new MailSpool(container.deps, systemActor('smtp'), { logger: log });
    spool.start();
  }
  if (runSmtp && spool) {
    const routes = parseIntakeRoutes(config.intakeAddresses);
    if (!routes.ok) throw new Error(routes.error);
    if (Boolean(config.smtpTlsKey) !== Boolean(config.smtpTlsCert)) throw new Error('set both RENKEI_SMTP_TLS_KEY and RENKEI_SMTP_TLS_CERT (PEM files) to offer STARTTLS, or neither');
    const tls = config.smtpTlsKey && config.smtpTlsCert ? { key: readFileSync(config.smtpTlsKey), cert: readFileSync(config.smtpTlsCert) } : undefined;
    smtp = createSmtpIntake({
      spool,
      routes: routes.routes,
      maxBytes: config.smtpMaxBytes,
      maxRecipients: 20,
      maxConnectionsPerAddress: 20,
      logger: log,
      ...(tls ? { tls } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      smtp!.once('error', reject);
      smtp!.listen(config.smtpPort, config.smtpHost, () => resolve());
    });
    smtpLine = `  SMTP intake   ${config.smtpHost}:${config.smtpPort} for ${config.intakeAddresses}${tls ? ' (STARTTLS)' : ''}`;
  }
  if (app) {
    await app.listen({ host: config.httpHost, port: config.httpPort });
    const url = `http://${config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost}:${config.httpPort}`;
    lines.push(
      `  Web app       ${url}/`,
      `  Report form   ${url}/report`,
      `  API           ${url}/api`,
      `  API docs      ${url}/api/docs`,
      `  Health        ${url}/healthz`,
    );
  }
  if (smtpLine) lines.push(smtpLine);
  if (runImap && spool && config.imapUrl) {
    const routes = parseIntakeRoutes(config.intakeAddresses);
    if (!routes.ok) throw new Error(routes.error);
    // Loaded only when configured: imapflow adds half a second to every start.
    const { ImapPoller, parseImapUrl } = await import('../channels/imap-poller.js');
    const source = { ...parseImapUrl(config.imapUrl, config.imapPassword, { done: config.imapDoneFolder, failed: config.imapFailedFolder }), insecureTls: config.imapInsecureTls };
    imap = new ImapPoller(spool, source, routes.routes, { intervalSeconds: config.imapPollSeconds, log });
    imap.start();
    lines.push(`  IMAP intake   ${source.secure ? 'imaps' : 'imap+STARTTLS'}://${source.host}:${source.port}/${source.mailbox} every ${config.imapPollSeconds} s (spooled mail moves to ${source.doneFolder})`);
  }
  if (runWorker) {
    container.startJobs({ log, concurrency: 16 });
    lines.push(
      `  Job worker    outbound mail via ${config.smtpRelay ? config.smtpRelay.replace(/\/\/[^@/]*@/, '//***@') : '(no relay: set RENKEI_SMTP_RELAY; mail waits in the queue)'}`,
    );
    // Daily evidence retention (when RENKEI_EVIDENCE_RETENTION_DAYS is set); once a day whatever the number of workers.
    if (config.evidenceRetentionDays) {
      await scheduleEvidenceRetention(container.deps);
      lines.push(`  Evidence      removed daily from incidents closed more than ${config.evidenceRetentionDays} days ago (never under legal hold)`);
    }
  }
  if (admin.created)
    lines.push(
      `  First administrator created: ${admin.email}`,
      ...(admin.password ? [`  Its password, shown this once and never again: ${admin.password}`] : ['  Its password is the one in RENKEI_ADMIN_PASSWORD.']),
      '  Sign in (POST /api/auth/sign-in) and enrol a TOTP authenticator; or create an API token: npm run renkei -- token create --user EMAIL --scope write',
    );
  console.log([...lines, ''].join('\n'));
}
