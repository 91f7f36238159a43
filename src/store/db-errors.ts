import { AppError } from '../domain/errors.js';

/**
 * Database errors that mean something to the caller, the same on both
 * databases: a lost race worth retrying, a unique key taken, text the
 * database cannot store. Everything else stays an internal error.
 */
interface DbError {
  code?: string;
  message?: string;
}

const codeOf = (err: unknown): string | undefined => (err && typeof err === 'object' ? (err as DbError).code : undefined);

/** Deadlock or serialization failure (PostgreSQL), or a busy/locked database (SQLite): run the transaction again. */
export function isRetryable(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40P01' || code === '40001' || code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/**
 * The database itself is away or cannot write (not this statement's data): the connection refused, lost or timed
 * out, the server shutting down, the disk full or read-only. Trying the same work again item by item is no use.
 */
export function isDatabaseDown(err: unknown): boolean {
  const code = codeOf(err) ?? '';
  if (/^(08|57P)/.test(code) || /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/.test(code)) return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
}

export function translateDbError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = codeOf(err);
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return new AppError('CONFLICT', 'that was changed or created by someone else at the same moment; reload and try again');
  if (code === '22021' || code === '22P05' || code === '54000')
    return new AppError('VALIDATION', 'the text contains characters that cannot be stored (NUL or invalid encoding)', {
      issues: [{ path: [], message: 'remove NUL and other control characters' }],
    });
  if (isRetryable(err)) return new AppError('UNAVAILABLE', 'the database is busy; try again in a moment');
  return err;
}
