import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where the data lives, for the start-up message (never includes a password). */
  describe: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /**
   * SQLite on a file: a transaction's disk sync off the main thread. Every
   * transaction (BEGIN … COMMIT) commits with `synchronous=NORMAL` — written
   * to the write-ahead log, not yet synced — and FULL is back in force before
   * anything else runs, so single statements outside a transaction still
   * sync as they commit. `flushed()` then resolves once the log is fsynced in
   * the thread pool: the store's `transaction` waits for it before it
   * returns, so durability is unchanged, but the event loop does not wait —
   * other mail and requests go on during the disk sync.
   */
  commitSync?: CommitSync;
}

export interface CommitSync {
  flushed: () => Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… → PostgreSQL; otherwise SQLite. */
  databaseUrl?: string;
  /** SQLite file location; `:memory:` for tests. */
  sqliteFile?: string;
  dataDir?: string;
  poolSize?: number;
  /** PostgreSQL: a connection lost (the server restarted or stopped), to log. Never thrown. */
  onConnectionError?: (err: Error) => void;
}

export function openDatabase(options: DatabaseOptions): Database {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize, options.onConnectionError) : openSqlite(options);
}

function openSqlite(options: DatabaseOptions): Database {
  let file = options.sqliteFile;
  if (!file) {
    const dir = resolve(options.dataDir ?? './data');
    mkdirSync(dir, { recursive: true });
    file = join(dir, 'renkei.sqlite');
  }
  const sqlite = new SQLite(file);
  // WAL with synchronous=FULL: every commit is on disk before it returns (nothing acknowledged is lost).
  const isWal = sqlite.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  sqlite.pragma('synchronous = FULL');
  // A transaction's sync runs off the main thread only where it is the log's fsync: a file in WAL mode
  // (a database in memory has no disk; a file system without WAL support keeps the journal and FULL).
  const onDisk = isWal && file !== ':memory:' && file !== '';
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: immediateTransactions(sqlite, onDisk) }) });
  return {
    db,
    dialect: 'sqlite',
    ...(onDisk ? { commitSync: { flushed: walFlusher(`${file}-wal`) } } : {}),
    describe: `SQLite ${file}`,
    ping: async () => {
      try {
        sqlite.prepare('select 1').get();
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

/**
 * Kysely begins SQLite transactions with a plain (deferred) BEGIN; a
 * transaction that reads and then writes can then fail at once with
 * SQLITE_BUSY_SNAPSHOT when another process (the CLI beside the server)
 * committed in between. BEGIN IMMEDIATE takes the write lock up front and
 * waits for it (busy_timeout) instead.
 */
function immediateTransactions(sqlite: SQLite.Database, deferSync: boolean): SQLite.Database {
  const prepare = sqlite.prepare.bind(sqlite);
  // With deferSync (see CommitSync): NORMAL from just before BEGIN to just after COMMIT or ROLLBACK, FULL at
  // all other times. The pragma may not change inside a transaction; each pair runs as one synchronous call,
  // and Kysely lends the one connection to one transaction at a time, so no other statement sees NORMAL.
  const [begin, commit, rollback, normal, full] = ['begin immediate', 'commit', 'rollback', 'pragma synchronous = normal', 'pragma synchronous = full'].map(prepare) as [
    SQLite.Statement,
    SQLite.Statement,
    SQLite.Statement,
    SQLite.Statement,
    SQLite.Statement,
  ];
  const fullAgain = () => {
    if (!sqlite.inTransaction) full.run();
  };
  const around = (stmt: SQLite.Statement, before?: SQLite.Statement) => ({
    reader: false,
    run() {
      try {
        before?.run();
        return stmt.run();
      } finally {
        fullAgain();
      }
    },
  });
  const special = deferSync ? { begin: around(begin, normal), commit: around(commit), rollback: around(rollback) } : { begin, commit, rollback };
  // Kysely prepares every query anew; the same few hundred statements recur, so keep them (one connection, used in turn).
  const cache = new Map<string, SQLite.Statement>();
  const cached = (source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (cache.size >= 1000) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare')
        return (source: string) => {
          const word = /^\s*(begin|commit|rollback)\s*$/i.exec(source)?.[1]?.toLowerCase() as keyof typeof special | undefined;
          return word ? special[word] : cached(source);
        };
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * fsync of the write-ahead log in the thread pool, shared: a caller gets a
 * sync that started after it asked (a sync already running may have missed
 * its commit), and every caller waiting meanwhile shares the next one.
 */
function walFlusher(walFile: string): () => Promise<void> {
  return sharedFlusher(async () => {
    let handle;
    try {
      handle = await open(walFile, 'r');
    } catch (err) {
      // No log (nothing written since it was checkpointed and removed): nothing to sync.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** `syncOnce` shared between callers as walFlusher describes. */
export function sharedFlusher(syncOnce: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const flush = (): Promise<void> => {
    if (!running) {
      running = syncOnce().finally(() => (running = undefined));
      return running;
    }
    next ??= running.then(
      () => ((next = undefined), flush()),
      () => ((next = undefined), flush()),
    );
    return next;
  };
  return flush;
}

function openPostgres(url: string, poolSize = 10, onConnectionError: (err: Error) => void = () => undefined): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  const heard = (err: Error) => {
    try {
      onConnectionError(err);
    } catch {
      // A listener's failure must not become the process's.
    }
  };
  // A connection's error (the server restarted or stopped) must not crash the process: an idle one's the pool
  // replaces (it also re-emits it on the pool, not logged twice); a checked-out one's statement fails, and its
  // caller hears of that. Each is logged once, here.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', heard));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    describe: `PostgreSQL ${safe.host}${safe.pathname}`,
    ping: async () => {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}
