import { describe, expect, it } from 'vitest';
import { formatOfficeHours, officeHoursAt, parseOfficeHours, type OfficeHours } from './office-hours.js';
import { ContactInputSchema } from './organisation.schema.js';

const parse = (text: string): OfficeHours => {
  const result = parseOfficeHours(text);
  if (!result.ok) throw new Error(result.error);
  return result.value;
};
const errorOf = (text: string): string => {
  const result = parseOfficeHours(text);
  if (result.ok) throw new Error(`"${text}" parsed`);
  return result.error;
};
const h = (hh: number, mm = 0) => hh * 60 + mm;
const weekdays = (start: number, end: number) => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));

describe('parseOfficeHours', () => {
  it('reads weekdays', () => {
    expect(parse('Mon-Fri 09:00-18:00')).toEqual({ always: false, windows: weekdays(h(9), h(18)) });
  });

  it('reads several windows and clauses', () => {
    expect(parse('Mon-Fri 09:00-12:00,13:00-17:30; Sat 10:00-12:00').windows).toEqual([
      ...[1, 2, 3, 4, 5].flatMap((day) => [
        { day, start: h(9), end: h(12) },
        { day, start: h(13), end: h(17, 30) },
      ]),
      { day: 6, start: h(10), end: h(12) },
    ]);
  });

  it('reads 24/7 as always, with every whole day', () => {
    for (const text of ['24/7', '24 / 7', '24x7', '２４／７', '24時間365日', 'Mon-Sun 00:00-24:00', 'daily 00:00-24:00']) {
      const hours = parse(text);
      expect(hours.always, text).toBe(true);
      expect(hours.windows).toHaveLength(7);
    }
  });

  it('reads Japanese day names, separators and full-width digits', () => {
    const expected = weekdays(h(9), h(18));
    expect(parse('月-金 9:00-18:00').windows).toEqual(expected);
    expect(parse('月〜金 9:00〜18:00').windows).toEqual(expected);
    expect(parse('月曜日～金曜日　９：００～１８：００').windows).toEqual(expected);
    expect(parse('平日 9:00-18:00').windows).toEqual(expected);
    expect(parse('月・水・金 10:00-16:00').windows.map((w) => w.day)).toEqual([1, 3, 5]);
    expect(parse('土日 10:00-12:00').windows.map((w) => w.day)).toEqual([0, 6]);
  });

  it('reads English names, lists, wrapping ranges and a colon after the days', () => {
    expect(parse('Monday - Friday: 9:00 - 17:00').windows).toEqual(weekdays(h(9), h(17)));
    expect(parse('mon,wed,FRI 09:00-17:00').windows.map((w) => w.day)).toEqual([1, 3, 5]);
    expect(parse('Fri-Mon 10:00-11:00').windows.map((w) => w.day)).toEqual([0, 1, 5, 6]);
    expect(parse('weekends 10:00-11:00').windows.map((w) => w.day)).toEqual([0, 6]);
  });

  it('splits overnight windows across days, Saturday into Sunday too', () => {
    expect(parse('Fri-Sat 22:00-06:00').windows).toEqual([
      { day: 0, start: 0, end: h(6) },
      { day: 5, start: h(22), end: 1440 },
      { day: 6, start: 0, end: h(6) },
      { day: 6, start: h(22), end: 1440 },
    ]);
    expect(parse('Mon 20:00-00:00').windows).toEqual([{ day: 1, start: h(20), end: 1440 }]);
    expect(parse('Mon 20:00-24:00').windows).toEqual([{ day: 1, start: h(20), end: 1440 }]);
  });

  it('merges overlapping and touching windows', () => {
    expect(parse('Mon 09:00-12:00,11:00-13:00; Mon 13:00-14:00').windows).toEqual([{ day: 1, start: h(9), end: h(14) }]);
  });

  it('reads "closed" as no hours', () => {
    expect(parse('closed')).toEqual({ always: false, windows: [] });
  });

  it.each([
    ['Mon-Fri 25:00-26:00', '"25:00" is not a start time'],
    ['Mon-Fri 09:00-24:30', '"24:30" is not a time of day'],
    ['Mon-Fri 09:60-18:00', '"09:60" is not a start time'],
    ['Funday 9-5', 'unknown day "Funday"'],
    ['Mon-Fri 9-17', 'bad time range "9-17"'],
    ['Mon-Fri 09:00', 'bad time range "09:00"'],
    ['Mon-Fri 09:00-09:00', 'time range "09:00-09:00" is empty'],
    ['09:00-18:00', 'no days before "09:00-18:00"'],
    ['Mon-Fri', 'no times in "Mon-Fri"'],
    ['Mon-Xyz 09:00-18:00', 'unknown day "Xyz"'],
    ['Mon-Wed-Fri 09:00-18:00', 'bad day range "Mon-Wed-Fri"'],
    ['Mon-Fri 09:00-18:00; Sat 10-12', 'bad time range "10-12" in "Sat 10-12"'],
    ['', 'office hours are empty'],
    ['  ;  ', 'office hours are empty'],
  ])('refuses %j', (text, message) => {
    expect(errorOf(text)).toContain(message);
  });
});

