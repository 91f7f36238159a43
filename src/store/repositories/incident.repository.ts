import { expressionBuilder, sql, type Expression, type Kysely, type Selectable, type SelectQueryBuilder, type SqlBool } from 'kysely';
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
import { COUNT_CAP, cappedCount } from '../paging.js';

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

  /**
   * `list` for a scope that sees incidents only through their sharing with its
   * organisation and its own access list (a partner, see `sharesOnly`): the
   * same rows, order and count as the generic query, but driven from the
   * organisation's shares instead of testing every incident against the set of
   * all shared ids (which PostgreSQL builds in full for each query: ~3 ms at
   * 10,000 shares, for the page and again for the count).
   *
   * The visible incidents are two disjoint sets: those shared with the
   * organisation under a label it may see, and those on the access list that
   * are not in the first (few: the list is per person). A share carries copies
   * of its incident's `created_at`, `tlp` and `merged_into` (migration 0012;
   * a trigger keeps them equal to the incident's), so the first set is walked
   * in `created_at, id` order on one index of `incident_share` — a page reads
   * about offset + limit shares, as the generic query reads as many incidents —
   * and, unless a filter needs more of the incident, counted on it alone.
   * Both sets are counted; when the second is empty (most partners are on no
   * access list) the page is the first set's, else it is the merge of both
   * sets' first offset + limit, in SQL.
   *
   * The rule here is `incidentCondition` of store/access-filter.ts for such a
   * scope, written another way: a change to one is a change to both
   * (test/integration/partner-list.test.ts compares them).
   */
  const listShared = async (
    scope: SharesScope,
    filter: IncidentListFilter,
    conditions: ListCondition[],
    sort: { by: IncidentSort; direction: 'asc' | 'desc' },
    page: Page,
  ): Promise<PageResult<Incident>> => {
    const { accountId, organisationId, sharedTlp } = scope;
    // The shares, with the filters their copies answer; and their incidents, with every filter.
    let shares = db.selectFrom('incident_share as s').where('s.organisation_id', '=', organisationId).where('s.tlp', 'in', sharedTlp);
    if (!filter.includeMerged) shares = shares.where('s.merged_into', 'is', null);
    if (filter.tlp?.length) shares = shares.where('s.tlp', 'in', filter.tlp);
    if (filter.createdFrom) shares = shares.where('s.created_at', '>=', filter.createdFrom);
    if (filter.createdTo) shares = shares.where('s.created_at', '<', filter.createdTo);
    const shared = conditions.reduce((q, { condition }) => q.where(condition), shares.innerJoin('incident', 'incident.id', 's.incident_id'));
    // The access list, less what the shares already give.
    const listed = conditions.reduce(
      (q, { condition }) => q.where(condition),
      db
        .selectFrom('incident_access as a')
        .innerJoin('incident', 'incident.id', 'a.incident_id')
        .where('a.account_id', '=', accountId)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('incident_share as s2')
                .select(sql<number>`1`.as('one'))
                .whereRef('s2.incident_id', '=', 'incident.id')
                .where('s2.organisation_id', '=', organisationId)
                .where('s2.tlp', 'in', sharedTlp),
            ),
          ),
        ),
    );
    // Both counted up to the cap in one statement: n = shared + listed, capped as cappedCount caps one query.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- either part, whatever its tables
    const upToCap = (q: SelectQueryBuilder<DB, any, object>) =>
      db
        .selectFrom(q.select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1).as('capped'))
        .select((eb) => eb.fn.countAll<number>().as('n'));
    const counted = db
      .selectNoFrom([upToCap(conditions.every((c) => c.onShareCopies) ? shares : shared).as('shared'), upToCap(listed).as('listed')])
      .executeTakeFirstOrThrow()
      .then((r) => ({ shared: Number(r.shared), listed: Number(r.listed) }));
    const total = counted.then(({ shared: a, listed: b }) => (a + b > COUNT_CAP ? { total: COUNT_CAP, totalIsExact: false } : { total: a + b, totalIsExact: true }));
    if (sort.by !== 'createdAt') {
      // No index orders the shares otherwise: the generic page.
      const [rows, n] = await Promise.all([genericPage(scope.scope, conditions, sort, page), total]);
      return { items: await withOrganisations(rows), ...n, ...page };
    }
    const sharedPage = shared
      .selectAll('incident')
      .select(sql.lit(1).as('via_share'))
      .orderBy('s.created_at', sort.direction)
      .orderBy('s.incident_id', sort.direction)
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    // Awaited below, once the counts say whether it is the page: until then a failure is not unhandled.
    sharedPage.catch(() => undefined);
    const [{ listed: onList }, n] = await Promise.all([counted, total]);
    // (When the access list adds incidents, the shares' page was read for nothing: a rare case, one query more.)
    const rows = onList === 0 ? await sharedPage : await mergedPage();
    // The label a share was chosen by is the incident's own (the trigger sees to it); should it ever not be, the
    // incident is left out rather than shown.
    const items = rows.filter((row) => !Number(row.via_share) || sharedTlp.includes(row.tlp as Tlp));
    return { items: await withOrganisations(items), ...n, ...page };

    /** Both sets' first offset + limit in order, merged (PostgreSQL does not carry the order of the parts of a union into the union). */
    function mergedPage() {
      const window = page.offset + page.limit;
      const sharedFirst = shared
        .select(['s.incident_id as id', 's.created_at as sort_at', sql.lit(1).as('via_share')])
        .orderBy('sort_at', sort.direction)
        .orderBy('id', sort.direction)
        .limit(window);
      const listedFirst = listed
        .select(['incident.id as id', 'incident.created_at as sort_at', sql.lit(0).as('via_share')])
        .orderBy('sort_at', sort.direction)
        .orderBy('id', sort.direction)
        .limit(window);
      return db
        .selectFrom(
          db
            .selectFrom(db.selectFrom(sharedFirst.as('part')).selectAll().unionAll(db.selectFrom(listedFirst.as('part')).selectAll()).as('visible'))
            .selectAll()
            .orderBy('visible.sort_at', sort.direction)
            .orderBy('visible.id', sort.direction)
            .limit(page.limit)
            .offset(page.offset)
            .as('page'),
        )
        .innerJoin('incident', 'incident.id', 'page.id')
        .selectAll('incident')
        .select('page.via_share')
        .orderBy('page.sort_at', sort.direction)
        .orderBy('page.id', sort.direction)
        .execute();
    }
  };

  const genericQuery = (scope: AccessScope, conditions: ListCondition[]) =>
    conditions.reduce((q, { condition }) => q.where(condition), db.selectFrom('incident').where(incidentVisible(scope)));

  const genericPage = (scope: AccessScope, conditions: ListCondition[], sort: { by: IncidentSort; direction: 'asc' | 'desc' }, page: Page) =>
    genericQuery(scope, conditions)
      .selectAll()
      // Both databases put incidents without a due time last when sorting by it.
      .$if(sort.by === 'slaDueAt', (qb) => qb.orderBy(sql`sla_due_at is null`))
      .orderBy(SORT_COLUMN[sort.by], sort.direction)
      .orderBy('id', sort.direction)
      .limit(page.limit)
      .offset(page.offset)
      .execute();

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
      const conditions = listConditions(dialect, filter);
      const partner = sharesOnly(scope);
      if (partner) return listShared(partner, filter, conditions, sort, page);
      const [rows, count] = await Promise.all([genericPage(scope, conditions, sort, page), cappedCount(db, genericQuery(scope, conditions))]);
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
          .values(
            [...new Set(organisationIds)].map((organisation_id) => ({
              incident_id: incidentId,
              organisation_id,
              // Copies of the incident's (migration 0012; a trigger keeps them equal when the incident changes).
              created_at: db.selectFrom('incident').select('incident.created_at').where('incident.id', '=', incidentId),
              tlp: db.selectFrom('incident').select('incident.tlp').where('incident.id', '=', incidentId),
              merged_into: db.selectFrom('incident').select('incident.merged_into').where('incident.id', '=', incidentId),
            })),
          )
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

