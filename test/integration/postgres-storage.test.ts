import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, onPostgres, type Harness } from '../support/harness.js';

/** Migrations 0017 and 0018: on PostgreSQL the spool's raw mail is stored uncompressed and the large columns with LZ4 (SQLite: nothing to do). */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

describe.skipIf(!onPostgres())('PostgreSQL storage of large values (migration 0017)', () => {
  const column = async (table: string, name: string) =>
    (
      await sql<{ storage: string; compression: string }>`select attstorage as storage, attcompression as compression from pg_attribute
        where attrelid = ${table}::regclass and attname = ${name}`.execute(h.database.db)
    ).rows[0];

  it('stores a spooled mail as it came (no compression: the row lives for moments)', async () => {
    expect((await column('mail_spool_raw', 'raw'))?.storage).toBe('e');
  });

  it('compresses the raw original, body, metadata, search terms and small evidence with LZ4', async () => {
    const lz4 = (await sql<{ ok: boolean }>`select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'`.execute(h.database.db)).rows[0]?.ok;
    for (const [table, name] of [['report_raw', 'content'], ['report', 'body'], ['report', 'meta'], ['evidence', 'content'], ['search_doc', 'terms']] as const)
      expect((await column(table, name))?.compression, `${table}.${name}`).toBe(lz4 ? 'l' : '');
  });
});
