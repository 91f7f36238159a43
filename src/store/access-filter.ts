import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { AccessScope } from '../domain/access.js';

/**
 * The one place that narrows what a query can return to what the actor may
 * see (the rule is described in domain/access.ts, and `canSee` there is its
 * in-memory twin). Every repository query over incidents, reports or
 * observables calls one of these. Each condition refers to qualified
 * columns (`incident.tlp`), so it can be used in joins.
 */
function incidentCondition(scope: AccessScope, id: RawBuilder<unknown>, tlp: RawBuilder<unknown>, constituency: RawBuilder<unknown>): Expression<SqlBool> {
  switch (scope.kind) {
    case 'all':
      return sql<SqlBool>`1 = 1`;
    case 'none':
      return sql<SqlBool>`1 = 0`;
    case 'rules': {
      const parts: RawBuilder<SqlBool>[] = [];
      if (scope.openTlp.length) {
        const labels = sql.join(scope.openTlp.map((t) => sql.lit(t)));
        parts.push(
          scope.constituencies === null
            ? sql<SqlBool>`${tlp} in (${labels})`
            : scope.constituencies.length
              ? sql<SqlBool>`(${tlp} in (${labels}) and (${constituency} is null or ${constituency} in (${sql.join(scope.constituencies)})))`
              : sql<SqlBool>`(${tlp} in (${labels}) and ${constituency} is null)`,
        );
      }
      // Uncorrelated `in (…)` sub-selects: each is computed once per query (a hashed set on PostgreSQL, an
      // ephemeral index on SQLite) instead of once per incident row, which is what keeps the policy cheap.
      // A scope that sees only shares and its access list (a partner) lists incidents another way, from its
      // shares (listShared in repositories/incident.repository.ts): a change to this rule is a change there too.
      if (scope.organisationId && scope.sharedTlp.length)
        parts.push(
          sql<SqlBool>`(${tlp} in (${sql.join(scope.sharedTlp.map((t) => sql.lit(t)))}) and ${id} in (select s.incident_id from incident_share s where s.organisation_id = ${scope.organisationId}))`,
        );
      parts.push(sql<SqlBool>`${id} in (select a.incident_id from incident_access a where a.account_id = ${scope.accountId})`);
      return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
    }
  }
}

/** Rows of `incident` the actor may see. */
export const incidentVisible = (scope: AccessScope): Expression<SqlBool> =>
  incidentCondition(scope, sql.ref('incident.id'), sql.ref('incident.tlp'), sql.ref('incident.constituency'));

/**
 * Rows that refer to an incident by id (`report.incident_id`): a correlated
 * lookup by primary key, cheap for the few rows a page or a sighting has —
 * an `in (select … from incident where visible)` would build the set of every
 * visible incident first.
 */
export function incidentRefVisible(scope: AccessScope, column: string): Expression<SqlBool> {
  if (scope.kind !== 'rules') return incidentVisible(scope);
  return sql<SqlBool>`exists (select 1 from incident where incident.id = ${sql.ref(column)} and ${incidentVisible(scope)})`;
}

/** Rows of `report` the actor may see: its incident is visible, or — untriaged — the actor may triage. */
export function reportVisible(scope: AccessScope): Expression<SqlBool> {
  if (scope.kind !== 'rules') return incidentVisible(scope);
  const onIncident = incidentRefVisible(scope, 'report.incident_id');
  return scope.canSeeUntriaged ? sql<SqlBool>`(report.incident_id is null or ${onIncident})` : sql<SqlBool>`(report.incident_id is not null and ${onIncident})`;
}
