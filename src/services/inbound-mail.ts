/**
 * Everything the intake makes of one inbound mail before the database:
 * a PGP mail opened (decrypted, its signature checked against the keys
 * handed in), the reading (MIME, ARF / X-ARF, the report template, archives,
 * danger — `formats/mail-reading.ts`), its attachments over 64 KiB written
 * to the evidence store (fsynced; smaller ones handed back for the
 * database), and the report it becomes, validated, with its observables
 * extracted and its search terms (`prepareReport`). No database, so the
 * SMTP listener runs it in worker threads (`inbound-mail-pool.ts`) and its
 * main thread does only the transaction.
 */
import { createHash } from 'node:crypto';
import type { Category } from '../domain/taxonomy.js';
import { MAX_RAW_BYTES, type ReportCreateInput } from '../domain/report.js';
import { AppError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { AbuseReport } from '../formats/abuse-report.js';
import { readMail, readParsed, type MailReading } from '../formats/mail-reading.js';
import { checkMail } from '../formats/mail-checks.js';
import { parseMail, type ParsedMail } from '../formats/mail.js';
import { headerEnd } from '../formats/pgp-mime.js';
import { fingerprintOf, openPgpMail, type PgpOpened, type TeamKey } from '../formats/pgp.js';
import type { EvidenceFiles } from '../store/evidence-files.js';
import type { AssessedAttachment } from '../store/repositories/evidence.repository.js';
import { prepareReport, type PreparedReport } from './record-report.service.js';

export interface Envelope {
  mailFrom: string | null;
  rcptTo: string[];
  remoteAddress: string | null;
}

/** The report address a mail came to (see domain/intake-route.ts), as recorded on the report. */
export interface RouteTaken {
  address: string;
  category: Category | null;
  constituency: string | null;
}

/** What the report records about PGP: how it came, and whose valid signature it carried (matched against the directory). */
export interface PgpSummary {
  kind: PgpOpened['kind'];
  isEncrypted: boolean;
  isDecrypted: boolean;
  signature: PgpOpened['signature'] & { contact: { email: string; organisationId: string; organisation: string } | null };
  problems: string[];
}

/** What opening a PGP mail needs: the team's keys, and the directory's contact keys to verify its signature with. */
export interface PgpKeys {
  teamKeys: TeamKey[];
  contacts: { organisationId: string; organisationName: string; email: string; pgpKey: string }[];
}

/** What a report from mail records in its meta (the web app reads part of it: web/src/api/types.ts MailMeta, checked against this by test/web/api-types.check.ts). */
export type InboundMailMeta = {
  mail: Pick<ParsedMail, 'messageId' | 'date' | 'to' | 'inReplyTo' | 'references' | 'isAutomated'> & { hasHtml: boolean; forwarded: Omit<ParsedMail['forwarded'][number], 'text'>[] };
  envelope: Envelope;
  pgp: PgpSummary | null;
  template: MailReading['template'];
  abuseReport: (Omit<AbuseReport, 'originalMessage'> & { originalMessage: undefined; hasOriginalMessage: boolean }) | null;
  route: RouteTaken | null;
  problems: string[];
};

/** What acknowledging the sender and threading a reply need of the mail. */
export type MailFacts = Pick<ParsedMail, 'subject' | 'inReplyTo' | 'references' | 'from' | 'isAutomated'>;

export interface InboundMail {
  /** The report, validated and prepared; its raw original is the mail's bytes. */
  report: Omit<PreparedReport, 'raw'>;
  /** Its attachments, already durably in the evidence store. */
  attachments: AssessedAttachment[];
  facts: MailFacts;
}

const MAX_BODY = 5_000_000;
// eslint-disable-next-line no-control-regex -- control characters are what is being removed
const oneLine = (s: string | null | undefined, max: number) => (s ? s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, max) || undefined : undefined);

/** Whether a mail looks like OpenPGP (PGP/MIME or inline): only then are the keys needed. */
export const looksPgp = (raw: Buffer): boolean => {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  return /multipart\/(encrypted|signed)/i.test(head) || head.includes('-----BEGIN PGP ');
};

/**
 * Read (opened with `keys` first: the caller passes them for a mail that
 * `looksPgp`), file the attachments and prepare the report. A mail that can
 * never be a report (larger than a report may be) throws VALIDATION.
 */
