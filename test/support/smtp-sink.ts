import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface SunkMail {
  from: string;
  to: string[];
  raw: Buffer;
}

/**
 * A local SMTP server standing in for the team's outbound relay. `mode`
 * decides its answer to the next messages: take them, refuse them for good
 * (550), defer them (451), or never answer (the sender times out).
 */
export interface SmtpSink {
  url: string;
  mails: SunkMail[];
  mode: 'accept' | 'refuse' | 'defer' | 'hang';
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = { url: '', mails: [], mode: 'accept', close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.mode === 'hang') return; // never answers: the client's socket timeout fires
        if (sink.mode === 'refuse') return callback(Object.assign(new Error('5.7.1 Message refused by policy'), { responseCode: 550 }));
        if (sink.mode === 'defer') return callback(Object.assign(new Error('4.3.0 Try again later'), { responseCode: 451 }));
        sink.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  sink.url = `smtp://127.0.0.1:${port}`;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
