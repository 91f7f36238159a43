import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { canSee } from '../../src/domain/access.js';
import type { Actor, Role } from '../../src/domain/actor.js';
import { TLP_LABELS, type Tlp } from '../../src/domain/tlp.js';
import { buildApp } from '../../src/http/app.js';
import { ROUTE_POLICY } from '../../src/http/route-policy.js';
import { accessScope, can } from '../../src/services/access.policy.js';
import { setIncidentAccessList, setIncidentShares } from '../../src/services/incident-access.service.js';
import { addIncidentObservable } from '../../src/services/observable.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { createTakedown } from '../../src/services/takedown.service.js';
import { uploadEvidence } from '../../src/services/evidence-collection.service.js';
import { createRule } from '../../src/services/rules.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';
import { holdMail } from '../support/held-mail.js';

/**
 * Every route registered in the app × every role × incidents of every TLP, in
 * and out of the handler's constituency: the answer must be what
 * src/http/route-policy.ts declares — 403 without the capability, 404 when the
 * incident or report is hidden (exactly as when it does not exist), and
 * otherwise neither. A route missing from the table fails here.
 */
let h: Harness;
let app: FastifyInstance;
const who: { key: string; actor: Actor; token: string }[] = [];
interface Case {
  id: string;
  number: string;
  reportId: string;
  tlp: Tlp;
  constituency: string | null;
}
const cases: Case[] = [];
let untriaged: string;
let orgId: string;
let observableId: string;
/** An observable added by hand to every case's incident (kept there when the split route moves its report away). */
let sharedObservableId: string;
/** One evidence attachment per report, so the download route has something to serve. */
const attachmentOf = new Map<string, string>();
/** One coordination per incident (by number), for the coordination routes. */
const coordinationOf = new Map<string, string>();
const takedownOf = new Map<string, string>();
/** One evidence item per incident (by number), for the evidence routes. */
const itemOf = new Map<string, string>();
/** One playbook task per incident (by number), for the task routes. */
const taskOf = new Map<string, string>();
let ruleId: string;
/** Rules to delete, one a call (a deleted rule answers 404). */
const deletable: string[] = [];
/** A mail held in the spool, new for each call (releasing one makes it no longer held). */
const heldMail = () => holdMail(h.deps.store, h.now(), Buffer.from('Subject: held\r\n\r\nx\r\n'), 'held for the matrix test');
async function attach(reportId: string) {
  const stored = await h.deps.evidence.put(Buffer.from(`evidence for ${reportId}`));
  const id = randomUUID();
  await h.deps.store.reports.addAttachments(reportId, [{ id, ...stored, filename: 'log.txt', mimeType: 'text/plain', kind: 'attachment', note: null }], h.now().toISOString());
  attachmentOf.set(reportId, id);
}

