import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/domain/actor.js';
import { parseMail } from '../../src/formats/mail.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { sendCoordination } from '../../src/services/coordination-send.service.js';
import { afterIncidentChange } from '../../src/services/incident-change.service.js';
import { changeIncidentStatus, createIncident, getIncident, updateIncident } from '../../src/services/incident.service.js';
import { addIncidentObservable } from '../../src/services/observable.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { listTasks, savePlaybook, updateTask } from '../../src/services/playbook.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { createRule, decide, deleteRule, getDecisions, listRules, updateRule } from '../../src/services/rules.service.js';
import { getTimeline } from '../../src/services/timeline.service.js';
import { splitIncident } from '../../src/services/merge-split.service.js';
import { attachReports, createIncidentFromReports } from '../../src/services/triage.service.js';
import { buildApp } from '../../src/http/app.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

/**
 * Playbooks and tasks (what must be done), escalation rules (who decides, how
 * far): every condition and action, once per cause, across a crash, and a
 * chain of rules stopped instead of looping.
 */
let h: Harness;
let sink: SmtpSink;
let handler: Actor;
const HOUR = 3600_000;
const rules: string[] = [];

beforeAll(async () => {
  sink = await startSmtpSink();
  h = await createHarness({ relay: sink.url, relayTimeoutSeconds: 1 });
  h.deps.settings.intake.autoAcknowledge = false;
  handler = (await h.user(['handler'])).actor;
});
afterAll(async () => {
  await h.close();
  await sink.close();
});
beforeEach(async () => {
  sink.mails.length = 0;
  // Each test writes the rules it needs; those of earlier tests are switched off.
  for (const id of rules.splice(0)) await updateRule(h.deps, h.actor, id, { name: `off ${id}`, enabled: false, when: { keywords: ['-'] }, then: [{ type: 'notify', who: 'leads' }] });
});

const rule = async (input: object) => {
  const r = await createRule(h.deps, h.actor, input);
  rules.push(r.id);
  return r;
};
const timeline = async (id: string) => (await getTimeline(h.deps, h.actor, id)).items;
const fired = async (id: string) => (await timeline(id)).filter((e) => e.action === 'rule.fired').map((e) => e.changes.name);

