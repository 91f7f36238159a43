import { describe, expect, it } from 'vitest';
import { countryOfCcTld, senderDomains } from './report.js';
import {
  assemblePublic,
  assembleQuarterly,
  formatDuration,
  localMidnight,
  median,
  monthIndex,
  originOf,
  quarterOf,
  quarterPeriod,
  recentWeeks,
  type QuarterlyCounts,
} from './statistics.js';

const TOKYO = 'Asia/Tokyo';

describe('quarters and months in the team’s zone', () => {
  it('starts Q3 2026 at 1 July 00:00 JST and ends it at 1 October 00:00 JST', () => {
    const q = quarterPeriod(2026, 3, TOKYO);
    expect(q.from).toBe('2026-06-30T15:00:00.000Z');
    expect(q.to).toBe('2026-09-30T15:00:00.000Z');
    expect(q.months.map((m) => [m.month, m.from, m.to])).toEqual([
      ['2026-07', '2026-06-30T15:00:00.000Z', '2026-07-31T15:00:00.000Z'],
      ['2026-08', '2026-07-31T15:00:00.000Z', '2026-08-31T15:00:00.000Z'],
      ['2026-09', '2026-08-31T15:00:00.000Z', '2026-09-30T15:00:00.000Z'],
    ]);
  });

  it('ends Q4 at the new year in the zone', () => {
    const q = quarterPeriod(2026, 4, TOKYO);
    expect(q.months.map((m) => m.month)).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(q.to).toBe('2026-12-31T15:00:00.000Z');
    expect(quarterPeriod(2027, 1, TOKYO).from).toBe(q.to);
  });

  it('puts an instant in the quarter of its local date, not of its UTC date', () => {
    // 30 June 23:30 UTC is 1 July 08:30 JST: Q3.
    expect(quarterOf(new Date('2026-06-30T23:30:00Z'), TOKYO)).toEqual({ year: 2026, quarter: 3 });
    expect(quarterOf(new Date('2026-06-30T14:59:59.999Z'), TOKYO)).toEqual({ year: 2026, quarter: 2 });
    expect(quarterOf(new Date('2026-12-31T15:00:00Z'), TOKYO)).toEqual({ year: 2027, quarter: 1 });
  });

  it('assigns months by the local date', () => {
    const q = quarterPeriod(2026, 3, TOKYO);
    expect(monthIndex(q, '2026-06-30T15:00:00.000Z')).toBe(0);
    expect(monthIndex(q, '2026-07-31T14:59:59.999Z')).toBe(0);
    expect(monthIndex(q, '2026-07-31T15:00:00.000Z')).toBe(1);
    expect(monthIndex(q, '2026-09-30T15:00:00.000Z')).toBe(-1);
  });

  it('handles zones with summer time, including a midnight that does not exist', () => {
    const q = quarterPeriod(2026, 2, 'Europe/London');
    expect(q.from).toBe('2026-03-31T23:00:00.000Z'); // 1 April 00:00 BST
    expect(quarterPeriod(2026, 1, 'Europe/London').from).toBe('2026-01-01T00:00:00.000Z');
    // São Paulo skipped 4 November 2018 00:00–01:00: the day began at 01:00 local (03:00 UTC).
    expect(localMidnight(2018, 11, 4, 'America/Sao_Paulo').toISOString()).toBe('2018-11-04T03:00:00.000Z');
    expect(localMidnight(2026, 7, 1, 'America/New_York').toISOString()).toBe('2026-07-01T04:00:00.000Z');
  });

  it('refuses a quarter that does not exist', () => {
    expect(() => quarterPeriod(2026, 5, TOKYO)).toThrow(RangeError);
  });
});

describe('weeks for the public page', () => {
  it('starts weeks on Monday 00:00 in the zone, this week last', () => {
    // Wednesday 2026-11-25 23:40 JST.
    const weeks = recentWeeks(new Date('2026-11-25T14:40:00Z'), TOKYO, 2);
    expect(weeks).toEqual([
      { from: '2026-11-08T15:00:00.000Z', to: '2026-11-15T15:00:00.000Z' },
      { from: '2026-11-15T15:00:00.000Z', to: '2026-11-22T15:00:00.000Z' },
      { from: '2026-11-22T15:00:00.000Z', to: '2026-11-29T15:00:00.000Z' },
    ]);
  });

  it('counts a Sunday night in JST (Sunday afternoon UTC) in the week it ends', () => {
    const weeks = recentWeeks(new Date('2026-11-29T14:59:00Z'), TOKYO, 0);
    expect(weeks).toEqual([{ from: '2026-11-22T15:00:00.000Z', to: '2026-11-29T15:00:00.000Z' }]);
    // Monday 00:00 JST begins the next week.
    expect(recentWeeks(new Date('2026-11-29T15:00:00Z'), TOKYO, 0)[0]!.from).toBe('2026-11-29T15:00:00.000Z');
  });

  it('crosses month and year boundaries', () => {
    const weeks = recentWeeks(new Date('2027-01-02T03:00:00Z'), TOKYO, 2);
    expect(weeks[0]!.from).toBe('2026-12-13T15:00:00.000Z');
    expect(weeks[2]!.to).toBe('2027-01-03T15:00:00.000Z');
  });
});

