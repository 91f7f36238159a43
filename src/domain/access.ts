import type { Tlp } from './tlp.js';

/**
 * What an actor may see, decided by the policy (services/access.policy.ts)
 * and applied by the store in one place (store/access-filter.ts) to every
 * query that lists or finds incidents, reports or observables.
 *
 * TLP 2.0 governs: labels in `openTlp` are visible for the team's incidents
 * (within the actor's constituencies when limited); labels in `sharedTlp`
 * only when the incident was shared with the actor's organisation; and an
 * incident whose access list names the actor is visible whatever its label
 * (that is the only way to see TLP:RED).
 */
export type AccessScope =
  | { kind: 'all' }
  | { kind: 'none' }
  | {
      kind: 'rules';
      accountId: string;
      openTlp: readonly Tlp[];
      /** null = every constituency. Incidents without one are visible to all who see the label. */
      constituencies: readonly string[] | null;
      sharedTlp: readonly Tlp[];
      organisationId: string | null;
      /** May see untriaged reports (the triage queue). */
      canSeeUntriaged: boolean;
    };

/** The facts about one incident that visibility depends on. */
export interface VisibilityFacts {
  tlp: Tlp;
  constituency: string | null;
  sharedWith: readonly string[];
  accessList: readonly string[];
}

/** The same rule as the SQL in store/access-filter.ts, for one incident in memory (and for tests). */
export function canSee(scope: AccessScope, i: VisibilityFacts): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'none':
      return false;
    case 'rules':
      return (
        (scope.openTlp.includes(i.tlp) &&
          (scope.constituencies === null || i.constituency === null || scope.constituencies.includes(i.constituency))) ||
        (scope.organisationId !== null && scope.sharedTlp.includes(i.tlp) && i.sharedWith.includes(scope.organisationId)) ||
        i.accessList.includes(scope.accountId)
      );
  }
}

export interface Page {
  limit: number;
  offset: number;
}

export interface PageResult<T> {
  items: T[];
  /** The number of matches, or — when `totalIsExact` is false — a lower bound (lists cap their count). */
  total: number;
  totalIsExact: boolean;
  limit: number;
  offset: number;
}
