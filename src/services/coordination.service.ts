import type { Actor } from '../domain/actor.js';
import { AWAITING_ANSWER, CoordinationCreateSchema, CoordinationDraftUpdateSchema, CoordinationStateChangeSchema, allowedCoordinationMoves, canMoveCoordination, coordinationTag, type Coordination, type CoordinationCreateInput, type CoordinationDraftUpdate, type CoordinationMessage, type CoordinationState, type CoordinationStateChange } from '../domain/coordination.js';
import { AppError, notFound } from '../domain/errors.js';
import { UUID_PATTERN, newId } from '../domain/ids.js';
import type { Incident } from '../domain/incident.js';
import { messageValues } from '../domain/message-context.js';
import { renderTemplate, type TemplateKind } from '../domain/message-template.js';
import type { Language } from '../domain/organisation.schema.js';
import { tlpRank, type Tlp } from '../domain/tlp.js';
import { toCoordination, toMessages, type CoordinationRow } from '../store/repositories/coordination.repository.js';
import type { Organisation } from '../store/repositories/organisation.repository.js';
import type { Store } from '../store/store.js';
import { assertCan, can } from './access.policy.js';
import type { ServiceDeps } from './deps.js';
import { loadIncident } from './incident.service.js';
import { currentTemplate } from './template.service.js';
import { parseInput } from './validate.js';
import { chooseContact, isOpenNow, localTime } from './contact-choice.js';

/**
 * Coordinations of an incident: the draft written to an organisation's
 * contact (chosen by contact-choice.ts) from a template, its edits, and the
 * states a handler records as the conversation goes on. Sending is
 * coordination-send.service.ts; replies, reminders and failures are
 * coordination-reply.service.ts and coordination-queue.service.ts.
 */

export interface CoordinationView extends Coordination {
  messages: CoordinationMessage[];
  /** States a handler may set from here. */
  allowedStates: CoordinationState[];
  /** The contact's local time and whether they are in office hours now (when the directory says). */
  contactTime: { localTime: string; timeZone: string; isOpen: boolean | null } | null;
}

/** A coordination of the incident by id or by its sequence number (…-3); NOT_FOUND otherwise. */
export async function loadRow(store: Store, incident: Incident, idOrSequence: string): Promise<CoordinationRow> {
  const row = UUID_PATTERN.test(idOrSequence)
    ? await store.coordinations.findRow(idOrSequence)
    : /^\d{1,6}$/.test(idOrSequence)
      ? await store.coordinations.findRowBySequence(incident.id, Number(idOrSequence))
      : null;
  if (!row || row.incident_id !== incident.id) throw notFound('coordination', idOrSequence);
  return row;
}

export async function view(deps: ServiceDeps, store: Store, incident: Incident, rows: CoordinationRow[]): Promise<CoordinationView[]> {
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
export function assertTlp(actor: Actor, incident: Incident, tlp: Tlp): void {
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
