import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner, PermanentJobError, retryDelayMs, type JobHandler } from '../../src/jobs/runner.js';
import { createHarness, type Harness } from '../support/harness.js';

/** The durable job queue on both databases: leases, retries, dedupe, many workers. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h.close());

const enqueue = (kind: string, payload: unknown, dedupeKey?: string) =>
  h.deps.store.jobs.enqueue({ kind, payload, runAt: h.now().toISOString(), maxAttempts: 3, ...(dedupeKey ? { dedupeKey } : {}) }, h.now().toISOString());

describe('the job queue', () => {
  it('runs a job once per dedupe key, however often its cause is seen', async () => {
    const seen: unknown[] = [];
    const runner = new JobRunner(h.deps, { 'test.once': async (_d, p) => void seen.push(p) });
    expect(await enqueue('test.once', { n: 1 }, 'cause-1')).toBe(true);
    expect(await enqueue('test.once', { n: 2 }, 'cause-1')).toBe(false);
    await runner.runDue();
    await runner.runDue();
    expect(seen).toEqual([{ n: 1 }]);
  });

  it('retries a failing job with back-off and buries it after its last attempt, keeping the error', async () => {
    let calls = 0;
    const runner = new JobRunner(h.deps, {
      'test.flaky': async () => {
        calls++;
        throw new Error(`relay down (call ${calls})`);
      },
    });
    await enqueue('test.flaky', null, 'flaky-1');
    await runner.runDue();
    expect(calls).toBe(1);
    await runner.runDue(); // not due yet: backing off
    expect(calls).toBe(1);
    h.advance(retryDelayMs(1, () => 1) + 1);
    await runner.runDue();
    expect(calls).toBe(2);
    h.advance(retryDelayMs(2, () => 1) + 1);
    await runner.runDue();
    expect(calls).toBe(3);
    expect(await h.deps.store.jobs.findByDedupeKey('flaky-1')).toMatchObject({ state: 'dead', attempts: 3, lastError: 'relay down (call 3)' });
  });

  it('buries a job at once on a permanent error', async () => {
    const runner = new JobRunner(h.deps, { 'test.bad': async () => Promise.reject(new PermanentJobError('no such mail')) });
    await enqueue('test.bad', null, 'bad-1');
    await runner.runDue();
    expect(await h.deps.store.jobs.findByDedupeKey('bad-1')).toMatchObject({ state: 'dead', attempts: 1, lastError: 'no such mail' });
  });

  it('gives the job of a worker that died to another once its lease ran out; the late worker changes nothing', async () => {
    await enqueue('test.lease', null, 'lease-1');
    const now = h.now().toISOString();
    const claimed = await h.deps.store.transaction((tx) => tx.jobs.claim(now, 'dead-worker', new Date(h.now().getTime() + 60_000).toISOString(), 10, ['test.lease']));
    expect(claimed).toHaveLength(1);
    let ran = 0;
    const runner = new JobRunner(h.deps, { 'test.lease': async () => void ran++ });
    await runner.runDue();
    expect(ran).toBe(0); // still leased
    h.advance(61_000);
    await runner.runDue();
    expect(ran).toBe(1);
    expect(await h.deps.store.jobs.complete(claimed[0]!.id, 'dead-worker', h.now().toISOString())).toBe(false);
    expect(await h.deps.store.jobs.findByDedupeKey('lease-1')).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('runs each of 200 jobs exactly once with four workers taking them at the same time', async () => {
    const runs = new Map<number, number>();
    const handler: JobHandler = async (_d, p) => {
      const n = (p as { n: number }).n;
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1));
    };
    for (let n = 0; n < 200; n++) await enqueue('test.many', { n });
    const runners = Array.from({ length: 4 }, () => new JobRunner(h.deps, { 'test.many': handler }, { concurrency: 8 }));
    await Promise.all(runners.map((r) => r.runDue()));
    expect(runs.size).toBe(200);
    expect([...runs.values()].every((v) => v === 1)).toBe(true);
  });

  it('a started worker picks up a job as soon as it is woken', async () => {
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const runner = new JobRunner(h.deps, { 'test.wake': async () => done() }, { pollMs: 60_000 });
    runner.start();
    await new Promise((r) => setTimeout(r, 20));
    await enqueue('test.wake', null);
    runner.wake();
    await finished;
    await runner.stop();
  });
});
