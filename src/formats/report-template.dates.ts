/**
 * The dates and time zones of filled-in report templates, as reporters write
 * them: `2026/11/25 9時30分 (JST)`, `令和8年…`, `25 Nov 2026 09:30 UTC+9`.
 */

const ZONES: Readonly<Record<string, number>> = {
  jst: 540, kst: 540, utc: 0, gmt: 0, ut: 0, z: 0, sgt: 480, hkt: 480, cet: 60, cest: 120, bst: 60, eet: 120, eest: 180,
  est: -300, edt: -240, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420, aest: 600, aedt: 660,
  'asia/tokyo': 540, 日本時間: 540, 日本標準時: 540, 協定世界時: 0, 世界標準時: 0,
};
const ZONE_NAMES = Object.keys(ZONES).sort((a, b) => b.length - a.length);
const ZONE_AFTER = new RegExp(`^\\s*\\(?\\s*(?:(${ZONE_NAMES.join('|')})(?![a-z]))?\\s*(?:([+-])\\s*(\\d{1,2})(?::?(\\d{2}))?(?!\\d))?`, 'i');
/** Not `Z` and `UT` here: alone in a sentence they are letters, not zones. */
const ZONE_ANYWHERE = new RegExp(`(?<![a-z])(${ZONE_NAMES.filter((n) => n.length > 2).join('|')})(?![a-z])(?:\\s*([+-])(\\d{1,2})(?::?(\\d{2}))?(?!\\d))?`, 'i');
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const YMD = /(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?/;
const DMY_NAMED = new RegExp(`(\\d{1,2})(?:st|nd|rd|th)?[\\s-]+(${MONTHS})[a-z]*\\.?[\\s,-]+(\\d{4})`, 'i');
const MDY_NAMED = new RegExp(`(${MONTHS})[a-z]*\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})`, 'i');
const NUMERIC_DMY = /(\d{1,2})\/(\d{1,2})\/(\d{4})/;
const TIME = /^(午前|午後|am|pm)?\s*(\d{1,2})\s*(?:(:)\s*(\d{2})(?:\s*:\s*(\d{2})(?:\.\d{1,9})?)?|(時)(?:\s*(半)|\s*(\d{1,2})\s*分(?:\s*(\d{1,2})\s*秒)?)?)?\s*(a\.?m\.?|p\.?m\.?)?/i;
const ERAS: Readonly<Record<string, number>> = { 令和: 2018, 平成: 1988, 昭和: 1925 };

/** `JST` / `UTC+9` / `+09:00` as minutes east of UTC; an offset after a zone name only counts after UTC or GMT. */
function zoneFrom(m: RegExpExecArray, isMinusOffset: boolean): number | undefined {
  const named = m[1] === undefined ? undefined : ZONES[m[1].toLowerCase()];
  if (m[2] === undefined || m[3] === undefined || (named !== undefined && named !== 0)) return named;
  if (m[2] === '-' && !isMinusOffset && named === undefined) return undefined;
  const minutes = Number(m[3]) * 60 + Number(m[4] ?? 0);
  return m[2] === '-' ? -minutes : minutes;
}

/**
 * The zone written at the start of `s`, right after a time. A bare negative
 * offset counts only after seconds (`09:00:00-05:00`): `09:00-10:00` is a range.
 */
export const zoneAt = (s: string, isMinusOffset: boolean): number | undefined => {
  const m = ZONE_AFTER.exec(s);
  return m === null ? undefined : zoneFrom(m, isMinusOffset);
};

/** A zone named anywhere in `s`: a label's `(JST)`, a date's `日本時間 9時`, a `タイムゾーン` item. */
export function zoneIn(s: string): number | undefined {
  const m = ZONE_ANYWHERE.exec(s.slice(0, 200).normalize('NFKC'));
  return m === null ? undefined : zoneFrom(m, true);
}

type When = { iso: string; hasZone: boolean; hasTime: boolean } | { error: string };

function monthOf(name: string): number {
  return MONTHS.split('|').indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

/** One date and time as reporters write them; `fallbackZone` (minutes east of UTC) when none is written. */
export function readWhen(value: string, fallbackZone: number): When {
  let s = value.slice(0, 200).normalize('NFKC').trim();
  s = s.replace(/(令和|平成|昭和)\s*(元|\d{1,2})\s*年/, (_, era: string, n: string) => `${(ERAS[era] ?? 0) + (n === '元' ? 1 : Number(n))}年`);
  let y: number, mo: number, d: number, end: number;
  const ymd = YMD.exec(s);
  const named = ymd ? null : (DMY_NAMED.exec(s) ?? MDY_NAMED.exec(s));
  const numeric = ymd || named ? null : NUMERIC_DMY.exec(s);
  if (ymd) [y, mo, d, end] = [Number(ymd[1]), Number(ymd[2]), Number(ymd[3]), ymd.index + ymd[0].length];
  else if (named) {
    const isDmy = /^\d/.test(named[0]);
    [y, mo, d] = [Number(named[3]), monthOf(isDmy ? named[2]! : named[1]!), Number(isDmy ? named[1] : named[2])];
    end = named.index + named[0].length;
  } else if (numeric) {
    const [a, b] = [Number(numeric[1]), Number(numeric[2])];
    if (a <= 12 && b <= 12 && a !== b) return { error: `the day and month of "${s.slice(0, 80)}" could be either way round` };
    [y, mo, d, end] = [Number(numeric[3]), a > 12 ? b : a, a > 12 ? a : b, numeric.index + numeric[0].length];
  } else return { error: `no date in "${s.slice(0, 80)}"` };
  let rest = s.slice(end).replace(/^[\sT,]*(?:\([^)]{0,12}\))?[\s,]*(?:at\s+)?/i, '');
  let h = 0, mi = 0, sec = 0, hasTime = false, hasSeconds = false;
  const t = TIME.exec(rest);
  const ampm = (t?.[1] ?? t?.[10] ?? '').toLowerCase().replace(/\./g, '');
  if (t && (t[3] !== undefined || t[6] !== undefined || ampm !== '')) {
    [h, mi, sec, hasTime, hasSeconds] = [Number(t[2]), t[7] ? 30 : Number(t[4] ?? t[8] ?? 0), Number(t[5] ?? t[9] ?? 0), true, t[5] !== undefined];
    if (ampm !== '' && h > 12) return { error: `no valid time in "${s.slice(0, 80)}"` };
    if (ampm === '午後' || ampm === 'pm') h = h % 12 + 12;
    else if (ampm === '午前' || ampm === 'am') h %= 12;
    rest = rest.slice(t[0].length);
  }
  const written = zoneAt(rest, hasSeconds) ?? zoneIn(s);
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  const check = new Date(ms);
  if (y < 1970 || y > 2200 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59)
    return { error: `no valid date in "${s.slice(0, 80)}"` };
  return { iso: new Date(ms - (written ?? fallbackZone) * 60_000).toISOString(), hasZone: written !== undefined, hasTime };
}
