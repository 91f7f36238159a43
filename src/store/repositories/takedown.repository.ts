import type { Kysely, Selectable } from 'kysely';
import type { DB, TakedownTable } from '../schema.js';

export type TakedownRow = Selectable<TakedownTable>;

export function createTakedownRepository(db: Kysely<DB>) {
  return {
    async insert(row: TakedownRow): Promise<boolean> {
      const r = await db.insertInto('takedown').values(row).onConflict((oc) => oc.columns(['incident_id', 'url']).doNothing()).executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async update(id: string, patch: Partial<Omit<TakedownRow, 'id' | 'incident_id' | 'url'>>): Promise<void> {
      await db.updateTable('takedown').set(patch).where('id', '=', id).execute();
    },
    async find(id: string): Promise<TakedownRow | null> {
      return (await db.selectFrom('takedown').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
    },
    async findByUrl(incidentId: string, url: string): Promise<TakedownRow | null> {
      return (await db.selectFrom('takedown').selectAll().where('incident_id', '=', incidentId).where('url', '=', url).executeTakeFirst()) ?? null;
    },
    async forIncident(incidentId: string): Promise<TakedownRow[]> {
      return db.selectFrom('takedown').selectAll().where('incident_id', '=', incidentId).orderBy('reported_at').execute();
    },
    async addCheck(row: { id: string; takedown_id: string; at: string; verdict: string; outcomes: string }): Promise<void> {
      await db.insertInto('liveness_check').values(row).execute();
    },
    async checks(takedownId: string, limit = 20) {
      return db.selectFrom('liveness_check').selectAll().where('takedown_id', '=', takedownId).orderBy('at', 'desc').limit(limit).execute();
    },
  };
}
export type TakedownRepository = ReturnType<typeof createTakedownRepository>;
