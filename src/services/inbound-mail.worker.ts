/** A worker thread of the inbound mail pool: a mail's bytes in, an `InboundMail` out (see inbound-mail-pool.ts). */
import pLimit from 'p-limit';
import { AppError } from '../domain/errors.js';
import { EvidenceFiles } from '../store/evidence-files.js';
import { readInboundMail, type Envelope, type InboundMail, type PgpKeys, type RouteTaken } from './inbound-mail.js';

export interface InboundTask {
  raw: Uint8Array;
  envelope: Envelope;
  route: RouteTaken | null;
  /** The data directory whose evidence store takes the attachments. */
  dataDir: string;
  /** For a PGP mail: the keys to open it with (parsed keys are cached in each thread, see pgp-keys.ts), the contacts' in shared memory. */
  keys?: { teamKeys: PgpKeys['teamKeys']; contacts: SharedContacts };
}

/** The directory's contact keys as JSON in shared memory, numbered: the same number is the same list (inbound-mail-pool.ts `sharedContacts`). */
export interface SharedContacts {
  id: number;
  bytes: SharedArrayBuffer;
}

/** A mail that can never be a report comes back as such (an error's class does not cross threads). */
export type InboundResult = { ok: true; mail: InboundMail } | { ok: false; refused: string };

const stores = new Map<string, EvidenceFiles>();

/** The contact lists this thread has read, by number: the current one, and the one before while mails handed with it finish. */
const contactLists = new Map<number, PgpKeys['contacts']>();
function contactsOf(shared: SharedContacts): PgpKeys['contacts'] {
  let list = contactLists.get(shared.id);
  if (!list) {
    list = JSON.parse(Buffer.from(shared.bytes).toString('utf8')) as PgpKeys['contacts'];
    contactLists.set(shared.id, list);
    for (const id of contactLists.keys()) if (contactLists.size > 2) contactLists.delete(id);
  }
  return list;
}

/**
 * Mails read at once in this thread. The pool hands a thread more than that
 * (see inbound-mail-pool.ts) so it never runs dry while the main thread is
 * busy with a transaction; the rest wait here as bytes, not as half-parsed
 * mails: memory grows with the mails being read, not with those handed.
 */
export const READING_AT_ONCE = 4;
const reading = pLimit(READING_AT_ONCE);

export default function read(task: InboundTask): Promise<InboundResult> {
  return reading(() => readOne(task));
}

async function readOne(task: InboundTask): Promise<InboundResult> {
  let files = stores.get(task.dataDir);
  if (!files) stores.set(task.dataDir, (files = new EvidenceFiles(task.dataDir)));
  try {
    return { ok: true, mail: await readInboundMail(files, Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength), task.envelope, task.route, task.keys && { teamKeys: task.keys.teamKeys, contacts: contactsOf(task.keys.contacts) }) };
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION') return { ok: false, refused: err.message };
    throw err;
  }
}
