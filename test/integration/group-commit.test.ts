import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/domain/actor.js';
import type { ServiceDeps } from '../../src/services/deps.js';
import { GroupCommitter } from '../../src/services/group-commit.js';
import { prepareReport, recordChannelReports } from '../../src/services/record-report.service.js';
import type { Store } from '../../src/store/store.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The group committer writes the next group while the last one's disk sync
 * runs, and answers each sender only once its own group is on disk.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.close());

const until = async (done: () => boolean) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(done()).toBe(true);
};

describe('group commit', () => {
  it('starts the next group before the last is durable, and answers each sender only when its group is', async () => {
    // Each commit's disk sync is held until the test lets it go.
    const gates: (() => void)[] = [];
    const real = h.deps.store;
    const store: Store = {
      ...real,
      transactionCommitted: async (fn) => {
        const { result, durable } = await real.transactionCommitted(fn);
        const held = new Promise<void>((open) => gates.push(open));
        return { result, durable: durable.then(() => held) };
      },
    };
    const deps: ServiceDeps = { ...h.deps, store };
    const committer = new GroupCommitter(deps, systemActor('smtp'));
    const item = (n: number) => ({ input: { channel: 'email' as const, sourceRef: `<group-${n}@example.jp>`, subject: `group ${n}`, body: `report ${n} from 198.51.100.${n}` }, attachments: [] });

    const answered: number[] = [];
    const first = committer.submit(item(1)).then((r) => (answered.push(1), r));
    await until(() => gates.length === 1); // the first group is committed, its sync held
    const second = committer.submit(item(2)).then((r) => (answered.push(2), r));
    await until(() => gates.length === 2); // the second group was written meanwhile
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toEqual([]); // neither is on disk yet: nobody has an answer

    gates[1]!(); // the second group's sync ends first
    await second;
    expect(answered).toEqual([2]);
    gates[0]!();
    const r1 = await first;
    expect(answered).toEqual([2, 1]);
    expect(r1.isNew).toBe(true);
    expect((await h.deps.store.reports.findBySourceRefs('email', ['<group-1@example.jp>', '<group-2@example.jp>'])).length).toBe(2);
    // Each group's audit event names the reports it recorded.
    const events = await h.database.db.selectFrom('audit_event').select('details').where('action', '=', 'report.recorded-batch').execute();
    const named = events.map((e) => (JSON.parse(e.details) as { reports: string[] }).reports);
    expect(named).toEqual(expect.arrayContaining([[r1.report.id], [(await second).report.id]]));
  });

  it('keeps two mails of one Message-ID but other content as two reports in one group, and a repeat of either as none', async () => {
    const item = (variant: string, body: string) => {
      const { raw: _raw, ...prepared } = prepareReport({ channel: 'email', sourceRef: '<same-id@example.jp>', body }, undefined, variant);
      return { input: { prepared }, attachments: [] };
    };
    const first = await recordChannelReports(h.deps, systemActor('smtp'), [item('a'.repeat(64), 'first 198.51.100.61'), item('b'.repeat(64), 'second 198.51.100.62'), item('a'.repeat(64), 'first 198.51.100.61')]);
    expect(first.map((r) => r.ok && r.isNew)).toEqual([true, true, false]);
    const again = await recordChannelReports(h.deps, systemActor('smtp'), [item('b'.repeat(64), 'second 198.51.100.62'), item('a'.repeat(64), 'first 198.51.100.61')]);
    expect(again.map((r) => r.ok && r.isNew)).toEqual([false, false]);
    const ids = (r: (typeof first)[number]) => (r.ok ? r.report.id : null);
    expect([ids(again[0]!), ids(again[1]!)]).toEqual([ids(first[1]!), ids(first[0]!)]);
    expect(first.map((r) => r.ok && r.report.sourceRef)).toEqual(['<same-id@example.jp>', `<same-id@example.jp> #${'b'.repeat(64)}`, '<same-id@example.jp>']);
    // A report stored without a variant (before variants, or by a channel without them) is the same as any copy of it.
    const legacy = (variant: string | null) => {
      const { raw: _raw, ...prepared } = prepareReport({ channel: 'email', sourceRef: '<legacy@example.jp>', body: 'legacy' }, undefined, variant);
      return { input: { prepared }, attachments: [] };
    };
    expect((await recordChannelReports(h.deps, systemActor('smtp'), [legacy(null)])).map((r) => r.ok && r.isNew)).toEqual([true]);
    expect((await recordChannelReports(h.deps, systemActor('smtp'), [legacy('c'.repeat(64))])).map((r) => r.ok && r.isNew)).toEqual([false]);
  });

  it('answers every sender of a group with the failure when its disk sync fails', async () => {
    const real = h.deps.store;
    const store: Store = {
      ...real,
      transactionCommitted: async (fn) => {
        const { result } = await real.transactionCommitted(fn);
        return { result, durable: Promise.reject(new Error('EIO: the disk said no')) };
      },
    };
    const committer = new GroupCommitter({ ...h.deps, store }, systemActor('smtp'));
    const sent = [3, 4].map((n) => committer.submit({ input: { channel: 'email', sourceRef: `<group-${n}@example.jp>`, body: `report ${n}` }, attachments: [] }));
    for (const s of sent) await expect(s).rejects.toThrow('EIO');
  });

  it('writes several groups at once when asked (PostgreSQL), and every report lands once even when their observables cross', async () => {
    let inFlight = 0;
    let most = 0;
    const real = h.deps.store;
    const store: Store = {
      ...real,
      transactionCommitted: async (fn) => {
        most = Math.max(most, ++inFlight);
        try {
          return await real.transactionCommitted(fn);
        } finally {
          inFlight--;
        }
      },
    };
    const committer = new GroupCommitter({ ...h.deps, store }, systemActor('smtp'), 4, 1, { groupsAtOnce: 3 });
    // Forty reports naming the same six hosts, in shifting orders: groups written side by side lock the
    // same observable rows in different orders (a deadlock the database breaks; the store retries).
    const hosts = Array.from({ length: 6 }, (_, i) => `crossed-${i}.example.net`);
    const items = Array.from({ length: 40 }, (_, n) => ({
      input: { channel: 'email' as const, sourceRef: `<crossed-${n}@example.jp>`, body: [...hosts.slice(n % 6), ...hosts.slice(0, n % 6)].reverse().join(' and ') },
      attachments: [],
    }));
    const results = await Promise.all([...items, ...items.slice(0, 5)].map((i) => committer.submit(i)));
    expect(results.filter((r) => r.isNew)).toHaveLength(40);
    if (h.deps.store.dialect === 'postgres') expect(most).toBeGreaterThan(1);
    const stored = await h.deps.store.reports.findBySourceRefs('email', items.map((i) => i.input.sourceRef));
    expect(stored).toHaveLength(40);
    for (const r of results) expect(r.observableCount === 6 || !r.isNew).toBe(true);
  });

  it('tries a failed group item by item only when the failure may be an item’s: not when the database is away', async () => {
    const real = h.deps.store;
    let single = 0;
    let groupError: Error = new Error('value too long for type character varying(1)');
    const store: Store = {
      ...real,
      transactionCommitted: () => Promise.reject(groupError),
      transaction: (fn) => (single++, real.transaction(fn)),
    };
    const item = (n: number) => ({ input: { channel: 'email' as const, sourceRef: `<fallback-${n}@example.jp>`, body: `report ${n}` }, attachments: [] });
    // A failure that may be one item's: each is tried alone (and here each succeeds).
    const alone = await recordChannelReports({ ...h.deps, store }, systemActor('smtp'), [item(1), item(2)]);
    expect(alone.map((r) => r.ok)).toEqual([true, true]);
    expect(single).toBe(2);
    // The database away (the connection refused): no use trying each; all fail at once with the cause.
    single = 0;
    groupError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const down = await recordChannelReports({ ...h.deps, store }, systemActor('smtp'), [item(3), item(4)]);
    expect(down.map((r) => (r.ok ? 'ok' : (r.error as Error).message))).toEqual(['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432']);
    expect(single).toBe(0);
  });

  it('writes one group at a time on SQLite (one writer), several on PostgreSQL', () => {
    const committer = new GroupCommitter(h.deps, systemActor('smtp'));
    expect(committer.groupsAtOnce).toBe(h.deps.store.dialect === 'postgres' ? 3 : 1);
  });
});
