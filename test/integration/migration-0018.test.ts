import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrate.js';
import { onPostgres } from '../support/harness.js';
import { emptyDatabase } from '../support/empty-database.js';

describe('migration 0018', () => {
  it("moves the bytes of mails spooled before it to mail_spool_raw, which go with their row", async () => {
    const { database, drop } = await emptyDatabase();
    const dialect = onPostgres() ? 'postgres' : 'sqlite';
    const db = database.db;
    try {
      for (const [name, m] of Object.entries(MIGRATIONS)) if (name < '0018') await m.up(db, dialect);
      const at = '2026-11-27T01:00:00.000Z';
      const bytes = (n: number) => Buffer.from(`Subject: mail ${n}\r\n\r\n${'x'.repeat(n * 1000)}\u00ff`, 'latin1');
      // As the table was at 0017: the bytes in the row.
      for (const n of [1, 2, 3])
        await sql`insert into mail_spool (id, received_at, envelope, route, size, raw, attempts, next_attempt_at, held) values (${`m${n}`}, ${at}, '{}', null, ${bytes(n).length}, ${bytes(n)}, ${n - 1}, ${at}, ${n === 3 ? 1 : 0})`.execute(db);

      await MIGRATIONS['0018-mail-spool-bytes']!.up(db, dialect);
      // Run again (a process that stopped after the move and before recording it): nothing to move, nothing lost.
      await MIGRATIONS['0018-mail-spool-bytes']!.up(db, dialect);
      const raws = await db.selectFrom('mail_spool_raw').select(['id', 'raw']).orderBy('id').execute();
      expect(raws.map((r) => [r.id, Buffer.from(r.raw).equals(bytes(Number(r.id.slice(1))))])).toEqual([['m1', true], ['m2', true], ['m3', true]]);
      const rows = await db.selectFrom('mail_spool').selectAll().orderBy('id').execute();
      expect(rows.map((r) => [r.id, r.size, r.attempts, Number(r.held)])).toEqual([['m1', bytes(1).length, 0, 0], ['m2', bytes(2).length, 1, 0], ['m3', bytes(3).length, 2, 1]]);
      expect(Object.keys(rows[0]!)).not.toContain('raw');

      // The bytes go with their row, and cannot be there without one.
      await db.deleteFrom('mail_spool').where('id', '=', 'm2').execute();
      expect((await db.selectFrom('mail_spool_raw').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(['m1', 'm3']);
      await expect(db.insertInto('mail_spool_raw').values({ id: 'nobody', raw: Buffer.from('x') }).execute()).rejects.toThrow();
    } finally {
      await drop();
    }
  });
});