describe('playbooks and tasks', () => {
  it('a new incident gets its category’s playbook: tasks by phase, mandatory ones marked, due dates set, one timeline entry', async () => {
    const i = await createIncident(h.deps, handler, { title: 'Phishing imitating a bank', category: 'phishing' });
    const tasks = await listTasks(h.deps, handler, i.id);
    expect(tasks.map((t) => t.key)).toEqual(['confirm-site', 'identify-brand', 'find-hoster', 'request-takedown', 'inform-brand', 'verify-down', 'keep-originals', 'keep-capture', 'tell-reporter']);
    expect(tasks[0]).toMatchObject({ phase: 'analysis', mandatory: true, state: 'open', playbook: 'phishing@0', title: { ja: expect.stringContaining('サイト') as string, en: expect.stringContaining('site') as string } });
    expect(Date.parse(tasks[0]!.dueAt!) - Date.parse(i.createdAt)).toBeGreaterThanOrEqual(2 * HOUR);
    expect(tasks.find((t) => t.key === 'identify-brand')!.dueAt).toBeNull();
    const added = (await timeline(i.id)).filter((e) => e.action === 'task.added');
    expect(added).toHaveLength(1);
    expect(added[0]!.changes.playbook).toBe('phishing@0');
  });

  it('a lead saves a new version; new incidents get it, older ones keep their tasks; a handler may not; a bad playbook says where', async () => {
    const before = await createIncident(h.deps, handler, { title: 'scan 1', category: 'scan' });
    const book = { title: { ja: 'スキャン v1', en: 'Scan v1' }, tasks: [{ key: 'block', phase: 'containment', title: { ja: '遮断を助言', en: 'Advise blocking' }, mandatory: true }] };
    await expect(savePlaybook(h.deps, handler, 'scan', book)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const bad = savePlaybook(h.deps, h.actor, 'scan', { ...book, tasks: [...book.tasks, book.tasks[0]] });
    await expect(bad).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: ['tasks', 1, 'key'] }] } });
    const saved = await savePlaybook(h.deps, h.actor, 'scan', book);
    expect(saved.version).toBe(1);
    const after = await createIncident(h.deps, handler, { title: 'scan 2', category: 'scan' });
    expect((await listTasks(h.deps, handler, after.id)).map((t) => `${t.key}@${t.playbook}`)).toEqual(['block@scan@1']);
    expect((await listTasks(h.deps, handler, before.id)).map((t) => t.key)).toEqual(['check-logs', 'notify-source-isp', 'tell-reporter']);
  });

  it('done, not needed only with a reason (nothing changes without one), open again — each on the timeline', async () => {
    const i = await createIncident(h.deps, handler, { title: 'defaced', category: 'defacement' });
    const [first, second] = await listTasks(h.deps, handler, i.id);
    await expect(updateTask(h.deps, handler, i.id, second!.id, { state: 'not-needed' })).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: ['reason'] }] } });
    expect((await listTasks(h.deps, handler, i.id))[1]!.state).toBe('open');
    const done = await updateTask(h.deps, handler, i.id, first!.id, { state: 'done', assignee: 'handler@team.example' });
    expect(done).toMatchObject({ state: 'done', doneBy: handler.id, assignee: 'handler@team.example', version: 2 });
    await updateTask(h.deps, handler, i.id, second!.id, { state: 'not-needed', reason: '管理者が自ら連絡済み' });
    await updateTask(h.deps, handler, i.id, first!.id, { state: 'open' });
    await expect(updateTask(h.deps, handler, i.id, first!.id, { state: 'done', version: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });
    const entries = (await timeline(i.id)).filter((e) => e.action.startsWith('task.') && e.action !== 'task.added');
    expect(entries.map((e) => e.action)).toEqual(['task.done', 'task.not-needed', 'task.reopened']);
    expect(entries[1]!.changes.reason).toEqual({ before: null, after: '管理者が自ら連絡済み' });
  });

  it('closing with open mandatory tasks needs a lead’s override with a reason; the override names the tasks', async () => {
    const i = await createIncident(h.deps, handler, { title: 'dos', category: 'dos' });
    await changeIncidentStatus(h.deps, handler, i.id, { status: 'open' });
    await changeIncidentStatus(h.deps, handler, i.id, { status: 'resolved' });
    await expect(changeIncidentStatus(h.deps, handler, i.id, { status: 'closed', override: 'please' })).rejects.toMatchObject({ code: 'VALIDATION', details: { issues: [{ path: ['override'] }] } });
    await expect(changeIncidentStatus(h.deps, h.actor, i.id, { status: 'closed' })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect((await getIncident(h.deps, h.actor, i.id)).incident.status).toBe('resolved');
    const closed = await changeIncidentStatus(h.deps, h.actor, i.id, { status: 'closed', override: '攻撃は収束し、ISP側で対応済み' });
    expect(closed.status).toBe('closed');
    const override = (await timeline(i.id)).find((e) => e.action === 'incident.close-override')!;
    expect(override.note).toBe('攻撃は収束し、ISP側で対応済み');
    expect((override.changes.openTasks as unknown[]).length).toBe(3);
  });

  it('closes without an override once every mandatory task is done or not needed', async () => {
    const i = await createIncident(h.deps, handler, { title: 'other', category: 'other' });
    await changeIncidentStatus(h.deps, handler, i.id, { status: 'open' });
    await changeIncidentStatus(h.deps, handler, i.id, { status: 'resolved' });
    expect((await changeIncidentStatus(h.deps, handler, i.id, { status: 'closed' })).status).toBe('closed');
  });
});

