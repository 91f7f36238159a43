import { z } from 'zod';
import { instant, multiLine, singleLine } from './text.js';

/**
 * Evidence and its chain of custody (DESIGN.md §2, step 7 証拠収集): every
 * file that enters Renkei is an item with its SHA-256, who collected it, when
 * and from where; every view, download, export, hand-over, integrity failure
 * and removal is a custody event (and an audit event).
 */
export const EVIDENCE_KINDS = ['report-attachment', 'raw-original', 'upload', 'liveness-capture', 'export'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const CUSTODY_ACTIONS = ['collected', 'viewed', 'downloaded', 'exported', 'handed-over', 'integrity-failed', 'integrity-restored', 'removed'] as const;
export type CustodyAction = (typeof CUSTODY_ACTIONS)[number];

/** The malware-sharing convention: dangerous files leave only inside a ZIP encrypted with this password. */
export const INFECTED_PASSWORD = 'infected';

/** Largest upload (decoded). */
export const EVIDENCE_UPLOAD_MAX_BYTES = 25 * 1024 * 1024;
/** Largest export (the sum of the files it holds): beyond it, export a selection. */
export const EVIDENCE_EXPORT_MAX_BYTES = 256 * 1024 * 1024;

export interface EvidenceItem {
  id: string;
  incidentId: string | null;
  reportId: string | null;
  sha256: string;
  /** From the evidence store's row; null for raw originals (kept with their report). */
  sha1: string | null;
  md5: string | null;
  filename: string | null;
  mimeType: string;
  size: number;
  kind: EvidenceKind;
  collectedBy: string;
  collectedAt: string;
  collectedFrom: string;
  /** null: not assessed yet (items from before custody was recorded are assessed at their first read). */
  dangerous: boolean | null;
  dangerousReason: string | null;
  note: string | null;
  /** The last time its bytes did not match its hash (or were missing): never served since. */
  integrityFailedAt: string | null;
  removedAt: string | null;
  removedBy: string | null;
  removedReason: string | null;
}

export interface CustodyEvent {
  id: string;
  itemId: string;
  at: string;
  actor: string;
  action: CustodyAction;
  detail: Record<string, unknown>;
}

const mimeType = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/, 'a media type such as application/pdf');

/** A handler's upload: the file as base64, with where and when it was collected when that was not now, by the uploader. */
export const EvidenceUploadSchema = z.strictObject({
  filename: singleLine(255),
  mimeType: mimeType.optional(),
  contentBase64: z
    .base64('must be base64')
    .max(Math.ceil(EVIDENCE_UPLOAD_MAX_BYTES / 3) * 4, `the file is larger than ${EVIDENCE_UPLOAD_MAX_BYTES} bytes`),
  /** Where it came from: "the victim's PC (C:\\Users\\…\\Downloads)", "USB stick handed over by …". Default: the upload itself. */
  collectedFrom: singleLine(1000).optional(),
  /** When it was collected, when that was before the upload. */
  collectedAt: instant().optional(),
  note: multiLine(5000).optional(),
});
export type EvidenceUploadInput = z.input<typeof EvidenceUploadSchema>;

/** Evidence given to someone outside Renkei's downloads: law enforcement, another CSIRT, a vendor. */
export const EvidenceHandOverSchema = z.strictObject({
  recipient: singleLine(500),
  /** How it went: "USB stick, sealed bag no. 42", "SFTP to …", "encrypted mail". */
  method: singleLine(500).optional(),
  note: multiLine(5000).optional(),
});
export type EvidenceHandOverInput = z.input<typeof EvidenceHandOverSchema>;

/** An export of an incident's evidence; without `itemIds`, every item that is not removed and not an export itself. */
export const EvidenceExportSchema = z.strictObject({
  itemIds: z.array(z.uuid()).min(1).max(1000).optional(),
  note: multiLine(5000).optional(),
});
export type EvidenceExportInput = z.input<typeof EvidenceExportSchema>;

/** Where a report's files came from, in words: "e-mail from a@b.example (connection from 192.0.2.1) to phishing@…". */
export function reportOrigin(r: { channel: string; sender: string | null; createdBy: string; meta: Record<string, unknown> }): string {
  const meta = r.meta as { envelope?: { remoteAddress?: string | null }; form?: { ip?: string | null }; route?: { address?: string } | null };
  const from = r.sender ? ` from ${r.sender}` : '';
  switch (r.channel) {
    case 'email':
      return `e-mail${from}${meta.envelope?.remoteAddress ? ` (connection from ${meta.envelope.remoteAddress})` : ''}${meta.route?.address ? ` to ${meta.route.address}` : ''}`;
    case 'web-form':
      return `public report form${from}${meta.form?.ip ? ` (client ${meta.form.ip})` : ''}`;
    default:
      return `${r.channel} report${from}, recorded by ${r.createdBy}`;
  }
}
