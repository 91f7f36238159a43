import type { Config } from './config.js';
import { DEFAULT_THROTTLE } from './services/auth/throttle.js';
import { DirectoryIndex } from './services/directory-index.js';
import type { ServiceDeps } from './services/deps.js';
import { openDatabase, type Database } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { createStore } from './store/store.js';
import { EvidenceFiles } from './store/evidence-files.js';
import { KeyFiles } from './store/key-files.js';
import { loadTeamKeys } from './services/team-key.service.js';

/**
 * The composition root: the only place that knows every layer. It opens the
 * database, applies migrations and wires the use cases' dependencies.
 */
export interface Container {
  database: Database;
  deps: ServiceDeps;
  close(): Promise<void>;
}

export async function createContainer(
  config: Pick<Config, 'dataDir' | 'databaseUrl' | 'incidentPrefix' | 'timeZone'> &
    Partial<Pick<Config, 'sessionIdleMinutes' | 'sessionMaxHours' | 'teamEmail'>> & { sqliteFile?: string },
  options: { migrate?: boolean; clock?: () => Date } = {},
): Promise<Container> {
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, sqliteFile: config.sqliteFile });
  try {
    if (options.migrate !== false) await migrateToLatest(database);
  } catch (err) {
    await database.close();
    throw err;
  }
  const clock = options.clock ?? (() => new Date());
  const deps: ServiceDeps = {
    store: createStore(database.db, database.dialect, clock),
    clock,
    settings: {
      incidentPrefix: config.incidentPrefix,
      timeZone: config.timeZone,
      auth: {
        sessionIdleMinutes: config.sessionIdleMinutes ?? 60,
        sessionMaxHours: config.sessionMaxHours ?? 12,
        throttle: DEFAULT_THROTTLE,
      },
    },
    directoryIndex: new DirectoryIndex(),
    evidence: new EvidenceFiles(config.dataDir),
    teamKeys: await loadTeamKeys(new KeyFiles(config.dataDir), { name: 'Renkei CSIRT', email: config.teamEmail ?? 'report@renkei.invalid' }),
  };
  return { database, deps, close: () => database.close() };
}
