import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import * as m0001 from '../../src/store/migrations/0001-core.js';
import * as m0002 from '../../src/store/migrations/0002-accounts.js';
import * as m0003 from '../../src/store/migrations/0003-evidence.js';
import * as m0004 from '../../src/store/migrations/0004-coordination.js';
import * as m0005 from '../../src/store/migrations/0005-registry.js';
import * as m0006 from '../../src/store/migrations/0006-takedown.js';
import * as m0007 from '../../src/store/migrations/0007-incident-merged-index.js';
import * as m0008 from '../../src/store/migrations/0008-incident-steering.js';
import * as m0009 from '../../src/store/migrations/0009-evidence-custody.js';
import * as m0010 from '../../src/store/migrations/0010-report-origin.js';
import * as m0011 from '../../src/store/migrations/0011-playbooks-rules.js';
import * as m0012 from '../../src/store/migrations/0012-incident-share-copies.js';
import type { IncidentTable } from '../../src/store/schema.js';
import { onPostgres } from '../support/harness.js';
import { emptyDatabase } from '../support/empty-database.js';
import { incidentRow } from '../../bench/workload.js';

const incident = (id: string, createdAt: string, tlp: string, mergedInto: string | null = null): IncidentTable =>
  incidentRow(id, 0, createdAt, { number: `RK-2026-${id}`, title: id, tlp, status: mergedInto ? 'closed' : 'open', merged_into: mergedInto, created_by: 'test' });

describe('migration 0012', () => {
  it("gives the shares made before it copies of their incident's created_at, TLP and merge, and keeps them equal after", async () => {
    const { database, drop } = await emptyDatabase();
    const dialect = onPostgres() ? 'postgres' : 'sqlite';
    const db = database.db;
    try {
      for (const m of [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011]) await m.up(db, dialect);
      const at = '2026-01-05T01:02:03.000Z';
      for (const id of ['org-a', 'org-b'])
        await db.insertInto('organisation').values({ id, name: id, name_key: id, kind: 'csirt', country: null, trust_level: 'normal', notes: null, created_at: at, updated_at: at }).execute();
      await db
        .insertInto('incident')
        .values([
          incident('i1', '2026-01-01T00:00:00.000Z', 'GREEN'),
          incident('i2', '2026-01-02T00:00:00.000Z', 'RED'),
          incident('i3', '2026-01-03T00:00:00.000Z', 'AMBER', 'i1'),
          incident('i4', '2026-01-04T00:00:00.000Z', 'CLEAR'),
        ])
        .execute();
      // As the table was at 0011.
      await sql`insert into incident_share (incident_id, organisation_id) values ('i1', 'org-a'), ('i1', 'org-b'), ('i2', 'org-a'), ('i3', 'org-a')`.execute(db);

      await m0012.up(db, dialect);
      const shares = () =>
        db.selectFrom('incident_share').select(['incident_id', 'organisation_id', 'created_at', 'tlp', 'merged_into']).orderBy('incident_id').orderBy('organisation_id').execute();
      expect(await shares()).toEqual([
        { incident_id: 'i1', organisation_id: 'org-a', created_at: '2026-01-01T00:00:00.000Z', tlp: 'GREEN', merged_into: null },
        { incident_id: 'i1', organisation_id: 'org-b', created_at: '2026-01-01T00:00:00.000Z', tlp: 'GREEN', merged_into: null },
        { incident_id: 'i2', organisation_id: 'org-a', created_at: '2026-01-02T00:00:00.000Z', tlp: 'RED', merged_into: null },
        { incident_id: 'i3', organisation_id: 'org-a', created_at: '2026-01-03T00:00:00.000Z', tlp: 'AMBER', merged_into: 'i1' },
      ]);

      // Whoever changes an incident, its shares follow; other incidents' shares do not move.
      await db.updateTable('incident').set({ tlp: 'AMBER+STRICT', merged_into: 'i4' }).where('id', '=', 'i1').execute();
      await db.updateTable('incident').set({ tlp: 'GREEN', created_at: '2026-02-02T00:00:00.000Z' }).where('id', '=', 'i2').execute();
      await db.updateTable('incident').set({ merged_into: null, title: 'unmerged' }).where('id', '=', 'i3').execute();
      await db.updateTable('incident').set({ title: 'unrelated' }).where('id', '=', 'i4').execute();
      expect((await shares()).map((s) => [s.incident_id, s.organisation_id, s.created_at, s.tlp, s.merged_into])).toEqual([
        ['i1', 'org-a', '2026-01-01T00:00:00.000Z', 'AMBER+STRICT', 'i4'],
        ['i1', 'org-b', '2026-01-01T00:00:00.000Z', 'AMBER+STRICT', 'i4'],
        ['i2', 'org-a', '2026-02-02T00:00:00.000Z', 'GREEN', null],
        ['i3', 'org-a', '2026-01-03T00:00:00.000Z', 'AMBER', null],
      ]);

      // The copies the list relies on cannot be left out.
      await expect(sql`insert into incident_share (incident_id, organisation_id, created_at) values ('i4', 'org-a', ${at})`.execute(db)).rejects.toThrow();
      await expect(sql`insert into incident_share (incident_id, organisation_id, tlp) values ('i4', 'org-a', 'CLEAR')`.execute(db)).rejects.toThrow();
      // The primary key and the foreign keys survived the rebuild on SQLite.
      await expect(sql`insert into incident_share (incident_id, organisation_id, created_at, tlp) values ('i1', 'org-a', ${at}, 'GREEN')`.execute(db)).rejects.toThrow();
      await expect(sql`insert into incident_share (incident_id, organisation_id, created_at, tlp) values ('nope', 'org-a', ${at}, 'GREEN')`.execute(db)).rejects.toThrow();
      const indexes =
        dialect === 'postgres'
          ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'incident_share'`.execute(db)
          : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'incident_share' and name not like 'sqlite_autoindex%'`.execute(db);
      expect(indexes.rows.map((r) => r.name).sort()).toEqual(
        dialect === 'postgres' ? ['incident_share_org', 'incident_share_org_created', 'incident_share_pk'] : ['incident_share_org', 'incident_share_org_created'],
      );
    } finally {
      await drop();
    }
  });
});
