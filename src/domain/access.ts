/**
 * What an actor may see, decided by the policy (services/access.policy.ts) and
 * applied by the store in one place (store/access-filter.ts) to every query
 * that lists or finds incidents, reports or observables. Issue 3 adds the
 * role × TLP × constituency variant; nothing else needs to change.
 */
export type AccessScope = { kind: 'all' } | { kind: 'none' };

export interface Page {
  limit: number;
  offset: number;
}

export interface PageResult<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
