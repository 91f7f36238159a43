import { assessDanger } from '../domain/dangerous-file.js';
import { inspectZip, type ArchiveInspection } from './archive.js';

/**
 * Why a file is dangerous (reasons joined), or null: its bytes, name and
 * declared type, and — for a ZIP — its listing (taken here when not given).
 * Pure: the intake's mail readers run it in worker threads.
 */
export function assessFile(content: Buffer, filename: string | null, mimeType: string | null, zip?: ArchiveInspection): string | null {
  const listing = zip ?? inspectZip(content);
  const verdict = assessDanger({
    content,
    filename,
    mimeType,
    archive: listing ? { entries: listing.entries, entryCount: listing.entryCount, isBomb: listing.isBomb, flags: listing.flags } : null,
  });
  return verdict.dangerous ? verdict.reasons.join('; ').slice(0, 2000) : null;
}