describe('formatOfficeHours', () => {
  it.each([
    ['Mon-Fri 09:00-18:00', 'Mon-Fri 09:00-18:00'],
    ['Mon-Fri 09:00-12:00,13:00-17:30; Sat 10:00-12:00', 'Mon-Fri 09:00-12:00,13:00-17:30; Sat 10:00-12:00'],
    ['月-金 9:00-18:00', 'Mon-Fri 09:00-18:00'],
    ['Sat-Sun 10:00-12:00; Mon,Wed,Fri 09:00-17:00', 'Mon,Wed,Fri 09:00-17:00; Sat-Sun 10:00-12:00'],
    ['Fri 22:00-06:00', 'Fri 22:00-24:00; Sat 00:00-06:00'],
    ['24/7', '24/7'],
    ['closed', 'closed'],
  ])('writes %j as %j, which reads back to the same hours', (text, canonical) => {
    const hours = parse(text);
    expect(formatOfficeHours(hours)).toBe(canonical);
    expect(parse(formatOfficeHours(hours))).toEqual(hours);
  });

  it('normalises hand-built hours', () => {
    expect(formatOfficeHours({ always: true, windows: [] })).toBe('24/7');
    expect(
      formatOfficeHours({
        always: false,
        windows: [
          { day: 2, start: h(13), end: h(15) },
          { day: 1, start: h(9), end: h(12) },
          { day: 2, start: h(9), end: h(12) },
        ],
      }),
    ).toBe('Mon 09:00-12:00; Tue 09:00-12:00,13:00-15:00');
  });
});

describe('officeHoursAt', () => {
  const office = parse('Mon-Fri 09:00-18:00');

  it('reads the time in Tokyo', () => {
    // Monday 2025-01-06 09:00 JST is 00:00 UTC.
    expect(officeHoursAt(office, 'Asia/Tokyo', new Date('2025-01-06T00:00:00Z'))).toEqual({
      isOpen: true,
      localTime: '2025-01-06 09:00',
      weekday: 1,
    });
    expect(officeHoursAt(office, 'Asia/Tokyo', new Date('2025-01-05T23:59:00Z'))).toEqual({
      isOpen: false,
      localTime: '2025-01-06 08:59',
      weekday: 1,
    });
    // 18:00 is closing time: the end is exclusive.
    expect(officeHoursAt(office, 'Asia/Tokyo', new Date('2025-01-06T09:00:00Z')).isOpen).toBe(false);
    // Sunday in UTC, already Monday morning in Tokyo.
    expect(officeHoursAt(office, 'Asia/Tokyo', new Date('2025-01-05T23:30:00Z')).weekday).toBe(1);
  });

  it('follows daylight saving in New York', () => {
    const hours = parse('Mon-Fri 09:00-17:00');
    // Friday 2025-03-07, EST (UTC-5): 13:30Z is 08:30, 14:15Z is 09:15.
    expect(officeHoursAt(hours, 'America/New_York', new Date('2025-03-07T13:30:00Z'))).toMatchObject({ isOpen: false, localTime: '2025-03-07 08:30' });
    expect(officeHoursAt(hours, 'America/New_York', new Date('2025-03-07T14:15:00Z'))).toMatchObject({ isOpen: true, localTime: '2025-03-07 09:15' });
    // Monday 2025-03-10, EDT (UTC-4) since Sunday: 13:15Z is already 09:15.
    expect(officeHoursAt(hours, 'America/New_York', new Date('2025-03-10T13:15:00Z'))).toEqual({
      isOpen: true,
      localTime: '2025-03-10 09:15',
      weekday: 1,
    });
    // Monday 2025-11-03, EST again: 13:30Z is 08:30.
    expect(officeHoursAt(hours, 'America/New_York', new Date('2025-11-03T13:30:00Z'))).toMatchObject({ isOpen: false, localTime: '2025-11-03 08:30' });
  });

  it('reads overnight windows on both days', () => {
    const night = parse('Fri 22:00-06:00');
    // Friday 2025-01-10 22:30 JST = 13:30Z; Saturday 05:59 JST = Friday 20:59Z; Saturday 06:00 JST closed.
    expect(officeHoursAt(night, 'Asia/Tokyo', new Date('2025-01-10T13:30:00Z')).isOpen).toBe(true);
    expect(officeHoursAt(night, 'Asia/Tokyo', new Date('2025-01-10T20:59:00Z'))).toEqual({ isOpen: true, localTime: '2025-01-11 05:59', weekday: 6 });
    expect(officeHoursAt(night, 'Asia/Tokyo', new Date('2025-01-10T21:00:00Z')).isOpen).toBe(false);
    expect(officeHoursAt(night, 'Asia/Tokyo', new Date('2025-01-10T12:59:00Z')).isOpen).toBe(false);
  });

  it('reads midnight as 00:00, and 24/7 as always open', () => {
    expect(officeHoursAt(parse('24/7'), 'Asia/Tokyo', new Date('2025-01-05T15:00:00Z'))).toEqual({ isOpen: true, localTime: '2025-01-06 00:00', weekday: 1 });
    expect(officeHoursAt(parse('closed'), 'UTC', new Date('2025-01-06T12:00:00Z')).isOpen).toBe(false);
  });

  it('throws on an unknown time zone', () => {
    expect(() => officeHoursAt(office, 'Mars/Olympus', new Date())).toThrow(RangeError);
  });
});

describe('ContactInputSchema.officeHours', () => {
  it('accepts office hours the parser reads', () => {
    expect(ContactInputSchema.safeParse({ email: 'csirt@example.jp', officeHours: '月-金 9:00-18:00' }).success).toBe(true);
  });

  it("refuses the rest with the parser's message", () => {
    const result = ContactInputSchema.safeParse({ email: 'csirt@example.jp', officeHours: 'Funday 9-5' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['officeHours'], message: expect.stringContaining('unknown day "Funday"') as string })]);
  });
});
