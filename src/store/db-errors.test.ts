import { describe, expect, it } from 'vitest';
import { isDatabaseDown } from './db-errors.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseDown', () => {
  it('knows a database that is away or cannot write from an error of the statement', () => {
    for (const down of [withCode('ECONNREFUSED'), withCode('57P01'), withCode('08006'), withCode('SQLITE_FULL'), withCode('SQLITE_IOERR_FSYNC'), withCode('SQLITE_READONLY'), new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect')])
      expect(isDatabaseDown(down), String(down)).toBe(true);
    for (const item of [withCode('23505'), withCode('22021'), withCode('SQLITE_CONSTRAINT_UNIQUE'), withCode('40P01'), new Error('value too long'), 'a string', null])
      expect(isDatabaseDown(item), String(item)).toBe(false);
  });
});
