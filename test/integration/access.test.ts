import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canSee } from '../../src/domain/access.js';
import type { Actor, Role } from '../../src/domain/actor.js';
import { TLP_LABELS, type Tlp } from '../../src/domain/tlp.js';
import { accessScope } from '../../src/services/access.policy.js';
import { createIncident, getIncident, listIncidents } from '../../src/services/incident.service.js';
import { setIncidentAccessList, setIncidentShares } from '../../src/services/incident-access.service.js';
import { addIncidentObservable, findSightings } from '../../src/services/observable.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { search } from '../../src/services/search.service.js';
import { createHarness, type Harness } from '../support/harness.js';

/**
 * Visibility by role × TLP × constituency × sharing × access list, on both
 * databases: what each actor can open, list, count, search and correlate.
 */
let h: Harness;
const actors: Record<string, Actor> = {};
interface Case {
  id: string;
  number: string;
  tlp: Tlp;
  constituency: string | null;
  sharedWith: string[];
  accessList: string[];
}
const cases: Case[] = [];
let partnerOrg: string;

beforeAll(async () => {
  h = await createHarness();
  partnerOrg = (await createOrganisation(h.deps, h.actor, { name: 'Partner CSIRT', kind: 'csirt' })).id;
  const otherOrg = (await createOrganisation(h.deps, h.actor, { name: 'Other CSIRT', kind: 'csirt' })).id;
  const make = async (key: string, roles: Role[], extra: { constituencies?: string[]; organisationId?: string } = {}) =>
    (actors[key] = (await h.user(roles, extra)).actor);
  await make('lead', ['lead']);
  await make('handlerFinance', ['handler'], { constituencies: ['finance'] });
  await make('handlerAll', ['handler']);
  await make('auditor', ['auditor']);
  await make('admin', ['administrator']);
  await make('partner', ['partner'], { organisationId: partnerOrg });
  await make('otherPartner', ['partner'], { organisationId: otherOrg });
  // The creator is the harness lead; for RED, the lead `actors.lead` is put on the list.
  for (const tlp of TLP_LABELS)
    for (const constituency of ['finance', 'gov', null]) {
      const i = await createIncident(h.deps, h.actor, { title: `case ${tlp} ${constituency ?? 'none'} 秘密`, tlp, constituency: constituency ?? undefined });
      const sharedWith = tlp === 'GREEN' || tlp === 'AMBER' || tlp === 'AMBER+STRICT' ? [partnerOrg] : [];
      if (sharedWith.length) await setIncidentShares(h.deps, h.actor, i.id, { organisationIds: sharedWith });
      const accessList = tlp === 'RED' ? [h.actor.id, actors.lead!.id] : [];
      if (tlp === 'RED') await setIncidentAccessList(h.deps, h.actor, i.id, { accountIds: accessList });
      await addIncidentObservable(h.deps, h.actor, i.id, { type: 'domain', value: `${tlp.toLowerCase().replace('+', '-')}-${constituency ?? 'none'}.c2.example` });
      await addIncidentObservable(h.deps, h.actor, i.id, { type: 'ipv4', value: '203.0.113.250' });
      cases.push({ id: i.id, number: i.number, tlp, constituency, sharedWith, accessList });
    }
});
afterAll(async () => h.close());

const opens = async (actor: Actor, c: Case) =>
  getIncident(h.deps, actor, c.number).then(
    () => true,
    (err: { code?: string }) => {
      expect(err.code).toBe('NOT_FOUND');
      return false;
    },
  );

