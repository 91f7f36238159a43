import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * Query plans SQLite picks without statistics (Renkei never runs ANALYZE):
 * the incident list's `merged_into is null` must not be answered from the
 * merged-into index — that sorted all 100,000 incidents for one page (150 ms;
 * migration 0013) — while "merged into this one" still uses it.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const plan = async (query: ReturnType<typeof sql>) =>
  (await sql`explain query plan ${query}`.execute(h.database.db)).rows.map((r) => (r as { detail: string }).detail).join('\n');

describe.skipIf(process.env.DATABASE_URL)('SQLite plans for incident lists', () => {
  it('pages the newest incidents from the created_at index, not the merged-into one', async () => {
    const p = await plan(sql`select * from incident where merged_into is null order by created_at desc, id desc limit 50`);
    expect(p).not.toMatch(/incident_merged_into/);
    expect(p).toMatch(/incident_created/);
  });

  it('pages "recently changed" from the updated_at index (migration 0014)', async () => {
    const p = await plan(sql`select * from incident where merged_into is null order by updated_at desc, id desc limit 50`);
    expect(p).toMatch(/incident_updated/);
    expect(p).not.toMatch(/TEMP B-TREE/);
  });

  it('pages "SLA due soon" from the index on the due time, incidents without one last (migration 0014)', async () => {
    const p = await plan(sql`select * from incident where merged_into is null order by sla_due_at is null, sla_due_at asc, id asc limit 50`);
    expect(p).toMatch(/incident_sla_order/);
    expect(p).not.toMatch(/TEMP B-TREE/);
  });

  it('finds the incidents merged into one by the index', async () => {
    expect(await plan(sql`select id from incident where merged_into = ${'x'}`)).toMatch(/USING INDEX incident_merged_into/);
  });
});