describe('escalation rules', () => {
  it('category and severity → assign and raise priority, once: a later change does not fire it again', async () => {
    await rule({ name: 'critical phishing to the lead', when: { categories: ['phishing'], severities: ['critical'] }, then: [{ type: 'assign', to: 'lead@team.example' }, { type: 'raise-priority', to: 'urgent' }] });
    const i = await createIncident(h.deps, handler, { title: 'phishing', category: 'phishing' });
    expect(await fired(i.id)).toEqual([]);
    const changed = await updateIncident(h.deps, handler, i.id, { severity: 'critical' });
    expect(changed).toMatchObject({ owner: 'lead@team.example', priority: 'urgent', severity: 'critical' });
    await updateIncident(h.deps, handler, i.id, { title: 'phishing (edited)', version: changed.version });
    expect(await fired(i.id)).toEqual(['critical phishing to the lead']);
    const { firings } = await getDecisions(h.deps, h.actor, i.id);
    expect(firings).toMatchObject([{ name: 'critical phishing to the lead', cause: 'match', version: 1 }]);
  });

  it('an observable on the watch-list (written defanged) → a partner CSIRT task; the cause names the entry', async () => {
    const partner = await createOrganisation(h.deps, h.actor, { name: 'Partner CERT', kind: 'csirt', country: 'KR' });
    await rule({ name: 'known C2', when: { watchlist: ['hxxp://c2[.]evil[.]example/gate.php'] }, then: [{ type: 'mark-for-partner', organisationId: partner.id }] });
    const i = await createIncident(h.deps, handler, { title: 'malware', category: 'malware' });
    await addIncidentObservable(h.deps, handler, i.id, { type: 'url', value: 'http://c2.evil.example/gate.php' });
    expect(await fired(i.id)).toEqual(['known C2']);
    expect((await listTasks(h.deps, handler, i.id)).some((t) => t.title.en === 'Coordinate with the partner CSIRT Partner CERT')).toBe(true);
    expect((await getDecisions(h.deps, h.actor, i.id)).firings[0]!.cause).toBe('watchlist:http://c2.evil.example/gate.php');
  });

  it('a Japanese keyword → a second playbook’s tasks; a count of reports → notify the leads by mail', async () => {
    await rule({ name: 'ランサムウェア', when: { keywords: ['ランサムウェア'] }, then: [{ type: 'add-playbook', category: 'targeted-attack' }] });
    await rule({ name: 'three reports', when: { reportsAtLeast: 3 }, then: [{ type: 'notify', who: 'leads' }] });
    const reports = [];
    for (let n = 0; n < 3; n++) reports.push((await recordReport(h.deps, h.actor, { sourceRef: `kw-${n}-${Math.random()}`, body: `ランサムウェア感染の報告 ${n}` })).report.id);
    const i = await createIncidentFromReports(h.deps, handler, { reportIds: reports.slice(0, 2), title: '病院でランサムウェア感染', category: 'malware' });
    expect(await fired(i.id)).toEqual(['ランサムウェア']);
    expect((await listTasks(h.deps, handler, i.id)).some((t) => t.key === 'decide-scope')).toBe(true);
    await attachReports(h.deps, handler, i.id, { reportIds: [reports[2]!] });
    expect(await fired(i.id)).toEqual(['ランサムウェア', 'three reports']);
    await h.runJobs();
    expect(sink.mails).toHaveLength(1);
    expect(sink.mails[0]!.to).toEqual(expect.arrayContaining(['handler@team.example']));
    const mail = await parseMail(sink.mails[0]!.raw);
    expect(mail.subject).toContain('three reports');
    expect(mail.text).toContain(i.number);
  });

  it('an incident made from reports, or split off with them, is judged once with its reports on it: playbook, clocks and rules', async () => {
    await rule({ name: 'two reports', when: { reportsAtLeast: 2 }, then: [{ type: 'raise-priority', to: 'high' }] });
    const reports = [];
    for (let n = 0; n < 4; n++) reports.push((await recordReport(h.deps, h.actor, { sourceRef: `pair-${n}-${Math.random()}`, body: `defacement of www.example-${n}.jp` })).report.id);
    const made = await createIncidentFromReports(h.deps, handler, { reportIds: reports.slice(0, 2), title: 'defaced sites', category: 'defacement', priority: 'low' });
    expect(await fired(made.id)).toEqual(['two reports']);
    expect((await getIncident(h.deps, handler, made.id)).incident.priority).toBe('high');
    // One playbook, applied once (not once per run of what follows a change).
    expect((await timeline(made.id)).filter((e) => e.action === 'task.added' && e.actor === 'system:playbook')).toHaveLength(1);

    await attachReports(h.deps, handler, made.id, { reportIds: reports.slice(2) });
    const split = await splitIncident(h.deps, handler, made.id, { reportIds: reports.slice(2), title: 'the other two', priority: 'low' });
    expect(await fired(split.id)).toEqual(['two reports']);
    expect((await getIncident(h.deps, handler, split.id)).incident.priority).toBe('high');
  });

  it('TLP and constituency → a lead must decide before anything leaves the team', async () => {
    await rule({ name: 'gov amber needs a lead', when: { tlp: ['AMBER+STRICT'], constituencies: ['gov'] }, then: [{ type: 'require-decision', before: 'send-outside' }] });
    const i = await createIncident(h.deps, handler, { title: 'ministry', category: 'targeted-attack', tlp: 'AMBER+STRICT', constituency: 'gov' });
    const c = await createCoordination(h.deps, handler, i.id, { purpose: 'notification', contactEmail: 'soc@ministry.example', language: 'ja', tlp: 'AMBER+STRICT' });
    await expect(sendCoordination(h.deps, handler, i.id, c.id)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/lead must approve/) as string });
    expect((await getDecisions(h.deps, h.actor, i.id)).decisions).toMatchObject([{ before: 'send-outside', decision: null }]);
    await expect(decide(h.deps, handler, i.id, 'send-outside', { decision: 'approved' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await decide(h.deps, h.actor, i.id, 'send-outside', { decision: 'approved', note: '省庁CSIRTへの通知は可' });
    expect((await sendCoordination(h.deps, handler, i.id, c.id)).state).toBe('sent');
    expect((await timeline(i.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['decision.required', 'decision.taken', 'coordination.sent']));
  });

  it('an SLA clock breached, and one due soon, fire from the durable timers', async () => {
    await rule({ name: 'notification breached', when: { sla: { clock: 'first-notification', state: 'breached' } }, then: [{ type: 'raise-severity', to: 'high' }] });
    await rule({ name: 'notification due soon', when: { sla: { clock: 'first-notification', state: 'due-soon', withinMinutes: 60 } }, then: [{ type: 'assign', to: 'oncall@team.example' }] });
    const i = await createIncident(h.deps, handler, { title: 'urgent defacement', category: 'defacement', priority: 'urgent' });
    expect(await fired(i.id)).toEqual([]);
    h.advance(61 * 60_000); // first notification due at 2 h: the due-soon window opens at 1 h
    await h.runJobs();
    expect(await fired(i.id)).toEqual(['notification due soon']);
    expect((await getIncident(h.deps, h.actor, i.id)).incident.owner).toBe('oncall@team.example');
    h.advance(HOUR);
    await h.runJobs();
    expect(await fired(i.id)).toEqual(['notification due soon', 'notification breached']);
    expect((await getIncident(h.deps, h.actor, i.id)).incident.severity).toBe('high');
  });

  it('a rule that would trigger itself is refused when saved', async () => {
    await expect(rule({ name: 'loop', when: { severities: ['high', 'critical'] }, then: [{ type: 'raise-severity', to: 'critical' }] })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: ['then', 0], message: expect.stringMatching(/trigger itself/) as string }] },
    });
  });

  it('rules that keep triggering each other are stopped with an error entry, not run forever', async () => {
    const chain: [object, object][] = [
      [{ categories: ['scan'] }, { type: 'raise-severity', to: 'medium' }],
      [{ severities: ['medium'] }, { type: 'raise-priority', to: 'normal' }],
      [{ priorities: ['normal'] }, { type: 'raise-severity', to: 'high' }],
      [{ severities: ['high'] }, { type: 'raise-priority', to: 'high' }],
      [{ priorities: ['high'] }, { type: 'raise-severity', to: 'critical' }],
      [{ severities: ['critical'] }, { type: 'raise-priority', to: 'urgent' }],
    ];
    for (const [n, [when, then]] of chain.entries()) await rule({ name: `chain ${n + 1}`, when, then: [then] });
    const i = await createIncident(h.deps, handler, { title: 'scan chain', category: 'scan', severity: 'low', priority: 'low' });
    expect(await fired(i.id)).toEqual(['chain 1', 'chain 2', 'chain 3', 'chain 4', 'chain 5']);
    const stopped = (await timeline(i.id)).find((e) => e.action === 'rule.stopped')!;
    expect(stopped.changes).toMatchObject({ rules: ['chain 6'], rounds: 5 });
    expect((await getIncident(h.deps, h.actor, i.id)).incident).toMatchObject({ severity: 'critical', priority: 'high' });
  });

  it('two leads editing one rule: the second edit, from the older version, is refused and changes nothing', async () => {
    const r = await rule({ name: 'edited twice', when: { keywords: ['二重編集'] }, then: [{ type: 'notify', who: 'leads' }] });
    const first = await updateRule(h.deps, h.actor, r.id, { name: 'edited by one', when: { keywords: ['二重編集'] }, then: [{ type: 'notify', who: 'leads' }], version: r.version });
    expect(first.version).toBe(r.version + 1);
    await expect(
      updateRule(h.deps, h.actor, r.id, { name: 'edited by the other', when: { keywords: ['二重編集'] }, then: [{ type: 'notify', who: 'on-call' }], version: r.version }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`version ${first.version}, not ${r.version}`) as unknown, details: { version: first.version } });
    await expect(deleteRule(h.deps, h.actor, r.id, r.version)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await listRules(h.deps, h.actor)).find((x) => x.id === r.id)).toMatchObject({ name: 'edited by one', version: first.version, then: [{ who: 'leads' }] });
  });

  it('two leads saving one rule at the same moment: one wins, the other is told the version it is at now', async () => {
    const r = await rule({ name: 'saved at once', when: { keywords: ['同時保存'] }, then: [{ type: 'notify', who: 'leads' }] });
    const edit = (who: 'leads' | 'on-call') => updateRule(h.deps, h.actor, r.id, { name: 'saved at once', when: { keywords: ['同時保存'] }, then: [{ type: 'notify', who }], version: r.version });
    const results = await Promise.allSettled([edit('leads'), edit('on-call')]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((x) => x.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT', details: { version: r.version + 1 } } });
  });

  it('a deleted rule stops at once and leaves the firings it made; a handler may not delete one', async () => {
    const r = await rule({ name: 'to be deleted', when: { keywords: ['削除予定'] }, then: [{ type: 'raise-priority', to: 'high' }] });
    const before = await createIncident(h.deps, handler, { title: '削除予定 before', priority: 'low' });
    expect(await fired(before.id)).toEqual(['to be deleted']);
    await expect(deleteRule(h.deps, handler, r.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await deleteRule(h.deps, h.actor, r.id, r.version);
    expect((await listRules(h.deps, h.actor)).map((x) => x.id)).not.toContain(r.id);
    const after = await createIncident(h.deps, handler, { title: '削除予定 after', priority: 'low' });
    expect(await fired(after.id)).toEqual([]);
    expect((await getIncident(h.deps, h.actor, after.id)).incident.priority).toBe('low');
    expect(await fired(before.id)).toEqual(['to be deleted']);
    expect((await getDecisions(h.deps, h.actor, before.id)).firings).toMatchObject([{ ruleId: r.id, name: 'to be deleted' }]);
    await expect(deleteRule(h.deps, h.actor, r.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(updateRule(h.deps, h.actor, r.id, { name: 'back', when: { keywords: ['x'] }, then: [{ type: 'notify', who: 'leads' }] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    rules.splice(rules.indexOf(r.id), 1);
  });

  it('a crash in the middle fires nothing; the retry fires once; a later run not again', async () => {
    await rule({ name: 'vulnerability to the lead', when: { categories: ['vulnerability'] }, then: [{ type: 'assign', to: 'vuln-lead@team.example' }] });
    const { id } = await createIncident(h.deps, handler, { title: 'vuln', category: 'other' });
    await h.deps.store.transaction(async (tx) => {
      const created = await tx.incidents.findById({ kind: 'all' }, id);
      // The category changes and the rules run, then the process dies before commit.
      await tx.incidents.update({ ...created!, category: 'vulnerability', version: created!.version + 1 }, created!.version);
      await afterIncidentChange(h.deps, tx, { ...created!, category: 'vulnerability', version: created!.version + 1 }, { actions: ['incident.updated'] });
      expect(await tx.steering.firings(id)).toHaveLength(1); // fired inside the transaction …
      throw new Error('crash'); // … which never commits
    }).catch((err: Error) => expect(err.message).toBe('crash'));
    const left = await h.deps.store.incidents.findById({ kind: 'all' }, id);
    expect(left).toMatchObject({ title: 'vuln', category: 'other', owner: null });
    expect(await h.deps.store.steering.firings(left!.id)).toEqual([]);
    await updateIncident(h.deps, handler, left!.id, { category: 'vulnerability' });
    await updateIncident(h.deps, handler, left!.id, { note: 'again' });
    expect(await fired(left!.id)).toEqual(['vulnerability to the lead']);
    expect((await getIncident(h.deps, h.actor, left!.id)).incident.owner).toBe('vuln-lead@team.example');
  });
});

describe('over HTTP', () => {
  it('answers playbooks, tasks, rules and decisions with their documented shapes (no 500 on any of them)', async () => {
    const app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
    const { token } = await h.user(['lead', 'handler']);
    const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) => app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    try {
      const books = await call('GET', '/api/playbooks');
      expect(books.statusCode).toBe(200);
      expect(books.json<{ items: { category: string }[] }>().items).toHaveLength(9);
      expect((await call('GET', '/api/playbooks/phishing')).json<{ version: number; history: unknown[] }>()).toMatchObject({ version: 0, history: [] });
      const saved = await call('PUT', '/api/playbooks/ics', { title: { ja: ' 制御システム ', en: 'ICS' }, tasks: [{ key: 'safety', phase: 'analysis', title: { ja: '安全確認', en: 'Safety first' }, mandatory: true, dueAfterHours: 1 }] });
      expect(saved.statusCode).toBe(200);
      expect(saved.json<{ version: number; title: { ja: string } }>()).toMatchObject({ version: 1, title: { ja: '制御システム' } });
      const rule = await call('POST', '/api/rules', { name: ' http rule ', when: { watchlist: ['hxxp://http-rule[.]example/'], keywords: ['http-only'] }, then: [{ type: 'assign', to: 'lead@team.example' }] });
      expect(rule.statusCode).toBe(201);
      const created = rule.json<{ id: string; name: string; when: { watchlist: string[] } }>();
      rules.push(created.id);
      expect(created).toMatchObject({ name: 'http rule', when: { watchlist: ['http://http-rule.example/'] } });
      expect((await call('GET', '/api/rules')).statusCode).toBe(200);
      expect((await call('PUT', `/api/rules/${created.id}`, { name: 'http rule', enabled: false, when: { keywords: ['x'] }, then: [{ type: 'notify', who: 'leads' }] })).statusCode).toBe(200);
      const stale = await call('PUT', `/api/rules/${created.id}`, { name: 'http rule', when: { keywords: ['x'] }, then: [{ type: 'notify', who: 'leads' }], version: 1 });
      expect(stale.statusCode).toBe(409);
      const extra = await call('POST', '/api/rules', { name: 'deleted over http', when: { keywords: ['never'] }, then: [{ type: 'notify', who: 'leads' }] });
      expect((await call('DELETE', `/api/rules/${extra.json<{ id: string }>().id}?version=2`)).statusCode).toBe(409);
      expect((await call('DELETE', `/api/rules/${extra.json<{ id: string }>().id}?version=1`)).statusCode).toBe(204);
      expect((await call('GET', `/api/rules/${extra.json<{ id: string }>().id}`)).statusCode).toBe(404);
      const bad = await call('POST', '/api/rules', { name: 'bad', when: {}, then: [] });
      expect(bad.statusCode).toBe(400);
      const i = await createIncident(h.deps, h.actor, { title: 'http', category: 'ics' });
      const tasks = await call('GET', `/api/incidents/${i.number}/tasks`);
      expect(tasks.json<{ items: { key: string }[] }>().items.map((t) => t.key)).toEqual(['safety']);
      const taskId = tasks.json<{ items: { id: string }[] }>().items[0]!.id;
      expect((await call('PATCH', `/api/incidents/${i.number}/tasks/${taskId}`, { state: 'done' })).json<{ state: string }>().state).toBe('done');
      expect((await call('POST', `/api/incidents/${i.number}/decisions/send-outside`, { decision: 'refused', note: 'not yet' })).statusCode).toBe(204);
      expect((await call('GET', `/api/incidents/${i.number}/decisions`)).json<{ decisions: { decision: string }[] }>().decisions).toMatchObject([{ decision: 'refused' }]);
      const spec = (await app.inject('/api/openapi.json')).json<{ paths: Record<string, unknown> }>();
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/playbooks/{category}', '/api/rules/{ruleId}', '/api/incidents/{id}/tasks/{taskId}']));
    } finally {
      await app.close();
    }
  });
});
