import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseMail } from '../../src/formats/mail.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { changeIncidentStatus, createIncident, getIncident, listIncidents, updateIncident } from '../../src/services/incident.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import type { Actor } from '../../src/domain/actor.js';

/**
 * The seed's "who decides, how far": a decision owner and a decided scope set
 * by a lead and recorded on the timeline; exercises marked in their mail; the
 * "due soon" order of the incident list kept from the SLA clocks.
 */
let h: Harness;
let sink: SmtpSink;
let handler: Actor;
const HOUR = 3600_000;

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({ relay: sink.url, relayTimeoutSeconds: 1 });
  h.deps.settings.intake.autoAcknowledge = false;
  handler = (await h.user(['handler'])).actor;
});
afterAll(async () => {
  await h.close();
  await sink.close();
});
beforeEach(() => {
  sink.mails.length = 0;
});

describe('who decides and how far', () => {
  it('a lead names the decision owner and the scope; both are on the timeline with before and after', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'Defacement of a city site', category: 'defacement' });
    expect(i).toMatchObject({ decisionOwner: null, scope: null, legalHold: false, exercise: false });
    const decided = await updateIncident(h.deps, h.actor, i.id, {
      decisionOwner: 'lead@team.example',
      scope: '管理者への通知と改ざん確認まで。フォレンジック調査は行わない。',
      note: 'decided at the 10:00 call',
    });
    expect(decided).toMatchObject({ decisionOwner: 'lead@team.example', scope: '管理者への通知と改ざん確認まで。フォレンジック調査は行わない。' });
    const entry = (await getTimeline(h.deps, h.actor, i.id)).items.at(-1)!;
    expect(entry.action).toBe('incident.updated');
    expect(entry.changes).toMatchObject({ decisionOwner: { before: null, after: 'lead@team.example' }, scope: { before: null } });
    expect(entry.note).toBe('decided at the 10:00 call');
  });

  it('a handler may not set them, nor the legal hold: FORBIDDEN and nothing changed', async () => {
    const i = await createIncident(h.deps, handler, { title: 'Scan from 203.0.113.9', category: 'scan' });
    await expect(updateIncident(h.deps, handler, i.id, { decisionOwner: 'me@team.example' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(updateIncident(h.deps, handler, i.id, { legalHold: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createIncident(h.deps, handler, { title: 'x', scope: 'all of it' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const after = (await getIncident(h.deps, h.actor, i.id)).incident;
    expect(after).toMatchObject({ decisionOwner: null, legalHold: false, version: 1 });
    // Other fields stay a handler's to edit, and resending the same decision fields unchanged is no decision.
    const edited = await updateIncident(h.deps, handler, i.id, { severity: 'low', legalHold: false });
    expect(edited.severity).toBe('low');
  });

  it('a lead puts evidence under legal hold and lifts it, each on the timeline', async () => {
    const i = await createIncident(h.deps, h.actor, { title: 'Targeted attack on a ministry', category: 'targeted-attack', tlp: 'AMBER+STRICT' });
    await updateIncident(h.deps, h.actor, i.id, { legalHold: true, note: '警察からの保全要請' });
    await updateIncident(h.deps, h.actor, i.id, { legalHold: false });
    const holds = (await getTimeline(h.deps, h.actor, i.id)).items.filter((e) => 'legalHold' in e.changes).map((e) => e.changes.legalHold);
    expect(holds).toEqual([
      { before: false, after: true },
      { before: true, after: false },
    ]);
  });
});

describe('exercise incidents', () => {
  it('are marked, filterable, and their mail says so in the subject, a header and the first line', async () => {
    const drill = await createIncident(h.deps, h.actor, { title: '国際インシデント対応演習: フィッシング', category: 'phishing', exercise: true });
    expect(drill.exercise).toBe(true);
    const only = await listIncidents(h.deps, h.actor, { exercise: true }, { by: 'createdAt', direction: 'desc' }, { limit: 50, offset: 0 });
    expect(only.items.map((x) => x.id)).toEqual([drill.id]);
    const none = await listIncidents(h.deps, h.actor, { exercise: false }, { by: 'createdAt', direction: 'desc' }, { limit: 500, offset: 0 });
    expect(none.items.map((x) => x.id)).not.toContain(drill.id);

    const c = await createCoordination(h.deps, h.actor, drill.id, { purpose: 'notification', contactEmail: 'abuse@drill-partner.example', language: 'ja' });
    await sendCoordination(h.deps, h.actor, drill.id, c.id);
    await h.runJobs();
    expect(sink.mails).toHaveLength(1);
    const mail = await parseMail(sink.mails[0]!.raw);
    expect(mail.subject).toMatch(/^\[訓練\/EXERCISE\] \[RK-\d{4}-\d{6}-C1\]/);
    expect(sink.mails[0]!.raw.toString('latin1')).toMatch(/^X-Renkei-Exercise: yes\r?$/im);
    expect(mail.text?.trimStart().startsWith('【訓練】')).toBe(true);
  });

  it('a real incident\'s mail carries no mark', async () => {
    const real = await createIncident(h.deps, h.actor, { title: 'Phishing', category: 'phishing' });
    const c = await createCoordination(h.deps, h.actor, real.id, { purpose: 'notification', contactEmail: 'abuse@real.example', language: 'en' });
    await sendCoordination(h.deps, h.actor, real.id, c.id);
    await h.runJobs();
    const mail = await parseMail(sink.mails[0]!.raw);
    expect(mail.subject).not.toContain('EXERCISE');
    expect(sink.mails[0]!.raw.toString('latin1')).not.toMatch(/X-Renkei-Exercise/i);
  });
});

describe('"due soon"', () => {
  it('lists incidents by when their next SLA clock falls due, overdue first, done ones last; filters by a due-before instant', async () => {
    const list = (filter = {}) =>
      listIncidents(h.deps, h.actor, { constituency: 'due', ...filter }, { by: 'slaDueAt', direction: 'asc' }, { limit: 50, offset: 0 }).then((p) => p.items.map((x) => x.title));
    const urgent = await createIncident(h.deps, h.actor, { title: 'urgent', priority: 'urgent', constituency: 'due' });
    await createIncident(h.deps, h.actor, { title: 'high', priority: 'high', constituency: 'due' });
    const done = await createIncident(h.deps, h.actor, { title: 'done', priority: 'urgent', constituency: 'due' });
    await changeIncidentStatus(h.deps, h.actor, done.id, { status: 'open' });
    await changeIncidentStatus(h.deps, h.actor, done.id, { status: 'resolved' });

    // urgent: first notification due in 2 h; high: in 8 h; the resolved one has nothing due.
    const u = (await getIncident(h.deps, h.actor, urgent.id)).incident;
    expect(Math.abs(Date.parse(u.slaDueAt!) - Date.parse(urgent.createdAt) - 2 * HOUR)).toBeLessThan(1000);
    expect((await getIncident(h.deps, h.actor, done.id)).incident.slaDueAt).toBeNull();
    expect(await list()).toEqual(['urgent', 'high', 'done']);
    expect(await list({ slaDueBefore: new Date(h.now().getTime() + 4 * HOUR).toISOString() })).toEqual(['urgent']);

    // Three hours on, the urgent one's notification clock is breached (recorded by the job) and it stays first, overdue.
    h.advance(3 * HOUR);
    await h.runJobs();
    const overdue = (await getIncident(h.deps, h.actor, urgent.id)).incident;
    expect(Date.parse(overdue.slaDueAt!)).toBeLessThanOrEqual(h.now().getTime());
    expect(await list({ slaDueBefore: h.now().toISOString() })).toEqual(['urgent']);
    // Notifying moves it on to its next clock (containment, 24 h).
    const c = await createCoordination(h.deps, h.actor, urgent.id, { purpose: 'notification', contactEmail: 'abuse@x.example', language: 'en' });
    await sendCoordination(h.deps, h.actor, urgent.id, c.id);
    await h.runJobs();
    const next = (await getIncident(h.deps, h.actor, urgent.id)).incident;
    expect(Date.parse(next.slaDueAt!)).toBeGreaterThan(h.now().getTime() + 20 * HOUR);
    expect(await list()).toEqual(['high', 'urgent', 'done']);
  });
});
