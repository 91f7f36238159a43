import { systemActor } from '../domain/actor.js';
import { coordinationTag, parseTrackingTag } from '../domain/coordination.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident } from './incident.service.js';
import { markTakedowns } from './takedown.service.js';

const REMINDER_ACTOR = systemActor('coordination');

export interface ReplyMatch {
  incidentId: string;
  coordinationId: string | null;
  how: string;
}

/**
 * Which incident (and coordination) a mail answers: a Message-ID we sent in
 * its In-Reply-To / References first, then the tracking tag in the subject
 * (`[RK-2026-000123-C2]`, or the incident's number with the sender matching
 * one coordination's contact), then an earlier report of the thread.
 */
export async function matchReply(
  deps: ServiceDeps,
  reportId: string,
  mail: { subject: string | null; inReplyTo: string | null; references: string[]; from: string | null },
): Promise<ReplyMatch | null> {
  const store = deps.store;
  const refs = [mail.inReplyTo, ...mail.references].filter((r): r is string => Boolean(r));
  const sent = await store.coordinations.coordinationByMessageIds(refs);
  if (sent) {
    const row = await store.coordinations.findRow(sent.coordinationId);
    if (row) return { incidentId: row.incident_id, coordinationId: row.id, how: `In-Reply-To / References ${sent.messageId}` };
  }
  const tag = parseTrackingTag(mail.subject);
  if (tag && tag.incidentNumber.startsWith(`${deps.settings.incidentPrefix}-`)) {
    const incident = await store.incidents.findByNumber({ kind: 'all' }, tag.incidentNumber);
    if (incident) {
      if (tag.sequence !== null) {
        const row = await store.coordinations.findRowBySequence(incident.id, tag.sequence);
        if (row) return { incidentId: incident.id, coordinationId: row.id, how: `tracking tag ${coordinationTag(incident.number, tag.sequence)}` };
      }
      const from = mail.from?.toLowerCase();
      const bySender = from ? (await store.coordinations.listRows([incident.id])).filter((r) => r.contact_email.toLowerCase() === from) : [];
      return {
        incidentId: incident.id,
        coordinationId: bySender.length === 1 ? bySender[0]!.id : null,
        how: bySender.length === 1 ? `tracking tag ${incident.number} and the sender ${from}` : `tracking tag ${incident.number}`,
      };
    }
  }
  const earlier = (await store.reports.findBySourceRefs('email', refs)).find((r) => r.incidentId && r.id !== reportId);
  if (earlier?.incidentId) return { incidentId: earlier.incidentId, coordinationId: null, how: 'In-Reply-To / References of an earlier report' };
  return null;
}

/** A reply arrived on a coordination: it is linked, and a waiting coordination becomes acknowledged. */
export async function recordCoordinationReply(deps: ServiceDeps, coordinationId: string, reportId: string, how: string): Promise<void> {
  const at = deps.clock().toISOString();
  await deps.store.transaction(async (tx) => {
    const row = await tx.coordinations.findRow(coordinationId);
    if (!row) return;
    const incident = await loadIncident(tx, REMINDER_ACTOR, row.incident_id);
    if (!(await tx.coordinations.addReply(row.id, reportId, how, at))) return;
    const acknowledges = row.state === 'sent' || row.state === 'no-response';
    if (row.purpose === 'takedown' && acknowledges) await markTakedowns(tx, incident.id, 'acknowledged', at, REMINDER_ACTOR);
    await tx.coordinations.update(row.id, {
      last_reply_at: at,
      updated_at: at,
      ...(acknowledges ? { state: 'acknowledged', next_reminder_at: null } : {}),
    });
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId,
        actor: REMINDER_ACTOR.id,
        action: 'coordination.reply',
        changes: { coordination: coordinationTag(incident.number, row.sequence), matchedBy: how, ...(acknowledges ? { state: { before: row.state, after: 'acknowledged' } } : {}) },
        note: null,
      },
    ]);
  });
}
