import { describe, expect, it } from 'vitest';
import { GroupWriter } from './group-commit.js';

/** A writer whose groups are recorded as written (each waits for `gate` first); the linger is long enough never to run out in a test. */
function writer(maxBatch: number, companyComing?: () => boolean, gate: () => Promise<void> = async () => {}) {
  const groups: number[][] = [];
  const w = new GroupWriter<number, { n: number }>(
    async (batch) => {
      groups.push(batch);
      await gate();
      return { results: batch.map((n) => ({ ok: true as const, n })), durable: Promise.resolve() };
    },
    { maxBatch, lingerMs: 60_000, groupsAtOnce: 1, ...(companyComing ? { companyComing } : {}) },
  );
  return { w, groups };
}

describe('GroupWriter', () => {
  it('keeps a small group waiting for company until flushed, then writes it at once', async () => {
    const { w, groups } = writer(8);
    const answers = [w.submit(1), w.submit(2)];
    await new Promise((r) => setTimeout(r, 20));
    expect(groups).toEqual([]);
    w.flush();
    expect(await Promise.all(answers)).toEqual([{ ok: true, n: 1 }, { ok: true, n: 2 }]);
    expect(groups).toEqual([[1, 2]]);
  });

  it('does not keep a full group waiting out the linger', async () => {
    const { w, groups } = writer(3);
    await Promise.all([w.submit(1), w.submit(2), w.submit(3)]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('ignores a flush with nothing waiting', async () => {
    const { w, groups } = writer(3);
    w.flush();
    const one = w.submit(1);
    w.flush();
    await one;
    expect(groups).toEqual([[1]]);
  });

  it('does not linger when no company is coming, also for a group that waited for a busy writer', async () => {
    let release!: () => void;
    const busy = new Promise<void>((r) => (release = r));
    let first = true;
    const { w, groups } = writer(8, () => false, () => (first ? ((first = false), busy) : Promise.resolve()));
    const a = w.submit(1);
    await new Promise((r) => setTimeout(r, 10));
    expect(groups).toEqual([[1]]); // begun at once, and still being written
    const b = w.submit(2); // waits for the writer, not for company
    release();
    await Promise.all([a, b]);
    expect(groups).toEqual([[1], [2]]);
  });
});
