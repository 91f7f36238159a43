import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { formatInstant, formatNumber } from '../../web/src/format.js';
import type { Incident } from '../../src/domain/incident.js';
import { changeIncidentStatus, createIncident } from '../../src/services/incident.service.js';
import { addIncidentObservable } from '../../src/services/observable.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { createIncidentFromReports, rejectReport } from '../../src/services/triage.service.js';
import { expectOwnLanguage, openBrowser, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * The handler's everyday screens beyond the journey, once in Japanese (Tokyo)
 * and once in English (London): the dashboard's numbers lead to the lists
 * they count; the triage queue by keyboard (? lists the shortcuts, j/k move,
 * r rejects with a reason) and several reports checked and acted on at once;
 * an incident's long timeline paged to its last entry; every other incident
 * sharing an observable, paged; the edit form's messages from the API's
 * schema; dates in JST and in the browser's zone, each labelled; and the
 * search screen's filters, kept in the address so a search can be linked.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

const NOTES = 250;
const OTHERS = 25;
/** Reports on one incident: more than a page of the incident page's report list (50). */
const WAVE = 60;

/** An i18next text with its values put in (numbers formatted as the app does), and the English singular where it has one. */
function text(L: Record<string, unknown>, key: string, lang: 'ja' | 'en', vars: Record<string, string | number> = {}): string {
  const get = (k: string) => k.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], L) as string | undefined;
  const template = ('count' in vars ? (vars.count === 1 ? (get(`${key}_one`) ?? get(`${key}_other`)) : get(`${key}_other`)) : get(key)) ?? '';
  return template.replace(/\{\{(\w+)(?:, number)?\}\}/g, (_, name: string) => {
    const v = vars[name]!;
    return typeof v === 'number' ? formatNumber(v, lang) : v;
  });
}
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(skipE2e).each(runs)('the handler’s screens in $lang', ({ lang, L, locale, timezoneId }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };
  const subjects = [1, 2, 3, 4].map((n) => (lang === 'ja' ? `トリアージ試験の報告 ${n}` : `Triage test report ${n}`));
  const reportIds: string[] = [];
  let long: Incident;
  let holder: Incident;
  const others: string[] = [];
  const found: Incident[] = [];
  /** Today in the team's zone (JST), as a date field holds it. */
  let today: string;

  beforeAll(async () => {
    s = await startServer();
    const a = s.h.actor;
    user = await s.user({ email: `screens-${lang}@team.example`, language: lang, enrolled: true });
    for (const [i, subject] of subjects.entries())
      reportIds.push((await recordReport(s.h.deps, a, { sourceRef: `triage-${i}`, subject, body: `${subject}: https://triage-${i}.phish.example/` })).report.id);

    long = await createIncident(s.h.deps, a, { title: lang === 'ja' ? '長く続く対応の記録' : 'A long-running incident', category: 'scan' });
    await s.h.deps.store.timeline.append(
      Array.from({ length: NOTES }, (_, i) => ({ incidentId: long.id, reportId: null, actor: a.id, action: 'note' as const, changes: {}, note: `memo-${String(i).padStart(4, '0')}` })),
    );

    holder = await createIncident(s.h.deps, a, { title: lang === 'ja' ? '共有された C2 ドメイン' : 'A shared C2 domain', category: 'malware' });
    await addIncidentObservable(s.h.deps, a, holder.id, { type: 'domain', value: 'shared-c2.example' });
    for (let i = 0; i < OTHERS; i++) {
      const other = await createIncident(s.h.deps, a, { title: `C2 ${i}`, category: 'malware' });
      await addIncidentObservable(s.h.deps, a, other.id, { type: 'domain', value: 'shared-c2[.]example' });
      others.push(other.number);
    }

    // Three incidents the search tells apart by its filters: only the first matches them all.
    const title = lang === 'ja' ? '絞り込み検索の試験' : 'filtered search trial';
    for (const [category, tlp] of [
      ['phishing', 'GREEN'],
      ['malware', 'GREEN'],
      ['phishing', 'AMBER'],
    ] as const) {
      const i = await createIncident(s.h.deps, a, { title: `${title} ${category} ${tlp}`, category, tlp, owner: 'owner-s@team.example' });
      await addIncidentObservable(s.h.deps, a, i.id, { type: 'domain', value: 'filter-c2.example' });
      found.push(await changeIncidentStatus(s.h.deps, a, i.id, { status: 'open' }));
    }
    today = new Date(s.h.now().getTime() + 9 * 3600_000).toISOString().slice(0, 10);
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  const noForeign = (page: Page, screen: string) => expectOwnLanguage(page, lang, screen);
  const apiGet = <T>(page: Page, url: string) => page.evaluate<T>(`fetch(${JSON.stringify(url)}).then((r) => r.json())`);

  it('signs in, and each dashboard number leads to the list it counts', async () => {
    const { page } = b;
    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();

    const card = (label: string) => page.locator('.count-card').filter({ has: page.locator('.count-label', { hasText: new RegExp(`^${escape(label)}$`) }) });
    const value = async (label: string) => {
      const v = card(label).locator('.count-value');
      await v.filter({ hasText: /^[\d,]+$/ }).waitFor();
      return Number((await v.textContent())!.replace(/,/g, ''));
    };

    // Open incidents: all but none (every incident here is new or open).
    const open = await value(L.dashboard.allOpen);
    expect(open).toBe(2 + OTHERS + found.length);
    await card(L.dashboard.allOpen).click();
    await page.getByRole('heading', { name: L.list.heading }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/incidents');
    expect(new URL(page.url()).searchParams.get('status')).toBe('new,open,waiting');
    await page.locator('.pager').getByText(text(L, 'pager.range', lang, { from: 1, to: Math.min(50, open), total: open }), { exact: true }).waitFor();
    await noForeign(page, 'incident list from the dashboard');

    // This week's phishing incidents: the list filtered by category and the week.
    await page.goBack();
    const phishing = await value(L.category.phishing);
    expect(phishing).toBe(2);
    await card(L.category.phishing).click();
    await page.getByRole('heading', { name: L.list.heading }).waitFor();
    expect(new URL(page.url()).searchParams.get('category')).toBe('phishing');
    expect(new URL(page.url()).searchParams.get('createdFrom')).toBeTruthy();
    await page.locator('.pager').getByText(text(L, 'pager.range', lang, { from: 1, to: phishing, total: phishing }), { exact: true }).waitFor();
    expect(await page.locator('.incidents-table tbody tr').count()).toBe(phishing);

    // New reports: the triage queue, with the same count.
    await page.goBack();
    const waiting = await value(L.dashboard.newReports);
    expect(waiting).toBe(subjects.length);
    await card(L.dashboard.newReports).click();
    await page.getByRole('heading', { name: L.triage.heading }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/triage');
    await page.locator('.screen-title .count').getByText(text(L, 'triage.waiting', lang, { count: waiting }), { exact: true }).waitFor();
  });

  it('triages by keyboard: ? lists the shortcuts, j/k move, r rejects with a reason; several checked reports become one incident', async () => {
    const { page } = b;
    const row = (i: number) => page.getByRole('row').filter({ hasText: subjects[i]! });
    const current = page.locator('tr[aria-current="true"]');
    // Newest first: report 4 is highlighted.
    await current.filter({ hasText: subjects[3]! }).waitFor();

    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: L.shortcuts.title });
    await help.waitFor();
    for (const [key, label] of [
      ['j', L.shortcuts.j],
      ['k', L.shortcuts.k],
      ['x', L.shortcuts.x],
      ['e', L.shortcuts.e],
      ['a', L.shortcuts.a],
      ['r', L.shortcuts.r],
      ['?', L.shortcuts.help],
    ] as const)
      await help.getByRole('row').filter({ has: page.locator('kbd', { hasText: new RegExp(`^${escape(key)}$`) }) }).getByText(label, { exact: true }).waitFor();
    await noForeign(page, 'shortcut list');
    await screenshot(page, `${lang}-triage-shortcuts`);
    await help.getByRole('button', { name: L.common.close }).click();
    await help.waitFor({ state: 'hidden' });

    await page.keyboard.press('j');
    await current.filter({ hasText: subjects[2]! }).waitFor();
    await page.keyboard.press('j');
    await current.filter({ hasText: subjects[1]! }).waitFor();
    await page.keyboard.press('k');
    await current.filter({ hasText: subjects[2]! }).waitFor();

    // r: reject the highlighted report (report 3), with a reason and a note.
    await page.keyboard.press('r');
    const reject = page.getByRole('dialog', { name: text(L, 'triage.rejectTitle', lang, { count: 1 }) });
    await reject.waitFor();
    await reject.getByLabel(L.triage.reason).selectOption('out-of-scope');
    const note = lang === 'ja' ? '当チームの対象外です。' : 'Not for this team.';
    await reject.getByLabel(L.triage.note).fill(note);
    await noForeign(page, 'reject dialog');
    await reject.getByRole('button', { name: L.triage.reject, exact: true }).click();
    await page.locator('.flash').getByText(text(L, 'triage.rejected', lang, { count: 1 })).waitFor();
    await row(2).waitFor({ state: 'detached' });
    const rejected = await apiGet<{ report: { status: string; rejectReason: string; rejectNote: string } }>(page, `/api/reports/${reportIds[2]}`);
    expect(rejected.report).toMatchObject({ status: 'rejected', rejectReason: 'out-of-scope', rejectNote: note });

    // Multi-select: reports 4 and 1 checked, one action for both.
    await page.getByRole('checkbox', { name: new RegExp(escape(subjects[3]!)) }).check();
    await page.getByRole('checkbox', { name: new RegExp(escape(subjects[0]!)) }).check();
    await page.getByRole('toolbar').getByText(text(L, 'triage.checkedCount', lang, { count: 2 })).waitFor();
    await screenshot(page, `${lang}-triage-checked`);
    await page.getByRole('toolbar').getByRole('button', { name: L.triage.create }).click();
    const create = page.getByRole('dialog', { name: text(L, 'triage.createTitle', lang, { count: 2 }) });
    await create.waitFor();
    await create.getByLabel(L.incident.category).selectOption('phishing');
    await create.getByRole('button', { name: L.triage.create, exact: true }).click();
    const flashLink = page.locator('.flash').getByRole('link');
    await flashLink.waitFor();
    const number = /RK-\d{4}-\d{6}/.exec((await flashLink.textContent()) ?? '')![0];
    // Only report 2 is left waiting.
    await row(0).waitFor({ state: 'detached' });
    await row(3).waitFor({ state: 'detached' });
    await row(1).waitFor();
    for (const i of [0, 3]) {
      const r = await apiGet<{ report: { status: string }; incident: { number: string } | null }>(page, `/api/reports/${reportIds[i]}`);
      expect(r.report.status).toBe('triaged');
    }
    const incident = await apiGet<{ reportTotal: number }>(page, `/api/incidents/${number}`);
    expect(incident.reportTotal).toBe(2);

    // Another handler rejects report 2 while it is still on this screen: attaching it is refused, the handler
    // is told who came first, the queue reloads, and the rejection stands.
    await current.filter({ hasText: subjects[1]! }).waitFor();
    await rejectReport(s.h.deps, s.h.actor, reportIds[1]!, { reason: 'spam' });
    await page.keyboard.press('a');
    const attach = page.getByRole('dialog', { name: text(L, 'triage.attachTitle', lang, { count: 1 }) });
    await attach.getByLabel(L.triage.incidentNumber).fill(number);
    await attach.getByRole('button', { name: L.triage.attach, exact: true }).click();
    await page.locator('.flash').getByText(text(L, 'triage.handledMeanwhile', lang, { status: L.reportStatus.rejected }), { exact: true }).waitFor();
    await attach.waitFor({ state: 'hidden' });
    await row(1).waitFor({ state: 'detached' });
    await page.getByText(L.triage.empty).waitFor();
    const stale = await apiGet<{ report: { status: string; incidentId: string | null } }>(page, `/api/reports/${reportIds[1]}`);
    expect(stale.report).toMatchObject({ status: 'rejected', incidentId: null });
    expect((await apiGet<{ reportTotal: number }>(page, `/api/incidents/${number}`)).reportTotal).toBe(2);
  });

  it('pages through a long timeline to its last entry, and shows a new note on the last page', async () => {
    const { page } = b;
    await page.goto(`${s.base}/incidents/${long.number}`);
    await page.getByRole('heading', { name: new RegExp(long.number) }).waitFor();
    const { total } = await apiGet<{ total: number }>(page, `/api/incidents/${long.number}/timeline?limit=1`);
    expect(total).toBeGreaterThan(NOTES);
    const pages = Math.ceil(total / 100);
    const pager = page.getByRole('navigation', { name: L.timeline.pages });
    const range = page.getByTestId('timeline-range');
    const showing = (from: number) => text(L, 'timeline.range', lang, { from, to: Math.min(from + 99, total), total });

    const notes: string[] = [];
    for (let p = 0; p < pages; p++) {
      await range.getByText(showing(p * 100 + 1), { exact: true }).waitFor();
      await pager.getByText(text(L, 'pager.range', lang, { from: p * 100 + 1, to: Math.min(p * 100 + 100, total), total }), { exact: true }).waitFor();
      expect(await page.locator('.timeline-entry').count()).toBe(Math.min(100, total - p * 100));
      notes.push(...(await page.locator('.timeline .note').allTextContents()).filter((n) => n.startsWith('memo-')));
      if (p === 0) {
        await noForeign(page, 'incident with a paged timeline');
        await page.locator('section[aria-labelledby="timeline-title"]').screenshot({ path: join(SCREENSHOTS, `${lang}-timeline-pages.png`) });
      }
      if (p < pages - 1) await pager.getByRole('button', { name: L.pager.next, exact: true }).click();
    }
    expect(await pager.getByRole('button', { name: L.pager.next, exact: true }).isDisabled()).toBe(true);
    // Every entry once, in order: none dropped past the first page.
    expect(notes).toEqual(Array.from({ length: NOTES }, (_, i) => `memo-${String(i).padStart(4, '0')}`));

    await pager.getByRole('button', { name: L.pager.first, exact: true }).click();
    await range.getByText(showing(1), { exact: true }).waitFor();
    await pager.getByRole('button', { name: L.pager.last, exact: true }).click();
    await range.getByText(showing((pages - 1) * 100 + 1), { exact: true }).waitFor();
    await pager.getByRole('button', { name: L.pager.first, exact: true }).click();
    await range.getByText(showing(1), { exact: true }).waitFor();

    // A note added from the first page is shown where it lands: the last page.
    const note = lang === 'ja' ? '最後のページに出るメモ' : 'A note that lands on the last page';
    await page.getByLabel(L.timeline.addNote).fill(note);
    await page.getByRole('button', { name: L.timeline.save, exact: true }).click();
    await page.locator('.timeline .note').filter({ hasText: note }).waitFor();
    const after = total + 1;
    await range.getByText(text(L, 'timeline.range', lang, { from: Math.floor((after - 1) / 100) * 100 + 1, to: after, total: after }), { exact: true }).waitFor();
  });

  it('pages through all the reports of an incident that has more than a page of them', async () => {
    // Made here, not before all: the dashboard's and the queue's counts above are of what was there before.
    const a = s.h.actor;
    const waveReports: string[] = [];
    for (let i = 0; i < WAVE; i++)
      waveReports.push((await recordReport(s.h.deps, a, { sourceRef: `wave-${i}`, subject: `wave-${String(i).padStart(3, '0')}`, body: `phishing wave ${i}` })).report.id);
    const wave = await createIncidentFromReports(s.h.deps, a, { reportIds: waveReports, title: lang === 'ja' ? 'フィッシングの波' : 'A phishing wave', category: 'phishing' });
    const { page } = b;
    await page.goto(`${s.base}/incidents/${wave.number}`);
    await page.getByRole('heading', { name: new RegExp(wave.number) }).waitFor();
    const panel = page.locator('section[aria-labelledby="reports-title"]');
    await panel.getByRole('heading', { name: text(L, 'incident.reports', lang, { count: WAVE }) }).waitFor();
    const pager = panel.getByRole('navigation', { name: L.incident.reportPages });
    const seen: string[] = [];
    for (let from = 1; from <= WAVE; from += 50) {
      await pager.getByText(text(L, 'pager.range', lang, { from, to: Math.min(from + 49, WAVE), total: WAVE }), { exact: true }).waitFor();
      seen.push(...(await panel.locator('.report-list li a').allTextContents()));
      if (from + 50 <= WAVE) await pager.getByRole('button', { name: L.pager.next, exact: true }).click();
    }
    expect([...seen].sort()).toEqual(Array.from({ length: WAVE }, (_, i) => `wave-${String(i).padStart(3, '0')}`));
    await noForeign(page, 'incident with many reports');
  });

  it('pages through every other incident sharing an observable, shows dates with their zones, and validates the edit form with the API’s schema', async () => {
    const { page } = b;
    await page.goto(`${s.base}/incidents/${holder.number}`);
    await page.getByRole('heading', { name: new RegExp(holder.number) }).waitFor();

    // Dates: JST always, labelled; the browser's own zone too when it is not Tokyo's, with its label.
    const created = page.locator(`time[datetime="${holder.createdAt}"]`).first();
    const want = formatInstant(holder.createdAt, lang, timezoneId);
    expect((await created.locator('.jst').textContent())!).toBe(want.jst);
    expect(want.jst).toMatch(/ JST$/);
    if (timezoneId === 'Asia/Tokyo') {
      expect(want.local).toBeNull();
      expect(await created.locator('.local').count()).toBe(0);
    } else {
      expect(want.local).toMatch(/\b(GMT|BST)$/);
      expect((await created.locator('.local').textContent())!.trim()).toBe(`(${want.local})`);
    }

    const observables = page.locator('section[aria-labelledby="observables-title"]');
    await observables.getByRole('button', { name: text(L, 'observables.seenIn', lang, { count: OTHERS }) }).click();
    const pager = observables.getByRole('navigation', { name: L.observables.pages });
    await pager.getByText(text(L, 'pager.range', lang, { from: 1, to: 20, total: OTHERS }), { exact: true }).waitFor();
    const links = observables.locator('.sightings a');
    expect(await links.count()).toBe(20);
    const seen = await links.allTextContents();
    await noForeign(page, 'incident with other incidents listed');
    await observables.screenshot({ path: join(SCREENSHOTS, `${lang}-observable-others.png`) });
    await pager.getByRole('button', { name: L.pager.next, exact: true }).click();
    await pager.getByText(text(L, 'pager.range', lang, { from: 21, to: OTHERS, total: OTHERS }), { exact: true }).waitFor();
    expect(await links.count()).toBe(OTHERS - 20);
    seen.push(...(await links.allTextContents()));
    expect(seen.sort()).toEqual([...others].sort());

    // Edit in place: the API's IncidentUpdateSchema speaks before anything is sent, in the reader's language.
    await page.locator('.screen-title').getByRole('button', { name: L.incident.edit, exact: true }).click();
    const form = page.getByRole('form', { name: L.incident.edit });
    const title = form.getByLabel(L.field.title, { exact: true });
    const constituency = form.getByLabel(L.field.constituency, { exact: true });
    await title.fill('あ'.repeat(301));
    await constituency.fill('Finance Dept');
    await form.getByRole('button', { name: L.common.save, exact: true }).click();
    await form.locator('.field-error').getByText(text(L, 'validation.tooLong', lang, { max: 300 }), { exact: true }).waitFor();
    await form.locator('.field-error').getByText(L.validation.invalid, { exact: true }).waitFor();
    expect(await title.getAttribute('aria-invalid')).toBe('true');
    expect(await constituency.getAttribute('aria-invalid')).toBe('true');
    await noForeign(page, 'edit form with errors');
    await screenshot(page, `${lang}-edit-errors`);
    // Nothing was saved.
    expect((await apiGet<{ incident: { title: string } }>(page, `/api/incidents/${holder.number}`)).incident.title).toBe(holder.title);
    const fixed = lang === 'ja' ? '共有された C2 ドメイン（確認済み）' : 'A shared C2 domain (confirmed)';
    await title.fill(fixed);
    await constituency.fill('finance');
    await form.getByRole('button', { name: L.common.save, exact: true }).click();
    await page.getByRole('heading', { name: new RegExp(escape(fixed)) }).waitFor();
  });

  it('searches with every filter, keeps them in the address, and the link gives the same search', async () => {
    const { page } = b;
    const [match, otherCategory, otherTlp] = found as [Incident, Incident, Incident];
    await page.goto(`${s.base}/search`);
    await page.getByRole('heading', { name: L.search.heading }).waitFor();
    const words = lang === 'ja' ? '絞り込み検索' : 'filtered search';
    await page.locator('#search-q').fill(words);
    await page.locator('#search-kind').selectOption('incident');
    await page.getByLabel(L.field.status, { exact: true }).selectOption('open');
    await page.getByLabel(L.field.category, { exact: true }).selectOption('phishing');
    await page.getByLabel(L.field.tlp, { exact: true }).selectOption('GREEN');
    await page.getByLabel(L.field.owner, { exact: true }).fill('owner-s@team.example');
    await page.getByLabel(L.search.from, { exact: true }).fill(today);
    await page.getByLabel(L.search.to, { exact: true }).fill(today);
    await page.getByLabel(L.search.observable, { exact: true }).fill('filter-c2[.]example');
    await page.getByRole('main').getByRole('button', { name: L.search.submit, exact: true }).click();

    const hits = page.locator('.hits');
    await hits.getByRole('link', { name: new RegExp(match.number) }).waitFor();
    expect(await hits.locator('li').count()).toBe(1);
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      q: words,
      kind: 'incident',
      status: 'open',
      category: 'phishing',
      tlp: 'GREEN',
      owner: 'owner-s@team.example',
      from: today,
      to: today,
      observable: 'filter-c2[.]example',
    });
    await noForeign(page, 'search with filters');
    await screenshot(page, `${lang}-search-filters`);

    // The address is the search: opened afresh, the same fields and the same answer.
    await page.goto('about:blank');
    await page.goto(url.toString());
    await hits.getByRole('link', { name: new RegExp(match.number) }).waitFor();
    expect(await hits.locator('li').count()).toBe(1);
    expect(await page.locator('#search-q').inputValue()).toBe(words);
    expect(await page.getByLabel(L.field.category, { exact: true }).inputValue()).toBe('phishing');
    expect(await page.getByLabel(L.field.tlp, { exact: true }).inputValue()).toBe('GREEN');
    expect(await page.getByLabel(L.field.status, { exact: true }).inputValue()).toBe('open');
    expect(await page.getByLabel(L.field.owner, { exact: true }).inputValue()).toBe('owner-s@team.example');
    expect(await page.getByLabel(L.search.from, { exact: true }).inputValue()).toBe(today);
    expect(await page.getByLabel(L.search.observable, { exact: true }).inputValue()).toBe('filter-c2[.]example');

    // Each filter counts: without the category and TLP, all three; filters alone, without words, search too.
    await page.getByLabel(L.field.category, { exact: true }).selectOption('');
    await page.getByLabel(L.field.tlp, { exact: true }).selectOption('');
    await page.getByRole('main').getByRole('button', { name: L.search.submit, exact: true }).click();
    for (const i of [match, otherCategory, otherTlp]) await hits.getByRole('link', { name: new RegExp(i.number) }).waitFor();
    expect(new URL(page.url()).searchParams.has('category')).toBe(false);
    await page.locator('#search-q').fill('');
    await page.getByLabel(L.field.tlp, { exact: true }).selectOption('AMBER');
    await page.getByRole('main').getByRole('button', { name: L.search.submit, exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('tlp') === 'AMBER' && !u.searchParams.has('q'));
    // The previous answer stays on screen until the new one arrives.
    await expect.poll(() => hits.locator('li').count()).toBe(1);
    await hits.getByRole('link', { name: new RegExp(otherTlp.number) }).waitFor();
    // A day before any of them: nothing.
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 24 * 3600_000).toISOString().slice(0, 10);
    await page.getByLabel(L.search.from, { exact: true }).fill(yesterday);
    await page.getByLabel(L.search.to, { exact: true }).fill(yesterday);
    await page.getByRole('main').getByRole('button', { name: L.search.submit, exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('to') === yesterday);
    await page.getByText(L.search.none, { exact: true }).waitFor();
    expect(await hits.locator('li').count()).toBe(0);

    // Before sign-in /api/auth/me answers 401, and the attach of a report rejected meanwhile 409; Chromium logs each as a failed load.
    expect(b.problems.filter((p) => !/status of 401/.test(p))).toEqual(['console: Failed to load resource: the server responded with a status of 409 (Conflict)']);
    expect(b.requests.filter((u) => !u.startsWith(`${s.base}/`) && u !== 'about:blank')).toEqual([]);
  });
});
