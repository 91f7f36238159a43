import type { Actor } from '../domain/actor.js';
import type { IntakeRoute } from '../domain/intake-route.js';
import { readParsed, type MailReading } from '../formats/mail-reading.js';
import { parseMail } from '../formats/mail.js';
import { fingerprintOf, openPgpMail } from '../formats/pgp.js';
import { ACKNOWLEDGE_JOB, mayAcknowledge } from './acknowledge.service.js';
import { matchReply, recordCoordinationReply } from './coordination-reply.service.js';
import type { ServiceDeps } from './deps.js';
import type { GroupCommitter } from './group-commit.js';
import { inThreadReader } from './inbound-mail-pool.js';
import { readInboundMail, type Envelope, type MailFacts, type PgpSummary, type RouteTaken } from './inbound-mail.js';
import { recordChannelReport, type RecordedReport } from './record-report.service.js';
import { attachReports } from './triage.service.js';

export type { Envelope } from './inbound-mail.js';

/** The receipt waits this long, so a reply that threads onto an incident (and needs none) is recognised first. */
export const ACK_DELAY_MS = 5_000;

/**
 * One inbound mail, from the SMTP listener or the IMAP poller: read,
 * attachments written to the evidence store (fsynced), the report prepared —
 * in the mail threads when there are some — then recorded in one transaction
 * (grouped with other mails' by `committer`). When this returns, the mail is
 * durable — only then may the listener answer 250. The same Message-ID (or,
 * without one, the same bytes) is one report.
 */
export async function receiveMail(
  deps: ServiceDeps,
  actor: Actor,
  raw: Buffer,
  envelope: Envelope,
  route: IntakeRoute | undefined,
  committer?: GroupCommitter,
): Promise<RecordedReport> {
  const taken: RouteTaken | null = route ? { address: `${route.localPart}@${route.domain}`, category: route.category, constituency: route.constituency } : null;
  const inbound = looksPgp(raw)
    ? await readInboundMail(deps.evidence, raw, envelope, taken, await openPgp(deps, raw))
    : await (deps.mailReader ?? inThreadReader(deps.evidence)).read(raw, envelope, taken);
  // The receipt to the sender is a job enqueued with the report, so it is sent exactly when the report exists.
  const followUp = mayAcknowledge(deps, inbound.facts, envelope.mailFrom) ? { kind: ACKNOWLEDGE_JOB, delayMs: ACK_DELAY_MS } : undefined;
  const input = { prepared: inbound.report };
  const result = committer
    ? await committer.submit({ input, raw, attachments: inbound.attachments, ...(followUp ? { followUp } : {}) })
    : await recordChannelReport(deps, actor, input, inbound.attachments, raw, followUp);
  if (result.isNew) await threadReply(deps, actor, result.report.id, inbound.facts);
  return result;
}

const looksPgp = (raw: Buffer) => {
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  return /multipart\/(encrypted|signed)/i.test(head) || head.includes('-----BEGIN PGP ');
};

/**
 * Decrypt and verify a PGP mail (the ciphertext stays the raw original) and
 * read what is readable, in this thread: it needs the team's keys and the
 * directory's. Undecryptable mail is read as received and flagged — never
 * dropped.
 */
async function openPgp(deps: ServiceDeps, raw: Buffer): Promise<{ reading: MailReading; pgp: PgpSummary }> {
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

/**
 * A reply lands on the incident (and coordination) it answers — see
 * `matchReply` — and is recorded on the timeline as such; a reply that
 * matches nothing stays in the triage queue for a human.
 */
async function threadReply(deps: ServiceDeps, actor: Actor, reportId: string, mail: MailFacts): Promise<void> {
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
