import type { Actor } from '../domain/actor.js';
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
