import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { setIncidentShares } from '../../src/services/incident-access.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * People's names beside account ids in the API's answers: each timeline entry
 * carries its actor's display name (the account table joined in the same
 * query; null for Renkei's own `system:…` actors), and so do a decision's
 * lead and a saved template's author. Runs on SQLite and, with DATABASE_URL,
 * on PostgreSQL.
 */
let h: Harness;
let app: FastifyInstance;
let lead: { id: string; name: string; token: string };
let handler: { id: string; name: string; token: string };

interface Entry {
  id: string;
  actor: string;
  actorName: string | null;
  action: string;
  note: string | null;
}

beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  const l = await h.user(['lead', 'handler']);
  const hd = await h.user(['handler']);
  lead = { id: l.actor.id, name: l.actor.displayName, token: l.token };
  handler = { id: hd.actor.id, name: hd.actor.displayName, token: hd.token };
});
afterAll(async () => {
  await app.close();
  await h.close();
});

const as = (who: { token: string }, opts: InjectOptions) => app.inject({ ...opts, headers: { ...(opts.headers ?? {}), authorization: `Bearer ${who.token}` } });

describe('actor names', () => {
  it("does not name the team's people to a partner reading a shared incident", async () => {
    const org = (await createOrganisation(h.deps, h.actor, { name: 'Partner CSIRT', kind: 'csirt' })).id;
    const partner = await h.user(['partner'], { organisationId: org });
    const created = await as(lead, { method: 'POST', url: '/api/incidents', payload: { title: 'Shared with a partner', category: 'phishing', tlp: 'GREEN' } });
    const { id, number } = created.json<{ id: string; number: string }>();
    await setIncidentShares(h.deps, h.actor, id, { organisationIds: [org] });
    await as(handler, { method: 'POST', url: `/api/incidents/${number}/timeline`, payload: { note: 'asked the host to remove it' } });
    const ours = (await as(handler, { url: `/api/incidents/${number}/timeline` })).json<{ items: Entry[] }>().items;
    expect(ours.find((e) => e.action === 'note')?.actorName).toBe(handler.name);
    const theirs = await as(partner, { url: `/api/incidents/${number}/timeline` });
    expect(theirs.statusCode).toBe(200);
    const entries = theirs.json<{ items: Entry[] }>().items;
    expect(entries.find((e) => e.action === 'note')?.note).toBe('asked the host to remove it');
    expect(entries.every((e) => e.actorName === null)).toBe(true);
  });

  it('names the person behind each timeline entry, and none for what Renkei did itself', async () => {
    // A rule that fires on phishing incidents: its entries are Renkei's (system:rules), not a person's.
    const rule = await as(lead, { method: 'POST', url: '/api/rules', payload: { name: 'phishing needs a lead', when: { categories: ['phishing'] }, then: [{ type: 'require-decision', before: 'send-outside' }] } });
    expect(rule.statusCode).toBe(201);

    const created = await as(lead, { method: 'POST', url: '/api/incidents', payload: { title: 'Names on the timeline', category: 'phishing', tlp: 'AMBER' } });
    expect(created.statusCode).toBe(201);
    const { number } = created.json<{ number: string }>();
    await h.runJobs();

    const note = await as(handler, { method: 'POST', url: `/api/incidents/${number}/timeline`, payload: { note: 'checked the site' } });
    expect(note.statusCode).toBe(201);
    // The answer to the POST has the same shape as the timeline it joins.
    expect(note.json<Entry>()).toMatchObject({ action: 'note', actor: handler.id, actorName: handler.name });

    const decided = await as(lead, { method: 'POST', url: `/api/incidents/${number}/decisions/send-outside`, payload: { decision: 'approved', note: 'ok' } });
    expect(decided.statusCode).toBe(204);

    const res = await as(handler, { url: `/api/incidents/${number}/timeline` });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: Entry[] }>().items;
    const by = (action: string) => items.filter((e) => e.action === action);
    expect(by('incident.created')).toMatchObject([{ actor: lead.id, actorName: lead.name }]);
    expect(by('note')).toMatchObject([{ actor: handler.id, actorName: handler.name, note: 'checked the site' }]);
    expect(by('decision.taken')).toMatchObject([{ actor: lead.id, actorName: lead.name }]);
    // Renkei's own entries: the rule firing and the playbook's tasks.
    const system = items.filter((e) => e.actor.startsWith('system:'));
    expect(system.map((e) => e.actor)).toEqual(expect.arrayContaining(['system:rules', 'system:playbook']));
    for (const e of system) expect(e.actorName, `${e.action} by ${e.actor}`).toBeNull();
    // Every entry by a person has the name; the join drops no entry and duplicates none.
    for (const e of items) if (!e.actor.startsWith('system:')) expect(e.actorName, `${e.action} by ${e.actor}`).toBe(e.actor === lead.id ? lead.name : handler.name);
    expect(new Set(items.map((e) => e.id)).size).toBe(items.length);
    expect(res.json<{ total: number }>().total).toBe(items.length);

    // Paging keeps the names and the order.
    const page = await as(handler, { url: `/api/incidents/${number}/timeline?limit=2&offset=1` });
    expect(page.json<{ items: Entry[] }>().items).toEqual(items.slice(1, 3));

    // The decision names the lead who took it.
    const decisions = await as(handler, { url: `/api/incidents/${number}/decisions` });
    expect(decisions.json<{ decisions: { decidedBy: string; decidedByName: string }[] }>().decisions).toMatchObject([{ decision: 'approved', decidedBy: lead.id, decidedByName: lead.name }]);
  });

  it('names who wrote the entries on a report, and who saved a template', async () => {
    const report = await as(handler, { method: 'POST', url: '/api/reports', payload: { channel: 'web-form', subject: 'a report', body: 'hxxps://names.evil[.]example/', language: 'en' } });
    expect(report.statusCode).toBe(201);
    const { id } = report.json<{ report: { id: string } }>().report;
    const detail = await as(lead, { url: `/api/reports/${id}` });
    expect(detail.statusCode).toBe(200);
    expect(detail.json<{ timeline: Entry[] }>().timeline).toMatchObject([{ action: 'report.received', actor: handler.id, actorName: handler.name }]);

    expect((await as(handler, { url: '/api/templates/takedown/ja' })).json()).toMatchObject({ version: 0, isDefault: true, updatedBy: null, updatedByName: null });
    const saved = await as(lead, { method: 'PUT', url: '/api/templates/takedown/ja', payload: { subject: '[{{coordination.tag}}] 停止のお願い', body: '{{observables.urls}}' } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ version: 1, updatedBy: lead.id, updatedByName: lead.name });
    expect((await as(handler, { url: '/api/templates/takedown/ja' })).json()).toMatchObject({ version: 1, updatedByName: lead.name });
    // What the template screen shows beside each field: the API's issues name the field (the request body's `subject` or `body`).
    const refused = await as(lead, { method: 'PUT', url: '/api/templates/takedown/ja', payload: { subject: '{{incident.nope}}', body: 'ok {{' } });
    expect(refused.statusCode).toBe(400);
    const issues = refused.json<{ error: { code: string; issues: { path: string[]; message: string }[] } }>().error.issues;
    expect(issues.map((i) => i.path)).toEqual([
      ['body', 'subject'],
      ['body', 'body'],
    ]);
    expect(issues[0]!.message).toMatch(/unknown field \{\{incident\.nope\}\}/);
    const list = (await as(handler, { url: '/api/templates' })).json<{ items: { kind: string; language: string; updatedByName: string | null }[] }>();
    expect(list.items.find((x) => x.kind === 'takedown' && x.language === 'ja')?.updatedByName).toBe(lead.name);

    // Two editors opened version 1: the first save wins, the second is refused (409) and nothing of it is stored.
    const first = await as(lead, { method: 'PUT', url: '/api/templates/takedown/ja', payload: { subject: 'first {{coordination.tag}}', body: 'a', baseVersion: 1 } });
    expect(first.json()).toMatchObject({ version: 2 });
    const second = await as(lead, { method: 'PUT', url: '/api/templates/takedown/ja', payload: { subject: 'second', body: 'b', baseVersion: 1 } });
    expect(second.statusCode).toBe(409);
    const conflict = second.json<{ error: { code: string; message: string } }>().error;
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toMatch(/version 2, not 1/);
    expect((await as(handler, { url: '/api/templates/takedown/ja' })).json()).toMatchObject({ version: 2, subject: 'first {{coordination.tag}}' });
  });
});