beforeAll(async () => {
  h = await createHarness();
  app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  orgId = (await createOrganisation(h.deps, h.actor, { name: 'Matrix Partner', kind: 'csirt' })).id;
  const add = async (key: string, roles: Role[], extra: { constituencies?: string[]; organisationId?: string } = {}) =>
    who.push({ key, ...(await h.user(roles, extra)) });
  await add('lead', ['lead']);
  await add('handler(finance)', ['handler'], { constituencies: ['finance'] });
  await add('auditor', ['auditor']);
  await add('administrator', ['administrator']);
  await add('partner', ['partner'], { organisationId: orgId });
  for (const tlp of TLP_LABELS)
    for (const constituency of ['finance', 'gov']) {
      const { report } = await recordReport(h.deps, h.actor, {
        sourceRef: randomUUID(),
        subject: `matrix ${tlp} ${constituency}`,
        body: 'C2 at 203.0.113.251',
        raw: Buffer.from('raw').toString('base64'),
      });
      const i = await createIncidentFromReports(h.deps, h.actor, { reportIds: [report.id], tlp, constituency });
      if (tlp !== 'RED' && tlp !== 'AMBER+STRICT') await setIncidentShares(h.deps, h.actor, i.id, { organisationIds: [orgId] });
      if (tlp === 'RED') await setIncidentAccessList(h.deps, h.actor, i.id, { accountIds: [who[0]!.actor.id] });
      cases.push({ id: i.id, number: i.number, reportId: report.id, tlp, constituency });
      const coordination = await createCoordination(h.deps, h.actor, i.id, {
        purpose: 'notification',
        contactEmail: 'owner@matrix.example',
        tlp: tlp === 'RED' ? 'AMBER+STRICT' : tlp,
      });
      coordinationOf.set(i.number, coordination.id);
      // 192.0.2.0/24 is refused by the fetch policy at once: the check route answers without touching the network.
      takedownOf.set(i.number, (await createTakedown(h.deps, h.actor, i.id, { url: `http://192.0.2.1/${tlp}` })).id);
      taskOf.set(i.number, (await h.deps.store.steering.tasks(i.id))[0]!.id);
      await attach(report.id);
      sharedObservableId = (await addIncidentObservable(h.deps, h.actor, i.id, { type: 'ipv4', value: '192.0.2.99' })).id;
      itemOf.set(i.number, (await uploadEvidence(h.deps, h.actor, i.id, { filename: 'matrix.txt', contentBase64: Buffer.from(`matrix ${i.number}`).toString('base64') })).id);
    }
  ruleId = (await createRule(h.deps, h.actor, { name: 'matrix rule', when: { keywords: ['never-in-the-matrix'] }, then: [{ type: 'notify', who: 'leads' }] })).id;
  for (let i = 0; i < 12; i++)
    deletable.push((await createRule(h.deps, h.actor, { name: `matrix rule to delete ${i}`, when: { keywords: ['never-in-the-matrix'] }, then: [{ type: 'notify', who: 'leads' }] })).id);
  untriaged = (await recordReport(h.deps, h.actor, { sourceRef: randomUUID(), body: 'untriaged', raw: Buffer.from('r').toString('base64') })).report.id;
  await attach(untriaged);
  observableId = (await addIncidentObservable(h.deps, h.actor, cases[0]!.id, { type: 'ipv4', value: '192.0.2.77' })).id;
});
afterAll(async () => {
  await app.close();
  await h.close();
});