describe('figures', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([1, 2, 3, 10])).toBe(2.5);
  });

  it('tells domestic, foreign and unknown apart without guessing', () => {
    expect(originOf('JP', 'JP')).toBe('domestic');
    expect(originOf('jp', 'JP')).toBe('domestic');
    expect(originOf('US', 'JP')).toBe('foreign');
    expect(originOf(null, 'JP')).toBe('unknown');
  });

  it('formats durations as hours and minutes', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(5400)).toBe('1:30');
    expect(formatDuration(50 * 3600 + 29)).toBe('50:00');
  });

  it('assembles every key, with zeros and totals', () => {
    const period = quarterPeriod(2026, 3, TOKYO);
    const counts: QuarterlyCounts = {
      reports: [
        { channel: 'email', country: 'JP', month: 0, n: 3 },
        { channel: 'email', country: 'US', month: 1, n: 2 },
        { channel: 'web-form', country: null, month: 2, n: 1 },
      ],
      incidents: [
        { category: 'phishing', month: 0, n: 2 },
        { category: 'scan', month: 2, n: 1 },
      ],
      coordinated: 2,
      phishing: [
        { sector: 'finance', origin: 'domestic', n: 2 },
        { sector: null, origin: null, n: 1 },
      ],
      steps: {
        triage: { count: 3, medianSeconds: 600 },
        'first-notification': { count: 0, medianSeconds: null },
        containment: { count: 0, medianSeconds: null },
        resolution: { count: 0, medianSeconds: null },
      },
    };
    const r = assembleQuarterly(period, 'JP', '2026-10-01T00:00:00.000Z', counts);
    expect(r.reports.total).toBe(6);
    expect(r.reports.byOrigin).toEqual({ domestic: 3, foreign: 2, unknown: 1 });
    expect(r.reports.byChannel.email).toEqual({ domestic: 3, foreign: 2, unknown: 0, total: 5 });
    expect(r.reports.byChannel.feed).toEqual({ domestic: 0, foreign: 0, unknown: 0, total: 0 });
    expect(r.reports.byMonth).toEqual([3, 2, 1]);
    expect(r.incidents.byCategory.phishing).toEqual({ months: [2, 0, 0], total: 2 });
    expect(r.incidents.byCategory.dos).toEqual({ months: [0, 0, 0], total: 0 });
    expect(r.incidents.byMonth).toEqual([2, 0, 1]);
    expect(r.phishing.bySector.finance).toEqual({ domestic: 2, foreign: 0, unknown: 0, total: 2 });
    expect(r.phishing.bySector.unclassified).toEqual({ domestic: 0, foreign: 0, unknown: 1, total: 1 });
    expect(r.phishing.total).toBe(3);
  });

  it('assembles the public figures by week', () => {
    const weeks = recentWeeks(new Date('2026-11-25T14:40:00Z'), TOKYO, 2);
    const p = assemblePublic(weeks, 'JP', TOKYO, '2026-11-25T14:40:00.000Z', {
      reports: [
        { week: 0, country: 'JP', n: 4 },
        { week: 2, country: 'DE', n: 1 },
        { week: 2, country: null, n: 2 },
      ],
      incidents: [{ category: 'phishing', n: 3 }],
      phishing: [{ sector: 'sns', n: 2 }],
    });
    expect(p.weeks.map((w) => [w.domestic, w.foreign, w.unknown, w.total])).toEqual([
      [4, 0, 0, 4],
      [0, 0, 0, 0],
      [0, 1, 2, 3],
    ]);
    expect(p.incidentsByCategory.phishing).toBe(3);
    expect(p.incidentsTotal).toBe(3);
    expect(p.phishingSitesBySector).toMatchObject({ sns: 2, finance: 0, unclassified: 0 });
  });
});

describe('reporter country from the sender', () => {
  it('reads the ccTLD; generic TLDs are unknown', () => {
    expect(countryOfCcTld('taro@example.co.jp')).toBe('JP');
    expect(countryOfCcTld('abuse@hoster.de')).toBe('DE');
    expect(countryOfCcTld('soc@bank.example.uk')).toBe('GB');
    expect(countryOfCcTld('someone@example.com')).toBeNull();
    expect(countryOfCcTld('someone@example.org')).toBeNull();
    expect(countryOfCcTld('someone@example.eu')).toBeNull();
    expect(countryOfCcTld('someone@example.tokyo')).toBeNull();
    expect(countryOfCcTld('not an address')).toBeNull();
    expect(countryOfCcTld(null)).toBeNull();
  });

  it('lists the sender’s domain and its parents, not the bare TLD', () => {
    expect(senderDomains('a@Mail.Example.CO.JP')).toEqual(['mail.example.co.jp', 'example.co.jp', 'co.jp']);
    expect(senderDomains('nobody')).toEqual([]);
  });
});
