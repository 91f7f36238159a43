import type { Actor } from '../domain/actor.js';
import { AWAITING_ANSWER, CoordinationCreateSchema, CoordinationDraftUpdateSchema, CoordinationStateChangeSchema, DEFAULT_REMINDERS, allowedCoordinationMoves, canMoveCoordination, coordinationTag, type Coordination, type CoordinationCreateInput, type CoordinationDraftUpdate, type CoordinationMessage, type CoordinationPurpose, type CoordinationState, type CoordinationStateChange, type ReminderPolicy } from '../domain/coordination.js';
import { AppError, notFound } from '../domain/errors.js';
import { UUID_PATTERN, newId } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import { messageValues } from '../domain/message-context.js';
import { renderTemplate, type TemplateKind } from '../domain/message-template.js';
import { officeHoursAt, parseOfficeHours } from '../domain/office-hours.js';
import type { ContactRole, Language } from '../domain/organisation.schema.js';
import { tlpRank, type Tlp } from '../domain/tlp.js';
import type { OutboundAttachment } from '../formats/outbound-mail.js';
import { toCoordination, toMessages, type CoordinationRow } from '../store/repositories/coordination.repository.js';
import type { Contact, Organisation } from '../store/repositories/organisation.repository.js';
import type { ContactReason } from '../domain/abuse-contact.js';
import type { Store } from '../store/store.js';
import { assertCan, can } from './access.policy.js';
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
import { currentTemplate } from './template.service.js';
import { markTakedowns } from './takedown.service.js';
import { parseInput } from './validate.js';

export const COORDINATION_REMINDER_JOB = 'coordination.reminder';

export interface CoordinationView extends Coordination {
  messages: CoordinationMessage[];
  /** States a handler may set from here. */
  allowedStates: CoordinationState[];
  /** The contact's local time and whether they are in office hours now (when the directory says). */
  contactTime: { localTime: string; timeZone: string; isOpen: boolean | null } | null;
}

/** Which contact of an organisation to write to, by purpose: the first role present wins. */
const ROLE_ORDER: Record<CoordinationPurpose, readonly ContactRole[]> = {
  takedown: ['abuse', 'security', '24x7', 'technical', 'general', 'management'],
  notification: ['abuse', 'security', '24x7', 'technical', 'general', 'management'],
  'information-request': ['security', 'abuse', 'general', '24x7', 'technical', 'management'],
  'csirt-report': ['security', 'abuse', 'general', '24x7', 'technical', 'management'],
  'law-enforcement': ['general', 'security', 'management', 'abuse', '24x7', 'technical'],
  'reporter-update': ['general', 'security', 'abuse', 'technical', 'management', '24x7'],
};

function isOpenNow(contact: Contact, at: Date): boolean | null {
  if (!contact.officeHours) return null;
  const parsed = parseOfficeHours(contact.officeHours);
  return parsed.ok ? officeHoursAt(parsed.value, contact.timezone, at).isOpen : null;
}

/**
 * The contact to write to, and why: the named one, else the first by role for
 * the purpose — and when that one is outside office hours, the 24/7 contact.
 */
export function chooseContact(
  org: Organisation,
  purpose: CoordinationPurpose,
  email: string | undefined,
  at: Date,
): { contact: Contact; reason: string; why: ContactReason } {
  if (org.contacts.length === 0)
    throw new AppError('VALIDATION', `${org.name} has no contact with an e-mail address: add one in the directory first`, {
      issues: [{ path: ['organisationId'], message: 'the organisation has no contact address' }],
    });
  if (email) {
    const named = org.contacts.find((c) => c.email.toLowerCase() === email.toLowerCase());
    if (!named)
      throw new AppError('VALIDATION', `${email} is not a contact of ${org.name}`, { issues: [{ path: ['contactEmail'], message: 'not a contact of the organisation' }] });
    return { contact: named, reason: 'chosen by the handler', why: { code: 'chosen' } };
  }
  const byRole = [...org.contacts].sort((a, b) => ROLE_ORDER[purpose].indexOf(a.role) - ROLE_ORDER[purpose].indexOf(b.role));
  const first = byRole[0]!;
  const open = isOpenNow(first, at);
  const allDay = org.contacts.find((c) => c.role === '24x7' && c !== first);
  if (open === false && allDay) {
    const local = localTime(first.timezone, at);
    return {
      contact: allDay,
      reason: `${first.email} is outside office hours (${local} ${first.timezone}): using the 24/7 contact`,
      why: { code: 'outside-hours', email: first.email, localTime: local, timezone: first.timezone },
    };
  }
  return { contact: first, reason: `${first.role} contact`, why: { code: 'role', role: first.role } };
}

