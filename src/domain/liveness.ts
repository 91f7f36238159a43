/**
 * Is a reported site still there? Phishing kits cloak — they answer a
 * Japanese browser and hide from everyone else — so a check asks as several
 * browser profiles, and only a consistent "gone" from all of them counts as
 * down. Inconsistent answers are "cloaked", never "down".
 */

export interface FetchProfile {
  name: string;
  userAgent: string;
  acceptLanguage: string;
}

export const FETCH_PROFILES: readonly FetchProfile[] = [
  {
    name: 'desktop-ja',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    acceptLanguage: 'ja-JP,ja;q=0.9,en;q=0.5',
  },
  {
    name: 'mobile-ja',
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    acceptLanguage: 'ja-JP,ja;q=0.9',
  },
  {
    name: 'desktop-en',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    acceptLanguage: 'en-US,en;q=0.8',
  },
];

export interface FetchOutcome {
  profile: string;
  /** Final HTTP status after redirects; null when no answer. */
  status: number | null;
  errorKind: 'dns' | 'refused' | 'timeout' | 'tls' | 'policy' | 'redirect-loop' | 'too-many-redirects' | 'other' | null;
  error: string | null;
  chain: { url: string; status: number; address: string | null }[];
  finalUrl: string;
  title: string | null;
  bodySha256: string | null;
  bodyBytes: number;
  /** The body was longer than the cap: only the first part was read. */
  truncated: boolean;
  certificate: { subject: string | null; issuer: string | null; validTo: string | null; authorized: boolean } | null;
  /** The capped body (kept as evidence, not stored with the outcome). */
  body: Buffer | null;
}

export type ProfileAnswer = 'up' | 'gone' | 'unclear';
export type Verdict = 'up' | 'down' | 'cloaked' | 'unknown';

/** One profile's answer: content (2xx), gone (no such name, refused, 404/410), or unclear (timeouts, 403, 5xx, refused by our policy …). */
export function answerOf(o: Pick<FetchOutcome, 'status' | 'errorKind'>): ProfileAnswer {
  if (o.status !== null) {
    if (o.status >= 200 && o.status < 300) return 'up';
    if (o.status === 404 || o.status === 410) return 'gone';
    return 'unclear';
  }
  return o.errorKind === 'dns' || o.errorKind === 'refused' ? 'gone' : 'unclear';
}

/** The check's verdict: up or down only when every profile agrees; content for some and not others is cloaking. */
export function verdictOf(outcomes: Pick<FetchOutcome, 'status' | 'errorKind'>[]): Verdict {
  const answers = outcomes.map(answerOf);
  if (answers.length === 0) return 'unknown';
  if (answers.every((a) => a === 'up')) return 'up';
  if (answers.every((a) => a === 'gone')) return 'down';
  if (answers.includes('up')) return 'cloaked';
  return 'unknown';
}

export const TAKEDOWN_STATES = ['reported', 'requested', 'acknowledged', 'down', 'relapsed'] as const;
export type TakedownState = (typeof TAKEDOWN_STATES)[number];

/** Down counts as verified after this long of "down" from every profile, check after check. */
export const VERIFIED_DOWN_HOURS = 48;

/**
 * What a check does to a takedown: a consistent "down" moves it to down
 * (verified once it has stayed down long enough); content again after down
 * is a relapse; cloaked and unknown change nothing but are recorded.
 */
export function afterCheck(
  t: { state: TakedownState; downSince: string | null },
  verdict: Verdict,
  at: Date,
): { state: TakedownState; downSince: string | null; verified: boolean } {
  if (verdict === 'down') {
    const downSince = t.state === 'down' && t.downSince ? t.downSince : at.toISOString();
    const verified = at.getTime() - Date.parse(downSince) >= VERIFIED_DOWN_HOURS * 3600_000;
    return { state: 'down', downSince, verified };
  }
  if ((verdict === 'up' || verdict === 'cloaked') && t.state === 'down') return { state: 'relapsed', downSince: null, verified: false };
  return { state: t.state, downSince: verdict === 'up' || verdict === 'cloaked' ? null : t.downSince, verified: false };
}