describe('who sees which incident', () => {
  it('follows the policy for every actor and every case, the same in SQL as in memory', async () => {
    for (const [key, actor] of Object.entries(actors))
      for (const c of cases) expect(await opens(actor, c), `${key} → ${c.tlp}/${c.constituency}`).toBe(canSee(accessScope(actor), c));
  });

  it('matches the rules of the issue', async () => {
    const seen = async (key: string) => {
      const out: string[] = [];
      for (const c of cases) if (await opens(actors[key]!, c)) out.push(`${c.tlp}/${c.constituency ?? '-'}`);
      return out.sort();
    };
    const all = (labels: Tlp[], cs = ['finance', 'gov', '-']) => labels.flatMap((t) => cs.map((x) => `${t}/${x}`)).sort();
    // Lead: up to AMBER+STRICT everywhere, RED only when on the list (this lead is).
    expect(await seen('lead')).toEqual(all(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']));
    // Auditor: the same labels, not RED (not on the list).
    expect(await seen('auditor')).toEqual(all(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT']));
    // Handler limited to finance: finance and unassigned incidents only.
    expect(await seen('handlerFinance')).toEqual(all(['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT'], ['finance', '-']));
    // Administrator: CLEAR and GREEN only.
    expect(await seen('admin')).toEqual(all(['CLEAR', 'GREEN']));
    // Partner: what was shared with its organisation, never AMBER+STRICT.
    expect(await seen('partner')).toEqual(all(['GREEN', 'AMBER']));
    expect(await seen('otherPartner')).toEqual([]);
  });
});

describe('no existence leaks', () => {
  it('gives list totals, search hits and correlation only over what the actor sees', async () => {
    for (const [key, actor] of Object.entries(actors)) {
      const visible = cases.filter((c) => canSee(accessScope(actor), c));
      const list = await listIncidents(h.deps, actor, {}, { by: 'createdAt', direction: 'desc' }, { limit: 200, offset: 0 });
      expect(list.total, key).toBe(visible.length);
      const found = await search(h.deps, actor, { q: '秘密', kind: 'incident', limit: 200 });
      expect(found.incidents.total, key).toBe(visible.length);
      if (visible.length === 0) {
        await expect(findSightings(h.deps, actor, '203.0.113.250'), key).rejects.toMatchObject({ code: 'NOT_FOUND' });
      } else {
        const s = await findSightings(h.deps, actor, '203.0.113.250');
        expect(s.incidentTotal, key).toBe(visible.length);
      }
    }
  });

  it('answers a hidden incident exactly like one that does not exist', async () => {
    const red = cases.find((c) => c.tlp === 'RED')!;
    const hidden = await getIncident(h.deps, actors.auditor!, red.number).catch((e: Error) => e);
    const missing = await getIncident(h.deps, actors.auditor!, 'RK-2026-999999').catch((e: Error) => e);
    expect(hidden).toMatchObject({ code: 'NOT_FOUND' });
    expect(missing).toMatchObject({ code: 'NOT_FOUND' });
    expect((hidden as Error).message.replace(red.number, 'X')).toBe((missing as Error).message.replace('RK-2026-999999', 'X'));
    const redDomain = 'red-finance.c2.example';
    await expect(findSightings(h.deps, actors.auditor!, redDomain)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(findSightings(h.deps, actors.auditor!, 'never-seen.example')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('what each role may do', () => {
  it('lets handlers work incidents but not share them, auditors and partners only read', async () => {
    await expect(createIncident(h.deps, actors.auditor!, { title: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(createIncident(h.deps, actors.partner!, { title: 'no' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const own = await createIncident(h.deps, actors.handlerAll!, { title: 'mine' });
    await expect(setIncidentShares(h.deps, actors.handlerAll!, own.id, { organisationIds: [partnerOrg] })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a handler filing an incident outside their constituencies', async () => {
    await expect(createIncident(h.deps, actors.handlerFinance!, { title: 'elsewhere', constituency: 'gov' })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: ['constituency'] }] },
    });
    const ok = await createIncident(h.deps, actors.handlerFinance!, { title: 'mine', constituency: 'finance' });
    expect((await getIncident(h.deps, actors.handlerFinance!, ok.id)).incident.constituency).toBe('finance');
  });

  it('keeps whoever makes an incident RED on its access list', async () => {
    const i = await createIncident(h.deps, actors.handlerAll!, { title: 'turns red', tlp: 'RED' });
    expect((await getIncident(h.deps, actors.handlerAll!, i.id)).incident.tlp).toBe('RED');
    await expect(getIncident(h.deps, actors.lead!, i.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
