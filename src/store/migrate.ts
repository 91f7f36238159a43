import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Database, DialectName } from './database.js';
import * as core from './migrations/0001-core.js';
import * as accounts from './migrations/0002-accounts.js';
import * as evidence from './migrations/0003-evidence.js';
import * as coordination from './migrations/0004-coordination.js';
import * as registry from './migrations/0005-registry.js';
import * as takedown from './migrations/0006-takedown.js';
import * as incidentMergedIndex from './migrations/0007-incident-merged-index.js';
import * as incidentSteering from './migrations/0008-incident-steering.js';
import * as playbooksRules from './migrations/0011-playbooks-rules.js';
import * as evidenceCustody from './migrations/0009-evidence-custody.js';
import * as reportOrigin from './migrations/0010-report-origin.js';
import * as incidentShareCopies from './migrations/0012-incident-share-copies.js';
import * as mergedIndexPartial from './migrations/0013-merged-index-partial.js';
import * as incidentSortIndexes from './migrations/0014-incident-sort-indexes.js';
import * as evidenceInline from './migrations/0015-evidence-inline.js';
import * as mailSpool from './migrations/0016-mail-spool.js';
import * as postgresStorage from './migrations/0017-postgres-storage.js';
import * as mailSpoolBytes from './migrations/0018-mail-spool-bytes.js';
import * as mailSpoolHeldReason from './migrations/0019-mail-spool-held-reason.js';
import * as reportReplyTo from './migrations/0020-report-reply-to.js';

export type DialectMigration = { up: (db: Parameters<Migration['up']>[0], dialect: DialectName) => Promise<void> };

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: Readonly<Record<string, DialectMigration>> = {
  '0001-core': core,
  '0002-accounts': accounts,
  '0003-evidence': evidence,
  '0004-coordination': coordination,
  '0005-registry': registry,
  '0006-takedown': takedown,
  '0007-incident-merged-index': incidentMergedIndex,
  '0008-incident-steering': incidentSteering,
  '0009-evidence-custody': evidenceCustody,
  '0010-report-origin': reportOrigin,
  '0011-playbooks-rules': playbooksRules,
  '0012-incident-share-copies': incidentShareCopies,
  '0013-merged-index-partial': mergedIndexPartial,
  '0014-incident-sort-indexes': incidentSortIndexes,
  '0015-evidence-inline': evidenceInline,
  '0016-mail-spool': mailSpool,
  '0017-postgres-storage': postgresStorage,
  '0018-mail-spool-bytes': mailSpoolBytes,
  '0019-mail-spool-held-reason': mailSpoolHeldReason,
  '0020-report-reply-to': reportReplyTo,
};

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: DialectName) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db) => m.up(db, this.dialect) }]),
    );
  }
}

export interface MigrationReport {
  applied: string[];
  pending: string[];
}

/**
 * Apply every pending migration: each in a transaction on PostgreSQL; on SQLite Kysely runs them without one,
 * so a migration that must be atomic there opens its own (see 0018).
 */
export async function migrateToLatest(database: Database): Promise<MigrationReport> {
  const migrator = new Migrator({ db: database.db, provider: new StaticProvider(database.dialect) });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const cause = result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${cause}`, { cause: result.error });
  }
  return { applied: (result.results ?? []).map((r) => r.migrationName), pending: [] };
}

export async function pendingMigrations(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new StaticProvider(database.dialect) });
  const all = await migrator.getMigrations();
  return all.filter((m) => !m.executedAt).map((m) => m.name);
}
