import holidays from '@holiday-jp/holiday_jp/lib/holidays.js';
import { parseOfficeHours, type OfficeHours } from './office-hours.js';

/**
 * The team's working time: office hours in its time zone, closed on
 * Japanese public holidays (the @holiday-jp data set, 1970–2050, substitute
 * and citizens' holidays included) and on any extra closed days (年末年始).
 * SLA clocks counted "in office hours" run only inside it.
 */
export interface BusinessCalendar {
  timeZone: string;
  hours: OfficeHours;
  /** `YYYY-MM-DD` in the calendar's zone. */
  isClosedDay(localDate: string): boolean;
}

const JP_HOLIDAYS = holidays as Record<string, { name: string; name_en: string }>;

export function japaneseHoliday(localDate: string): { name: string; nameEn: string } | null {
  const h = JP_HOLIDAYS[localDate];
  return h ? { name: h.name, nameEn: h.name_en } : null;
}

export function businessCalendar(options: { timeZone?: string; hours?: string; closedDays?: string[]; japaneseHolidays?: boolean } = {}): BusinessCalendar {
  const hoursText = options.hours ?? 'Mon-Fri 09:00-18:00';
  const parsed = parseOfficeHours(hoursText);
  if (!parsed.ok) throw new Error(`office hours "${hoursText}": ${parsed.error}`);
  const closed = new Set(options.closedDays ?? []);
  const useJp = options.japaneseHolidays ?? true;
  return {
    timeZone: options.timeZone ?? 'Asia/Tokyo',
    hours: parsed.value,
    isClosedDay: (d) => closed.has(d) || closed.has(d.slice(5)) || (useJp && JP_HOLIDAYS[d] !== undefined),
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(timeZone: string, at: number): { y: number; m: number; d: number; hh: number; mm: number; ss: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, m: p.month!, d: p.day!, hh: p.hour!, mm: p.minute!, ss: p.second! };
}

/** Minutes the zone is ahead of UTC at an instant (DST included). */
function offsetMinutes(timeZone: string, at: number): number {
  const p = partsIn(timeZone, at);
  return Math.round((Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mm, p.ss) - Math.floor(at / 1000) * 1000) / 60_000);
}

/** The instant of a wall-clock time in a zone (minutes after local midnight); in a DST gap, the moment the clocks jump to. */
function instantOf(timeZone: string, y: number, m: number, d: number, minutes: number): number {
  const wall = Date.UTC(y, m - 1, d) + minutes * 60_000;
  let guess = wall - offsetMinutes(timeZone, wall) * 60_000;
  guess = wall - offsetMinutes(timeZone, guess) * 60_000;
  return guess;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar's open intervals [from, to) (epoch ms) on each local day from the one containing `from`, in order. */
function* openIntervals(cal: BusinessCalendar, from: number, maxDays = 3700): Generator<[number, number]> {
  const p = partsIn(cal.timeZone, from);
  let day = Date.UTC(p.y, p.m - 1, p.d);
  for (let i = 0; i < maxDays; i++, day += 86_400_000) {
    const dt = new Date(day);
    const y = dt.getUTCFullYear();
    const m = dt.getUTCMonth() + 1;
    const d = dt.getUTCDate();
    if (cal.isClosedDay(`${y}-${pad(m)}-${pad(d)}`)) continue;
    const weekday = dt.getUTCDay();
    if (cal.hours.always) {
      yield [instantOf(cal.timeZone, y, m, d, 0), instantOf(cal.timeZone, y, m, d, 24 * 60)];
      continue;
    }
    for (const w of cal.hours.windows.filter((x) => x.day === weekday).sort((a, b) => a.start - b.start))
      yield [instantOf(cal.timeZone, y, m, d, w.start), instantOf(cal.timeZone, y, m, d, w.end)];
  }
}

/** Office-hours minutes between two instants (0 when `end` is not after `start`). */
export function businessMinutesBetween(cal: BusinessCalendar, start: Date, end: Date): number {
  const a = start.getTime();
  const b = end.getTime();
  if (b <= a) return 0;
  let total = 0;
  for (const [from, to] of openIntervals(cal, a)) {
    if (from >= b) break;
    const s = Math.max(from, a);
    const e = Math.min(to, b);
    if (e > s) total += e - s;
  }
  return total / 60_000;
}

/** The instant when `minutes` of office hours have passed after `start`. */
export function addBusinessMinutes(cal: BusinessCalendar, start: Date, minutes: number): Date {
  const a = start.getTime();
  let left = minutes * 60_000;
  if (left <= 0) return new Date(a);
  for (const [from, to] of openIntervals(cal, a)) {
    const s = Math.max(from, a);
    if (to <= s) continue;
    if (to - s >= left) return new Date(s + left);
    left -= to - s;
  }
  throw new Error('the calendar has no office hours in the next ten years');
}
