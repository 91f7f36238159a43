/**
 * A contact's office hours: short text in the contact's own time zone.
 *
 *   `Mon-Fri 09:00-18:00`
 *   `Mon-Fri 09:00-12:00,13:00-17:30; Sat 10:00-12:00`
 *   `月-金 9:00-18:00`, `平日 9:00〜17:45`
 *   `24/7`, `closed`
 *
 * Clauses are separated by `;` or new lines; a clause is days then times. Days are
 * English (`Mon`, `Monday`) or Japanese (`月`, `月曜`, `月曜日`) names, ranges (`Fri-Mon`
 * wraps) and lists (`Mon,Wed`, `月・水`), or `daily`/`毎日`, `weekdays`/`平日`,
 * `weekends`/`土日`. Times are `H:MM-H:MM`; an end of `24:00` is midnight and an end
 * before the start (`22:00-06:00`) runs overnight into the next day. A bare hour
 * (`9-5`) is refused: read as 09:00–05:00 it would be a night shift nobody meant.
 */

export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface OfficeHoursWindow {
  /** 0 = Sunday … 6 = Saturday. */
  day: Weekday;
  /** Minutes from midnight, 0–1439. */
  start: number;
  /** Minutes from midnight, exclusive, up to 1440. */
  end: number;
}

export interface OfficeHours {
  /** Open around the clock; `windows` then covers every whole day. */
  always: boolean;
  /** Sorted by day then start; overlapping and touching windows of a day are merged. */
  windows: OfficeHoursWindow[];
}

export type OfficeHoursParse = { ok: true; value: OfficeHours } | { ok: false; error: string };

const DAY_MINUTES = 1440;
const ALL_DAYS: Weekday[] = [0, 1, 2, 3, 4, 5, 6];
/** Business-week order, used when writing. */
const WEEK_ORDER: Weekday[] = [1, 2, 3, 4, 5, 6, 0];
const DAY_ABBREVIATIONS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const ENGLISH_DAYS = new Map<string, Weekday>([
  ['sun', 0], ['sunday', 0],
  ['mon', 1], ['monday', 1],
  ['tue', 2], ['tues', 2], ['tuesday', 2],
  ['wed', 3], ['weds', 3], ['wednesday', 3],
  ['thu', 4], ['thur', 4], ['thurs', 4], ['thursday', 4],
  ['fri', 5], ['friday', 5],
  ['sat', 6], ['saturday', 6],
]);
const JAPANESE_DAYS = '日月火水木金土';
const DAY_GROUPS = new Map<string, Weekday[]>([
  ['daily', ALL_DAYS], ['everyday', ALL_DAYS], ['every day', ALL_DAYS], ['毎日', ALL_DAYS],
  ['weekdays', [1, 2, 3, 4, 5]], ['平日', [1, 2, 3, 4, 5]],
  ['weekends', [6, 0]], ['土日', [6, 0]],
]);
const ALWAYS = /^(24\s*\/\s*7|24\s*x\s*7|24時間365日)$/i;
const CLOSED = /^closed$/i;
/** `-` and the dashes and tildes people type between two days or two times (`〜`, `ー` in Japanese). */
const RANGE_DASH = /\s*[-~〜–—ー]\s*/;
const TIME_WINDOW = /^(\d{1,2}):(\d{2})\s*[-~〜–—ー]\s*(\d{1,2}):(\d{2})$/;

