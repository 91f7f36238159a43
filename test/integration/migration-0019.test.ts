import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrate.js';
import { onPostgres } from '../support/harness.js';
import { emptyDatabase } from '../support/empty-database.js';

describe('migration 0019', () => {
  it('gives mails held before it the reason their state implies, and can run twice', async () => {
    const { database, drop } = await emptyDatabase();
    const dialect = onPostgres() ? 'postgres' : 'sqlite';
    const db = database.db;
    try {
      for (const [name, m] of Object.entries(MIGRATIONS)) if (name < '0019') await m.up(db, dialect);
      const at = '2026-11-27T01:00:00.000Z';
      const spooled = [
        ['tried', 16, 1, 'the reader fell over'],
        ['missing', 1, 1, 'its bytes are missing from the spool (mail_spool_raw)'],
        ['refused', 1, 1, 'the message is larger than 26214400 bytes'],
        ['waiting', 3, 0, 'the database is away'],
      ] as const;
      for (const [id, attempts, held, error] of spooled)
        await sql`insert into mail_spool (id, received_at, envelope, route, size, attempts, next_attempt_at, held, last_error) values (${id}, ${at}, '{}', null, 10, ${attempts}, ${at}, ${held}, ${error})`.execute(db);

      await MIGRATIONS['0019-mail-spool-held-reason']!.up(db, dialect);
      // Run again (a process that stopped before recording it): the column is there, and nothing changes.
      await MIGRATIONS['0019-mail-spool-held-reason']!.up(db, dialect);
      const rows = await db.selectFrom('mail_spool').select(['id', 'held_reason', 'last_error']).orderBy('id').execute();
      expect(rows.map((r) => [r.id, r.held_reason])).toEqual([['missing', 'bytes-missing'], ['refused', 'refused'], ['tried', 'attempts'], ['waiting', null]]);
      // The server's words stay beside the code.
      expect(rows.find((r) => r.id === 'refused')!.last_error).toBe('the message is larger than 26214400 bytes');
    } finally {
      await drop();
    }
  });
});