export function reminderPolicyOf(row: Pick<CoordinationRow, 'purpose' | 'reminder_after_hours'>): ReminderPolicy | null {
  const base = DEFAULT_REMINDERS[row.purpose as CoordinationPurpose];
  if (!base) return row.reminder_after_hours ? { afterHours: row.reminder_after_hours, followUps: 0, followUp: 'ask' } : null;
  return row.reminder_after_hours ? { ...base, afterHours: row.reminder_after_hours } : base;
}

/** `YYYY-MM-DD HH:mm` in a zone. */
const localTime = (timeZone: string, at: Date) => officeHoursAt({ always: true, windows: [] }, timeZone, at).localTime;

export const addHours = (at: Date, hours: number) => new Date(at.getTime() + hours * 3600_000).toISOString();

async function loadRow(store: Store, incident: Incident, idOrSequence: string): Promise<CoordinationRow> {
  const row = UUID_PATTERN.test(idOrSequence)
    ? await store.coordinations.findRow(idOrSequence)
    : /^\d{1,6}$/.test(idOrSequence)
      ? await store.coordinations.findRowBySequence(incident.id, Number(idOrSequence))
      : null;
  if (!row || row.incident_id !== incident.id) throw notFound('coordination', idOrSequence);
  return row;
}

async function view(deps: ServiceDeps, store: Store, incident: Incident, rows: CoordinationRow[]): Promise<CoordinationView[]> {
  const ids = rows.map((r) => r.id);
  const [mails, replies, orgs] = await Promise.all([
    store.coordinations.mailsFor(ids),
    store.coordinations.repliesFor(ids),
    store.organisations.findManyById([...new Set(rows.map((r) => r.organisation_id).filter((x): x is string => x !== null))]),
  ]);
  const now = deps.clock();
  return rows.map((r) => {
    const org = orgs.find((o) => o.id === r.organisation_id) ?? null;
    const contact = org?.contacts.find((c) => c.email.toLowerCase() === r.contact_email.toLowerCase()) ?? null;
    const c = toCoordination(r, incident.number, org?.name ?? null);
    const state = c.state;
    return {
      ...c,
      messages: toMessages(
        mails.filter((m) => m.coordination_id === r.id),
        replies.filter((x) => x.coordinationId === r.id),
      ),
      allowedStates: allowedCoordinationMoves(state).filter((s) => s !== 'sent' && s !== 'delivery-failed'),
      contactTime: contact
        ? {
            localTime: localTime(contact.timezone, now),
            timeZone: contact.timezone,
            isOpen: isOpenNow(contact, now),
          }
        : null,
    };
  });
}

/** Facts for the templates, from the incident as it is now. */
export async function render(
  deps: ServiceDeps,
  store: Store,
  kind: TemplateKind,
  incident: Incident,
  m: { language: Language; tlp: Tlp; defang: boolean; tag: string; contactName: string | null; contactEmail: string; organisation: string | null; timeZone: string; handlerName: string },
): Promise<{ subject: string; body: string }> {
  const template = await currentTemplate(store, kind, m.language);
  const observables = await store.observables.forIncident({ kind: 'all' }, incident.id);
  const values = messageValues({
    incident,
    observables,
    language: m.language,
    tlp: m.tlp,
    defang: m.defang,
    tag: m.tag,
    recipient: { name: m.contactName, email: m.contactEmail, organisation: m.organisation, timeZone: m.timeZone },
    handlerName: m.handlerName,
    team: { name: deps.settings.team.name, email: deps.settings.team.email, pgpFingerprint: deps.teamKeys[0]?.fingerprint ?? null },
    now: deps.clock(),
  });
  let subject = renderTemplate(template.subject, values).replace(/\s+/g, ' ').trim();
  if (!subject.includes(`[${m.tag}]`)) subject = `[${m.tag}] ${subject}`;
  return { subject, body: renderTemplate(template.body, values) };
}

async function assertEvidence(store: Store, incident: Incident, evidence: string[]): Promise<void> {
  if (evidence.length === 0) return;
  const held = new Set((await store.reports.attachmentsForIncident(incident.id)).map((a) => a.sha256));
  const issues = evidence.flatMap((sha, i) => (held.has(sha) ? [] : [{ path: ['evidence', i], message: 'not a file of this incident’s reports' }]));
  if (issues.length) throw new AppError('VALIDATION', 'evidence must be files attached to this incident’s reports', { issues });
}

/** A coordination's TLP: never RED (it does not leave the people named on the incident), and lower than the incident's only by a lead. */
function assertTlp(actor: Actor, incident: Incident, tlp: Tlp): void {
  if (tlp === 'RED')
    throw new AppError('VALIDATION', 'TLP:RED information stays with the people named on the incident: share what the party needs at AMBER+STRICT or below', {
      issues: [{ path: ['tlp'], message: 'RED cannot be sent to an outside party' }],
    });
  if (tlpRank(tlp) < tlpRank(incident.tlp) && !can(actor, 'incident.share'))
    throw new AppError('FORBIDDEN', `sharing TLP:${incident.tlp} information as TLP:${tlp} needs a lead`, { capability: 'incident.share' });
}