/** Parse office hours text; the error names the part it could not read. */
export function parseOfficeHours(text: string): OfficeHoursParse {
  // NFKC folds full-width digits, colons, commas and tildes (９：００～１８：００) to ASCII.
  const input = text.normalize('NFKC').trim();
  if (input === '') return fail('office hours are empty (e.g. "Mon-Fri 09:00-18:00" or "24/7")');
  if (ALWAYS.test(input)) return { ok: true, value: normalise(ALL_DAYS.map((day) => ({ day, start: 0, end: DAY_MINUTES }))) };
  if (CLOSED.test(input)) return { ok: true, value: { always: false, windows: [] } };

  const windows: OfficeHoursWindow[] = [];
  for (const rawClause of input.split(/[;\n]/)) {
    const clause = rawClause.trim();
    if (clause === '') continue;
    const firstDigit = clause.search(/\d/);
    if (firstDigit < 0) return fail(`no times in "${clause}" (expected days then times, e.g. "Mon-Fri 09:00-18:00")`);
    const daysText = clause.slice(0, firstDigit).trim().replace(/:$/, '').trim();
    const timesText = clause.slice(firstDigit).trim();
    if (daysText === '') return fail(`no days before "${timesText}" (e.g. "Mon-Fri ${timesText}")`);
    const days = parseDays(daysText);
    if (typeof days === 'string') return fail(days);
    for (const windowText of timesText.split(/\s*[,、]\s*/)) {
      const span = parseTimeWindow(windowText, clause);
      if (typeof span === 'string') return fail(span);
      for (const day of days) {
        if (span.end > span.start) {
          windows.push({ day, start: span.start, end: span.end });
        } else {
          windows.push({ day, start: span.start, end: DAY_MINUTES });
          windows.push({ day: ((day + 1) % 7) as Weekday, start: 0, end: span.end });
        }
      }
    }
  }
  if (windows.length === 0) return fail('office hours are empty (e.g. "Mon-Fri 09:00-18:00" or "24/7")');
  return { ok: true, value: normalise(windows) };
}

/** Canonical English text (`Mon-Fri 09:00-18:00; Sat 10:00-12:00`); `parseOfficeHours` reads it back to the same hours. */
export function formatOfficeHours(hours: OfficeHours): string {
  const { always, windows } = normalise(hours.windows, hours.always);
  if (always) return '24/7';
  if (windows.length === 0) return 'closed';
  const timesByDay = new Map<Weekday, string>();
  for (const day of WEEK_ORDER) {
    const times = windows.filter((w) => w.day === day).map((w) => `${formatTime(w.start)}-${formatTime(w.end)}`);
    if (times.length > 0) timesByDay.set(day, times.join(','));
  }
  // Days with the same times share a clause, in week order of their first day.
  const clauses = new Map<string, Weekday[]>();
  for (const [day, times] of timesByDay) clauses.set(times, [...(clauses.get(times) ?? []), day]);
  return [...clauses].map(([times, days]) => `${formatDays(days)} ${times}`).join('; ');
}

/**
 * Whether `at` falls inside `hours`, read in `timeZone` (IANA; daylight saving as the
 * runtime's tz data has it), with the contact's local time (`YYYY-MM-DD HH:mm`) and
 * weekday (0 = Sunday). Throws a RangeError for a time zone the runtime does not know.
 */
export function officeHoursAt(hours: OfficeHours, timeZone: string, at: Date): { isOpen: boolean; localTime: string; weekday: number } {
  const parts: Record<string, string> = {};
  for (const part of localFormatter(timeZone).formatToParts(at)) parts[part.type] = part.value;
  const { year = '', month = '', day = '', hour = '', minute = '' } = parts;
  const weekday = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDay();
  const minutes = Number(hour) * 60 + Number(minute);
  const isOpen = hours.always || hours.windows.some((w) => w.day === weekday && w.start <= minutes && minutes < w.end);
  return { isOpen, localTime: `${year}-${month}-${day} ${hour}:${minute}`, weekday };
}

// ---------------------------------------------------------------------------

const fail = (error: string): OfficeHoursParse => ({ ok: false, error });

function parseDays(text: string): Weekday[] | string {
  const group = DAY_GROUPS.get(text.toLowerCase());
  if (group) return group;
  const days = new Set<Weekday>();
  for (const item of text.split(/\s*[,、・/]\s*/)) {
    if (item === '') return `empty day in "${text}"`;
    const groupDays = DAY_GROUPS.get(item.toLowerCase());
    if (groupDays) {
      groupDays.forEach((d) => days.add(d));
      continue;
    }
    const ends = item.split(RANGE_DASH);
    if (ends.length > 2) return `bad day range "${item}" (e.g. "Mon-Fri")`;
    const first = parseDay(ends[0]!);
    if (first === undefined) return unknownDay(ends[0]!);
    if (ends.length === 1) {
      days.add(first);
      continue;
    }
    const last = parseDay(ends[1]!);
    if (last === undefined) return unknownDay(ends[1]!);
    // `Fri-Mon` wraps over the weekend.
    for (let d = first; ; d = ((d + 1) % 7) as Weekday) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days];
}

