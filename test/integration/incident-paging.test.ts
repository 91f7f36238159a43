import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createIncident } from '../../src/services/incident.service.js';
import { mergeIncidents } from '../../src/services/merge-split.service.js';
import { addIncidentObservable } from '../../src/services/observable.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * The incident page's long lists reach every entry: the timeline (経過記録)
 * pages with an exact total past its default page of 500, and "seen in N
 * other incidents" pages through all N — on SQLite and on PostgreSQL.
 */
let h: Harness;
let app: FastifyInstance;
let lead: string;
let financeHandler: string;
beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  ({ token: lead } = await h.user(['lead', 'handler']));
  ({ token: financeHandler } = await h.user(['handler'], { constituencies: ['finance'] }));
});
afterAll(async () => {
  await app.close();
  await h.close();
});

const get = async <T>(token: string, url: string): Promise<{ status: number; body: T }> => {
  const res = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  return { status: res.statusCode, body: res.json<T>() };
};

interface PageOf<T> {
  items: T[];
  total: number;
  totalIsExact: boolean;
  limit: number;
  offset: number;
}

describe('the timeline, a page at a time', () => {
  it('counts every entry (its own and a merged incident’s) and pages through them in order, none dropped or repeated', async () => {
    const target = await createIncident(h.deps, h.actor, { title: 'long-running phishing campaign' });
    const source = await createIncident(h.deps, h.actor, { title: 'same campaign, found twice' });
    const entry = (incidentId: string, i: number) => ({
      incidentId,
      reportId: null,
      actor: h.actor.id,
      action: 'note' as const,
      changes: {},
      note: `note ${i}`,
      // Spread over time so "oldest first" has something to order.
      at: new Date(Date.parse('2026-12-01T00:00:00.000Z') + i * 60_000).toISOString(),
    });
    await h.deps.store.timeline.append(Array.from({ length: 1100 }, (_, i) => entry(target.id, i)));
    await h.deps.store.timeline.append(Array.from({ length: 150 }, (_, i) => entry(source.id, 1100 + i)));
    await mergeIncidents(h.deps, h.actor, target.number, { sourceIncident: source.number });
    const expected = await h.deps.store.timeline.countForIncident([target.id, source.id]);
    // Created + merged entries on both, on top of the 1,250 notes.
    expect(expected).toBeGreaterThan(1250);

    const first = await get<PageOf<{ id: string; at: string; note: string | null }>>(lead, `/api/incidents/${target.number}/timeline`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ total: expected, totalIsExact: true, limit: 500, offset: 0 });
    expect(first.body.items).toHaveLength(500);

    const seen: { id: string; at: string; note: string | null }[] = [];
    for (let offset = 0; offset < first.body.total; offset += 500) {
      const page = await get<PageOf<{ id: string; at: string; note: string | null }>>(lead, `/api/incidents/${target.number}/timeline?limit=500&offset=${offset}`);
      expect(page.body.total).toBe(expected);
      seen.push(...page.body.items);
    }
    expect(seen).toHaveLength(expected);
    expect(new Set(seen.map((e) => e.id)).size).toBe(expected);
    expect(seen.map((e) => e.at)).toEqual([...seen.map((e) => e.at)].sort());
    const notes = seen.flatMap((e) => (e.note?.startsWith('note ') ? [Number(e.note.slice(5))] : []));
    expect(notes).toEqual(Array.from({ length: 1250 }, (_, i) => i));

    // Past the end: no items, the same total.
    const past = await get<PageOf<unknown>>(lead, `/api/incidents/${target.number}/timeline?offset=${expected}`);
    expect(past.body).toMatchObject({ items: [], total: expected });
    expect((await get(lead, `/api/incidents/${target.number}/timeline?limit=5001`)).status).toBe(400);
  });
});

describe('"seen in N other incidents", a page at a time', () => {
  it('lists every other visible incident holding the observable, with the same total as the count, and hides the rest', async () => {
    const holder = await createIncident(h.deps, h.actor, { title: 'the incident being read', constituency: 'finance' });
    const observable = await addIncidentObservable(h.deps, h.actor, holder.id, { type: 'domain', value: 'shared-c2.example' });
    const visible: string[] = [];
    for (let i = 0; i < 47; i++) {
      const other = await createIncident(h.deps, h.actor, { title: `other ${i}`, constituency: i % 2 ? 'finance' : null });
      await addIncidentObservable(h.deps, h.actor, other.id, { type: 'domain', value: 'shared-c2[.]example' });
      visible.push(other.number);
    }
    // Outside the handler's constituency: counted for the lead only.
    for (let i = 0; i < 5; i++) {
      const hidden = await createIncident(h.deps, h.actor, { title: `gov ${i}`, constituency: 'gov' });
      await addIncidentObservable(h.deps, h.actor, hidden.id, { type: 'domain', value: 'shared-c2.example' });
    }

    for (const [token, want] of [
      [financeHandler, 47],
      [lead, 52],
    ] as const) {
      const count = await get<{ items: { id: string; seenInOtherIncidents: number }[] }>(token, `/api/incidents/${holder.number}/observables`);
      expect(count.body.items.find((o) => o.id === observable.id)!.seenInOtherIncidents).toBe(want);
      const numbers: string[] = [];
      for (let offset = 0; offset < want; offset += 20) {
        const page = await get<PageOf<{ number: string; createdAt: string }>>(
          token,
          `/api/incidents/${holder.number}/observables/${observable.id}/incidents?limit=20&offset=${offset}`,
        );
        expect(page.status).toBe(200);
        expect(page.body).toMatchObject({ total: want, totalIsExact: true, limit: 20, offset });
        numbers.push(...page.body.items.map((i) => i.number));
      }
      expect(numbers).toHaveLength(want);
      expect(new Set(numbers).size).toBe(want);
      expect(numbers).not.toContain(holder.number);
      // Newest first.
      expect(numbers).toEqual([...numbers].sort().reverse());
      if (token === financeHandler) expect(numbers.sort()).toEqual([...visible].sort());
    }

    // The default page is 50; an observable not on this incident, or an incident the caller may not see, answers 404.
    expect((await get<PageOf<unknown>>(lead, `/api/incidents/${holder.number}/observables/${observable.id}/incidents`)).body).toMatchObject({ limit: 50, offset: 0 });
    const elsewhere = await addIncidentObservable(h.deps, h.actor, (await createIncident(h.deps, h.actor, { title: 'unrelated' })).id, { type: 'ipv4', value: '198.51.100.9' });
    expect((await get(lead, `/api/incidents/${holder.number}/observables/${elsewhere.id}/incidents`)).status).toBe(404);
    const gov = await createIncident(h.deps, h.actor, { title: 'gov holder', constituency: 'gov' });
    await addIncidentObservable(h.deps, h.actor, gov.id, { type: 'domain', value: 'shared-c2.example' });
    expect((await get(financeHandler, `/api/incidents/${gov.number}/observables/${observable.id}/incidents`)).status).toBe(404);
    expect((await get(lead, `/api/incidents/${gov.number}/observables/${observable.id}/incidents`)).status).toBe(200);
    expect((await get(lead, `/api/incidents/${holder.number}/observables/not-a-uuid/incidents`)).status).toBe(400);
  });
});
