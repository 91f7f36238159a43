import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrate.js';
import { onPostgres } from '../support/harness.js';
import { emptyDatabase } from '../support/empty-database.js';

describe('migration 0020', () => {
  it('gives the reports stored before it no report they answer, and can run twice', async () => {
    const { database, drop } = await emptyDatabase();
    const dialect = onPostgres() ? 'postgres' : 'sqlite';
    const db = database.db;
    try {
      for (const [name, m] of Object.entries(MIGRATIONS)) if (name < '0020') await m.up(db, dialect);
      const at = '2026-11-27T01:00:00.000Z';
      await sql`insert into report (id, channel, source_ref, body, received_at, created_at, created_by, status, tlp, meta) values ('01a00000-0000-7000-8000-000000000001', 'email', '<old@example.jp>', 'stored before', ${at}, ${at}, 'system:smtp', 'new', 'AMBER', '{}')`.execute(db);

      await MIGRATIONS['0020-report-reply-to']!.up(db, dialect);
      // Run again (a process that stopped before recording it): the column and its index are there, nothing changes.
      await MIGRATIONS['0020-report-reply-to']!.up(db, dialect);
      const rows = await sql<{ id: string; reply_to: string | null }>`select id, reply_to from report`.execute(db);
      expect(rows.rows).toEqual([{ id: '01a00000-0000-7000-8000-000000000001', reply_to: null }]);
      await sql`update report set reply_to = 'x' where id = '01a00000-0000-7000-8000-000000000001'`.execute(db);
      expect((await sql<{ n: number }>`select count(*) as n from report where reply_to = 'x'`.execute(db)).rows.map((r) => Number(r.n))).toEqual([1]);
    } finally {
      await drop();
    }
  });
});
