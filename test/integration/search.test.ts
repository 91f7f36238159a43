import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordReport } from '../../src/services/record-report.service.js';
import { search } from '../../src/services/search.service.js';
import { changeIncidentStatus, createIncident } from '../../src/services/incident.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
const ids: Record<string, string> = {};
beforeAll(async () => {
  h = await createHarness();
  const add = async (key: string, subject: string, body: string) =>
    (ids[key] = (await recordReport(h.deps, h.actor, { sourceRef: key, subject, body })).report.id);
  await add('sagi', '相談', 'SMSで届いたリンクを開いたところ、詐欺の可能性があると言われました。');
  await add('nise', 'フィッシング', '大手銀行の偽サイトに誘導されました。URLは https://secure-login.example-bank.com.evil.example/jp/ です。');
  await add('ip', 'scan', 'Port scan from 203.0.113.77 against our web servers.');
  await add('noise', '無関係', 'サイトの表示が遅いという問い合わせです。詐称ではありません。');
  await add('fullwidth', 'ＡＢＣ銀行', '全角のＵＲＬ表記について');
});
afterAll(async () => h.close());

const reportIds = async (q: string, extra: Record<string, unknown> = {}) =>
  (await search(h.deps, h.actor, { q, kind: 'report', ...extra })).reports.items.map((x) => x.item.id).sort();

describe('full-text search', () => {
  it('finds a two-character Japanese word inside a sentence', async () => {
    expect(await reportIds('詐欺')).toEqual([ids.sagi]);
  });
  it('finds a Japanese word without matching its parts elsewhere', async () => {
    expect(await reportIds('偽サイト')).toEqual([ids.nise]);
  });
  it('finds a one-character term', async () => {
    expect(await reportIds('偽')).toEqual([ids.nise]);
  });
  it('finds a URL and an IP address as phrases', async () => {
    expect(await reportIds('https://secure-login.example-bank.com.evil.example/jp/')).toEqual([ids.nise]);
    expect(await reportIds('203.0.113.77')).toEqual([ids.ip]);
    expect(await reportIds('203.0.113.78')).toEqual([]);
  });
  it('matches full-width and half-width forms alike', async () => {
    expect(await reportIds('abc銀行')).toEqual([ids.fullwidth]);
    expect(await reportIds('ＵＲＬ')).toEqual([ids.fullwidth, ids.nise].sort());
  });
  it('requires every word of the query', async () => {
    expect(await reportIds('詐欺 SMS')).toEqual([ids.sagi]);
    expect(await reportIds('詐欺 scan')).toEqual([]);
  });
  it('returns a snippet around the match', async () => {
    const result = await search(h.deps, h.actor, { q: '詐欺', kind: 'report' });
    expect(result.reports.items[0]!.snippet).toContain('詐欺');
  });
  it('filters by the observable and by incident fields', async () => {
    expect(await reportIds('', { observable: '203.0.113[.]77' })).toEqual([ids.ip]);
    await createIncidentFromReports(h.deps, h.actor, { reportIds: [ids.ip!], category: 'scan' });
    expect(await reportIds('scan', { category: 'scan' })).toEqual([ids.ip]);
    expect(await reportIds('scan', { category: 'phishing' })).toEqual([]);
  });
  it('searches incidents by title and 5W1H text, with status filters', async () => {
    const i = await createIncident(h.deps, h.actor, { title: '標的型攻撃の調査', fiveW1H: { motive: '情報窃取' } });
    const found = await search(h.deps, h.actor, { q: '窃取', kind: 'incident' });
    expect(found.incidents.items.map((x) => x.item.id)).toEqual([i.id]);
    await changeIncidentStatus(h.deps, h.actor, i.id, { status: 'open' });
    expect((await search(h.deps, h.actor, { q: '標的型', kind: 'incident', status: ['new'] })).incidents.total).toBe(0);
    expect((await search(h.deps, h.actor, { q: '標的型', kind: 'incident', status: ['open'] })).incidents.total).toBe(1);
    expect((await search(h.deps, h.actor, { q: i.number, kind: 'incident' })).incidents.total).toBe(1);
  });
  it('says clearly when a query has nothing to search for', async () => {
    await expect(search(h.deps, h.actor, { q: '!!!' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
  it('finds a Japanese word that runs straight into Latin letters', async () => {
    const { report } = await recordReport(h.deps, h.actor, { sourceRef: 'mixed', subject: 'mixed', body: '不正アクセスPCを確認。感染URLは添付の通り。' });
    expect(await reportIds('アクセスPC')).toEqual([report.id]);
    expect(await reportIds('感染URL')).toEqual([report.id]);
  });
  it('finds an address after hundreds of repeats of another one (log files)', async () => {
    const body = '10.0.0.1 '.repeat(400) + '203.0.113.177 ' + '10.0.0.1 '.repeat(400);
    const { report } = await recordReport(h.deps, h.actor, { sourceRef: 'log', subject: 'log', body });
    expect(await reportIds('203.0.113.177')).toEqual([report.id]);
  });
  it('finds a phrase deep inside a long report', async () => {
    const filler = 'これは長い報告書の本文です。'.repeat(3000);
    const { report } = await recordReport(h.deps, h.actor, { sourceRef: 'long', subject: 'long', body: `${filler}末尾に不正送金の記述。` });
    expect(await reportIds('不正送金')).toEqual([report.id]);
  });
});
