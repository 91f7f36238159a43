import type { Actor } from '../domain/actor.js';
import type { Report } from '../domain/report.js';
import type { IntakeRoute } from '../domain/intake-route.js';
import { ACKNOWLEDGE_JOB, mayAcknowledge } from './acknowledge.service.js';
import { matchReply, recordCoordinationReply } from './coordination-reply.service.js';
import type { ServiceDeps } from './deps.js';
import type { GroupCommitter } from './group-commit.js';
import { inThreadReader } from './inbound-mail-pool.js';
import { looksPgp, type Envelope, type MailFacts, type RouteTaken } from './inbound-mail.js';
import { recordChannelReport, type ChannelItem, type RecordedReport } from './record-report.service.js';
import { attachReports } from './triage.service.js';

export type { Envelope } from './inbound-mail.js';

/** The receipt waits this long, so a reply that threads onto an incident (and needs none) is recognised first. */
export const ACK_DELAY_MS = 5_000;

/**
 * One inbound mail, from the IMAP poller (the SMTP listener spools first:
 * mail-spool.service.ts): opened when it is PGP, read, attachments over
 * 64 KiB written to the evidence store (fsynced), the report prepared — in
 * the mail threads when there are some — then recorded in one transaction
 * (grouped with other mails' by `committer`). When this returns, the mail is
 * durable. The same Message-ID (or, without one, the same bytes) is one
 * report.
 */
export async function receiveMail(
  deps: ServiceDeps,
  actor: Actor,
  raw: Buffer,
  envelope: Envelope,
  route: IntakeRoute | undefined,
  committer?: GroupCommitter,
): Promise<RecordedReport> {
  const { item, facts } = await readInbound(deps, raw, envelope, routeTaken(route));
  const result = committer ? await committer.submit(item) : await recordChannelReport(deps, actor, item.input, item.attachments, raw, item.followUp);
  await afterRecorded(deps, actor, result, facts);
  return result;
}

/** The route a mail took, as recorded on its report. */
export const routeTaken = (route: IntakeRoute | undefined): RouteTaken | null =>
  route ? { address: `${route.localPart}@${route.domain}`, category: route.category, constituency: route.constituency } : null;

/**
 * Read one inbound mail (in the mail threads when there are some; a PGP mail
 * opened with the team's keys and the directory's) into the item to record:
 * the prepared report, its attachments (over 64 KiB already on disk), the
 * receipt to its sender as a follow-up job.
 */
export async function readInbound(
  deps: ServiceDeps,
  raw: Buffer,
  envelope: Envelope,
  route: RouteTaken | null,
): Promise<{ item: ChannelItem & { raw: Buffer }; facts: MailFacts }> {
  const keys = looksPgp(raw) ? { teamKeys: deps.teamKeys, contacts: await deps.directoryIndex.contactKeys(deps.store) } : undefined;
  const inbound = await (deps.mailReader ?? inThreadReader(deps.evidence)).read(raw, envelope, route, keys);
  // The receipt to the sender is a job enqueued with the report, so it is sent exactly when the report exists.
  const followUp = mayAcknowledge(deps, inbound.facts, envelope.mailFrom) ? { kind: ACKNOWLEDGE_JOB, delayMs: ACK_DELAY_MS } : undefined;
  return { item: { input: { prepared: inbound.report }, raw, attachments: inbound.attachments, ...(followUp ? { followUp } : {}) }, facts: inbound.facts };
}

/** Once a mail's report is recorded: a reply threads onto what it answers. */
export async function afterRecorded(deps: ServiceDeps, actor: Actor, result: RecordedReport, facts: MailFacts): Promise<void> {
  if (result.isNew) await threadReply(deps, actor, result.report.id, facts);
}

/**
 * A reply lands on the incident (and coordination) it answers — see
 * `matchReply`. A reply to a report not yet triaged (the reporter answering
 * our receipt) is marked as answering it, and goes where that report goes
 * when a handler triages it (`answering`). Either is on the timeline; a reply
 * that matches nothing stays in the triage queue for a human.
 */