/** A scope that sees incidents only through their sharing and its access list (a partner), with what `listShared` needs. */
interface SharesScope {
  scope: AccessScope;
  accountId: string;
  organisationId: string;
  sharedTlp: Tlp[];
}

/**
 * The scope, when it sees no incident by its label alone (no open TLP): then
 * an incident is visible exactly when it is shared with the organisation under
 * a shared label, or on the access list (`canSee` in domain/access.ts).
 */
function sharesOnly(scope: AccessScope): SharesScope | null {
  if (scope.kind !== 'rules' || scope.openTlp.length > 0 || scope.organisationId === null || scope.sharedTlp.length === 0) return null;
  return { scope, accountId: scope.accountId, organisationId: scope.organisationId, sharedTlp: [...scope.sharedTlp] };
}

interface ListCondition {
  condition: Expression<SqlBool>;
  /** A share's copies of its incident's columns answer it too (listShared applies those itself). */
  onShareCopies?: true;
}

/** The list's filters, as conditions on `incident` (qualified: they are also used in joins). */
function listConditions(dialect: DialectName, filter: IncidentListFilter): ListCondition[] {
  const eb = expressionBuilder<DB, 'incident'>();
  const c: ListCondition[] = [];
  if (!filter.includeMerged) c.push({ condition: eb('incident.merged_into', 'is', null), onShareCopies: true });
  if (filter.status?.length) c.push({ condition: eb('incident.status', 'in', filter.status) });
  if (filter.category?.length) c.push({ condition: eb('incident.category', 'in', filter.category) });
  if (filter.tlp?.length) c.push({ condition: eb('incident.tlp', 'in', filter.tlp), onShareCopies: true });
  if (filter.severity?.length) c.push({ condition: eb('incident.severity', 'in', filter.severity) });
  if (filter.priority?.length) c.push({ condition: eb('incident.priority', 'in', filter.priority) });
  if (filter.owner) c.push({ condition: eb('incident.owner', '=', filter.owner) });
  if (filter.constituency) c.push({ condition: eb('incident.constituency', '=', filter.constituency) });
  if (filter.createdFrom) c.push({ condition: eb('incident.created_at', '>=', filter.createdFrom), onShareCopies: true });
  if (filter.createdTo) c.push({ condition: eb('incident.created_at', '<', filter.createdTo), onShareCopies: true });
  if (filter.slaDueBefore) c.push({ condition: eb('incident.sla_due_at', '<', filter.slaDueBefore) });
  if (filter.exercise !== undefined) c.push({ condition: eb('incident.exercise', '=', filter.exercise ? 1 : 0) });
  if (filter.observableId) {
    const linked = eb.selectFrom('incident_observable').select('incident_observable.incident_id').where('incident_observable.observable_id', '=', filter.observableId);
    c.push({ condition: eb('incident.id', 'in', linked) });
  }
  if (filter.text?.length) c.push({ condition: textMatch(dialect, 'incident', 'incident.id', filter.text) });
  if (filter.organisationId) {
    const concerned = eb
      .selectFrom('incident_organisation')
      .select('incident_organisation.incident_id')
      .where('incident_organisation.organisation_id', '=', filter.organisationId);
    c.push({ condition: eb('incident.id', 'in', concerned) });
  }
  return c;
}

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
