/**
 * Outlook items (.msg files) attached to a report: the form many users
 * forward a phishing mail in. Read with @kenjiuno/msgreader, which follows
 * a file's sector chains without a guard and sizes its buffers from the
 * file's claims (a crafted 4 KB file made it loop until memory ran out, or
 * take 1.4 GB): so the file's structure is checked first
 * (`compound-file.ts`), then it is read in a thread of its own
 * (`outlook-msg.sandbox.cjs`) stopped after `timeoutMs` with its heap
 * capped, two at a time per thread. A file that cannot be read is kept
 * whole and said so.
 */
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import { COMPOUND_FILE_MAGIC, compoundFileProblem } from './compound-file.js';

/** What an Outlook item says of the mail it holds (null where it says nothing). */
export interface OutlookMail {
  subject: string | null;
  /** The plain-text body (Outlook keeps one beside the HTML or RTF). */
  body: string | null;
  bodyHtml: string | null;
  /** Its compressed RTF (PR_RTF_COMPRESSED), when the item has neither of the others: a rich-text mail. */
  rtf: Uint8Array | null;
  /** The internet headers the item kept (PR_TRANSPORT_MESSAGE_HEADERS): the Received chain of the original. */
  headers: string | null;
  senderEmail: string | null;
  senderName: string | null;
  sentAt: string | null;
}

/** An Outlook item: its mail, and the mails of the items attached to it (depth first, 3 deep and 20 at most). */
export interface OutlookItem extends OutlookMail {
  embedded: OutlookMail[];
  /** Items deeper or beyond those: kept in the file, not read. */
  embeddedNotRead: number;
}

/** An Outlook item: a compound file named .msg or typed as one (Word and Excel 97 files are compound files too). */
export function isOutlookItem(filename: string | null, mimeType: string, content: Buffer): boolean {
  if (!content.subarray(0, 8).equals(COMPOUND_FILE_MAGIC)) return false;
  return /\.msg$/i.test(filename ?? '') || mimeType.toLowerCase() === 'application/vnd.ms-outlook';
}

export interface OutlookLimits {
  timeoutMs: number;
  /** The reading thread's heap (MB). */
  memoryMb: number;
}

const DEFAULT_LIMITS: OutlookLimits = { timeoutMs: 5000, memoryMb: 96 };
const SANDBOX = new URL('./outlook-msg.sandbox.cjs', import.meta.url);
/** Sandboxes at once in a thread: a flood of crafted items holds at most this many capped heaps. */
const sandboxes = pLimit(2);

/** Read an Outlook item; `{ problem }` when it cannot be read (broken, crafted, too slow): never throws. */
export async function readOutlookItem(content: Buffer, limits: OutlookLimits = DEFAULT_LIMITS): Promise<OutlookItem | { problem: string }> {
  // The file's structure first, here: the library trusts it (see compound-file.ts), and its buffers are outside any heap limit.
  const problem = compoundFileProblem(content);
  if (problem) return { problem: `an Outlook item (.msg) could not be read: ${problem}` };
  return sandboxes(() => readInSandbox(content, limits));
}

function readInSandbox(content: Buffer, limits: OutlookLimits): Promise<OutlookItem | { problem: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: OutlookItem | { problem: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const worker = new Worker(SANDBOX, {
      workerData: new Uint8Array(content),
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: 8, stackSizeMb: 4 },
    });
    const timer = setTimeout(() => done({ problem: `an Outlook item (.msg) could not be read within ${limits.timeoutMs} ms: kept whole, not read` }), limits.timeoutMs);
    worker.once('message', (m: OutlookItem | { error: string }) =>
      done('error' in m ? { problem: `an Outlook item (.msg) could not be read: ${m.error}` } : m),
    );
    worker.once('error', (err) => done({ problem: `an Outlook item (.msg) could not be read: ${err.message}` }));
    worker.once('exit', () => done({ problem: 'an Outlook item (.msg) could not be read: its reader stopped' }));
  });
}