async function threadReply(deps: ServiceDeps, actor: Actor, reportId: string, mail: MailFacts): Promise<void> {
  const match = await matchReply(deps, reportId, { subject: mail.subject, inReplyTo: mail.inReplyTo, references: mail.references, from: mail.from?.address ?? null });
  if (!match) {
    const earlier = await answering(deps, reportId, mail);
    if (earlier) await threadOnto(deps, actor, reportId, earlier.report, earlier.how);
    return;
  }
  try {
    await attachReports(deps, actor, match.incidentId, { reportIds: [reportId], note: `threaded by ${match.how}` });
  } catch {
    // A merged or otherwise closed-off incident: the reply waits in the triage queue instead.
    return;
  }
  if (match.coordinationId) await recordCoordinationReply(deps, match.coordinationId, reportId, match.how);
}

/** Receipts' references are looked up among reports received this long ago at most. */
const REFERENCE_LOOKBACK_MS = 180 * 24 * 3600_000;

/**
 * The earlier report a mail answers when no incident is concerned: one whose
 * Message-ID its In-Reply-To / References name (our receipt refers to the
 * report it acknowledges), else the one whose reference (`[RK-R-1A2B3C4D]`,
 * the receipt's subject) its subject carries.
 */
async function answering(deps: ServiceDeps, reportId: string, mail: MailFacts): Promise<{ report: Report; how: string } | null> {
  const refs = [mail.inReplyTo, ...mail.references].filter((r): r is string => Boolean(r));
  // By References only from the same sender (someone else forwarding a stored mail is a report of their own).
  const from = mail.from?.address.toLowerCase();
  const byRefs = (await deps.store.reports.findBySourceRefs('email', refs)).find((r) => r.id !== reportId && from !== undefined && r.sender?.toLowerCase() === from);
  if (byRefs) return { report: byRefs, how: 'In-Reply-To / References of an earlier report' };
  // The prefix is capital letters only (see config.ts).
  const tag = new RegExp(`\\[(${deps.settings.incidentPrefix}-R-([0-9A-F]{8}))\\]`, 'i').exec(mail.subject ?? '');
  if (!tag) return null;
  const since = new Date(deps.clock().getTime() - REFERENCE_LOOKBACK_MS).toISOString();
  const byTag = await deps.store.reports.findByReference(tag[2]!, since);
  return byTag && byTag.id !== reportId ? { report: byTag, how: `reference ${tag[1]!.toUpperCase()}` } : null;
}

/**
 * A reply to `earlier`: onto its incident when it has one, else marked as
 * answering it (and on both timelines) while it waits for triage. Decided
 * with the report locked (FOR UPDATE on PostgreSQL, as triage locks the
 * reports it moves): a triage at the same moment either comes first and the
 * reply follows onto its incident, or comes after and takes the reply along.
 * A report rejected (spam, a duplicate…) threads nothing: the reply is a
 * report of its own, with its own receipt.
 */
async function threadOnto(deps: ServiceDeps, actor: Actor, reportId: string, earlier: Report, how: string): Promise<void> {
  const onto = await deps.store.transaction(async (tx) => {
    // Answering a reply: the report the thread began with.
    const [first] = await tx.reports.findManyById({ kind: 'all' }, [earlier.replyTo ?? earlier.id], true);
    if (!first || (first.status === 'rejected' && !first.incidentId)) return null;
    if (first.incidentId) return first.incidentId;
    await tx.reports.setReplyTo(reportId, first.id);
    await tx.timeline.append([
      { incidentId: null, reportId, actor: actor.id, action: 'report.reply', changes: { replyTo: first.id, matchedBy: how }, note: null },
      { incidentId: null, reportId: first.id, actor: actor.id, action: 'report.reply', changes: { reply: reportId, matchedBy: how }, note: null },
    ]);
    return null;
  });
  // A merged or otherwise closed-off incident: the reply waits in the triage queue instead.
  if (onto) await attachReports(deps, actor, onto, { reportIds: [reportId], note: `threaded by ${how}` }).catch(() => undefined);
}
