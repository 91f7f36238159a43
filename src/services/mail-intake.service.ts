import type { Actor } from '../domain/actor.js';
import { matchReply, recordCoordinationReply } from './coordination-reply.service.js';
import { ACKNOWLEDGE_JOB, mayAcknowledge } from './acknowledge.service.js';
import { attachReports } from './triage.service.js';
import { newId } from '../domain/ids.js';
import type { IntakeRoute } from '../domain/intake-route.js';
import { parseMail, type ParsedMail } from '../formats/mail.js';
import { fingerprintOf, openPgpMail, type PgpOpened } from '../formats/pgp.js';
import type { AbuseReport } from '../formats/abuse-report.js';
import { inThreadReader } from '../formats/mail-reader-pool.js';
import { readParsed, type MailReading } from '../formats/mail-reading.js';
import type { AssessedAttachment } from '../store/repositories/evidence.repository.js';
import type { ServiceDeps } from './deps.js';
import { recordChannelReport, type RecordedReport } from './record-report.service.js';
import type { GroupCommitter } from './group-commit.js';
import { MAX_RAW_BYTES, type ReportCreateInput } from '../domain/report.js';
import { AppError } from '../domain/errors.js';

export interface Envelope {
  mailFrom: string | null;
  rcptTo: string[];
  remoteAddress: string | null;
}

const MAX_BODY = 5_000_000;
/** The receipt waits this long, so a reply that threads onto an incident (and needs none) is recognised first. */
export const ACK_DELAY_MS = 5_000;
// eslint-disable-next-line no-control-regex -- control characters are what is being removed
const oneLine = (s: string | null | undefined, max: number) => (s ? s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, max) || undefined : undefined);

/**
 * One inbound mail, from the SMTP listener or the IMAP poller: parsed,
 * attachments written to the evidence store (fsynced), then the report
 * recorded in one transaction. When this returns, the mail is durable —
 * only then may the listener answer 250. The same Message-ID (or, without
 * one, the same bytes) is one report.
 */
export async function receiveMail(
  deps: ServiceDeps,
  actor: Actor,
  raw: Buffer,
  envelope: Envelope,
  route: IntakeRoute | undefined,
  committer?: GroupCommitter,
): Promise<RecordedReport & { mail: ParsedMail }> {
  const { reading, pgp } = await openAndRead(deps, raw);
  const { mail, abuse, archiveTexts } = reading;
  // Ids first, in message order (they sort the attachments), then the writes, side by side.
  const attachments: AssessedAttachment[] = await Promise.all(
    reading.attachments.map(async (a) => ({ id: newId(), ...(await deps.evidence.put(a.content)), filename: a.filename, mimeType: a.mimeType.slice(0, 255), kind: a.kind, note: a.note, dangerousReason: a.dangerousReason })),
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
        route: route ? { address: `${route.localPart}@${route.domain}`, category: route.category, constituency: route.constituency } : null,
        problems,
      },
    };
  if (raw.length > MAX_RAW_BYTES) throw new AppError('VALIDATION', `the message is larger than ${MAX_RAW_BYTES} bytes`);
  // The receipt to the sender is a job enqueued with the report, so it is sent exactly when the report exists.
  const followUp = mayAcknowledge(deps, mail, envelope.mailFrom) ? { kind: ACKNOWLEDGE_JOB, delayMs: ACK_DELAY_MS } : undefined;
  const result = committer
    ? await committer.submit({ input, raw, attachments, ...(followUp ? { followUp } : {}) })
    : await recordChannelReport(deps, actor, input, attachments, raw, followUp);
  if (result.isNew) await threadReply(deps, actor, result.report.id, mail);
  return { ...result, mail };
}

/** What the report records about PGP: how it came, and whose valid signature it carried (matched against the directory). */
export interface PgpSummary {
  kind: PgpOpened['kind'];
  isEncrypted: boolean;
  isDecrypted: boolean;
  signature: PgpOpened['signature'] & { contact: { email: string; organisationId: string; organisation: string } | null };
  problems: string[];
}

const looksPgp = (raw: Buffer) => {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  return /multipart\/(encrypted|signed)/i.test(head) || head.includes('-----BEGIN PGP ');
};

/**
 * Decrypt and verify when the mail is PGP (the ciphertext stays the raw
 * original); read what is readable — in the mail reader's worker threads
 * when it has them. Undecryptable mail is read as received and flagged —
 * never dropped.
 */
async function openAndRead(deps: ServiceDeps, raw: Buffer): Promise<{ reading: MailReading; pgp: PgpSummary | null }> {
  if (!looksPgp(raw)) return { reading: await (deps.mailReader ?? inThreadReader).read(raw), pgp: null };
  const contacts = await deps.store.organisations.contactKeys();
  const opened = await openPgpMail(raw, deps.teamKeys, contacts.map((c) => c.pgpKey));
  const outer = await parseMail(raw);
  let mail = outer;
  if (opened.content && opened.contentIsMime) {
    const inner = await parseMail(opened.content);
    // The outer headers identify the message; the inner entity carries what was said.
    mail = { ...inner, messageId: outer.messageId, subject: inner.subject ?? outer.subject, from: outer.from, to: outer.to, date: outer.date, inReplyTo: outer.inReplyTo, references: outer.references, isAutomated: outer.isAutomated, problems: [...outer.problems, ...inner.problems] };
  } else if (opened.content) {
    mail = { ...outer, text: opened.content.toString('utf8') };
  }
  let contact: PgpSummary['signature']['contact'] = null;
  if (opened.signature.status === 'valid' && opened.signature.fingerprint) {
    for (const c of contacts) {
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

/** The structured fields of an ARF / X-ARF report as text, so their addresses and URLs become observables. */
function abuseText(a: AbuseReport): string {
  return [a.type, a.category, a.sourceIp, a.reportedUri, a.reportedDomain, a.reporter, ...Object.entries(a.fields).map(([k, v]) => `${k}: ${[v].flat().join(' ')}`)]
    .filter(Boolean)
    .join('\n');
}

/**
 * A reply lands on the incident (and coordination) it answers — see
 * `matchReply` — and is recorded on the timeline as such; a reply that
 * matches nothing stays in the triage queue for a human.
 */
async function threadReply(deps: ServiceDeps, actor: Actor, reportId: string, mail: ParsedMail): Promise<void> {
  const match = await matchReply(deps, reportId, { subject: mail.subject, inReplyTo: mail.inReplyTo, references: mail.references, from: mail.from?.address ?? null });
  if (!match) return;
  try {
    await attachReports(deps, actor, match.incidentId, { reportIds: [reportId], note: `threaded by ${match.how}` });
  } catch {
    // A merged or otherwise closed-off incident: the reply waits in the triage queue instead.
    return;
  }
  if (match.coordinationId) await recordCoordinationReply(deps, match.coordinationId, reportId, match.how);
}

/** One line on an archive attachment: what is in it, and why it was not opened. */
