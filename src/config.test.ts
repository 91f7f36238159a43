import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { defaultParseWorkers, loadConfig } from './config.js';

describe('configuration', () => {
  it('reads mail on every core with SQLite, leaves one to the database server with PostgreSQL, and takes an explicit count as given', () => {
    const cores = availableParallelism();
    expect(loadConfig({}).parseWorkers).toBe(Math.min(4, Math.max(1, cores)));
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/renkei' }).parseWorkers).toBe(Math.min(4, Math.max(1, cores - 1)));
    expect(loadConfig({ RENKEI_PARSE_WORKERS: '0' }).parseWorkers).toBe(0);
    expect([1, 2, 3, 8].map((n) => [defaultParseWorkers(false, n), defaultParseWorkers(true, n)])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
      [4, 4],
    ]);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/renkei', RENKEI_PARSE_WORKERS: '3' }).parseWorkers).toBe(3);
  });
});