/**
 * Start a coordination with one party: the message is drafted from the
 * template of its purpose and language, ready to review and send.
 */
export async function createCoordination(deps: ServiceDeps, actor: Actor, incidentRef: string, input: CoordinationCreateInput): Promise<CoordinationView> {
  assertCan(actor, 'coordination.send');
  const data = parseInput(CoordinationCreateSchema, input);
  const now = deps.clock();
  const at = now.toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    let org: Organisation | null = null;
    let contactEmail = data.contactEmail ?? null;
    let contactName = data.contactName ?? null;
    let language: Language | null = data.language ?? null;
    let timeZone = deps.settings.timeZone;
    let encrypt = false;
    let reason = 'address given by the handler';
    if (data.organisationId) {
      org = (await tx.organisations.findById(data.organisationId)) ?? null;
      if (!org) throw new AppError('VALIDATION', `organisation ${data.organisationId} not found`, { issues: [{ path: ['organisationId'], message: 'no such organisation' }] });
      const chosen = chooseContact(org, data.purpose, data.contactEmail, now);
      contactEmail = chosen.contact.email;
      contactName = data.contactName ?? chosen.contact.name;
      language ??= chosen.contact.language;
      timeZone = chosen.contact.timezone;
      encrypt = Boolean(chosen.contact.pgpKey);
      reason = chosen.reason;
    } else if (!contactEmail && data.purpose === 'reporter-update') {
      const reports = await tx.reports.findManyById({ kind: 'all' }, await tx.reports.listIdsForIncident(incident.id));
      const first = reports.filter((r) => r.sender).sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))[0];
      if (!first)
        throw new AppError('VALIDATION', 'no report of this incident has a sender address: give contactEmail', {
          issues: [{ path: ['contactEmail'], message: 'required: no reporter address is known' }],
        });
      contactEmail = first.sender!;
      contactName ??= first.senderName;
      language ??= first.language?.startsWith('ja') ? 'ja' : first.language ? 'en' : null;
      reason = 'the first reporter';
    }
    if (!contactEmail)
      throw new AppError('VALIDATION', 'name the party: organisationId (with an optional contactEmail) or a contactEmail', {
        issues: [{ path: ['contactEmail'], message: 'required without organisationId' }],
      });
    language ??= actor.language ?? 'en';
    const tlp = data.tlp ?? incident.tlp;
    assertTlp(actor, incident, tlp);
    await assertEvidence(tx, incident, data.evidence);

    const sequence = await tx.coordinations.nextSequence(incident.id);
    const tag = coordinationTag(incident.number, sequence);
    const text = await render(deps, tx, data.purpose, incident, {
      language,
      tlp,
      defang: data.defang,
      tag,
      contactName,
      contactEmail,
      organisation: org?.name ?? null,
      timeZone,
      handlerName: actor.displayName,
    });
    const row: CoordinationRow = {
      id: newId(),
      incident_id: incident.id,
      sequence,
      purpose: data.purpose,
      state: 'draft',
      organisation_id: org?.id ?? null,
      contact_email: contactEmail,
      contact_name: contactName,
      language,
      tlp,
      defang: data.defang ? 1 : 0,
      encrypt: encrypt ? 1 : 0,
      subject: text.subject,
      body: text.body,
      evidence: JSON.stringify(data.evidence),
      reminder_after_hours: data.reminderAfterHours ?? null,
      follow_ups_sent: 0,
      last_sent_at: null,
      last_reply_at: null,
      next_reminder_at: null,
      created_at: at,
      created_by: actor.id,
      updated_at: at,
    };
    await tx.coordinations.insert(row);
    await tx.timeline.append([
      {
        incidentId: incident.id,
        reportId: null,
        actor: actor.id,
        action: 'coordination.created',
        changes: { coordination: tag, purpose: data.purpose, to: contactEmail, organisation: org?.name ?? null, tlp, language, encrypt, contactChoice: reason },
        note: null,
      },
    ]);
    return (await view(deps, tx, incident, [row]))[0]!;
  });
}

