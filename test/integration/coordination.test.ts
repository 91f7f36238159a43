import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import type { AppError } from '../../src/domain/errors.js';
import { generateTeamKey, openPgpMail, type TeamKey } from '../../src/formats/pgp.js';
import { parseMail } from '../../src/formats/mail.js';
import { changeCoordinationState, createCoordination, getCoordination, updateCoordinationDraft } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { receiveMail } from '../../src/services/mail-intake.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { saveTemplate } from '../../src/services/template.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

/**
 * Coordination end to end: a draft from the template, sent through a local
 * relay (signed, encrypted to the contact's key), replies threading back,
 * follow-ups and escalation on silence, and every way the relay can fail.
 */
let h: Harness;
let sink: SmtpSink;
let hosterKey: TeamKey;
let hoster: string;
let keyless: string;
const HOUR = 3600_000;
const smtp = systemActor('smtp');

// 2026-11-25T14:40Z is 09:40 in New York (a Wednesday): inside office hours.
beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({ relay: sink.url, relayTimeoutSeconds: 1 });
  h.deps.settings.intake.autoAcknowledge = false; // receipts to the replies' senders are tested in acknowledgement.test.ts
  hosterKey = await generateTeamKey('Hoster Abuse', 'abuse@hoster.example');
  hoster = (
    await createOrganisation(h.deps, h.actor, {
      name: 'Example Hosting Inc.',
      kind: 'hosting',
      country: 'US',
      contacts: [
        { email: 'abuse@hoster.example', role: 'abuse', language: 'en', timezone: 'America/New_York', officeHours: 'Mon-Fri 09:00-17:00', pgpKey: hosterKey.publicKeyArmored },
        { email: 'noc@hoster.example', role: '24x7', language: 'en', timezone: 'America/New_York' },
      ],
      resources: [{ kind: 'ip-range', value: '198.51.100.0/24' }],
    })
  ).id;
  keyless = (
    await createOrganisation(h.deps, h.actor, {
      name: 'Plain ISP',
      kind: 'isp',
      country: 'US',
      contacts: [{ email: 'abuse@plain-isp.example', role: 'abuse', language: 'ja', timezone: 'Asia/Tokyo' }],
    })
  ).id;
  await createOrganisation(h.deps, h.actor, { name: 'US National CSIRT', kind: 'csirt', country: 'US', contacts: [{ email: 'cert@us-csirt.example' }] });
});
afterAll(async () => {
  await h.close();
  await sink.close();
});
beforeEach(() => {
  sink.mode = 'accept';
  sink.mails.length = 0;
});

async function phishingIncident(url = 'https://secure-login.example-bank.com.evil.example/jp/') {
  const { report } = await recordReport(h.deps, h.actor, {
    sourceRef: `r-${Math.random()}`,
    sender: 'victim@customer.example',
    senderName: '山田 花子',
    language: 'ja',
    subject: 'フィッシングメールを受信しました',
    body: `このサイトに誘導されました: ${url} (198.51.100.23)`,
  });
  return createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id], category: 'phishing', tlp: 'AMBER' });
}

const actions = async (incidentId: string) => (await getTimeline(h.deps, h.actor, incidentId)).items.map((e) => e.action);

