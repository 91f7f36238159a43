import { sql, type Kysely } from 'kysely';
import { newId } from '../../domain/ids.js';
import type { DialectName } from '../database.js';
import type { DB, JobTable } from '../schema.js';

export interface Job {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  createdAt: string;
}

export interface JobEnqueue {
  kind: string;
  payload: unknown;
  /** ISO time; now when omitted. */
  runAt: string;
  maxAttempts?: number;
  /** At most one job ever exists per key: a cause enqueues its job once, however often it is seen. */
  dedupeKey?: string;
}

export interface JobCounts {
  queued: number;
  running: number;
  done: number;
  dead: number;
  oldestQueuedAt: string | null;
}

/** The first key of the advisory locks `lockKind` takes (the second is the kind's hash): Renkei's, for job kinds. */
const JOB_KIND_LOCKS = 0x524b4a31; // "RKJ1"

/**
 * The durable job queue: a table on both databases. Enqueue inside the
 * transaction of the change that causes the job, and the job exists exactly
 * when the change does. A claimed job carries a lease; a worker that dies
 * leaves it to be claimed again when the lease runs out.
 */
export function createJobRepository(db: Kysely<DB>, dialect: DialectName) {
  return {
    /** False when a job with the same dedupe key already exists. */
    async enqueue(job: JobEnqueue, now: string): Promise<boolean> {
      return (await this.enqueueMany([job], now)) > 0;
    },

    /** Jobs in one statement (a few hundred at a time); those whose dedupe key exists already are skipped. How many were added. */
    async enqueueMany(jobs: JobEnqueue[], now: string): Promise<number> {
      let added = 0;
      for (let i = 0; i < jobs.length; i += 500) {
        const result = await db
          .insertInto('job')
          .values(
            jobs.slice(i, i + 500).map((job) => ({
              id: newId(),
              kind: job.kind,
              payload: JSON.stringify(job.payload ?? null),
              state: 'queued',
              run_at: job.runAt,
              attempts: 0,
              max_attempts: job.maxAttempts ?? 8,
              locked_until: null,
              locked_by: null,
              last_error: null,
              dedupe_key: job.dedupeKey ?? null,
              created_at: now,
              finished_at: null,
            })),
          )
          .onConflict((oc) => oc.column('dedupe_key').doNothing())
          .executeTakeFirst();
        added += Number(result.numInsertedOrUpdatedRows ?? 0n);
      }
      return added;
    },

    /**
     * Take up to `limit` due jobs (queued and due, or running with an expired
     * lease) for `leaseMs`. Call inside a transaction: PostgreSQL skips rows
     * another worker holds; SQLite's write lock makes claims one at a time.
     */
    async claim(now: string, worker: string, leaseUntil: string, limit: number, kinds?: readonly string[]): Promise<Job[]> {
      let q = db
        .selectFrom('job')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('state', '=', 'queued'), eb('run_at', '<=', now)]),
            eb.and([eb('state', '=', 'running'), eb('locked_until', '<', now)]),
          ]),
        )
        .orderBy('run_at')
        .limit(limit);
      if (kinds) q = q.where('kind', 'in', kinds);
      if (dialect === 'postgres') q = q.forUpdate().skipLocked();
      const ids = (await q.execute()).map((r) => r.id);
      if (ids.length === 0) return [];
      const rows = await db
        .updateTable('job')
        .set((eb) => ({ state: 'running', locked_until: leaseUntil, locked_by: worker, attempts: eb('attempts', '+', 1) }))
        .where('id', 'in', ids)
        .returningAll()
        .execute();
      return rows.sort((a, b) => a.run_at.localeCompare(b.run_at)).map(toJob);
    },

    /** Only the worker holding the lease may finish a job: a late worker whose lease expired changes nothing. */
    async complete(id: string, worker: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('job')
        .set({ state: 'done', finished_at: now, locked_until: null, last_error: null })
        .where('id', '=', id)
        .where('locked_by', '=', worker)
        .where('state', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async retry(id: string, worker: string, runAt: string, error: string): Promise<boolean> {
      const r = await db
        .updateTable('job')
        .set({ state: 'queued', run_at: runAt, locked_until: null, locked_by: null, last_error: error.slice(0, 2000) })
        .where('id', '=', id)
        .where('locked_by', '=', worker)
        .where('state', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Given up: kept, with its last error, for an operator to see. */
    async bury(id: string, worker: string, now: string, error: string): Promise<boolean> {
      const r = await db
        .updateTable('job')
        .set({ state: 'dead', finished_at: now, locked_until: null, last_error: error.slice(0, 2000) })
        .where('id', '=', id)
        .where('locked_by', '=', worker)
        .where('state', '=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async findByDedupeKey(key: string): Promise<(Job & { state: string; lastError: string | null }) | null> {
      const row = await db.selectFrom('job').selectAll().where('dedupe_key', '=', key).executeTakeFirst();
      return row ? { ...toJob(row), state: row.state, lastError: row.last_error } : null;
    },

    /** Whether a job of this kind is queued (the due index: only queued jobs are looked at). */
    /**
     * Take this transaction's lock on a kind of job, so that transactions
     * deciding whether to queue one decide in turn, each seeing what the one
     * before it queued (PostgreSQL: an advisory lock held until commit, and
     * the next statement's snapshot sees the other's commit). SQLite needs
     * none: its writing transactions run one at a time (BEGIN IMMEDIATE).
     * Call in a transaction.
     */
    async lockKind(kind: string): Promise<void> {
      if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${JOB_KIND_LOCKS}, hashtext(${kind}))`.execute(db);
    },

    async hasQueued(kind: string): Promise<boolean> {
      return (await db.selectFrom('job').select('id').where('state', '=', 'queued').where('kind', '=', kind).limit(1).executeTakeFirst()) !== undefined;
    },

    /** The earliest run time of a queued job, so a worker can sleep until then. */
    async nextRunAt(): Promise<string | null> {
      const row = await db
        .selectFrom('job')
        .select((eb) => eb.fn.min('run_at').as('at'))
        .where('state', '=', 'queued')
        .executeTakeFirst();
      return (row?.at as string | null | undefined) ?? null;
    },

    async counts(): Promise<JobCounts> {
      const rows = await db
        .selectFrom('job')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')])
        .groupBy('state')
        .execute();
      const n = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
      return {
        queued: n('queued'),
        running: n('running'),
        done: n('done'),
        dead: n('dead'),
        oldestQueuedAt: rows.find((r) => r.state === 'queued')?.oldest ?? null,
      };
    },
  };
}
export type JobRepository = ReturnType<typeof createJobRepository>;

function toJob(r: JobTable): Job {
  return {
    id: r.id,
    kind: r.kind,
    payload: JSON.parse(r.payload) as unknown,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: r.run_at,
    createdAt: r.created_at,
  };
}
