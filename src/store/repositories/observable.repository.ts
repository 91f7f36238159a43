import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccessScope, Page } from '../../domain/access.js';
import type { ReportChannel, ReportStatus } from '../../domain/report.js';
import { newId } from '../../domain/ids.js';
import type { ExtractedObservable, ObservableType } from '../../domain/observables/index.js';
import { incidentVisible, reportVisible } from '../access-filter.js';
import type { DB, IncidentTable, ObservableTable } from '../schema.js';

export interface Observable extends ExtractedObservable {
  id: string;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface IncidentObservable extends Observable {
  isManual: boolean;
  /** Other incidents (visible to the actor) that share it. */
  seenInOtherIncidents: number;
}

export interface IncidentRef {
  id: string;
  number: string;
  title: string;
  status: string;
  category: string;
  tlp: string;
  createdAt: string;
}

export interface ReportRef {
  id: string;
  subject: string | null;
  channel: ReportChannel;
  receivedAt: string;
  incidentId: string | null;
  status: ReportStatus;
}

export interface Candidate {
  incidentId: string;
  shared: number;
}

const CHUNK = 500;

const INCIDENT_REF_COLUMNS = [
  'incident.id',
  'incident.number',
  'incident.title',
  'incident.status',
  'incident.category',
  'incident.tlp',
  'incident.created_at',
] as const;

const toIncidentRef = (r: Pick<IncidentTable, 'id' | 'number' | 'title' | 'status' | 'category' | 'tlp' | 'created_at'>): IncidentRef => ({
  id: r.id,
  number: r.number,
  title: r.title,
  status: r.status,
  category: r.category,
  tlp: r.tlp,
  createdAt: r.created_at,
});
const ACTIVE = ['new', 'open', 'waiting'];

export function createObservableRepository(db: Kysely<DB>) {
  return {
    /** Insert new observables, refresh `last_seen_at` of known ones; returns their ids in input order. */
    async upsertMany(observables: ExtractedObservable[], at: string): Promise<Observable[]> {
      // Rows are locked in (type, value) order, so two reports naming the same observables never deadlock.
      // Each (type, value) once: a statement may not update the same row twice (several reports of a group name it).
      const distinct = [...new Map(observables.map((o) => [`${o.type}\u0000${o.value}`, o])).values()];
      const sorted = distinct.sort((a, b) => (a.type === b.type ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.type < b.type ? -1 : 1));
      const byKey = new Map<string, Observable>();
      for (let i = 0; i < sorted.length; i += CHUNK) {
        const chunk = sorted.slice(i, i + CHUNK);
        const rows = await db
          .insertInto('observable')
          .values(
            chunk.map((o) => ({
              id: newId(),
              type: o.type,
              value: o.value,
              is_private: o.isPrivate ? 1 : 0,
              first_seen_at: at,
              last_seen_at: at,
            })),
          )
          .onConflict((oc) => oc.columns(['type', 'value']).doUpdateSet({ last_seen_at: (eb) => eb.ref('excluded.last_seen_at') }))
          .returningAll()
          .execute();
        for (const r of rows) byKey.set(`${r.type}\u0000${r.value}`, toObservable(r));
      }
      return observables.map((o) => byKey.get(`${o.type}\u0000${o.value}`)!);
    },

    async linkReports(links: { reportId: string; observableId: string }[]): Promise<void> {
      for (let i = 0; i < links.length; i += CHUNK) {
        await db
          .insertInto('report_observable')
          .values(links.slice(i, i + CHUNK).map((l) => ({ report_id: l.reportId, observable_id: l.observableId })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },

    async addToIncident(incidentId: string, observableIds: string[], isManual: boolean): Promise<void> {
      for (let i = 0; i < observableIds.length; i += CHUNK) {
        await db
          .insertInto('incident_observable')
          .values(
            observableIds
              .slice(i, i + CHUNK)
              .map((observable_id) => ({ incident_id: incidentId, observable_id, is_manual: isManual ? 1 : 0 })),
          )
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
    },

    /** Re-derive an incident's observables from its reports, keeping those added by hand. */
    async rebuildIncident(incidentId: string): Promise<void> {
      await db.deleteFrom('incident_observable').where('incident_id', '=', incidentId).where('is_manual', '=', 0).execute();
      await db
        .insertInto('incident_observable')
        .columns(['incident_id', 'observable_id', 'is_manual'])
        .expression((eb) =>
          eb
            .selectFrom('report_observable')
            .innerJoin('report', 'report.id', 'report_observable.report_id')
            .select([eb.val(incidentId).as('incident_id'), 'report_observable.observable_id', sql<number>`0`.as('is_manual')])
            .where('report.incident_id', '=', incidentId)
            .distinct(),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    },

    /** Move every observable of `fromId` to `toId` (a merge). */
    async moveIncident(fromId: string, toId: string): Promise<void> {
      await db
        .insertInto('incident_observable')
        .columns(['incident_id', 'observable_id', 'is_manual'])
        .expression((eb) =>
          eb
            .selectFrom('incident_observable')
            .select([eb.val(toId).as('incident_id'), 'observable_id', 'is_manual'])
            .where('incident_id', '=', fromId),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
      await db.deleteFrom('incident_observable').where('incident_id', '=', fromId).execute();
    },

    async find(type: ObservableType, value: string): Promise<Observable | undefined> {
      const row = await db.selectFrom('observable').selectAll().where('type', '=', type).where('value', '=', value).executeTakeFirst();
      return row && toObservable(row);
    },

    async findById(id: string): Promise<Observable | undefined> {
      const row = await db.selectFrom('observable').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toObservable(row);
    },

    async forReport(reportId: string): Promise<Observable[]> {
      const rows = await db
        .selectFrom('report_observable')
        .innerJoin('observable', 'observable.id', 'report_observable.observable_id')
        .selectAll('observable')
        .where('report_observable.report_id', '=', reportId)
        .orderBy('observable.type')
        .orderBy('observable.value')
        .execute();
      return rows.map(toObservable);
    },

    async forIncident(scope: AccessScope, incidentId: string): Promise<IncidentObservable[]> {
      const rows = await db
        .selectFrom('incident_observable as io')
        .innerJoin('observable', 'observable.id', 'io.observable_id')
        .selectAll('observable')
        .select('io.is_manual')
        .select((eb) =>
          eb
            .selectFrom('incident_observable as other')
            .innerJoin('incident', 'incident.id', 'other.incident_id')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('other.observable_id', '=', 'io.observable_id')
            .where('other.incident_id', '<>', incidentId)
            .where(incidentVisible(scope))
            .as('seen_elsewhere'),
        )
        .where('io.incident_id', '=', incidentId)
        .orderBy('observable.type')
        .orderBy('observable.value')
        .execute();
      return rows.map((r) => ({
        ...toObservable(r),
        isManual: Number(r.is_manual) === 1,
        seenInOtherIncidents: Number(r.seen_elsewhere ?? 0),
      }));
    },

    async isOnIncident(incidentId: string, observableId: string): Promise<boolean> {
      const row = await db
        .selectFrom('incident_observable')
        .select('observable_id')
        .where('incident_id', '=', incidentId)
        .where('observable_id', '=', observableId)
        .executeTakeFirst();
      return Boolean(row);
    },

    /**
     * The other visible incidents that hold the observable, newest first, one
     * page of them, and how many there are — the same count as
     * `forIncident`'s `seenInOtherIncidents`, so a pager reaches every one.
     */
    async otherIncidents(
      scope: AccessScope,
      observableId: string,
      exceptIncidentId: string,
      page: Page,
    ): Promise<{ items: IncidentRef[]; total: number }> {
      const others = db
        .selectFrom('incident_observable as io')
        .innerJoin('incident', 'incident.id', 'io.incident_id')
        .where('io.observable_id', '=', observableId)
        .where('io.incident_id', '<>', exceptIncidentId)
        .where(incidentVisible(scope));
      const [rows, count] = await Promise.all([
        others
          .select(INCIDENT_REF_COLUMNS)
          // The number breaks ties, so pages neither repeat nor skip an incident.
          .orderBy('incident.created_at', 'desc')
          .orderBy('incident.number', 'desc')
          .limit(page.limit)
          .offset(page.offset)
          .execute(),
        others.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { items: rows.map(toIncidentRef), total: Number(count.n) };
    },

    /** "Where else has this been seen": visible incidents and reports that share the observable. */
    async sightings(
      scope: AccessScope,
      observableId: string,
      limit: number,
    ): Promise<{ incidents: IncidentRef[]; incidentTotal: number; reports: ReportRef[]; reportTotal: number }> {
      const incidents = db
        .selectFrom('incident_observable as io')
        .innerJoin('incident', 'incident.id', 'io.incident_id')
        .where('io.observable_id', '=', observableId)
        .where(incidentVisible(scope));
      const reports = db
        .selectFrom('report_observable as ro')
        .innerJoin('report', 'report.id', 'ro.report_id')
        .where('ro.observable_id', '=', observableId)
        .where(reportVisible(scope));
      const [iRows, iCount, rRows, rCount] = await Promise.all([
        incidents
          .select(INCIDENT_REF_COLUMNS)
          .orderBy('incident.created_at', 'desc')
          .limit(limit)
          .execute(),
        incidents.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        reports
          .select(['report.id', 'report.subject', 'report.channel', 'report.received_at', 'report.incident_id', 'report.status'])
          .orderBy('report.received_at', 'desc')
          .limit(limit)
          .execute(),
        reports.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return {
        incidents: iRows.map(toIncidentRef),
        incidentTotal: Number(iCount.n),
        reports: rRows.map((r) => ({
          id: r.id,
          subject: r.subject,
          channel: r.channel as ReportChannel,
          receivedAt: r.received_at,
          incidentId: r.incident_id,
          status: r.status as ReportStatus,
        })),
        reportTotal: Number(rCount.n),
      };
    },

    /**
     * Active incidents sharing any of these (non-private) observables, most
     * shared first. Not scoped: candidates are stored for the report and shown
     * through the scoped `candidatesForReport`.
     */
    /**
     * Does any incident hold any of these observables? One index probe —
     * most reports name nothing an incident holds, and then the candidate
     * query (a join with its GROUP BY and ORDER BY sorts) is not needed.
     */
    async anyHeldByIncidents(observableIds: string[]): Promise<boolean> {
      for (let i = 0; i < observableIds.length; i += CHUNK) {
        const held = await db.selectFrom('incident_observable').select('incident_id').where('observable_id', 'in', observableIds.slice(i, i + CHUNK)).limit(1).executeTakeFirst();
        if (held) return true;
      }
      return false;
    },

    async candidateIncidents(observableIds: string[], limit = 10): Promise<Candidate[]> {
      if (observableIds.length === 0) return [];
      const ids = observableIds.slice(0, 5000);
      const rows = await db
        .selectFrom('incident_observable as io')
        .innerJoin('incident', 'incident.id', 'io.incident_id')
        .innerJoin('observable', 'observable.id', 'io.observable_id')
        .select(['io.incident_id', (eb) => eb.fn.countAll<number>().as('shared')])
        .where('io.observable_id', 'in', ids)
        .where('observable.is_private', '=', 0)
        .where('incident.status', 'in', ACTIVE)
        .where('incident.merged_into', 'is', null)
        .groupBy('io.incident_id')
        .orderBy('shared', 'desc')
        .orderBy('io.incident_id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ incidentId: r.incident_id, shared: Number(r.shared) }));
    },

    async saveCandidates(reportId: string, candidates: Candidate[], at: string): Promise<void> {
      await db.deleteFrom('report_candidate').where('report_id', '=', reportId).execute();
      if (candidates.length)
        await db
          .insertInto('report_candidate')
          .values(candidates.map((c) => ({ report_id: reportId, incident_id: c.incidentId, shared: c.shared, created_at: at })))
          .execute();
    },

    async candidatesForReport(scope: AccessScope, reportId: string): Promise<(IncidentRef & { shared: number })[]> {
      const rows = await db
        .selectFrom('report_candidate as rc')
        .innerJoin('incident', 'incident.id', 'rc.incident_id')
        .select([...INCIDENT_REF_COLUMNS, 'rc.shared'])
        .where('rc.report_id', '=', reportId)
        .where(incidentVisible(scope))
        .orderBy('rc.shared', 'desc')
        .execute();
      return rows.map((r) => ({ ...toIncidentRef(r), shared: Number(r.shared) }));
    },

    async count(): Promise<number> {
      const row = await db.selectFrom('observable').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
export type ObservableRepository = ReturnType<typeof createObservableRepository>;

function toObservable(r: Selectable<ObservableTable>): Observable {
  return {
    id: r.id,
    type: r.type as ObservableType,
    value: r.value,
    isPrivate: Number(r.is_private) === 1,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
  };
}
