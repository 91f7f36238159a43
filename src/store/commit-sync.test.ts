import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sharedFlusher } from './database.js';
import { migrateToLatest } from './migrate.js';
import { createStore } from './store.js';

/**
 * A transaction's disk sync runs in the thread pool (database.ts CommitSync):
 * its COMMIT runs with synchronous=NORMAL, FULL is back in force at once for
 * every other statement, and the transaction returns only after the log was
 * synced.
 */
describe('SQLite commit sync off the main thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'renkei-commit-sync-'));
  const database = openDatabase({ dataDir: dir });
  const store = createStore(database.db, 'sqlite', () => new Date(), database.commitSync);
  beforeAll(() => migrateToLatest(database));
  const docs = async () => (await sql<{ c: number }>`select count(*) as c from search_doc`.execute(database.db)).rows[0]!.c;
  const synchronous = async () => (await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db)).rows[0]!.synchronous;
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is offered for a database on disk, not for one in memory', async () => {
    expect(database.commitSync).toBeDefined();
    const memory = openDatabase({ sqliteFile: ':memory:' });
    expect(memory.commitSync).toBeUndefined();
    await memory.close();
  });

  it('commits many concurrent transactions, each waiting for its sync, and leaves FULL in force', async () => {
    const flushed: number[] = [];
    const real = database.commitSync!.flushed;
    database.commitSync!.flushed = () => real().then(() => void flushed.push(1));
    try {
      await Promise.all(Array.from({ length: 50 }, (_, n) => store.transaction((tx) => tx.search.index('report', `r${n}`, ['word']))));
    } finally {
      database.commitSync!.flushed = real;
    }
    expect(flushed).toHaveLength(50);
    expect(await docs()).toBe(50);
    expect(await synchronous()).toBe(2); // FULL
  });

  it('runs a transaction with NORMAL (its commit does not sync in this thread), and FULL outside', async () => {
    const inside = await database.db.transaction().execute(async (trx) => (await sql<{ synchronous: number }>`pragma synchronous`.execute(trx)).rows[0]!.synchronous);
    expect(inside).toBe(1);
    expect(await synchronous()).toBe(2);
  });

  it('leaves FULL in force after a transaction that rolled back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.search.index('report', 'gone', ['word']);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await synchronous()).toBe(2);
    expect(await docs()).toBe(50);
  });

  it('shares syncs between callers, but gives each one a sync that began after it asked', async () => {
    const syncs: { start: number; end: number }[] = [];
    let clock = 0;
    const flush = sharedFlusher(async () => {
      const s = { start: clock++, end: -1 };
      syncs.push(s);
      await new Promise((r) => setTimeout(r, 20));
      s.end = clock++;
    });
    const asked: { at: number; done: Promise<number> }[] = [];
    const ask = () => {
      const at = clock++;
      asked.push({ at, done: flush().then(() => clock++) });
    };
    ask(); // starts a sync
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 10; i++) ask(); // all while it runs: they share the next one
    await Promise.all(asked.map((a) => a.done));
    expect(syncs).toHaveLength(2);
    // Each caller was answered only after a sync that started after it asked had ended.
    for (const [i, a] of asked.entries()) {
      const covering = i === 0 ? syncs[0]! : syncs[1]!;
      expect(covering.start).toBeGreaterThanOrEqual(i === 0 ? 0 : a.at);
      expect(await a.done).toBeGreaterThan(covering.end);
    }
  });

  it('passes a failed sync on to the callers waiting for it, and syncs again for the next', async () => {
    let fail = true;
    const flush = sharedFlusher(async () => {
      if (fail) throw new Error('EIO');
    });
    await expect(flush()).rejects.toThrow('EIO');
    fail = false;
    await expect(flush()).resolves.toBeUndefined();
  });
});
