import nodemailer from 'nodemailer';
import { RelayError, type MailTransport, type RelayResult } from '../services/deps.js';

/**
 * Outbound mail through the team's SMTP relay (nodemailer). Messages arrive
 * here finished (signed / encrypted by the mail service); this only hands
 * them over and says whether a refusal is final (5xx) or worth retrying
 * (4xx, timeouts, connection errors).
 */
export function smtpRelay(url: string | undefined, timeoutSeconds = 30): MailTransport {
  if (!url) {
    return {
      send: () => Promise.reject(new RelayError('no outbound relay is configured: set RENKEI_SMTP_RELAY (smtp://host:port)', false)),
    };
  }
  const timeout = timeoutSeconds * 1000;
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // The relay is the team's own; a self-signed certificate on it is a deployment choice, not an attack on us.
    tls: { rejectUnauthorized: !/[?&]tls\.rejectUnauthorized=false/.test(url) },
  });
  return {
    async send(envelope, raw): Promise<RelayResult> {
      try {
        const info = await transport.sendMail({ envelope: { from: envelope.from === '' ? false : envelope.from, to: envelope.to }, raw });
        const rejected = (info.rejected ?? []).map(String);
        if (rejected.length > 0 && rejected.length >= envelope.to.length) {
          throw new RelayError(`the relay refused every recipient: ${rejected.join(', ')}`, true);
        }
        const partly = rejected.length > 0 ? ` (refused: ${rejected.join(', ')})` : '';
        return { response: `${String(info.response ?? 'accepted')}${partly}` };
      } catch (err) {
        if (err instanceof RelayError) throw err;
        throw classify(err);
      }
    },
  };
}

function classify(err: unknown): RelayError {
  const e = err as { message?: string; responseCode?: number; code?: string; response?: string };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = e.response ?? e.message ?? String(err);
  if (code !== null && code >= 500 && code < 600) return new RelayError(`relay refused the message (${code}): ${text}`, true);
  if (code !== null) return new RelayError(`relay deferred the message (${code}): ${text}`, false);
  return new RelayError(`relay unreachable or timed out${e.code ? ` (${e.code})` : ''}: ${text}`, false);
}