/** A valid request for each route, so the answer depends on the caller, not on validation. */
function example(route: string, c?: Case, extra: { access?: string[]; shares?: string[] } = {}): { url?: string; body?: unknown; contentType?: string } {
  switch (route) {
    case 'POST /api/reports':
      return { body: { sourceRef: randomUUID(), body: 'matrix report' } };
    case 'POST /api/reports/bulk':
      return { body: { reports: [{ sourceRef: randomUUID(), body: 'matrix bulk' }] } };
    case 'POST /api/reports/:id/reject':
      return { body: { reason: 'spam' } };
    case 'POST /api/reports/reject':
      return { body: { reportIds: [untriaged], reason: 'spam' } };
    case 'POST /api/incidents':
      return { body: { title: 'matrix' } };
    case 'POST /api/incidents/from-reports':
      return { body: { reportIds: [untriaged] } };
    case 'PATCH /api/incidents/:id':
      return { body: { note: 'matrix' } };
    case 'POST /api/incidents/:id/status':
      return { body: { status: 'open' } };
    case 'POST /api/incidents/:id/reports':
      return { body: { reportIds: [c!.reportId] } };
    case 'POST /api/incidents/:id/merge':
      return { body: { sourceIncident: c!.number } };
    case 'POST /api/incidents/:id/split':
      return { body: { reportIds: [c!.reportId], title: 'split by the matrix' } };
    case 'POST /api/incidents/:id/timeline':
      return { body: { note: 'matrix' } };
    case 'POST /api/incidents/:id/observables':
      return { body: { type: 'ipv4', value: '192.0.2.78' } };
    case 'PUT /api/incidents/:id/access':
      return { body: { accountIds: extra.access } };
    case 'PUT /api/incidents/:id/shares':
      return { body: { organisationIds: extra.shares } };
    case 'POST /api/incidents/:id/coordinations':
      return { body: { purpose: 'notification', contactEmail: 'noc@matrix.example', tlp: c!.tlp } };
    case 'POST /api/incidents/:id/evidence':
      return { body: { filename: 'matrix.txt', contentBase64: Buffer.from('matrix upload').toString('base64') } };
    case 'POST /api/incidents/:id/evidence/export':
      return { body: {} };
    case 'POST /api/incidents/:id/evidence/:itemId/hand-over':
      return { body: { recipient: 'matrix recipient' } };
    case 'POST /api/incidents/:id/takedowns':
      return { body: { url: 'hxxp://matrix[.]evil[.]example/x' } };
    case 'PATCH /api/incidents/:id/coordinations/:coordinationId':
      return { body: { body: 'matrix draft' } };
    case 'POST /api/incidents/:id/coordinations/:coordinationId/state':
      return { body: { state: 'cancelled' } };
    case 'GET /api/playbooks/:category':
      return { url: '/api/playbooks/phishing' };
    case 'PUT /api/playbooks/:category':
      return { url: '/api/playbooks/scan', body: { title: { ja: 'スキャン', en: 'Scan' }, tasks: [{ key: 'check', phase: 'analysis', title: { ja: '確認', en: 'Check' } }] } };
    case 'POST /api/incidents/:id/tasks':
      return { body: { title: 'matrix task' } };
    case 'PATCH /api/incidents/:id/tasks/:taskId':
      return { body: { assignee: 'matrix@team.example' } };
    case 'POST /api/incidents/:id/playbook':
      return { body: { category: 'scan' } };
    case 'POST /api/rules':
      return { body: { name: `matrix ${randomUUID()}`, when: { keywords: ['never-in-the-matrix'] }, then: [{ type: 'notify', who: 'leads' }] } };
    case 'GET /api/rules/:ruleId':
      return { url: `/api/rules/${ruleId}` };
    case 'DELETE /api/rules/:ruleId':
      return { url: `/api/rules/${deletable.pop() ?? ruleId}` };
    case 'PUT /api/rules/:ruleId':
      return { url: `/api/rules/${ruleId}`, body: { name: 'matrix rule', when: { keywords: ['never-in-the-matrix'] }, then: [{ type: 'notify', who: 'leads' }] } };
    case 'POST /api/incidents/:id/decisions/:before':
      return { url: `/api/incidents/${c!.number}/decisions/send-outside`, body: { decision: 'approved', note: 'matrix' } };
    case 'GET /api/templates/:kind/:language':
      return { url: '/api/templates/takedown/en' };
    case 'PUT /api/templates/:kind/:language':
      return { url: '/api/templates/takedown/en', body: { subject: 'Takedown {{incident.number}}', body: 'Please act on {{observables.urls}}' } };
    case 'GET /api/incidents/:id/observables/:observableId/incidents':
      return { url: `/api/incidents/${c!.number}/observables/${sharedObservableId}/incidents` };
    case 'GET /api/observables/sightings':
      return { url: '/api/observables/sightings?q=203.0.113.251' };
    case 'GET /api/observables/:id/sightings':
      return { url: `/api/observables/${observableId}/sightings` };
    case 'GET /api/search':
      return { url: '/api/search?q=matrix' };
    case 'GET /api/directory/owner':
      return { url: '/api/directory/owner?q=192.0.2.1' };
    case 'GET /api/directory/abuse-contact':
      return { url: '/api/directory/abuse-contact?q=192.0.2.1' };
    case 'POST /api/accounts':
      return { body: { email: `${randomUUID()}@team.example`, displayName: 'New', roles: ['handler'] } };
    case 'PATCH /api/accounts/:id':
      return { body: { language: 'en' } };
    case 'POST /api/organisations':
      return { body: { name: `Org ${randomUUID()}`, kind: 'isp' } };
    case 'PUT /api/organisations/:id':
      return { body: { name: 'Matrix Partner', kind: 'csirt' } };
    case 'POST /api/organisations/import':
      return { body: 'organisation,kind\nImported by matrix,isp\n', contentType: 'text/csv' };
    default:
      return {};
  }
}

const apiRoutes = () => app.routeTable.filter((r) => !r.url.startsWith('/api/docs')).map((r) => `${r.method} ${r.url}`);

