import type { Language } from '../../src/domain/organisation.schema.js';

export const TEAM_ZONE = 'Asia/Tokyo';
const locale = (lng: Language) => (lng === 'ja' ? 'ja-JP' : 'en-GB');

/** The browser's own zone (what "the user's time zone" is until accounts carry one). */
export const userZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(lng: Language, timeZone: string, withZoneName: boolean): Intl.DateTimeFormat {
  const key = `${lng}|${timeZone}|${withZoneName}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale(lng), {
      timeZone,
      year: 'numeric',
      month: lng === 'ja' ? '2-digit' : 'short',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(withZoneName ? { timeZoneName: 'short' } : {}),
    });
    cache.set(key, f);
  }
  return f;
}

/**
 * A moment as the team reads it (JST, labelled so) and, when the browser
 * runs in another zone, as the user reads it too, with that zone's label.
 */
export function formatInstant(iso: string, lng: Language, zone = userZone()): { jst: string; local: string | null } {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { jst: iso, local: null };
  const jst = `${formatter(lng, TEAM_ZONE, false).format(d)} JST`;
  const local = zone === TEAM_ZONE ? null : formatter(lng, zone, true).format(d);
  return { jst, local };
}

/** A day in JST (the team's day) as the instant it starts: `2026-11-25` → `2026-11-25T00:00:00+09:00`. */
export const jstDayStart = (day: string): string => `${day}T00:00:00+09:00`;

/** The instant the JST day after `day` starts (the API's `to` bounds are exclusive). */
export function jstDayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return jstDayStart(d.toISOString().slice(0, 10));
}

/** Whether a text is a calendar day as a date field gives it (`2026-11-25`). */
export const isDay = (s: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

export const formatNumber = (n: number, lng: Language): string => new Intl.NumberFormat(locale(lng)).format(n);

export function formatBytes(n: number, lng: Language): string {
  if (n < 1024) return `${formatNumber(n, lng)} B`;
  if (n < 1024 * 1024) return `${new Intl.NumberFormat(locale(lng), { maximumFractionDigits: 1 }).format(n / 1024)} KB`;
  return `${new Intl.NumberFormat(locale(lng), { maximumFractionDigits: 1 }).format(n / 1024 / 1024)} MB`;
}

// Bidirectional controls (embedding, override, isolate) and other invisible format characters.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name from a report with its direction controls made visible: a file
 * called "invoice‮fdp.exe" must not read as "invoiceexe.pdf".
 */
export const revealControls = (s: string): string =>
  s.replace(BIDI, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`);

export const hasControls = (s: string): boolean => new RegExp(BIDI.source).test(s);
