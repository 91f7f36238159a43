import type { Actor } from '../domain/actor.js';
import { DEFAULT_REMINDERS, canMoveCoordination, coordinationTag, type CoordinationPurpose, type CoordinationState, type ReminderPolicy } from '../domain/coordination.js';
import { AppError } from '../domain/errors.js';
import type { Incident } from '../domain/incident.js';
import type { Language } from '../domain/organisation.schema.js';
import type { Tlp } from '../domain/tlp.js';
import type { OutboundAttachment } from '../formats/outbound-mail.js';
import type { CoordinationRow } from '../store/repositories/coordination.repository.js';
import type { Store } from '../store/store.js';
import { assertCan } from './access.policy.js';
import { audit } from './audit.service.js';
import type { ServiceDeps } from './deps.js';
import { afterIncidentChange } from './incident-change.service.js';
import { assertDecided } from './rules.service.js';
import { assessFile } from '../formats/file-assessment.js';
import { entryName, infectedZip } from '../formats/infected-zip.js';
import { INFECTED_PASSWORD } from '../domain/evidence.js';
import { loadIncident } from './incident.service.js';
import { recordMailedEvidence } from './evidence-transfer.service.js';
import { enqueueMail, prepareMail } from './outbound-mail.service.js';
import { markTakedowns } from './takedown.service.js';
import { assertTlp, contactKey, loadRow, view, type CoordinationView } from './coordination.service.js';
import { storedBytes } from './evidence-bytes.js';

/**
 * Sending a coordination's draft (signed, encrypted when the contact has a
 * key, dangerous files only inside the "infected" ZIP) and scheduling its
 * reminder. Drafts and states are coordination.service.ts; what happens when
 * no answer comes is coordination-queue.service.ts.
 */

export const COORDINATION_REMINDER_JOB = 'coordination.reminder';

export function reminderPolicyOf(row: Pick<CoordinationRow, 'purpose' | 'reminder_after_hours'>): ReminderPolicy | null {
  const base = DEFAULT_REMINDERS[row.purpose as CoordinationPurpose];
  if (!base) return row.reminder_after_hours ? { afterHours: row.reminder_after_hours, followUps: 0, followUp: 'ask' } : null;
  return row.reminder_after_hours ? { ...base, afterHours: row.reminder_after_hours } : base;
}

export const addHours = (at: Date, hours: number) => new Date(at.getTime() + hours * 3600_000).toISOString();

async function evidenceFiles(deps: ServiceDeps, incident: Incident, shas: string[]): Promise<OutboundAttachment[]> {
  if (shas.length === 0) return [];
  const held = await deps.store.reports.attachmentsForIncident(incident.id);
  return Promise.all(
    shas.map(async (sha) => {
      const a = held.find((h) => h.sha256 === sha);
      if (!a) throw new AppError('VALIDATION', `evidence ${sha} is no longer attached to this incident`, { issues: [{ path: ['evidence'], message: 'not a file of this incident' }] });
      const filename = a.filename ?? `${sha.slice(0, 12)}.bin`;
      const content = await storedBytes(deps, sha);
      // A dangerous file leaves the team only inside a ZIP encrypted with "infected", beside a warning.
      const danger = assessFile(content, a.filename, a.mimeType);
      if (danger === null) return { filename, contentType: a.mimeType, content };
      const zipped = await infectedZip({ name: entryName(a.filename, `${sha.slice(0, 16)}.bin`), content, sha256: sha, reasons: danger.split('; ') }, INFECTED_PASSWORD);
      return { filename: `${entryName(a.filename, sha.slice(0, 16))}.zip`, contentType: 'application/zip', content: zipped };
    }),
  );
}

/**
 * Send the draft: it is written (signed, encrypted when the contact has a
 * key), queued for the relay in the same transaction that marks the
 * coordination sent, and a reminder is scheduled when the purpose has one.
 */
export async function sendCoordination(deps: ServiceDeps, actor: Actor, incidentRef: string, id: string): Promise<CoordinationView> {
  assertCan(actor, 'coordination.send');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  const row = await loadRow(deps.store, incident, id);
  const tag = coordinationTag(incident.number, row.sequence);
  if (!canMoveCoordination(row.state as CoordinationState, 'sent') || row.state === 'no-response')
    throw new AppError('INVALID_TRANSITION', `coordination ${tag} is ${row.state}: only a draft (or one whose delivery failed) is sent`);
  assertTlp(actor, incident, row.tlp as Tlp);
  await assertDecided(deps.store, incident, 'send-outside');
  let encryptTo: string[] = [];
  if (row.encrypt === 1) {
    const key = await contactKey(deps.store, row);
    if (!key)
      throw new AppError('VALIDATION', `${row.contact_email} no longer has a PGP key in the directory: add it, or send without encryption (encrypt: false)`, {
        issues: [{ path: ['encrypt'], message: 'no key to encrypt to' }],
      });
    encryptTo = [key];
  }
  const prepared = await prepareMail(deps, {
    kind: 'coordination',
    coordinationId: row.id,
    incidentId: incident.id,
    exercise: incident.exercise,
    to: [{ name: row.contact_name, address: row.contact_email }],
    subject: row.subject,
    text: row.body,
    language: row.language as Language,
    attachments: await evidenceFiles(deps, incident, JSON.parse(row.evidence) as string[]),
    encryptTo,
  });
  const now = deps.clock();
  const at = now.toISOString();
  const result = await deps.store.transaction(async (tx) => {
    const locked = await loadIncident(tx, actor, incident.id);
    const current = await loadRow(tx, locked, row.id);
    if (current.updated_at !== row.updated_at || current.state !== row.state)
      throw new AppError('CONFLICT', `coordination ${tag} changed while it was being sent: review it and send again`);
    await enqueueMail(deps, tx, actor, prepared, at);
    const policy = reminderPolicyOf(current);
    const nextReminderAt = policy ? addHours(now, policy.afterHours) : null;
    const patch = { state: 'sent', last_sent_at: at, next_reminder_at: nextReminderAt, updated_at: at } as const;
    await tx.coordinations.update(row.id, patch);
    if (nextReminderAt) await scheduleReminder(tx, row.id, prepared.id, nextReminderAt, at);
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'coordination.sent',
        changes: {
          coordination: tag,
          to: row.contact_email,
          messageId: prepared.messageId,
          signed: prepared.isSigned,
          encrypted: prepared.isEncrypted,
          attachments: JSON.parse(row.evidence) as string[],
          nextReminderAt,
        },
        note: null,
      },
    ]);
    await audit(tx, actor, 'coordination.send', { type: 'coordination', id: row.id }, { incident: incident.number, to: row.contact_email, tlp: row.tlp });
    // Files sent along leave our custody: a hand-over on each evidence item that holds them.
    await recordMailedEvidence(tx, actor, locked, JSON.parse(row.evidence) as string[], row.contact_email, { coordination: tag, messageId: prepared.messageId }, at);
    if (current.purpose === 'takedown') await markTakedowns(tx, incident.id, 'requested', at, actor);
    await afterIncidentChange(deps, tx, locked, { actions: ['coordination.sent'] });
    return (await view(deps, tx, locked, [{ ...current, ...patch }]))[0]!;
  });
  deps.wakeJobs();
  return result;
}

export function scheduleReminder(tx: Store, coordinationId: string, mailId: string, runAt: string, at: string) {
  return tx.jobs.enqueue({ kind: COORDINATION_REMINDER_JOB, payload: { coordinationId, mailId }, runAt, dedupeKey: `${COORDINATION_REMINDER_JOB}:${coordinationId}:${mailId}` }, at);
}
