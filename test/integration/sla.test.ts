import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoordination } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { changeIncidentStatus } from '../../src/services/incident.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { getIncidentSla } from '../../src/services/sla.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/** SLA clocks on real incidents: measured from the timeline, paused while waiting, breaches recorded once by the job queue. */
let h: Harness;
const HOUR = 3600_000;
beforeAll(async () => {
  h = await createHarness(); // 2026-11-25T14:40Z = Wednesday 23:40 JST
  h.deps.settings.intake.autoAcknowledge = false;
});
afterAll(async () => h.close());

async function incident(priority: 'high' | 'normal') {
  const { report } = await recordReport(h.deps, h.actor, { sourceRef: `sla-${Math.random()}`, body: 'defaced https://www.city.example.lg.jp/', receivedAt: new Date(h.now().getTime() - HOUR).toISOString() });
  return createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id], category: 'defacement', priority });
}
const clock = async (id: string, name: string) => (await getIncidentSla(h.deps, h.actor, id)).clocks.find((c) => c.clock === name)!;
const breaches = async (id: string) => (await getTimeline(h.deps, h.actor, id)).items.filter((e) => e.action === 'sla.breached').map((e) => e.changes.clock);

describe('SLA clocks', () => {
  it('measures triage from the report, runs the notification clock and records its breach once', async () => {
    const i = await incident('high');
    const sla = await getIncidentSla(h.deps, h.actor, i.id);
    expect(sla.policy).toBe('high');
    expect(sla.clocks.find((c) => c.clock === 'triage')).toMatchObject({ state: 'met', elapsedMinutes: 60 });
    const notify = sla.clocks.find((c) => c.clock === 'first-notification')!;
    expect(notify.state).toBe('running');
    expect(Math.abs(Date.parse(notify.dueAt!) - Date.parse(i.createdAt) - 8 * HOUR)).toBeLessThan(1000);

    h.advance(8 * HOUR + 1000);
    await h.runJobs();
    await h.runJobs();
    expect(await breaches(i.id)).toEqual(['first-notification']);
    expect((await clock(i.id, 'first-notification')).state).toBe('breached');
  });

  it('a notification sent in time meets the clock: no breach when its due time comes', async () => {
    const i = await incident('high');
    const c = await createCoordination(h.deps, h.actor, i.id, { purpose: 'notification', contactEmail: 'webmaster@city.example.lg.jp' });
    await sendCoordination(h.deps, h.actor, i.id, c.id);
    expect((await clock(i.id, 'first-notification')).state).toBe('met');
    h.advance(9 * HOUR);
    await h.runJobs();
    expect(await breaches(i.id)).toEqual([]);
  });

  it('stops while the incident waits on someone, and resumes where it stood', async () => {
    const i = await incident('high');
    await changeIncidentStatus(h.deps, h.actor, i.id, { status: 'open' });
    h.advance(2 * HOUR);
    await changeIncidentStatus(h.deps, h.actor, i.id, { status: 'waiting', note: 'waiting for the site owner' });
    h.advance(24 * HOUR);
    const paused = await clock(i.id, 'resolution');
    expect(paused).toMatchObject({ state: 'paused', dueAt: null });
    expect(Math.round(paused.elapsedMinutes)).toBe(120);
    await changeIncidentStatus(h.deps, h.actor, i.id, { status: 'open' });
    const resumed = await clock(i.id, 'resolution');
    expect(resumed.state).toBe('running');
    // 7 days in all, 2 h used before the pause: due 7 d − 2 h from now.
    expect(Date.parse(resumed.dueAt!) - h.now().getTime()).toBeGreaterThan(7 * 24 * HOUR - 2 * HOUR - 60_000);
    expect(Date.parse(resumed.dueAt!) - h.now().getTime()).toBeLessThanOrEqual(7 * 24 * HOUR - 2 * HOUR);
  });

  it('counts a normal-priority incident in office hours (JST, weekdays, holidays)', async () => {
    const i = await incident('normal');
    const triage = await clock(i.id, 'triage');
    expect(triage.counting).toBe('office-hours');
    const notify = await clock(i.id, 'first-notification');
    expect(notify.state).toBe('running');
    // 24 office hours from outside them: due on a weekday, inside 09:00–18:00 JST.
    const due = new Date(notify.dueAt!);
    const jstHour = (due.getUTCHours() + 9) % 24;
    expect(jstHour).toBeGreaterThanOrEqual(9);
    expect(jstHour).toBeLessThanOrEqual(18);
  });
});
