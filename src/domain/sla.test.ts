import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessCalendar, businessMinutesBetween, japaneseHoliday } from './business-calendar.js';
import { DEFAULT_SLA_POLICIES, policyFor, readClock, SlaPolicySchema } from './sla.js';

const jst = businessCalendar({ timeZone: 'Asia/Tokyo', hours: 'Mon-Fri 09:00-18:00', closedDays: ['12-29', '12-30', '12-31', '01-02', '01-03'] });
const at = (s: string) => new Date(s);

describe('business calendar', () => {
  it('skips the weekend', () => {
    // Friday 2026-11-27 17:00 JST + 2 office hours = Monday 11-30 10:00 JST.
    expect(addBusinessMinutes(jst, at('2026-11-27T17:00:00+09:00'), 120).toISOString()).toBe('2026-11-30T01:00:00.000Z');
  });

  it('skips Japanese public holidays, substitute holidays included', () => {
    expect(japaneseHoliday('2026-11-23')?.name).toBe('勤労感謝の日');
    // Friday 11-20 17:00 + 2 h: Monday 11-23 is a holiday, so Tuesday 11-24 10:00.
    expect(addBusinessMinutes(jst, at('2026-11-20T17:00:00+09:00'), 120).toISOString()).toBe('2026-11-24T01:00:00.000Z');
    // 2025-11-24 is the substitute holiday for 11-23 (a Sunday).
    expect(japaneseHoliday('2025-11-24')).not.toBeNull();
    expect(businessMinutesBetween(jst, at('2025-11-21T18:00:00+09:00'), at('2025-11-25T09:00:00+09:00'))).toBe(0);
  });

  it('skips the team’s own closed days (年末年始) and the 1 January holiday', () => {
    // Monday 2026-12-28 17:00 + 2 h → Monday 2027-01-04 10:00 (12-29 … 01-03 closed).
    expect(addBusinessMinutes(jst, at('2026-12-28T17:00:00+09:00'), 120).toISOString()).toBe('2027-01-04T01:00:00.000Z');
  });

  it('follows daylight saving time in a contact’s zone', () => {
    const ny = businessCalendar({ timeZone: 'America/New_York', hours: 'Mon-Fri 09:00-17:00', japaneseHolidays: false });
    // Friday 2026-03-06 16:00 EST (21:00Z) + 2 h → Monday 03-09 10:00 EDT (14:00Z): the clocks moved on the 8th.
    expect(addBusinessMinutes(ny, at('2026-03-06T21:00:00Z'), 120).toISOString()).toBe('2026-03-09T14:00:00.000Z');
    expect(businessMinutesBetween(ny, at('2026-03-06T21:00:00Z'), at('2026-03-09T14:00:00Z'))).toBe(120);
  });

  it('counts nothing outside office hours and everything inside', () => {
    expect(businessMinutesBetween(jst, at('2026-11-25T09:00:00+09:00'), at('2026-11-25T18:00:00+09:00'))).toBe(540);
    expect(businessMinutesBetween(jst, at('2026-11-25T19:00:00+09:00'), at('2026-11-26T08:00:00+09:00'))).toBe(0);
  });
});

describe('SLA clocks', () => {
  const policy = SlaPolicySchema.parse({ name: 'p', priorities: ['high'], targets: { triage: 60, resolution: 600 }, counting: 'calendar', pauseWhileWaiting: true });
  const now = at('2026-11-25T12:00:00Z');

  it('runs, falls due, is met on time or late, and breaches', () => {
    expect(readClock('triage', policy, { startedAt: '2026-11-25T11:30:00Z', metAt: null, pauses: [] }, jst, now)).toMatchObject({ state: 'running', elapsedMinutes: 30, dueAt: '2026-11-25T12:30:00.000Z' });
    expect(readClock('triage', policy, { startedAt: '2026-11-25T10:30:00Z', metAt: null, pauses: [] }, jst, now)).toMatchObject({ state: 'breached', dueAt: null });
    expect(readClock('triage', policy, { startedAt: '2026-11-25T10:30:00Z', metAt: '2026-11-25T11:00:00Z', pauses: [] }, jst, now)!.state).toBe('met');
    expect(readClock('triage', policy, { startedAt: '2026-11-25T10:30:00Z', metAt: '2026-11-25T11:45:00Z', pauses: [] }, jst, now)!.state).toBe('met-late');
    expect(readClock('containment', policy, { startedAt: '2026-11-25T10:30:00Z', metAt: null, pauses: [] }, jst, now)).toBeNull();
  });

  it('pauses while waiting and resumes where it stood', () => {
    const facts = { startedAt: '2026-11-25T08:00:00Z', metAt: null, pauses: [{ from: '2026-11-25T09:00:00Z', to: '2026-11-25T11:00:00Z' }] };
    expect(readClock('resolution', policy, facts, jst, now)).toMatchObject({ state: 'running', elapsedMinutes: 120, dueAt: '2026-11-25T20:00:00.000Z' });
    const paused = { ...facts, pauses: [{ from: '2026-11-25T09:00:00Z', to: null }] };
    expect(readClock('resolution', policy, paused, jst, now)).toMatchObject({ state: 'paused', elapsedMinutes: 60, dueAt: null });
    const noPause = SlaPolicySchema.parse({ ...policy, pauseWhileWaiting: false });
    expect(readClock('resolution', noPause, paused, jst, now)).toMatchObject({ state: 'running', elapsedMinutes: 240 });
  });

  it('counts office hours when the policy says so', () => {
    const office = SlaPolicySchema.parse({ ...policy, targets: { triage: 120 }, counting: 'office-hours' });
    // Reported Friday 17:00 JST; read Saturday: one office hour counted, due Monday 10:00 JST.
    const r = readClock('triage', office, { startedAt: '2026-11-27T08:00:00Z', metAt: null, pauses: [] }, jst, at('2026-11-28T03:00:00Z'));
    expect(r).toMatchObject({ state: 'running', elapsedMinutes: 60, dueAt: '2026-11-30T01:00:00.000Z' });
  });

  it('chooses the policy naming the category over the priority-wide one', () => {
    const phishing = SlaPolicySchema.parse({ name: 'phishing-high', priorities: ['high'], categories: ['phishing'], targets: { containment: 240 } });
    const policies = [...DEFAULT_SLA_POLICIES, phishing];
    expect(policyFor(policies, 'high', 'phishing')!.name).toBe('phishing-high');
    expect(policyFor(policies, 'high', 'scan')!.name).toBe('high');
  });
});
