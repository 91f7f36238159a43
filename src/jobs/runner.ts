import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ServiceDeps } from '../services/deps.js';

/** A job as the queue hands it over. */
type Job = Awaited<ReturnType<ServiceDeps['store']['jobs']['claim']>>[number];

export interface JobContext {
  jobId: string;
  attempt: number;
  isLastAttempt: boolean;
}

/** A job's work: a use case called with the job's payload. Throwing schedules a retry (or buries the job after its last attempt). */
export type JobHandler = (deps: ServiceDeps, payload: unknown, ctx: JobContext) => Promise<void>;

/** Thrown by a handler when retrying cannot help (bad payload, a thing that no longer exists). */
export class PermanentJobError extends Error {}

export interface RunnerOptions {
  /** How often to look for due jobs when nothing woke the runner. */
  pollMs?: number;
  /** How long a claimed job is ours; a worker that dies lets it go after this. */
  leaseMs?: number;
  /** Jobs run at once by this worker. */
  concurrency?: number;
  log?: { info: (o: object, msg: string) => void; warn: (o: object, msg: string) => void; error: (o: object, msg: string) => void };
}

/** Retry delay after the n-th failed attempt: 30 s, 1 min, 2 min … capped at 6 h, ±20 % so retries spread. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 6 * 3600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Runs due jobs from the durable queue. Any number of runners (threads,
 * processes, machines) may share one queue: a job is claimed under a lease
 * and finished only by its holder. Times come from `deps.clock`, so tests
 * can move time forward and call `runDue()`.
 */
export class JobRunner {
  readonly worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private again = false;
  private current: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    private readonly options: RunnerOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }

  /** Something was enqueued: look now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Run every job due now (and those they make due now); returns how many ran. */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runBatch();
      total += n;
      if (n === 0) return total;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.current = this.loop();
    }, ms);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      do {
        this.again = false;
        await this.runDue();
      } while (this.again && !this.stopped);
    } catch (err) {
      this.options.log?.error({ err }, 'job queue unavailable; retrying');
    } finally {
      this.running = false;
      this.schedule(this.options.pollMs ?? 1000);
    }
  }

  private async runBatch(): Promise<number> {
    const now = this.deps.clock();
    const leaseUntil = new Date(now.getTime() + (this.options.leaseMs ?? 5 * 60_000)).toISOString();
    const kinds = Object.keys(this.handlers);
    const jobs = await this.deps.store.transaction((tx) =>
      tx.jobs.claim(now.toISOString(), this.worker, leaseUntil, this.options.concurrency ?? 4, kinds),
    );
    await Promise.all(jobs.map((job) => this.runOne(job)));
    return jobs.length;
  }

  private async runOne(job: Job): Promise<void> {
    const handler = this.handlers[job.kind]!;
    const ctx: JobContext = { jobId: job.id, attempt: job.attempts, isLastAttempt: job.attempts >= job.maxAttempts };
    try {
      await handler(this.deps, job.payload, ctx);
      await this.deps.store.jobs.complete(job.id, this.worker, this.deps.clock().toISOString());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const now = this.deps.clock();
      if (err instanceof PermanentJobError || ctx.isLastAttempt) {
        await this.deps.store.jobs.bury(job.id, this.worker, now.toISOString(), message);
        this.options.log?.error({ job: job.id, kind: job.kind, attempt: job.attempts, err: message }, 'job failed for good');
      } else {
        const runAt = new Date(now.getTime() + retryDelayMs(job.attempts)).toISOString();
        await this.deps.store.jobs.retry(job.id, this.worker, runAt, message);
        this.options.log?.warn({ job: job.id, kind: job.kind, attempt: job.attempts, retryAt: runAt, err: message }, 'job failed; will retry');
      }
    }
  }
}