export async function readInboundMail(files: EvidenceFiles, raw: Buffer, envelope: Envelope, route: RouteTaken | null, keys?: PgpKeys): Promise<InboundMail> {
  if (raw.length > MAX_RAW_BYTES) throw new AppError('VALIDATION', `the message is larger than ${MAX_RAW_BYTES} bytes`);
  const { reading, pgp } = keys ? await openPgp(raw, keys) : { reading: await readMail(raw), pgp: null };
  const { mail, abuse, archiveTexts } = reading;
  // Ids first, in message order (they sort the attachments), then the writes, side by side.
  const attachments: AssessedAttachment[] = await Promise.all(
    reading.attachments.map(async (a) => ({ id: newId(), ...(await files.put(a.content)), filename: a.filename, mimeType: a.mimeType.slice(0, 255), kind: a.kind, note: a.note, dangerousReason: a.dangerousReason })),
  );
  const problems = [...mail.problems];
  if (mail.text.length > MAX_BODY) problems.push(`the body was cut to ${MAX_BODY} characters for reading; the raw original is whole`);
  const input: ReportCreateInput = {
    channel: 'email',
    // Without a Message-ID the raw bytes' hash is the identity (the default).
    ...(mail.messageId ? { sourceRef: mail.messageId.slice(0, 998) } : {}),
    sender: oneLine(mail.from?.address ?? envelope.mailFrom, 320),
    senderName: oneLine(mail.from?.name, 200),
    subject: oneLine(mail.subject, 998),
    body: mail.text.slice(0, MAX_BODY),
    ...(mail.language ? { language: mail.language } : {}),
    attachmentsText: [...(abuse ? [abuseText(abuse)] : []), ...mail.attachmentsText, ...archiveTexts].slice(0, 100).map((t) => t.slice(0, MAX_BODY)),
    meta: {
      mail: {
        messageId: mail.messageId,
        date: mail.date,
        to: mail.to,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        hasHtml: mail.html !== null,
        isAutomated: mail.isAutomated,
        forwarded: mail.forwarded.map(({ text: _t, ...f }) => f),
      },
      envelope,
      pgp,
      // A filled-in report template (in the body or a text attachment): its fields, for triage to take over.
      template: reading.template,
      abuseReport: abuse ? { ...abuse, originalMessage: undefined, hasOriginalMessage: abuse.originalMessage !== null } : null,
      route,
      problems,
    } satisfies InboundMailMeta,
  };
  const { raw: _raw, ...report } = prepareReport(input, raw, mail.messageId ? contentVariant(raw) : null);
  return {
    report,
    attachments,
    facts: { subject: mail.subject, inReplyTo: mail.inReplyTo, references: mail.references, from: mail.from, isAutomated: mail.isAutomated },
  };
}

/**
 * What makes two mails under one Message-ID the same mail: the bytes after
 * the header (the same mail delivered twice, by any path or door, has the
 * same body whatever Received lines it gathered) and the resent fields (a
 * mail redirected by another reporter carries their own). A SHA-256, hex.
 */
export function contentVariant(raw: Buffer): string {
  const { headerLength, bodyStart } = headerEnd(raw);
  const resent = raw
    .subarray(0, headerLength)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .filter((line) => /^resent-(from|sender|message-id|date|to):/i.test(line))
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .join('\n');
  return createHash('sha256').update(resent).update('\n\n').update(raw.subarray(bodyStart)).digest('hex');
}

/** The structured fields of an ARF / X-ARF report as text, so their addresses and URLs become observables. */
function abuseText(a: AbuseReport): string {
  return [a.type, a.category, a.sourceIp, a.reportedUri, a.reportedDomain, a.reporter, ...Object.entries(a.fields).map(([k, v]) => `${k}: ${[v].flat().join(' ')}`)]
    .filter(Boolean)
    .join('\n');
}

/** A mail's text without its inline PGP block (an encrypted message, or a signed one with its signature): what is left, trimmed. */
function outsideArmor(text: string): string {
  return text
    .replace(/^-----BEGIN PGP MESSAGE-----[\s\S]*?(^-----END PGP MESSAGE-----[^\n]*$|(?![\s\S]))/m, '')
    .replace(/^-----BEGIN PGP SIGNED MESSAGE-----[\s\S]*?(^-----END PGP SIGNATURE-----[^\n]*$|(?![\s\S]))/m, '')
    .trim();
}

/**
 * Decrypt and verify a PGP mail (the ciphertext stays the raw original) and
 * read what is readable. Undecryptable mail is read as received and flagged
 * — never dropped.
 */
async function openPgp(raw: Buffer, keys: PgpKeys): Promise<{ reading: MailReading; pgp: PgpSummary }> {
  const opened = await openPgpMail(raw, keys.teamKeys, keys.contacts.map((c) => c.pgpKey));
  const outer = checkMail(await parseMail(raw), raw);
  let mail = outer;
  if (opened.content && opened.contentIsMime) {
    const inner = checkMail(await parseMail(opened.content), opened.content);
    // The outer headers identify the message; the inner entity carries what was said.
    mail = { ...inner, messageId: outer.messageId, subject: inner.subject ?? outer.subject, from: outer.from, to: outer.to, date: outer.date, inReplyTo: outer.inReplyTo, references: outer.references, isAutomated: outer.isAutomated, problems: [...outer.problems, ...inner.problems] };
  } else if (opened.content) {
    // Inline: the opened text, then what the sender wrote outside the block (a greeting, a signature: not protected,
    // and said so in the problems, but theirs all the same).
    const outside = outsideArmor(outer.text);
    mail = { ...outer, text: opened.content.toString('utf8') + (outside ? `\n\n${outside}\n` : '') };
  }
  let contact: PgpSummary['signature']['contact'] = null;
  if (opened.signature.status === 'valid' && opened.signature.fingerprint) {
    for (const c of keys.contacts) {
      if ((await fingerprintOf(c.pgpKey)) === opened.signature.fingerprint) {
        contact = { email: c.email, organisationId: c.organisationId, organisation: c.organisationName };
        break;
      }
    }
  }
  return {
    reading: await readParsed(mail, raw),
    pgp: { kind: opened.kind, isEncrypted: opened.isEncrypted, isDecrypted: opened.isDecrypted, signature: { ...opened.signature, contact }, problems: opened.problems },
  };
}
