import type { IssueKind } from '../../../src/domain/errors.js';
import type { ApiErrorBody } from './types';

/** An answer of the API that is not a success: its stable code, message and field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: (string | number)[]; message: string; kind?: IssueKind }[] = [],
    /** What the server adds to an error (e.g. `decision: 'send-outside'` when a lead's decision is pending). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
/** Sign-in and /api/auth/me hand out the session's CSRF token; every change sends it back. */
export const setCsrfToken = (token: string | null): void => {
  csrfToken = token;
};

let onUnauthenticated: (() => void) | null = null;
/** Called when a request answers 401 after sign-in (the session ended). */
export const setOnUnauthenticated = (fn: (() => void) | null): void => {
  onUnauthenticated = fn;
};

type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length) params.set(k, v.join(','));
    } else params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Calls the REST API (same origin, session cookie); JSON both ways. */
export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(signal ? { signal } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as Partial<ApiErrorBody> | null)?.error;
    if (res.status === 401 && onUnauthenticated && !path.startsWith('/api/auth/')) onUnauthenticated();
    throw new ApiError(res.status, err?.code ?? 'INTERNAL', err?.message ?? res.statusText, err?.issues ?? [], (err as { details?: Record<string, unknown> } | undefined)?.details ?? {});
  }
  return data as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', withQuery(path, query), undefined, signal);