function parseDay(text: string): Weekday | undefined {
  const name = text.trim().replace(/\.$/, '').toLowerCase();
  const english = ENGLISH_DAYS.get(name);
  if (english !== undefined) return english;
  const japanese = /^([日月火水木金土])(曜日?)?$/.exec(name);
  return japanese ? (JAPANESE_DAYS.indexOf(japanese[1]!) as Weekday) : undefined;
}

const unknownDay = (text: string) =>
  `unknown day "${text.trim()}" (use Mon, Tue, Wed, Thu, Fri, Sat, Sun or 月, 火, 水, 木, 金, 土, 日)`;

function parseTimeWindow(text: string, clause: string): { start: number; end: number } | string {
  const m = TIME_WINDOW.exec(text);
  if (!m) return `bad time range "${text}" in "${clause}" (expected HH:MM-HH:MM, e.g. 09:00-18:00)`;
  const start = minutesOf(m[1]!, m[2]!);
  const end = minutesOf(m[3]!, m[4]!);
  if (start === undefined || start === DAY_MINUTES) return `"${m[1]}:${m[2]}" is not a start time (00:00 to 23:59) in "${clause}"`;
  if (end === undefined) return `"${m[3]}:${m[4]}" is not a time of day (00:00 to 24:00) in "${clause}"`;
  if (start === end) return `time range "${text}" is empty in "${clause}"`;
  // `22:00-00:00` ends at midnight, the same as `22:00-24:00`.
  return { start, end: end === 0 ? DAY_MINUTES : end };
}

function minutesOf(hours: string, minutes: string): number | undefined {
  const h = Number(hours);
  const m = Number(minutes);
  if (m > 59 || h > 24 || (h === 24 && m !== 0)) return undefined;
  return h * 60 + m;
}

/** Sort, merge overlapping or touching windows per day, and recognise a week of whole days as `always`. */
function normalise(windows: readonly OfficeHoursWindow[], always = false): OfficeHours {
  const merged: OfficeHoursWindow[] = [];
  const sorted = [...windows].sort((a, b) => a.day - b.day || a.start - b.start);
  for (const w of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.day === w.day && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else merged.push({ day: w.day, start: w.start, end: w.end });
  }
  const isWholeWeek = ALL_DAYS.every((day) => merged.some((w) => w.day === day && w.start === 0 && w.end === DAY_MINUTES));
  if (always || isWholeWeek) return { always: true, windows: ALL_DAYS.map((day) => ({ day, start: 0, end: DAY_MINUTES })) };
  return { always: false, windows: merged };
}

const pad = (n: number) => String(n).padStart(2, '0');
const formatTime = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

/** `[1,2,3,4,5]` → `Mon-Fri`; `[1,3,5]` → `Mon,Wed,Fri`; days arrive in week order (Mon … Sun). */
function formatDays(days: Weekday[]): string {
  const runs: Weekday[][] = [];
  for (const day of days) {
    const run = runs[runs.length - 1];
    const previous = run?.[run.length - 1];
    if (run && previous !== undefined && WEEK_ORDER.indexOf(day) === WEEK_ORDER.indexOf(previous) + 1) run.push(day);
    else runs.push([day]);
  }
  return runs
    .map((run) => (run.length === 1 ? DAY_ABBREVIATIONS[run[0]!] : `${DAY_ABBREVIATIONS[run[0]!]}-${DAY_ABBREVIATIONS[run[run.length - 1]!]}`))
    .join(',');
}

/** Per zone: building a formatter costs far more than using one. Bounded, as zone names come from users. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function localFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    if (formatters.size < 1000) formatters.set(timeZone, formatter);
  }
  return formatter;
}