describe('a takedown request', () => {
  it('is drafted from the template, sent signed and encrypted to the contact, and a reply threads back', async () => {
    const incident = await phishingIncident();
    const draft = await createCoordination(h.deps, h.actor, incident.number, { purpose: 'takedown', organisationId: hoster, language: 'en' });
    expect(draft.state).toBe('draft');
    expect(draft.tag).toBe(`${incident.number}-C1`);
    expect(draft.contactEmail).toBe('abuse@hoster.example');
    expect(draft.encrypt).toBe(true);
    expect(draft.subject).toBe(`[${incident.number}-C1] Takedown request: Phishing site`);
    expect(draft.body).toContain('hxxps://secure-login[.]example-bank[.]com[.]evil[.]example/jp/');
    expect(draft.body).toContain('198.51.100[.]23');
    expect(draft.body).toMatch(/First seen: 2026-11-25 09:4\d \(America\/New_York, GMT-05:00\)/);
    expect(draft.body).toContain('TLP:AMBER');
    expect(draft.contactTime).toMatchObject({ timeZone: 'America/New_York', isOpen: true });

    const sent = await sendCoordination(h.deps, h.actor, incident.number, String(draft.sequence));
    expect(sent.state).toBe('sent');
    expect(sent.messages).toMatchObject([{ direction: 'outbound', delivery: 'queued', isSigned: true, isEncrypted: true }]);
    expect(sent.nextReminderAt).toBe(new Date(Date.parse(sent.lastSentAt!) + 24 * HOUR).toISOString());

    expect(await h.runJobs()).toBe(1);
    expect(sink.mails).toHaveLength(1);
    const mail = sink.mails[0]!;
    expect(mail.to).toEqual(['abuse@hoster.example']);
    expect(mail.from).toBe('csirt@team.example');
    expect(mail.raw.toString('utf8')).not.toContain('secure-login');
    const opened = await openPgpMail(mail.raw, [hosterKey], [h.deps.teamKeys[0]!.publicKeyArmored]);
    expect(opened.isDecrypted).toBe(true);
    expect(opened.signature.status).toBe('valid');
    expect((await parseMail(opened.content!)).text).toContain('hxxps://secure-login[.]example-bank[.]com[.]evil[.]example/jp/');
    const after = await getCoordination(h.deps, h.actor, incident.number, draft.id);
    expect(after.messages[0]).toMatchObject({ delivery: 'sent', attempts: 1 });

    // The provider answers, replying to our message.
    const outgoing = await parseMail(mail.raw);
    const reply = Buffer.from(
      [
        'From: abuse@hoster.example',
        'To: csirt@team.example',
        `Subject: Re: ${outgoing.subject}`,
        `Message-ID: <reply-1@hoster.example>`,
        `In-Reply-To: ${outgoing.messageId}`,
        `References: ${outgoing.messageId}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'We have suspended the account. Ticket #4711.',
        '',
      ].join('\r\n'),
    );
    const { report } = await receiveMail(h.deps, smtp, reply, { mailFrom: 'abuse@hoster.example', rcptTo: ['report@team.example'], remoteAddress: '198.51.100.1' }, undefined);
    const threaded = await getCoordination(h.deps, h.actor, incident.number, draft.id);
    expect(threaded.state).toBe('acknowledged');
    expect(threaded.messages.map((m) => m.direction)).toEqual(['outbound', 'inbound']);
    expect(threaded.messages[1]!.reportId).toBe(report.id);
    expect((await h.deps.store.reports.findById({ kind: 'all' }, report.id))!.incidentId).toBe(incident.id);
    expect(await actions(incident.id)).toEqual(expect.arrayContaining(['coordination.created', 'coordination.sent', 'coordination.reply']));

    // No reminder for an answered coordination, however long we wait.
    h.advance(30 * HOUR);
    await h.runJobs();
    expect(sink.mails).toHaveLength(1);
  });

  it('writes to the 24/7 contact when the abuse desk is outside its office hours, and says why', async () => {
    const incident = await phishingIncident('https://night.evil.example/');
    h.advance(12 * HOUR); // 21:40 in New York
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: hoster });
    expect(draft.contactEmail).toBe('noc@hoster.example');
    expect(draft.encrypt).toBe(false);
    const created = (await getTimeline(h.deps, h.actor, incident.id)).items.find((e) => e.action === 'coordination.created')!;
    expect(String(created.changes.contactChoice)).toMatch(/abuse@hoster\.example is outside office hours .* using the 24\/7 contact/);
    h.advance(12 * HOUR);
  });

  it('threads a reply by the tracking tag alone, and leaves a mail with neither tag nor references in the queue', async () => {
    const incident = await phishingIncident('https://tagged.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'notification', organisationId: keyless });
    await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    await h.runJobs();
    const env = { mailFrom: 'someone@plain-isp.example', rcptTo: ['report@team.example'], remoteAddress: '192.0.2.9' };
    const tagged = Buffer.from(`From: other@plain-isp.example\r\nSubject: 転送: [${draft.tag}] 確認しました\r\nMessage-ID: <t-1@plain-isp.example>\r\n\r\n対応しました。\r\n`);
    await receiveMail(h.deps, smtp, tagged, env, undefined);
    expect((await getCoordination(h.deps, h.actor, incident.id, draft.id)).state).toBe('acknowledged');

    const stray = Buffer.from('From: other@plain-isp.example\r\nSubject: about that phishing\r\nMessage-ID: <t-2@plain-isp.example>\r\n\r\nwhich one?\r\n');
    const { report } = await receiveMail(h.deps, smtp, stray, env, undefined);
    expect((await h.deps.store.reports.findById({ kind: 'all' }, report.id))!.incidentId).toBeNull();
  });
});

describe('a reply without a tracking tag', () => {
  it('threads by References alone (a client that dropped the tag and In-Reply-To)', async () => {
    const incident = await phishingIncident('https://refs-only.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'notification', organisationId: keyless });
    await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    await h.runJobs();
    const ours = (await parseMail(sink.mails[0]!.raw)).messageId!;
    const reply = Buffer.from(`From: someone-else@plain-isp.example\r\nSubject: about your mail\r\nMessage-ID: <refs-only@plain-isp.example>\r\nReferences: <older@plain-isp.example> ${ours}\r\n\r\nfixed\r\n`);
    const { report } = await receiveMail(h.deps, smtp, reply, { mailFrom: 'someone-else@plain-isp.example', rcptTo: ['report@team.example'], remoteAddress: '192.0.2.9' }, undefined);
    const c = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(c.state).toBe('acknowledged');
    expect(c.messages.find((m) => m.direction === 'inbound')!.reportId).toBe(report.id);
  });
});

describe('silence', () => {
  it('sends one follow-up after 24 h, then proposes escalation (national CSIRT, registrar) — each once', async () => {
    const incident = await phishingIncident('https://silent.evil.example/login');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: keyless });
    expect(draft.language).toBe('ja');
    expect(draft.subject).toContain('停止のご依頼');
    await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    await h.runJobs();
    expect(sink.mails).toHaveLength(1);
    const first = await parseMail(sink.mails[0]!.raw);
    expect(first.subject).toBe(draft.subject);
    expect(first.text).toContain('hxxps://silent[.]evil[.]example/login');

    h.advance(23 * HOUR);
    await h.runJobs();
    expect(sink.mails).toHaveLength(1); // not yet

    h.advance(1 * HOUR + 1000);
    await h.runJobs();
    expect(sink.mails).toHaveLength(2);
    const followUp = await parseMail(sink.mails[1]!.raw);
    expect(followUp.subject).toBe(`[${draft.tag}] 再送: ${incident.title}`);
    expect(followUp.inReplyTo).toBe(first.messageId);
    const c1 = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(c1).toMatchObject({ state: 'sent', followUpsSent: 1 });

    h.advance(24 * HOUR + 1000);
    await h.runJobs();
    await h.runJobs();
    expect(sink.mails).toHaveLength(2); // no third mail
    const c2 = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(c2.state).toBe('no-response');
    const proposal = (await getTimeline(h.deps, h.actor, incident.id)).items.filter((e) => e.action === 'coordination.escalation-proposed');
    expect(proposal).toHaveLength(1);
    expect(proposal[0]!.changes.proposals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'national-csirt', name: 'US National CSIRT' }),
        expect.objectContaining({ kind: 'registrar' }),
      ]),
    );

    // A late answer still counts.
    const late = Buffer.from(`From: abuse@plain-isp.example\r\nSubject: Re: [${draft.tag}]\r\nMessage-ID: <late@plain-isp.example>\r\n\r\n遅くなりました。\r\n`);
    await receiveMail(h.deps, smtp, late, { mailFrom: 'abuse@plain-isp.example', rcptTo: ['report@team.example'], remoteAddress: '192.0.2.9' }, undefined);
    expect((await getCoordination(h.deps, h.actor, incident.id, draft.id)).state).toBe('acknowledged');
  });
});

describe('the relay', () => {
  it('refusing a message (550) marks it failed at once and the coordination delivery-failed; it can be sent again', async () => {
    const incident = await phishingIncident('https://refused.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'notification', organisationId: keyless });
    sink.mode = 'refuse';
    await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    await h.runJobs();
    const failed = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(failed.state).toBe('delivery-failed');
    expect(failed.messages[0]).toMatchObject({ delivery: 'failed', attempts: 1 });
    expect(failed.messages[0]!.lastError).toMatch(/refused the message \(550\)/);
    expect(await actions(incident.id)).toContain('coordination.delivery-failed');

    sink.mode = 'accept';
    const again = await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(again.state).toBe('sent');
    await h.runJobs();
    expect(sink.mails).toHaveLength(1);
    expect((await getCoordination(h.deps, h.actor, incident.id, draft.id)).messages.map((m) => m.delivery)).toEqual(['failed', 'sent']);
  });

  it('deferring (451) or timing out is retried with back-off until the relay takes it', async () => {
    const incident = await phishingIncident('https://deferred.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'notification', organisationId: keyless });
    sink.mode = 'defer';
    await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    await h.runJobs();
    let c = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(c.messages[0]).toMatchObject({ delivery: 'queued', attempts: 1 });
    expect(c.messages[0]!.lastError).toMatch(/deferred the message \(451\)/);

    sink.mode = 'hang';
    h.advance(60_000);
    await h.runJobs();
    c = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(c.messages[0]).toMatchObject({ delivery: 'queued', attempts: 2 });
    expect(c.messages[0]!.lastError).toMatch(/timed out|timeout/i);

    sink.mode = 'accept';
    h.advance(10 * 60_000);
    await h.runJobs();
    c = await getCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(c.messages[0]).toMatchObject({ delivery: 'sent', attempts: 3 });
    expect(c.state).toBe('sent');
    expect(sink.mails).toHaveLength(1);
  }, 20_000);
});

describe('bad input', () => {
  it('a broken contact key stops the send with a clear error; sending unencrypted on purpose is recorded', async () => {
    const broken = (
      await createOrganisation(h.deps, h.actor, {
        name: 'Broken Key Hosting',
        kind: 'hosting',
        contacts: [{ email: 'abuse@broken.example', role: 'abuse', pgpKey: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot a key\n-----END PGP PUBLIC KEY BLOCK-----' }],
      })
    ).id;
    const incident = await phishingIncident('https://broken-key.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: broken });
    const err = await sendCoordination(h.deps, h.actor, incident.id, draft.id).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: ['encrypt'] }] } });
    expect((err as Error).message).toMatch(/PGP key cannot be used for encryption/);
    expect(await getCoordination(h.deps, h.actor, incident.id, draft.id)).toMatchObject({ state: 'draft', messages: [] });

    await updateCoordinationDraft(h.deps, h.actor, incident.id, draft.id, { encrypt: false });
    const sent = await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    expect(sent.messages[0]).toMatchObject({ isEncrypted: false, isSigned: true });
    const entry = (await getTimeline(h.deps, h.actor, incident.id)).items.find((e) => e.note === 'to be sent without encryption');
    expect(entry).toBeDefined();
    await h.runJobs();
  });

  it('an organisation without a contact, a contact of another organisation, RED, and lowering TLP without a lead are refused', async () => {
    const empty = (await createOrganisation(h.deps, h.actor, { name: 'No Contact Ltd', kind: 'hosting' })).id;
    const incident = await phishingIncident('https://refusals.evil.example/');
    await expect(createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: empty })).rejects.toThrow(/has no contact with an e-mail address/);
    await expect(createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: keyless, contactEmail: 'noc@hoster.example' })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: ['contactEmail'] }] },
    });
    await expect(createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: keyless, tlp: 'RED' })).rejects.toMatchObject({ code: 'VALIDATION' });
    const handler = (await h.user(['handler'])).actor;
    await expect(createCoordination(h.deps, handler, incident.id, { purpose: 'takedown', organisationId: keyless, tlp: 'GREEN' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createCoordination(h.deps, h.actor, incident.id, { purpose: 'takedown', organisationId: keyless, evidence: ['a'.repeat(64)] })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: ['evidence', 0] }] },
    });
    const ok = await createCoordination(h.deps, handler, incident.id, { purpose: 'takedown', organisationId: keyless });
    await expect(changeCoordinationState(h.deps, handler, incident.id, ok.id, { state: 'resolved' })).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
    expect((await changeCoordinationState(h.deps, handler, incident.id, ok.id, { state: 'cancelled' })).state).toBe('cancelled');
  });

  it('a template naming an unknown field is refused when saved; a saved one is used from then on', async () => {
    const unknown = (await saveTemplate(h.deps, h.actor, 'takedown', 'en', { subject: 'x', body: 'Dear {{recipient.nmae}}' }).catch((e: unknown) => e)) as AppError;
    expect(unknown.code).toBe('VALIDATION');
    expect(unknown.details?.issues?.[0]?.path).toEqual(['body']);
    expect(unknown.details?.issues?.[0]?.message).toMatch(/unknown field \{\{recipient\.nmae\}\}/);
    await expect(saveTemplate(h.deps, h.actor, 'takedown', 'en', { subject: 'x', body: 'Dear {{recipient.name}' })).rejects.toMatchObject({ code: 'VALIDATION' });
    const handler = (await h.user(['handler'])).actor;
    await expect(saveTemplate(h.deps, handler, 'takedown', 'en', { subject: 'x', body: 'y' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const saved = await saveTemplate(h.deps, h.actor, 'notification', 'en', { subject: 'Heads-up on {{incident.category}}', body: 'Hello {{recipient.name}}, see {{observables.domains}}.' });
    expect(saved.version).toBe(1);
    const incident = await phishingIncident('https://templated.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'notification', contactEmail: 'someone@elsewhere.example', language: 'en', defang: false });
    expect(draft.subject).toBe(`[${draft.tag}] Heads-up on Phishing site`);
    expect(draft.body).toBe('Hello someone@elsewhere.example, see templated.evil.example.');
  });

  it('a reporter update goes to the first reporter, in their language, with one call each to draft and send', async () => {
    const incident = await phishingIncident('https://reporter.evil.example/');
    const draft = await createCoordination(h.deps, h.actor, incident.id, { purpose: 'reporter-update' });
    expect(draft).toMatchObject({ contactEmail: 'victim@customer.example', contactName: '山田 花子', language: 'ja' });
    expect(draft.body).toContain('山田 花子 様');
    expect(draft.body).toContain('現在の状況: 受付');
    await sendCoordination(h.deps, h.actor, incident.id, draft.id);
    await h.runJobs();
    expect(sink.mails.map((m) => m.to)).toEqual([['victim@customer.example']]);
    expect((await getCoordination(h.deps, h.actor, incident.id, draft.id)).nextReminderAt).toBeNull();
  });
});
