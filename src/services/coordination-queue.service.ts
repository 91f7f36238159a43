import { systemActor } from '../domain/actor.js';
import { canMoveCoordination, coordinationTag, type CoordinationState } from '../domain/coordination.js';
import { AppError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import type { Language } from '../domain/organisation.schema.js';
import type { Tlp } from '../domain/tlp.js';
import type { CoordinationRow } from '../store/repositories/coordination.repository.js';
import type { Store } from '../store/store.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident } from './incident.service.js';
import { enqueueMail, prepareMail, type PreparedMail } from './outbound-mail.service.js';
import { contactKey, render } from './coordination.service.js';
import { COORDINATION_REMINDER_JOB, addHours, reminderPolicyOf, scheduleReminder } from './coordination-send.service.js';

/**
 * What the job queue does for coordinations: a relay that gave up, and
 * reminders on silence (follow-up, asking the handler, escalation proposals).
 */

const REMINDER_ACTOR = systemActor('coordination');

/** The relay gave up on a message: the coordination says so, on its timeline. */
export async function recordDeliveryFailure(deps: ServiceDeps, coordinationId: string, mailId: string, error: string): Promise<void> {
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const row = await tx.coordinations.findRow(coordinationId);
    if (!row) return;
    const incident = await loadIncident(tx, REMINDER_ACTOR, row.incident_id);
    const moves = canMoveCoordination(row.state as CoordinationState, 'delivery-failed');
    if (moves) await tx.coordinations.update(row.id, { state: 'delivery-failed', next_reminder_at: null, updated_at: at });
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: REMINDER_ACTOR.id,
        action: 'coordination.delivery-failed',
        changes: { coordination: coordinationTag(incident.number, row.sequence), mail: mailId, to: row.contact_email, ...(moves ? { state: { before: row.state, after: 'delivery-failed' } } : {}) },
        note: error,
      },
    ]);
  });
}

const ReminderPayload = (p: unknown): { coordinationId: string; mailId: string } => {
  const o = p as { coordinationId?: unknown; mailId?: unknown } | null;
  if (typeof o?.coordinationId !== 'string' || typeof o.mailId !== 'string') throw new AppError('VALIDATION', 'reminder job without coordinationId and mailId');
  return { coordinationId: o.coordinationId, mailId: o.mailId };
};

/**
 * A reminder came due. If the party has still not answered the message it
 * belongs to: send a follow-up (or ask the handler, as the purpose says);
 * after the last follow-up, mark the coordination no-response and propose
 * escalating upstream. Otherwise nothing: a reply or a newer message won.
 */
export async function runCoordinationReminder(deps: ServiceDeps, payload: unknown): Promise<'follow-up' | 'asked' | 'escalation-proposed' | 'nothing'> {
  const { coordinationId, mailId } = ReminderPayload(payload);
  const row = await deps.store.coordinations.findRow(coordinationId);
  if (!row || row.state !== 'sent') return 'nothing';
  const mails = await deps.store.coordinations.mailsFor([row.id]);
  const mail = mails.find((m) => m.id === mailId);
  const latest = mails.at(-1);
  if (!mail || latest?.id !== mailId) return 'nothing';
  if (row.last_reply_at && row.last_reply_at >= mail.created_at) return 'nothing';
  const policy = reminderPolicyOf(row);
  if (!policy) return 'nothing';
  const incident = await loadIncident(deps.store, REMINDER_ACTOR, row.incident_id);
  const tag = coordinationTag(incident.number, row.sequence);
  const now = deps.clock();
  const at = now.toISOString();
  const silentHours = Math.round((now.getTime() - Date.parse(mail.created_at)) / 3600_000);

  if (row.follow_ups_sent < policy.followUps && policy.followUp === 'send') {
    const key = row.encrypt === 1 ? await contactKey(deps.store, row) : null;
    const org = row.organisation_id ? await deps.store.organisations.findById(row.organisation_id) : undefined;
    const contact = org?.contacts.find((c) => c.email.toLowerCase() === row.contact_email.toLowerCase());
    const text = await render(deps, deps.store, 'follow-up', incident, {
      language: row.language as Language,
      tlp: row.tlp as Tlp,
      defang: row.defang === 1,
      tag,
      contactName: row.contact_name,
      contactEmail: row.contact_email,
      organisation: org?.name ?? null,
      timeZone: contact?.timezone ?? deps.settings.timeZone,
      handlerName: deps.settings.team.name,
    });
    let prepared: PreparedMail;
    try {
      prepared = await prepareMail(deps, {
        kind: 'follow-up',
        coordinationId: row.id,
        incidentId: incident.id,
        exercise: incident.exercise,
        to: [{ name: row.contact_name, address: row.contact_email }],
        subject: text.subject,
        text: text.body,
        language: row.language as Language,
        inReplyTo: mail.message_id,
        references: mails.map((m) => m.message_id),
        encryptTo: key ? [key] : [],
      });
    } catch (err) {
      await askHandler(deps, row, incident, tag, `no answer in ${silentHours} h; the follow-up could not be written: ${(err as Error).message}`, at);
      return 'asked';
    }
    await deps.store.transaction(async (tx) => {
      const current = await tx.coordinations.findRow(row.id);
      if (!current || current.state !== 'sent' || current.follow_ups_sent !== row.follow_ups_sent) return;
      await enqueueMail(deps, tx, REMINDER_ACTOR, prepared, at);
      const next = addHours(now, policy.afterHours);
      await tx.coordinations.update(row.id, { follow_ups_sent: row.follow_ups_sent + 1, last_sent_at: at, next_reminder_at: next, updated_at: at });
      await scheduleReminder(tx, row.id, prepared.id, next, at);
      await tx.timeline.append([
        {
          incidentId: incident.id,
          reportId: null,
          actor: REMINDER_ACTOR.id,
          action: 'coordination.follow-up',
          changes: { coordination: tag, to: row.contact_email, messageId: prepared.messageId, followUp: row.follow_ups_sent + 1, silentHours, nextReminderAt: next },
          note: null,
        },
      ]);
    });
    deps.wakeJobs();
    return 'follow-up';
  }

  if (row.follow_ups_sent < policy.followUps) {
    await askHandler(deps, row, incident, tag, `no answer from ${row.contact_email} in ${silentHours} h: send a follow-up?`, at, policy.afterHours);
    return 'asked';
  }

  const proposals = await escalationProposals(deps.store, row, incident);
  await deps.store.transaction(async (tx) => {
    const current = await tx.coordinations.findRow(row.id);
    if (!current || current.state !== 'sent') return;
    await tx.coordinations.update(row.id, { state: 'no-response', next_reminder_at: null, updated_at: at });
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: REMINDER_ACTOR.id,
        action: 'coordination.escalation-proposed',
        changes: { coordination: tag, state: { before: 'sent', after: 'no-response' }, silentHours, proposals },
        note: `no answer from ${row.contact_email} after ${row.follow_ups_sent} follow-up(s): escalate upstream`,
      },
    ]);
  });
  return 'escalation-proposed';
}

