import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { AppError } from '../domain/errors.js';
import type { EvidenceFiles } from '../store/evidence-files.js';
import { readInboundMail, type Envelope, type InboundMail, type PgpKeys, type RouteTaken } from './inbound-mail.js';
import type { InboundResult, InboundTask, SharedContacts } from './inbound-mail.worker.js';

export interface InboundMailReader {
  /** Read (a PGP mail opened with `keys`), file the attachments and prepare the report (see inbound-mail.ts). */
  read(raw: Buffer, envelope: Envelope, route: RouteTaken | null, keys?: PgpKeys): Promise<InboundMail>;
  /** Start the threads and read one small mail in each, so the first real mail does not wait for them. */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Reading in this thread: for tests, tools and `RENKEI_PARSE_WORKERS=0`. */
export const inThreadReader = (files: EvidenceFiles): InboundMailReader => ({
  read: (raw, envelope, route, keys) => readInboundMail(files, raw, envelope, route, keys),
  warm: async () => {},
  close: async () => {},
});

/** Each mail thread's young generation (V8's default is about 48 MB a thread): measured 426–499 MB peak RSS for the SMTP process against 524 MB without, same speed. */
const YOUNG_GENERATION_MB = 8;

/**
 * Mails handed to a thread at once: enough to keep it reading through the
 * main thread's longest stretch without a turn of its event loop (a group of
 * 64 reports recorded in one synchronous SQLite transaction, 30–50 ms);
 * with 4 it ran dry a third of the time. It reads only READING_AT_ONCE of
 * them at a time (inbound-mail.worker.ts).
 */
const MAILS_PER_THREAD = 32;

const WARM_UP = Buffer.from('Subject: warm-up\r\n\r\nwarm-up\r\n');

const sharedLists = new WeakMap<PgpKeys['contacts'], SharedContacts>();
let sharedCount = 0;

/**
 * The directory's contact keys as one block of shared memory per list: a
 * PGP mail's task carries the block, not a copy of every key (with 300
 * contacts, about a megabyte cloned for each PGP mail). The directory index
 * hands out the same list until the directory changes, so a block is made
 * once per directory version; each thread reads it once (inbound-mail.worker.ts).
 */
export function sharedContacts(contacts: PgpKeys['contacts']): SharedContacts {
  let block = sharedLists.get(contacts);
  if (!block) {
    const json = Buffer.from(JSON.stringify(contacts));
    const bytes = new SharedArrayBuffer(json.length);
    json.copy(Buffer.from(bytes));
    sharedLists.set(contacts, (block = { id: ++sharedCount, bytes }));
  }
  return block;
}

/**
 * Inbound mail on `threads` worker threads: the MIME parse, the attachments'
 * hashes and their files, extraction and tokenising use the cores the
 * database thread does not (issue #4: SQLite's writes and their disk syncs
 * hold the main thread, so the main thread does only the transaction). Only
 * plain data comes back. A worker that dies on a mail (it should not: the
 * parser has limits) is replaced by the pool, and that one mail is read in
 * this thread instead — it is never refused for it.
 */
export function inboundMailPool(threads: number, files: EvidenceFiles, onWorkerError: (err: unknown) => void = () => {}): InboundMailReader {
  if (threads <= 0) return inThreadReader(files);
  // Started at the first mail: a CLI command that builds a container and reads no mail starts no thread.
  let pool: Piscina<InboundTask, InboundResult> | undefined;
  const started = () => {
    if (pool) return pool;
    const extension = extname(fileURLToPath(import.meta.url));
    pool = new Piscina<InboundTask, InboundResult>({
      filename: new URL(`./inbound-mail.worker${extension}`, import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
      // A thread waiting for a mail's attachment files to reach the disk reads the next mails meanwhile.
      concurrentTasksPerWorker: MAILS_PER_THREAD,
      // A small young generation: a thread's garbage is collected sooner, and the process stays under its memory target.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      // Run from TypeScript sources (npm start, tests), a worker needs the same loader as this thread.
      ...(extension === '.ts' ? { execArgv: workerExecArgv(process.execArgv) } : {}),
    });
    return pool;
  };
  const task = (raw: Buffer, envelope: Envelope, route: RouteTaken | null, keys?: PgpKeys): InboundTask => ({
    raw: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    envelope,
    route,
    dataDir: files.dataDir,
    ...(keys ? { keys: { teamKeys: keys.teamKeys, contacts: sharedContacts(keys.contacts) } } : {}),
  });
  return {
    async warm() {
      // Warm-up mails have no attachment: nothing is written.
      await Promise.all(Array.from({ length: threads }, () => started().run(task(WARM_UP, { mailFrom: null, rcptTo: [], remoteAddress: null }, null))));
    },
    async read(raw, envelope, route, keys) {
      let result: InboundResult;
      try {
        result = await started().run(task(raw, envelope, route, keys));
      } catch (err) {
        onWorkerError(err);
        return readInboundMail(files, raw, envelope, route, keys);
      }
      if (!result.ok) throw new AppError('VALIDATION', result.refused);
      // A Buffer crosses threads as a plain Uint8Array: the bytes kept in the database become a Buffer again.
      for (const a of result.mail.attachments) if (a.inline) a.inline = Buffer.from(a.inline.buffer, a.inline.byteOffset, a.inline.byteLength);
      return result.mail;
    },
    close: async () => {
      await pool?.destroy();
      pool = undefined;
    },
  };
}

/**
 * V8's options (the heap's size and growth, the collector): process-wide, and
 * refused in a worker's execArgv — a thread's heap is sized by resourceLimits.
 */
const V8_OPTION = /^--(no-)?(max-semi-space-size|max-old-space-size|max-heap-size|initial-heap-size|initial-old-space-size|heap-growing-percent|optimize-for-size|single-threaded-gc|expose-gc|stack-size)(=|$)/;
/** A loader argument that is tsx (`tsx`, `tsx/esm`, or a path into its package as the tsx CLI passes it). */
const TSX = /(^|[/\\])tsx([/\\]|$)/;

/** A mail thread's Node options: this process's, without V8's, with tsx added when it is missing. */
export function workerExecArgv(execArgv: string[]): string[] {
  const argv = execArgv.filter((a) => !V8_OPTION.test(a));
  return argv.some((a) => TSX.test(a.replace(/^--(import|loader|experimental-loader|require)=/, ''))) ? argv : [...argv, '--import', 'tsx'];
}
