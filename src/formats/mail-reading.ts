/**
 * Everything the intake learns from a mail's bytes without the database:
 * the MIME parse, the ARF / X-ARF fields, the filled-in report template,
 * and for each attachment its ZIP listing, the text of small text files
 * inside archives and whether it is dangerous. Pure and CPU-bound, so the
 * SMTP listener runs it in worker threads (`services/inbound-mail-pool.ts`) while the
 * main thread writes to the database.
 */
import { parseAbuseReport, type AbuseReport } from './abuse-report.js';
import { inspectZip, zipTextEntries, type ArchiveInspection } from './archive.js';
import { assessFile } from './file-assessment.js';
import { checkMail } from './mail-checks.js';
import { parseMail, type MailAttachment, type ParsedMail } from './mail.js';
import { parseReportTemplate, type ReportTemplate } from './report-template.js';

export interface ReadAttachment extends MailAttachment {
  /** What the ZIP listing found (entries, expansion, flags), or null for anything else. */
  note: string | null;
  dangerousReason: string | null;
}

export interface MailReading {
  mail: ParsedMail;
  abuse: AbuseReport | null;
  /** The mail's attachments, with the original message of an ARF report added when the parser did not list it. */
  attachments: ReadAttachment[];
  /** `name\ntext` of small text files inside attached archives, for extraction and search. */
  archiveTexts: string[];
  template: ReportTemplate | null;
}

/** Read a mail from its bytes. */
export async function readMail(raw: Buffer): Promise<MailReading> {
  return readParsed(checkMail(await parseMail(raw), raw), raw);
}

/** The same, for a mail already parsed (a decrypted PGP mail is parsed from its inner entity). */
export async function readParsed(mail: ParsedMail, raw: Buffer): Promise<MailReading> {
  const abuse = (await parseAbuseReport(raw)) ?? null;
  const files: MailAttachment[] = [...mail.attachments];
  if (abuse?.originalMessage && !files.some((a) => a.kind === 'forwarded-message'))
    files.push({ filename: 'original-message.eml', mimeType: 'message/rfc822', content: abuse.originalMessage, kind: 'forwarded-message' });
  const { attachments, archiveTexts } = assessAttachments(files);
  const template = parseReportTemplate(mail.text) ?? mail.attachmentsText.map((t) => parseReportTemplate(t)).find(Boolean) ?? null;
  return { mail: { ...mail, attachments: files }, abuse, attachments, archiveTexts, template };
}

/**
 * What the intake learns of attached files from their bytes: ZIPs listed
 * from their central directory (never expanded blindly; a bomb recorded as
 * such) with the text of small text files inside, and whether each file is
 * dangerous. For a mail's attachments and a form's uploads alike.
 */
export function assessAttachments(files: MailAttachment[]): { attachments: ReadAttachment[]; archiveTexts: string[] } {
  const archiveTexts: string[] = [];
  const attachments = files.map((a): ReadAttachment => {
    const zip = inspectZip(a.content);
    if (zip && !zip.isBomb) for (const t of zipTextEntries(a.content, zip)) archiveTexts.push(`${t.name}\n${t.text}`);
    // Dangerous files (executables, macro documents, archives that cannot be checked …) are marked now, while the bytes are at hand.
    return { ...a, note: zip ? archiveNote(zip) : null, dangerousReason: assessFile(a.content, a.filename, a.mimeType, zip) };
  });
  return { attachments, archiveTexts };
}

function archiveNote(zip: ArchiveInspection): string {
  const size = `${zip.entryCount} entries, ${zip.totalUncompressed} bytes uncompressed (declared)`;
  if (zip.isBomb) return `ZIP BOMB — not expanded: ${zip.flags.join(', ')}; ${size}`;
  return `ZIP: ${size}${zip.flags.length ? `; ${zip.flags.join(', ')}` : ''}`;
}
