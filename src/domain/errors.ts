/**
 * The only error a service throws. `http/error-handler.ts` is the only place
 * that maps a code to an HTTP status; the CLI maps it to an exit code.
 */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  /** Evidence whose bytes no longer match their SHA-256 (or are missing): never served. */
  | 'EVIDENCE_CORRUPT'
  /** Evidence removed by retention: the item's record stays, its bytes are gone. */
  | 'GONE';

/**
 * What is wrong with a field, for a page to say in its reader's language
 * (the message is the server's English): missing, too long or too many,
 * too short or too few, not in its form (an e-mail address, a date), not
 * one of the choices, anything else.
 */
export const ISSUE_KINDS = ['required', 'too-big', 'too-small', 'format', 'choice', 'invalid'] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];

/** One field at fault: `path` as in zod (`['fiveW1H', 'occurredAt']`). */
export interface FieldIssue {
  path: (string | number)[];
  message: string;
  kind?: IssueKind;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: { issues?: FieldIssue[]; [key: string]: unknown },
  ) {
    super(message ?? code);
    this.name = 'AppError';
  }
}

/** "Not found" and "not allowed to see it" answer the same, so hidden things do not leak. */
export const notFound = (what: string, id: string): AppError =>
  new AppError('NOT_FOUND', `${what} ${id} not found`);

export const invalid = (message: string, issues?: FieldIssue[]): AppError =>
  new AppError('VALIDATION', message, issues ? { issues } : undefined);