async function call(token: string | undefined, route: string, id: string | undefined, ex: ReturnType<typeof example>) {
  const [method, path] = route.split(' ') as [string, string];
  const url = ex.url ?? path.replace(':id', id ?? randomUUID()).replace(':attachmentId', attachmentOf.get(id ?? '') ?? randomUUID()).replace(':coordinationId', coordinationOf.get(id ?? '') ?? randomUUID()).replace(':takedownId', takedownOf.get(id ?? '') ?? randomUUID()).replace(':taskId', taskOf.get(id ?? '') ?? randomUUID()).replace(':itemId', itemOf.get(id ?? '') ?? randomUUID());
  return app.inject({
    method: method as 'GET',
    url,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(ex.contentType ? { 'content-type': ex.contentType } : {}) },
    ...(ex.body !== undefined ? { payload: ex.body as string } : {}),
  });
}

describe('authorisation matrix', () => {
  it('has a declared policy for every route the app serves', () => {
    const missing = apiRoutes().filter((r) => !ROUTE_POLICY[r]);
    expect(missing, 'add these routes to src/http/route-policy.ts').toEqual([]);
  });

  it('asks for a sign-in on every route that is not public', async () => {
    for (const route of apiRoutes()) {
      const res = await call(undefined, route, undefined, example(route, cases[0]));
      if (ROUTE_POLICY[route]!.kind === 'public') expect(res.statusCode, route).not.toBe(401);
      else expect(res.statusCode, route).toBe(401);
    }
  });

  it('answers every role on every incident and report as the policy says', async () => {
    const failures: string[] = [];
    for (const route of apiRoutes()) {
      const policy = ROUTE_POLICY[route]!;
      if (policy.kind === 'public' || policy.kind === 'self') continue;
      for (const { key, actor, token } of who) {
        const capable = policy.capability === undefined || can(actor, policy.capability);
        const targets: { label: string; id?: string; c?: Case; visible: boolean }[] = [];
        if (policy.kind === 'incident' || policy.kind === 'report') {
          for (const c of cases) {
            const facts = await h.deps.store.incidents.accessOf(c.id);
            const visible = canSee(accessScope(actor), { tlp: c.tlp, constituency: c.constituency, ...facts });
            if (policy.kind === 'incident') targets.push({ label: `${c.tlp}/${c.constituency}`, id: c.number, c, visible });
            else {
              const r = await h.deps.store.reports.findById({ kind: 'all' }, c.reportId);
              const holder = await h.deps.store.incidents.findById({ kind: 'all' }, r!.incidentId!);
              const hf = await h.deps.store.incidents.accessOf(holder!.id);
              targets.push({ label: `report of ${c.tlp}/${c.constituency}`, id: c.reportId, c, visible: canSee(accessScope(actor), { tlp: holder!.tlp, constituency: holder!.constituency, ...hf }) });
            }
          }
          if (policy.kind === 'report') {
            const r = await h.deps.store.reports.findById({ kind: 'all' }, untriaged);
            const scope = accessScope(actor);
            targets.push({ label: 'untriaged report', id: untriaged, visible: r!.incidentId === null && scope.kind === 'rules' && scope.canSeeUntriaged });
          }
        } else {
          const id = policy.kind === 'organisation' ? orgId : policy.kind === 'account' ? who[1]!.actor.id : policy.kind === 'spool' ? await heldMail() : undefined;
          targets.push({ label: policy.kind === 'spool' ? 'held mail' : 'collection', id, visible: true });
        }
        for (const t of targets) {
          const facts = t.c ? await h.deps.store.incidents.accessOf(t.c.id) : { accessList: [], sharedWith: [] };
          const res = await call(token, route, t.id, example(route, t.c, { access: facts.accessList, shares: facts.sharedWith }));
          const expected = !capable ? '403' : !t.visible ? '404' : 'allowed';
          const got = res.statusCode === 403 ? '403' : res.statusCode === 404 ? '404' : res.statusCode === 401 ? '401' : 'allowed';
          if (got !== expected) failures.push(`${route} as ${key} on ${t.label}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
