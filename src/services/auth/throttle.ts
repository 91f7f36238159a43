import { AppError } from '../../domain/errors.js';
import type { Store } from '../../store/store.js';

/** Sliding window of one minute, counted in one-second buckets. */
const WINDOW_MS = 60_000;

export interface ThrottleLimits {
  /** Wrong passwords or codes per account per minute. */
  perAccount: number;
  /** Failures per client address per minute (higher: offices share addresses). */
  perAddress: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = { perAccount: 10, perAddress: 50 };

const bucket = (at: Date) => new Date(Math.floor(at.getTime() / 1000) * 1000).toISOString();

async function recent(store: Store, key: string, now: Date): Promise<number> {
  return store.accounts.failuresSince(key, bucket(new Date(now.getTime() - WINDOW_MS + 1000)));
}

/**
 * Refuse before checking anything when a key is over its limit: the 11th
 * wrong password in a minute is refused unchecked, and so is a right one,
 * until the window passes. Same answer whether the account exists or not.
 */
export async function assertNotThrottled(store: Store, keys: { key: string; limit: number }[], now: Date): Promise<void> {
  for (const { key, limit } of keys)
    if ((await recent(store, key, now)) >= limit)
      throw new AppError('RATE_LIMITED', 'too many attempts; try again in a minute', { retryAfterSeconds: 60 });
}

export async function recordFailure(store: Store, keys: string[], now: Date): Promise<void> {
  for (const key of keys) await store.accounts.addFailure(key, bucket(now));
  // Kept two hours: hourly counters (receipts per sender) share the table.
  if (Math.random() < 0.01) await store.accounts.pruneThrottle(new Date(now.getTime() - 2 * 3600_000).toISOString());
}
