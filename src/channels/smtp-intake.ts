import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import { AppError } from '../domain/errors.js';
import { routeFor, type IntakeRoute } from '../domain/intake-route.js';
import { routeTaken } from '../services/mail-intake.service.js';
import type { MailSpool } from '../services/mail-spool.service.js';

export interface SmtpIntakeOptions {
  /** Where an accepted mail is durably kept until its report is recorded (started by the caller). */
  spool: MailSpool;
  routes: IntakeRoute[];
  /** Largest message accepted (552 beyond). */
  maxBytes: number;
  maxRecipients: number;
  /** Connections at once from one address (421 beyond). */
  maxConnectionsPerAddress: number;
  logger?: Logger;
  tls?: { key: Buffer; cert: Buffer };
}

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * The team's report addresses over SMTP. A message is answered `250` only
 * once the spool holds it on disk (committed and synced; the spool then
 * reads it and records its report — mail-spool.service.ts); when storage
 * fails the sender hears `451` and retries, so nothing acknowledged is ever
 * lost. Unknown recipients get `550`, oversized messages `552`.
 */
export function createSmtpIntake(options: SmtpIntakeOptions): SMTPServer {
  const perAddress = new Map<string, number>();
  // The sessions counted in perAddress: smtp-server calls onClose for a connection onConnect refused too.
  const counted = new Set<string>();
  const server = new SMTPServer({
    name: 'renkei',
    banner: 'Renkei report intake',
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: options.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(options.tls ? { key: options.tls.key, cert: options.tls.cert } : {}),
    logger: false,
    maxClients: 200,
    onConnect(session, callback) {
      const ip = session.remoteAddress;
      const n = (perAddress.get(ip) ?? 0) + 1;
      if (n > options.maxConnectionsPerAddress) return callback(smtpError(421, 'too many connections from your address; try again later'));
      perAddress.set(ip, n);
      counted.add(session.id);
      callback();
    },
    onClose(session) {
      if (!counted.delete(session.id)) return;
      const n = (perAddress.get(session.remoteAddress) ?? 1) - 1;
      if (n <= 0) perAddress.delete(session.remoteAddress);
      else perAddress.set(session.remoteAddress, n);
    },
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= options.maxRecipients) return callback(smtpError(452, 'too many recipients'));
      if (!routeFor(options.routes, address.address)) return callback(smtpError(550, `no such report address: ${address.address}`));
      callback();
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      // Kept up to the limit; past it, the rest is read and let go (the sender is answered 552 at its end).
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= options.maxBytes) chunks.push(c);
        else chunks.length = 0;
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || size > options.maxBytes) return callback(smtpError(552, `message larger than ${options.maxBytes} bytes`));
        const raw = Buffer.concat(chunks);
        const rcptTo = session.envelope.rcptTo.map((r) => r.address);
        const route = rcptTo.map((a) => routeFor(options.routes, a)).find(Boolean);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        options.spool.accept(raw, { mailFrom, rcptTo, remoteAddress: session.remoteAddress }, routeTaken(route)).then(
          (id) => {
            options.logger?.info({ spoolId: id, from: mailFrom, bytes: raw.length }, 'mail received');
            callback(null, `queued as ${id}`);
          },
          (err: unknown) => {
            // Anything that kept the mail from being stored: the sender must retry.
            options.logger?.error({ err, from: mailFrom, bytes: raw.length }, 'mail not stored; answered 451');
            if (err instanceof AppError && err.code === 'VALIDATION') callback(smtpError(554, `cannot accept the message: ${err.message}`));
            else callback(smtpError(451, 'cannot store the message now; try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => options.logger?.error({ err }, 'SMTP listener error'));
  return server;
}
