import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccessScope, Page, PageResult } from '../../domain/access.js';
import type { BrandOrigin, BrandSector, Incident } from '../../domain/incident.js';
import type { IncidentStatus } from '../../domain/incident-lifecycle.js';
import type { Category, Priority, Severity } from '../../domain/taxonomy.js';
import type { Tlp } from '../../domain/tlp.js';
import { incidentVisible } from '../access-filter.js';
import type { DB, IncidentTable } from '../schema.js';
import type { DialectName } from '../database.js';
import type { QueryTerm } from '../../domain/search-terms.js';
import { textMatch } from './search.repository.js';
import { cappedCount } from '../paging.js';

export const INCIDENT_SORTS = ['createdAt', 'updatedAt', 'number', 'title', 'slaDueAt'] as const;
export type IncidentSort = (typeof INCIDENT_SORTS)[number];
const SORT_COLUMN = { createdAt: 'created_at', updatedAt: 'updated_at', number: 'number', title: 'title', slaDueAt: 'sla_due_at' } as const;

export interface IncidentListFilter {
  status?: IncidentStatus[];
  category?: Category[];
  tlp?: Tlp[];
  severity?: Severity[];
  priority?: Priority[];
  owner?: string;
  constituency?: string;
  createdFrom?: string;
  createdTo?: string;
  /** Incidents that share this observable. */
  observableId?: string;
  organisationId?: string;
  includeMerged?: boolean;
  /** Incidents whose next SLA clock falls due before this instant (overdue ones included): "due soon". */
  slaDueBefore?: string;
  /** true: only exercises; false: none. */
  exercise?: boolean;
  /** Full-text phrases (domain/search-terms.ts), all required. */
  text?: QueryTerm[][];
}

type IncidentRow = Omit<Incident, 'organisationIds'>;

