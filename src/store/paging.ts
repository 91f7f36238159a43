import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { DB } from './schema.js';

/**
 * Lists count their total only up to this many: beyond it the answer is
 * "1,000+" (`totalIsExact: false`). Counting 100,000 visible incidents for
 * every page would cost a full scan through the access rules; the page
 * itself never does.
 */
export const COUNT_CAP = 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any filtered query over any tables
export async function cappedCount(db: Kysely<DB>, q: SelectQueryBuilder<DB, any, object>): Promise<{ total: number; totalIsExact: boolean }> {
  const row = await db
    .selectFrom(q.select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1).as('capped'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  return n > COUNT_CAP ? { total: COUNT_CAP, totalIsExact: false } : { total: n, totalIsExact: true };
}