export async function listCoordinations(deps: ServiceDeps, actor: Actor, incidentRef: string): Promise<CoordinationView[]> {
  assertCan(actor, 'coordination.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  return view(deps, deps.store, incident, await deps.store.coordinations.listRows([incident.id]));
}

export async function getCoordination(deps: ServiceDeps, actor: Actor, incidentRef: string, id: string): Promise<CoordinationView> {
  assertCan(actor, 'coordination.read');
  const incident = await loadIncident(deps.store, actor, incidentRef);
  return (await view(deps, deps.store, incident, [await loadRow(deps.store, incident, id)]))[0]!;
}

/** Edit the draft before it goes: subject, body, evidence, or sending it unencrypted on purpose. */
export async function updateCoordinationDraft(
  deps: ServiceDeps,
  actor: Actor,
  incidentRef: string,
  id: string,
  input: CoordinationDraftUpdate,
): Promise<CoordinationView> {
  assertCan(actor, 'coordination.send');
  const data = parseInput(CoordinationDraftUpdateSchema, input);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    const row = await loadRow(tx, incident, id);
    if (row.state !== 'draft' && row.state !== 'delivery-failed')
      throw new AppError('INVALID_TRANSITION', `coordination ${coordinationTag(incident.number, row.sequence)} was sent: it can no longer be edited`);
    if (data.evidence) await assertEvidence(tx, incident, data.evidence);
    const tag = coordinationTag(incident.number, row.sequence);
    let subject = data.subject ?? row.subject;
    if (!subject.includes(`[${tag}]`)) subject = `[${tag}] ${subject}`;
    const patch: Partial<CoordinationRow> = {
      subject,
      body: data.body ?? row.body,
      ...(data.evidence ? { evidence: JSON.stringify(data.evidence) } : {}),
      ...(data.encrypt !== undefined ? { encrypt: data.encrypt ? 1 : 0 } : {}),
      updated_at: at,
    };
    if (data.encrypt === true && row.encrypt === 0) {
      const key = await contactKey(tx, row);
      if (!key)
        throw new AppError('VALIDATION', `${row.contact_email} has no PGP key in the directory`, { issues: [{ path: ['encrypt'], message: 'no key to encrypt to' }] });
    }
    await tx.coordinations.update(row.id, patch);
    if (data.encrypt === false && row.encrypt === 1)
      await tx.timeline.append([
        { incidentId: incident.id, reportId: null, actor: actor.id, action: 'coordination.state', changes: { coordination: tag, encrypt: { before: true, after: false } }, note: 'to be sent without encryption' },
      ]);
    return (await view(deps, tx, incident, [{ ...row, ...patch }]))[0]!;
  });
}

export async function contactKey(store: Store, row: CoordinationRow): Promise<string | null> {
  if (!row.organisation_id) return null;
  const org = await store.organisations.findById(row.organisation_id);
  return org?.contacts.find((c) => c.email.toLowerCase() === row.contact_email.toLowerCase())?.pgpKey ?? null;
}

async function evidenceFiles(deps: ServiceDeps, incident: Incident, shas: string[]): Promise<OutboundAttachment[]> {
  if (shas.length === 0) return [];
  const held = await deps.store.reports.attachmentsForIncident(incident.id);
  return Promise.all(
    shas.map(async (sha) => {
      const a = held.find((h) => h.sha256 === sha);
      if (!a) throw new AppError('VALIDATION', `evidence ${sha} is no longer attached to this incident`, { issues: [{ path: ['evidence'], message: 'not a file of this incident' }] });
      const filename = a.filename ?? `${sha.slice(0, 12)}.bin`;
      const content = deps.evidence.get(sha);
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

/** A handler records where the conversation stands: acknowledged, resolved, refused, no response, or cancelled (a draft). */
export async function changeCoordinationState(
  deps: ServiceDeps,
  actor: Actor,
  incidentRef: string,
  id: string,
  input: CoordinationStateChange,
): Promise<CoordinationView> {
  assertCan(actor, 'coordination.send');
  const { state, note } = parseInput(CoordinationStateChangeSchema, input);
  const at = deps.clock().toISOString();
  return deps.store.transaction(async (tx) => {
    const incident = await loadIncident(tx, actor, incidentRef);
    const row = await loadRow(tx, incident, id);
    const tag = coordinationTag(incident.number, row.sequence);
    if (!canMoveCoordination(row.state as CoordinationState, state))
      throw new AppError('INVALID_TRANSITION', `coordination ${tag} cannot go from ${row.state} to ${state}`, {
        from: row.state,
        to: state,
        allowed: allowedCoordinationMoves(row.state as CoordinationState),
      });
    const patch = { state, updated_at: at, next_reminder_at: AWAITING_ANSWER.includes(state) ? row.next_reminder_at : null };
    await tx.coordinations.update(row.id, patch);
    await tx.timeline.append([
      { incidentId: incident.id, reportId: null, actor: actor.id, action: 'coordination.state', changes: { coordination: tag, state: { before: row.state, after: state } }, note: note ?? null },
    ]);
    return (await view(deps, tx, incident, [{ ...row, ...patch }]))[0]!;
  });
}
