import { systemActor } from '../domain/actor.js';
import type { Incident } from '../domain/incident.js';
import type { Report } from '../domain/report.js';
import { messageValues } from '../domain/message-context.js';
import { renderTemplate } from '../domain/message-template.js';
import type { Language } from '../domain/organisation.schema.js';
import type { ParsedMail } from '../formats/mail.js';
import type { ServiceDeps } from './deps.js';
import { enqueueMail, prepareMail } from './outbound-mail.service.js';
import { currentTemplate } from './template.service.js';
import { statusUrl } from './web-form.service.js';

export const ACKNOWLEDGE_JOB = 'intake.acknowledge';

/** Reports acknowledged to one sender per clock hour, at most: a flood (or a loop we did not see) gets three answers, not thousands. */
export const ACKS_PER_SENDER_PER_HOUR = 3;

/** Local parts that never read what they receive. */
const NO_REPLY = /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|bounce[-+].*|.*-bounces?(\+.*)?)$/i;

/**
 * Is an incoming mail one we may answer automatically (RFC 3834)? Not when
 * it is itself automatic (Auto-Submitted, Precedence, List-Id, a bounce), has
 * no return path, comes from a no-reply address, or from our own domain.
 */
export function mayAcknowledge(deps: ServiceDeps, mail: Pick<ParsedMail, 'isAutomated' | 'from'>, envelopeFrom: string | null): boolean {
  if (!deps.settings.intake.autoAcknowledge || mail.isAutomated) return false;
  const from = mail.from?.address?.toLowerCase();
  if (!from || !envelopeFrom || envelopeFrom === '<>') return false;
  const [local, domain] = from.split('@') as [string, string | undefined];
  if (!domain || NO_REPLY.test(local)) return false;
  return domain !== deps.settings.team.mailDomain.toLowerCase() && from !== deps.settings.team.email.toLowerCase();
}

/** The reference a reporter is given before triage: `RK-R-1A2B3C4D` (the report id's last digits). */
export const reportReference = (prefix: string, reportId: string): string => `${prefix}-R-${reportId.replace(/-/g, '').slice(-8).toUpperCase()}`;

const ACK_ACTOR = systemActor('acknowledgement');

/** Where a receipt goes: a mail's envelope sender when it had a real one, else the report's sender. */
function replyAddress(report: Report, sender: string): string {
  const envelope = (report.meta.envelope as { mailFrom?: unknown } | undefined)?.mailFrom;
  return report.channel === 'email' && typeof envelope === 'string' && /^[^\s@<>]+@[^\s@<>]+$/.test(envelope) ? envelope : sender;
}

/**
 * The job: answer the sender of a new report with its reference, in its
 * language, as an automatic reply (Auto-Submitted, null envelope sender) —
 * unless by now the mail was threaded onto an incident or onto an earlier
 * report (a reply to us needs no receipt) or its sender already had their
 * share this hour.
 */
export async function acknowledgeReport(deps: ServiceDeps, payload: unknown): Promise<'sent' | 'threaded' | 'rate-limited' | 'gone'> {
  const reportId = (payload as { reportId?: unknown } | null)?.reportId;
  if (typeof reportId !== 'string') return 'gone';
  const report = await deps.store.reports.findById({ kind: 'all' }, reportId);
  if (!report?.sender) return 'gone';
  // A reply to us (threaded onto an incident, or answering a report of theirs) needs no receipt of its own.
  if (report.incidentId || report.replyTo) return 'threaded';
  const now = deps.clock();
  const hour = new Date(Math.floor(now.getTime() / 3600_000) * 3600_000).toISOString();
  // RFC 3834 §4: an automatic reply goes to the envelope sender (Return-Path), not to the From a forger may write;
  // a form's report has none, and goes to the address the reporter gave.
  const to = replyAddress(report, report.sender);
  if ((await deps.store.accounts.bump(`ack:${to.toLowerCase()}`, hour)) > ACKS_PER_SENDER_PER_HOUR) return 'rate-limited';
  // The name the mail or form gave, only where it is the sender's own: a form's e-mail address is not checked, so its
  // receipt greets the address, never a name someone else typed (the form would mail our words with theirs to anyone).
  const name = report.channel === 'web-form' || to !== report.sender ? null : report.senderName;

  const language: Language = report.language?.startsWith('ja') ? 'ja' : 'en';
  const reference = reportReference(deps.settings.incidentPrefix, report.id);
  const template = await currentTemplate(deps.store, 'acknowledgement', language);
  const asIncident: Pick<Incident, 'number' | 'title' | 'category' | 'summary' | 'status' | 'fiveW1H' | 'createdAt'> = {
    number: reference,
    title: report.subject ?? '',
    category: 'other',
    summary: null,
    status: 'new',
    fiveW1H: { occurredAt: null, detectedAt: null, reportedAt: report.receivedAt, vector: null, impact: null, affectedAssets: null, actor: null, motive: null },
    createdAt: report.receivedAt,
  };
  const values = messageValues({
    incident: asIncident,
    observables: [],
    language,
    tlp: 'AMBER',
    defang: true,
    tag: reference,
    recipient: { name, email: to, organisation: null, timeZone: deps.settings.timeZone },
    handlerName: deps.settings.team.name,
    team: { name: deps.settings.team.name, email: deps.settings.team.email, pgpFingerprint: deps.teamKeys[0]?.fingerprint ?? null },
    now,
  });
  let subject = renderTemplate(template.subject, values).replace(/\s+/g, ' ').trim();
  if (!subject.includes(`[${reference}]`)) subject = `[${reference}] ${subject}`;
  const status = report.channel === 'web-form' ? `\n${language === 'ja' ? '対応状況はこちらでご確認いただけます（このリンクは他の方と共有しないでください）' : 'You can follow its status here (keep this link to yourself)'}:\n${statusUrl(deps, report.id)}\n` : '';
  const original = report.channel === 'email' && /^<[^<>\s]+>$/.test(report.sourceRef) ? report.sourceRef : null;
  const prepared = await prepareMail(deps, {
    kind: 'acknowledgement',
    to: [{ name, address: to }],
    subject,
    text: renderTemplate(template.body, values) + status,
    language,
    ...(original ? { inReplyTo: original, references: [original] } : {}),
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    nullSender: true,
  });
  const at = now.toISOString();
  await deps.store.transaction(async (tx) => {
    await enqueueMail(deps, tx, ACK_ACTOR, prepared, at);
    await tx.timeline.append([
      { incidentId: null, reportId: report.id, actor: ACK_ACTOR.id, action: 'report.acknowledged', changes: { reference, to, messageId: prepared.messageId, language }, note: null },
    ]);
  });
  deps.wakeJobs();
  return 'sent';
}
