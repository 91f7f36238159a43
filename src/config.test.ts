import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('reads mail on every core with SQLite, leaves one to the database server with PostgreSQL, and takes an explicit count as given', () => {
    const cores = availableParallelism();
    expect(loadConfig({}).parseWorkers).toBe(Math.min(4, Math.max(1, cores)));
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/renkei' }).parseWorkers).toBe(Math.min(4, Math.max(1, cores - 1)));
    expect(loadConfig({ RENKEI_PARSE_WORKERS: '0' }).parseWorkers).toBe(0);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/renkei', RENKEI_PARSE_WORKERS: '3' }).parseWorkers).toBe(3);
  });
});