async function askHandler(deps: ServiceDeps, row: CoordinationRow, incident: Incident, tag: string, note: string, at: string, nextInHours?: number): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const current = await tx.coordinations.findRow(row.id);
    if (!current || current.state !== 'sent' || current.follow_ups_sent !== row.follow_ups_sent) return;
    const next = nextInHours ? addHours(new Date(at), nextInHours) : null;
    await tx.coordinations.update(row.id, { follow_ups_sent: row.follow_ups_sent + 1, next_reminder_at: next, updated_at: at });
    const latest = (await tx.coordinations.mailsFor([row.id])).at(-1);
    if (next && latest) {
      await tx.jobs.enqueue(
        { kind: COORDINATION_REMINDER_JOB, payload: { coordinationId: row.id, mailId: latest.id }, runAt: next, dedupeKey: `${COORDINATION_REMINDER_JOB}:${row.id}:${latest.id}:ask${row.follow_ups_sent + 1}` },
        at,
      );
    }
    await tx.timeline.append([
      { incidentId: incident.id, reportId: null, actor: REMINDER_ACTOR.id, action: 'coordination.reminder', changes: { coordination: tag, to: row.contact_email }, note },
    ]);
  });
}

/**
 * Who is upstream of a silent party: the national CSIRT of its country
 * (from the directory), and — for hosting providers and ISPs — the
 * registrar of the incident's domains (named as a step until registry data
 * is imported).
 */
async function escalationProposals(store: Store, row: CoordinationRow, incident: Incident): Promise<{ kind: string; organisationId: string | null; name: string }[]> {
  const out: { kind: string; organisationId: string | null; name: string }[] = [];
  const org = row.organisation_id ? await store.organisations.findById(row.organisation_id) : undefined;
  if (org && (org.kind === 'hosting' || org.kind === 'isp')) {
    const domains = (await store.observables.forIncident({ kind: 'all' }, incident.id)).filter((o) => o.type === 'domain').map((o) => o.value);
    if (domains.length) out.push({ kind: 'registrar', organisationId: null, name: `registrar of ${domains.slice(0, 5).join(', ')}` });
  }
  if (org?.country) {
    const csirts = await store.organisations.list({ kind: ['csirt'], country: org.country }, { limit: 5, offset: 0 });
    for (const c of csirts.items) if (c.id !== org.id) out.push({ kind: 'national-csirt', organisationId: c.id, name: c.name });
    if (csirts.items.length === 0) out.push({ kind: 'national-csirt', organisationId: null, name: `national CSIRT of ${org.country} (not in the directory)` });
  }
  return out;
}
