import { sql, type Expression, type SqlBool } from 'kysely';
import type { AccessScope } from '../domain/access.js';

/**
 * The one place that narrows what a query can return to what the actor may
 * see. Every repository query over incidents, reports or observables calls
 * one of these; the access-control work (issue 3) changes only this file and
 * the policy. Each condition refers to qualified columns (`incident.tlp`), so
 * it can be used in joins.
 */
const byScope = (scope: AccessScope): Expression<SqlBool> => {
  switch (scope.kind) {
    case 'all':
      return sql<SqlBool>`1 = 1`;
    case 'none':
      return sql<SqlBool>`1 = 0`;
  }
};

/** Rows of `incident` the actor may see. */
export const incidentVisible = (scope: AccessScope): Expression<SqlBool> => byScope(scope);

/** Rows of `report` the actor may see: its incident is visible, or — untriaged — the actor may triage. */
export const reportVisible = (scope: AccessScope): Expression<SqlBool> => byScope(scope);

/** Rows that refer to an incident by id (`incident_observable.incident_id`). */
export const incidentRefVisible = (scope: AccessScope, _column: string): Expression<SqlBool> => byScope(scope);
