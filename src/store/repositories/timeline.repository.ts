import type { Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { TimelineAction, TimelineEntry, TimelineEntryInput, TimelineEntryView } from '../../domain/timeline.js';
import type { DB } from '../schema.js';
import type { Page } from '../../domain/access.js';

/** Append-only: there is no update or delete here, and the database refuses both (see migration 0001). */
export function createTimelineRepository(db: Kysely<DB>, clock: () => Date) {
  return {
    async append(entries: TimelineEntryInput[]): Promise<TimelineEntry[]> {
      if (entries.length === 0) return [];
      const at = clock().toISOString();
      const rows = entries.map((e) => ({
        id: newId(),
        incident_id: e.incidentId,
        report_id: e.reportId,
        at: e.at ?? at,
        actor: e.actor,
        action: e.action,
        changes: JSON.stringify(e.changes),
        note: e.note,
      }));
      // Chunked: SQLite allows at most 32,766 bound parameters per statement.
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('timeline_entry').values(rows.slice(i, i + 500)).execute();
      return rows.map(toEntry);
    },

    /**
     * Oldest first (by time, then by order of writing), optionally one page of
     * them, each with the display name of the account that wrote it (one
     * query: the account table joined; null for Renkei's own `system:…` actors).
     */
    async forIncident(incidentIds: string[], page?: Page): Promise<TimelineEntryView[]> {
      if (incidentIds.length === 0) return [];
      let q = withActorName()
        .where('timeline_entry.incident_id', 'in', incidentIds)
        .orderBy('timeline_entry.at')
        .orderBy('timeline_entry.seq');
      if (page) q = q.limit(page.limit).offset(page.offset);
      return (await q.execute()).map(toView);
    },

    async countForIncident(incidentIds: string[]): Promise<number> {
      if (incidentIds.length === 0) return 0;
      const row = await db
        .selectFrom('timeline_entry')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('incident_id', 'in', incidentIds)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async forReport(reportId: string): Promise<TimelineEntryView[]> {
      const rows = await withActorName().where('timeline_entry.report_id', '=', reportId).orderBy('timeline_entry.seq').execute();
      return rows.map(toView);
    },
  };

  /** Entries with their actor's display name: a left join, so entries by `system:…` actors (no account) stay. */
  function withActorName() {
    return db
      .selectFrom('timeline_entry')
      .leftJoin('account', 'account.id', 'timeline_entry.actor')
      .selectAll('timeline_entry')
      .select('account.display_name as actor_name');
  }
}
export type TimelineRepository = ReturnType<typeof createTimelineRepository>;

function toEntry(r: {
  id: string;
  incident_id: string | null;
  report_id: string | null;
  at: string;
  actor: string;
  action: string;
  changes: string;
  note: string | null;
}): TimelineEntry {
  return {
    id: r.id,
    incidentId: r.incident_id,
    reportId: r.report_id,
    at: r.at,
    actor: r.actor,
    action: r.action as TimelineAction,
    changes: JSON.parse(r.changes) as Record<string, unknown>,
    note: r.note,
  };
}

function toView(r: Parameters<typeof toEntry>[0] & { actor_name: string | null }): TimelineEntryView {
  return { ...toEntry(r), actorName: r.actor_name };
}
