import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ParsedMail } from './mail.js';
import { readMail, type MailReading } from './mail-reading.js';

export interface MailReader {
  read(raw: Buffer): Promise<MailReading>;
  /** Start the threads and read one small mail in each, so the first real mail does not wait for them. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Reading in this thread: for tests, tools and `RENKEI_PARSE_WORKERS=0`. */
export const inThreadReader: MailReader = { read: (raw) => readMail(raw), warm: async () => {}, close: async () => {} };

const WARM_UP = Buffer.from('Subject: warm-up\r\n\r\nwarm-up\r\n');

/**
 * Mail reading on `threads` worker threads, so parsing uses the cores the
 * database thread does not (issue #4: SQLite's writes and their disk syncs
 * hold the main thread). Buffers come back from a worker as plain
 * Uint8Arrays and are made Buffers again here. A worker that dies on a mail
 * (it should not: the parser has limits) is replaced by the pool, and that
 * one mail is read in this thread instead — it is never refused for it.
 */
export function mailReaderPool(threads: number, onWorkerError: (err: unknown) => void = () => {}): MailReader {
  if (threads <= 0) return inThreadReader;
  // Started at the first mail: a CLI command that builds a container and reads no mail starts no thread.
  let pool: Piscina | undefined;
  const started = () => {
    if (pool) return pool;
    const extension = extname(fileURLToPath(import.meta.url));
    pool = new Piscina({
      filename: new URL(`./mail-reader.worker${extension}`, import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      // Run from TypeScript sources (npm start, tests), a worker needs the same loader as this thread.
      ...(extension === '.ts' ? { execArgv: withTsx(process.execArgv) } : {}),
    });
    return pool;
  };
  const reader: MailReader = {
    async warm() {
      await Promise.all(Array.from({ length: threads }, () => started().run(new Uint8Array(WARM_UP))));
    },
    async read(raw) {
      try {
        return revive((await started().run(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength))) as MailReading);
      } catch (err) {
        onWorkerError(err);
        return readMail(raw);
      }
    },
    close: async () => {
      await pool?.destroy();
      pool = undefined;
    },
  };
  return reader;
}

function withTsx(argv: string[]): string[] {
  const hasTsx = argv.some((a, i) => (a === '--import' && /^tsx(\/|$)/.test(argv[i + 1] ?? '')) || /^--import=tsx(\/|$)/.test(a));
  return hasTsx ? argv : [...argv, '--import', 'tsx'];
}

const buf = (b: Uint8Array) => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

function revive(r: MailReading): MailReading {
  const mail: ParsedMail = { ...r.mail, attachments: r.mail.attachments.map((a) => ({ ...a, content: buf(a.content) })) };
  return {
    ...r,
    mail,
    abuse: r.abuse ? { ...r.abuse, originalMessage: r.abuse.originalMessage ? buf(r.abuse.originalMessage) : null } : null,
    attachments: r.attachments.map((a) => ({ ...a, content: buf(a.content) })),
  };
}
