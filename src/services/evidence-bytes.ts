import { checkedContent } from '../store/evidence-files.js';
import type { ServiceDeps } from './deps.js';

/**
 * Where evidence bytes are: content up to 64 KiB in its `evidence` row
 * (`INLINE_MAX`, migration 0015), larger content — and everything stored
 * before — in the file store. These read, test and delete either place.
 */
type Places = Pick<ServiceDeps, 'store' | 'evidence'>;

/**
 * A file put (written, or found and touched) this recently may belong to a
 * report being recorded right now — its item not committed yet — so
 * retention leaves it for its next run (`EvidenceFiles.remove`).
 */
export const RECENTLY_PUT_MS = 24 * 60 * 60 * 1000;

/**
 * The bytes, re-checked against their SHA-256. Throws as `EvidenceFiles.get`
 * does: ENOENT when they are nowhere, a message naming the actual hash when
 * they were altered.
 */
export async function storedBytes(deps: Places, sha256: string): Promise<Buffer> {
  const kept = await deps.store.evidence.content(sha256);
  return kept ? checkedContent(sha256, kept, 'in the database') : deps.evidence.get(sha256);
}

/** Whether the bytes are still kept, in either place. */
export async function bytesKept(deps: Places, sha256: string): Promise<boolean> {
  return (await deps.store.evidence.hasContent(sha256)) || deps.evidence.has(sha256);
}

/**
 * Delete the bytes from both places (evidence retention, once nothing holds
 * them); true when there were some. A report recorded meanwhile with the
 * same content keeps them: in the database by the row's lock (see
 * `dropContent`), as a file by its time (see `RECENTLY_PUT_MS`).
 */
export async function dropBytes(deps: Places, sha256: string): Promise<boolean> {
  const row = await deps.store.transaction((tx) => tx.evidence.dropContent(sha256));
  const file = await deps.evidence.remove(sha256, RECENTLY_PUT_MS);
  return row || file;
}