export function createIncidentRepository(db: Kysely<DB>, dialect: DialectName) {
  const withOrganisations = async (rows: Selectable<IncidentTable>[]): Promise<Incident[]> => {
    if (rows.length === 0) return [];
    const links = await db
      .selectFrom('incident_organisation')
      .select(['incident_id', 'organisation_id'])
      .where(
        'incident_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('organisation_id')
      .execute();
    return rows.map((row) => ({
      ...toIncident(row),
      organisationIds: links.filter((l) => l.incident_id === row.id).map((l) => l.organisation_id),
    }));
  };

  return {
    /** Next number of the year: one row per (prefix, year), incremented atomically on both databases. */
    async nextSequence(prefix: string, year: number): Promise<number> {
      const row = await db
        .insertInto('incident_counter')
        .values({ prefix, year, last: 1 })
        .onConflict((oc) => oc.columns(['prefix', 'year']).doUpdateSet({ last: sql`incident_counter.last + 1` }))
        .returning('last')
        .executeTakeFirstOrThrow();
      return Number(row.last);
    },

    async insert(incident: Incident): Promise<void> {
      await db.insertInto('incident').values(toRow(incident)).execute();
      await this.setOrganisations(incident.id, incident.organisationIds);
    },

    /**
     * Write the new state if nobody changed the incident since `expectedVersion`.
     * Returns false on a lost race; the service answers CONFLICT.
     */
    async update(incident: Incident, expectedVersion: number): Promise<boolean> {
      const { id: _id, number: _n, created_at: _c, created_by: _b, ...rest } = toRow(incident);
      const result = await db
        .updateTable('incident')
        .set(rest)
        .where('id', '=', incident.id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await this.setOrganisations(incident.id, incident.organisationIds);
      return true;
    },

    async setOrganisations(incidentId: string, organisationIds: string[]): Promise<void> {
      await db.deleteFrom('incident_organisation').where('incident_id', '=', incidentId).execute();
      if (organisationIds.length)
        await db
          .insertInto('incident_organisation')
          .values([...new Set(organisationIds)].map((organisation_id) => ({ incident_id: incidentId, organisation_id })))
          .execute();
    },

    /** With `lock` inside a transaction on PostgreSQL, the row stays locked until commit (SQLite has one writer anyway). */
    async findById(scope: AccessScope, id: string, lock = false): Promise<Incident | undefined> {
      // Lock without the visibility rule, then read with it (see report.repository findManyById).
      if (lock && dialect === 'postgres') await db.selectFrom('incident').select('id').where('id', '=', id).forUpdate().execute();
      const row = await db.selectFrom('incident').selectAll().where('id', '=', id).where(incidentVisible(scope)).executeTakeFirst();
      return row ? (await withOrganisations([row]))[0] : undefined;
    },

    async findByNumber(scope: AccessScope, number: string, lock = false): Promise<Incident | undefined> {
      if (lock && dialect === 'postgres') await db.selectFrom('incident').select('id').where('number', '=', number).forUpdate().execute();
      const row = await db.selectFrom('incident').selectAll().where('number', '=', number).where(incidentVisible(scope)).executeTakeFirst();
      return row ? (await withOrganisations([row]))[0] : undefined;
    },

    async findManyById(scope: AccessScope, ids: string[]): Promise<Incident[]> {
      if (ids.length === 0) return [];
      const rows = await db.selectFrom('incident').selectAll().where('id', 'in', ids).where(incidentVisible(scope)).execute();
      return withOrganisations(rows);
    },

    async list(
      scope: AccessScope,
      filter: IncidentListFilter,
      sort: { by: IncidentSort; direction: 'asc' | 'desc' },
      page: Page,
    ): Promise<PageResult<Incident>> {
      let q = db.selectFrom('incident').where(incidentVisible(scope));
      if (!filter.includeMerged) q = q.where('merged_into', 'is', null);
      if (filter.status?.length) q = q.where('status', 'in', filter.status);
      if (filter.category?.length) q = q.where('category', 'in', filter.category);
      if (filter.tlp?.length) q = q.where('tlp', 'in', filter.tlp);
      if (filter.severity?.length) q = q.where('severity', 'in', filter.severity);
      if (filter.priority?.length) q = q.where('priority', 'in', filter.priority);
      if (filter.owner) q = q.where('owner', '=', filter.owner);
      if (filter.constituency) q = q.where('constituency', '=', filter.constituency);
      if (filter.createdFrom) q = q.where('created_at', '>=', filter.createdFrom);
      if (filter.createdTo) q = q.where('created_at', '<', filter.createdTo);
      if (filter.slaDueBefore) q = q.where('sla_due_at', '<', filter.slaDueBefore);
      if (filter.exercise !== undefined) q = q.where('exercise', '=', filter.exercise ? 1 : 0);
      if (filter.observableId) {
        const observableId = filter.observableId;
        q = q.where('id', 'in', (eb) =>
          eb.selectFrom('incident_observable').select('incident_id').where('observable_id', '=', observableId),
        );
      }
      if (filter.text?.length) q = q.where(textMatch(dialect, 'incident', 'incident.id', filter.text));
      if (filter.organisationId) {
        const organisationId = filter.organisationId;
        q = q.where('id', 'in', (eb) =>
          eb.selectFrom('incident_organisation').select('incident_id').where('organisation_id', '=', organisationId),
        );
      }
      const [rows, count] = await Promise.all([
        q
          .selectAll()
          // Both databases put incidents without a due time last when sorting by it.
          .$if(sort.by === 'slaDueAt', (qb) => qb.orderBy(sql`sla_due_at is null`))
          .orderBy(SORT_COLUMN[sort.by], sort.direction)
          .orderBy('id', sort.direction)
          .limit(page.limit)
          .offset(page.offset)
          .execute(),
        cappedCount(db, q),
      ]);
      return { items: await withOrganisations(rows), ...count, ...page };
    },

    /** Who is named on the incident's access list, and which organisations it was shared with. */
    async accessOf(incidentId: string): Promise<{ accessList: string[]; sharedWith: string[] }> {
      const [access, shares] = await Promise.all([
        db.selectFrom('incident_access').select('account_id').where('incident_id', '=', incidentId).orderBy('account_id').execute(),
        db.selectFrom('incident_share').select('organisation_id').where('incident_id', '=', incidentId).orderBy('organisation_id').execute(),
      ]);
      return { accessList: access.map((a) => a.account_id), sharedWith: shares.map((s) => s.organisation_id) };
    },

    async setAccessList(incidentId: string, accountIds: string[]): Promise<void> {
      await db.deleteFrom('incident_access').where('incident_id', '=', incidentId).execute();
      if (accountIds.length)
        await db
          .insertInto('incident_access')
          .values([...new Set(accountIds)].map((account_id) => ({ incident_id: incidentId, account_id })))
          .execute();
    },

    async addToAccessList(incidentId: string, accountId: string): Promise<void> {
      await db
        .insertInto('incident_access')
        .values({ incident_id: incidentId, account_id: accountId })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },

    async setShares(incidentId: string, organisationIds: string[]): Promise<void> {
      await db.deleteFrom('incident_share').where('incident_id', '=', incidentId).execute();
      if (organisationIds.length)
        await db
          .insertInto('incident_share')
          .values([...new Set(organisationIds)].map((organisation_id) => ({ incident_id: incidentId, organisation_id })))
          .execute();
    },

    /** The SLA service's note of when the incident's next clock falls due (not a change of the incident: no version bump). */
    async setSlaDue(id: string, dueAt: string | null): Promise<void> {
      await db.updateTable('incident').set({ sla_due_at: dueAt }).where('id', '=', id).execute();
    },

    /** Incidents merged into this one (their reports and observables moved here). */
    async mergedInto(scope: AccessScope, id: string): Promise<string[]> {
      const rows = await db
        .selectFrom('incident')
        .select('id')
        .where('merged_into', '=', id)
        .where(incidentVisible(scope))
        .orderBy('created_at')
        .execute();
      return rows.map((r) => r.id);
    },
  };
}
export type IncidentRepository = ReturnType<typeof createIncidentRepository>;

/** The row without `sla_due_at`, which only the SLA service writes (setSlaDue). */
function toRow(i: Incident): Omit<IncidentTable, 'sla_due_at'> {
  return {
    id: i.id,
    number: i.number,
    title: i.title,
    summary: i.summary,
    category: i.category,
    severity: i.severity,
    priority: i.priority,
    tlp: i.tlp,
    status: i.status,
    constituency: i.constituency,
    owner: i.owner,
    occurred_at: i.fiveW1H.occurredAt,
    detected_at: i.fiveW1H.detectedAt,
    reported_at: i.fiveW1H.reportedAt,
    vector: i.fiveW1H.vector,
    impact: i.fiveW1H.impact,
    affected_assets: i.fiveW1H.affectedAssets,
    threat_actor: i.fiveW1H.actor,
    motive: i.fiveW1H.motive,
    merged_into: i.mergedInto,
    created_at: i.createdAt,
    created_by: i.createdBy,
    updated_at: i.updatedAt,
    resolved_at: i.resolvedAt,
    closed_at: i.closedAt,
    version: i.version,
    decision_owner: i.decisionOwner,
    decided_scope: i.scope,
    exercise: i.exercise ? 1 : 0,
    legal_hold: i.legalHold ? 1 : 0,
    brand_name: i.brandName,
    brand_sector: i.brandSector,
    brand_origin: i.brandOrigin,
  };
}

function toIncident(r: Selectable<IncidentTable>): IncidentRow {
  return {
    id: r.id,
    number: r.number,
    title: r.title,
    summary: r.summary,
    category: r.category as Category,
    severity: r.severity as Severity,
    priority: r.priority as Priority,
    tlp: r.tlp as Tlp,
    status: r.status as IncidentStatus,
    constituency: r.constituency,
    owner: r.owner,
    fiveW1H: {
      occurredAt: r.occurred_at,
      detectedAt: r.detected_at,
      reportedAt: r.reported_at,
      vector: r.vector,
      impact: r.impact,
      affectedAssets: r.affected_assets,
      actor: r.threat_actor,
      motive: r.motive,
    },
    decisionOwner: r.decision_owner,
    scope: r.decided_scope,
    exercise: Boolean(Number(r.exercise)),
    legalHold: Boolean(Number(r.legal_hold)),
    brandName: r.brand_name,
    brandSector: r.brand_sector as BrandSector | null,
    brandOrigin: r.brand_origin as BrandOrigin | null,
    slaDueAt: r.sla_due_at,
    mergedInto: r.merged_into,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    resolvedAt: r.resolved_at,
    closedAt: r.closed_at,
    version: Number(r.version),
  };
}
