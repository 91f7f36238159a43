import type { Kysely } from 'kysely';
import type { CommitSync, DialectName } from './database.js';
import { createAccountRepository } from './repositories/account.repository.js';
import { createAuditRepository } from './repositories/audit.repository.js';
import { createCoordinationRepository } from './repositories/coordination.repository.js';
import { createJobRepository } from './repositories/job.repository.js';
import { createRegistryRepository } from './repositories/registry.repository.js';
import { createTakedownRepository } from './repositories/takedown.repository.js';
import { createSteeringRepository } from './repositories/steering.repository.js';
import { createIncidentRepository } from './repositories/incident.repository.js';
import { createObservableRepository } from './repositories/observable.repository.js';
import { createOrganisationRepository } from './repositories/organisation.repository.js';
import { createReportRepository } from './repositories/report.repository.js';
import { createSearchRepository } from './repositories/search.repository.js';
import { createStatisticsRepository } from './repositories/statistics.repository.js';
import { createTimelineRepository } from './repositories/timeline.repository.js';
import { createEvidenceRepository } from './repositories/evidence.repository.js';
import { createMailSpoolRepository } from './repositories/mail-spool.repository.js';
import type { DB } from './schema.js';
import { isRetryable, translateDbError } from './db-errors.js';

/**
 * Every repository, bound to one connection or one transaction. Services get
 * a Store and call `transaction` when several writes must land together.
 */
export interface Store {
  readonly dialect: DialectName;
  readonly reports: ReturnType<typeof createReportRepository>;
  readonly incidents: ReturnType<typeof createIncidentRepository>;
  readonly timeline: ReturnType<typeof createTimelineRepository>;
  readonly observables: ReturnType<typeof createObservableRepository>;
  readonly organisations: ReturnType<typeof createOrganisationRepository>;
  readonly search: ReturnType<typeof createSearchRepository>;
  readonly accounts: ReturnType<typeof createAccountRepository>;
  readonly audit: ReturnType<typeof createAuditRepository>;
  readonly coordinations: ReturnType<typeof createCoordinationRepository>;
  readonly jobs: ReturnType<typeof createJobRepository>;
  readonly registry: ReturnType<typeof createRegistryRepository>;
  readonly takedowns: ReturnType<typeof createTakedownRepository>;
  /** Playbooks, tasks, escalation rules and their firings, decisions asked of leads. */
  readonly steering: ReturnType<typeof createSteeringRepository>;
  /** Evidence items and their chain of custody. */
  readonly evidence: ReturnType<typeof createEvidenceRepository>;
  readonly statistics: ReturnType<typeof createStatisticsRepository>;
  /** Acknowledged inbound mail not yet recorded as a report. */
  readonly mailSpool: ReturnType<typeof createMailSpoolRepository>;
  /** True inside `transaction`: repositories may then lock rows they read (PostgreSQL `FOR UPDATE`). */
  readonly inTransaction: boolean;
  /**
   * Run `fn` in one transaction (or in the current one, when already inside).
   * A deadlock or serialization failure runs it again (up to 3 times), so
   * `fn` must do nothing outside the database it cannot repeat.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * The same, but it returns as soon as the transaction is committed, with
   * `durable` settling once the commit is on disk (at once on PostgreSQL; on
   * SQLite after the log's fsync in the thread pool). For a group committer
   * that starts the next group while the last one syncs: its callers still
   * hear only after `durable`.
   */
  transactionCommitted<T>(fn: (tx: Store) => Promise<T>): Promise<{ result: T; durable: Promise<void> }>;
}

const ATTEMPTS = 3;

/** `commitSync`: SQLite's commit without its disk sync in the main thread; the transaction still returns only once it is on disk (see database.ts). */
export function createStore(db: Kysely<DB>, dialect: DialectName, clock: () => Date = () => new Date(), commitSync?: CommitSync): Store {
  const store: Store = {
    dialect,
    reports: createReportRepository(db, dialect),
    incidents: createIncidentRepository(db, dialect),
    timeline: createTimelineRepository(db, clock),
    observables: createObservableRepository(db),
    organisations: createOrganisationRepository(db),
    search: createSearchRepository(db, dialect),
    accounts: createAccountRepository(db),
    audit: createAuditRepository(db, dialect, clock),
    coordinations: createCoordinationRepository(db),
    jobs: createJobRepository(db, dialect),
    registry: createRegistryRepository(db),
    takedowns: createTakedownRepository(db),
    steering: createSteeringRepository(db),
    evidence: createEvidenceRepository(db, dialect),
    statistics: createStatisticsRepository(db, dialect),
    mailSpool: createMailSpoolRepository(db),
    inTransaction: db.isTransaction,
    transaction: async (fn) => {
      const { result, durable } = await store.transactionCommitted(fn);
      // Returned only once on disk, like any commit — the sync ran in the thread pool.
      await durable;
      return result;
    },
    transactionCommitted: async (fn) => {
      if (db.isTransaction) return { result: await fn(store), durable: Promise.resolve() };
      for (let attempt = 1; ; attempt++) {
        let result;
        try {
          result = await db.transaction().execute((trx) => fn(createStore(trx, dialect, clock)));
        } catch (err) {
          if (attempt < ATTEMPTS && isRetryable(err)) {
            await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
            continue;
          }
          throw translateDbError(err);
        }
        const durable = commitSync
          ? commitSync.flushed().catch((err: unknown) => {
              throw translateDbError(err);
            })
          : Promise.resolve();
        // Whoever holds `durable` hears of a failed sync; nobody holding it must not crash the process.
        durable.catch(() => undefined);
        return { result, durable };
      }
    },
  };
  return store;
}
