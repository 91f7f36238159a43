import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { createOrganisation } from '../../src/services/organisation.service.js';
import { recordReport } from '../../src/services/record-report.service.js';
import { forgetPublicStatistics } from '../../src/services/statistics.service.js';
import { createTakedown } from '../../src/services/takedown.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { expectOwnLanguage, foreignWords, openBrowser, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * The statistics in a real browser, in Japanese and in English: a lead opens
 * the quarterly statistics from the navigation (tables and SVG charts, this
 * quarter), downloads the CSV, opens the printable report (served under its
 * own policy: no CSP violation), and the public status page shows numbers
 * when published and says so when not. Screenshots of each.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

describe.skipIf(skipE2e).each(runs)('statistics in $lang', ({ lang, L, locale, timezoneId }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };

  beforeAll(async () => {
    s = await startServer();
    const a = s.h.actor;
    await createOrganisation(s.h.deps, a, { name: 'Example Bank', kind: 'constituent', country: 'JP', contacts: [{ email: 'soc@bank.example' }] });
    const report = async (sourceRef: string, extra: Record<string, unknown>) =>
      (await recordReport(s.h.deps, a, { sourceRef, body: `偽サイトの報告 ${sourceRef} https://${sourceRef}.phish.example/`, ...extra })).report.id;
    const r1 = await report('r1', { channel: 'email', sender: 'soc@bank.example' });
    const r2 = await report('r2', { channel: 'web-form', sender: 'jane@example.com', reporterCountry: 'US' });
    const r3 = await report('r3', { channel: 'feed' });
    const r4 = await report('r4', { channel: 'email', sender: 'drill@example.jp' });
    const phishing = await createIncidentFromReports(s.h.deps, a, { reportIds: [r1, r2], title: '連携銀行を装うフィッシングサイト', category: 'phishing', brandSector: 'finance', brandOrigin: 'domestic' });
    await createTakedown(s.h.deps, a, phishing.id, { url: 'https://login.renkei-bank.phish.example/' });
    await createIncidentFromReports(s.h.deps, a, { reportIds: [r3], title: 'スキャンの報告', category: 'scan' });
    await createIncidentFromReports(s.h.deps, a, { reportIds: [r4], title: '訓練', category: 'phishing', exercise: true });
    user = await s.user({ email: `stats-${lang}@team.example`, language: lang, enrolled: true });
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('shows the quarter’s figures, exports CSV and prints the report', async () => {
    const { page } = b;
    const noForeign = (screen: string) => expectOwnLanguage(page, lang, screen);
    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();

    await page.getByRole('navigation', { name: L.nav.label }).getByRole('link', { name: L.nav.statistics }).click();
    await page.getByRole('heading', { name: L.statistics.title, level: 1 }).waitFor();
    const cards = page.locator('.count-card');
    await cards.first().waitFor();
    // Three reports (the drill's is left out), two incidents, no coordination yet, one phishing site.
    expect(await page.locator('.count-card .count-value').allInnerTexts()).toEqual(['3', '2', '0', '1']);
    const channels = page.locator('section[aria-labelledby="st-channel"] table');
    await expect.poll(() => channels.locator('tr.total td').allInnerTexts()).toEqual(['1', '1', '1', '3']);
    expect(await page.locator('section[aria-labelledby="st-phishing"] svg[role="img"]').count()).toBe(1);
    await noForeign('statistics');
    await screenshot(page, `${lang}-statistics`);
    await page.locator('section[aria-labelledby="st-category"]').screenshot({ path: join(SCREENSHOTS, `${lang}-statistics-categories.png`) });

    // The CSV: UTF-8 with a byte-order mark, headers in the chosen language.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: lang === 'ja' ? L.statistics.csvJa : L.statistics.csvEn }).click()]);
    const csv = readFileSync(await download.path());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8').split('\r\n')[0]).toBe(lang === 'ja' ? '\uFEFF区分,項目,内訳,値,単位' : '\uFEFFsection,item,breakdown,value,unit');

    // The printable report opens in a new tab, styled (its own style block is allowed by hash) and without a policy violation.
    const [report] = await Promise.all([
      b.context.waitForEvent('page'),
      page.getByRole('link', { name: lang === 'ja' ? L.statistics.printJa : L.statistics.printEn }).click(),
    ]);
    const problems: string[] = [];
    report.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await report.waitForLoadState('load');
    await report.locator('h1').waitFor();
    expect(await report.locator('html').getAttribute('lang')).toBe(lang);
    expect(await report.locator('.card .v').allInnerTexts()).toEqual(['3', '2', '0', '1']);
    // The style block applied: the summary cards are laid out in a row.
    expect(await report.evaluate<string>("getComputedStyle(document.querySelector('.cards')).display")).toBe('flex');
    expect(problems).toEqual([]);
    await report.setViewportSize({ width: 900, height: 1200 });
    await report.screenshot({ path: join(SCREENSHOTS, `${lang}-statistics-print.png`), fullPage: true });
    await report.close();
    // Before sign-in the app asks who is signed in and hears 401: expected, not a problem.
    expect(b.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  });

  it('shows the public status page only when published, numbers only', async () => {
    const { page } = b;
    s.h.deps.settings.statistics!.publicStatus = false;
    forgetPublicStatistics(s.h.deps);
    await page.goto(`${s.base}/public-status`);
    await page.getByText(L.publicStatus.notPublished).waitFor();

    s.h.deps.settings.statistics!.publicStatus = true;
    forgetPublicStatistics(s.h.deps);
    await page.goto(`${s.base}/public-status`);
    await page.getByRole('heading', { name: L.publicStatus.weeks }).waitFor();
    const thisWeek = page.locator('section[aria-labelledby="ps-weeks"] tbody tr').last();
    // This week: one domestic (the bank's SOC), one foreign (the form said US), one unknown (the feed).
    expect(await thisWeek.locator('td').allInnerTexts()).toEqual(['1', '1', '1', '3']);
    const body = await page.locator('main').innerText();
    for (const secret of ['連携銀行', 'phish.example', '@', 'RK-', 'Example Bank']) expect(body).not.toContain(secret);
    expect(await foreignWords(page, lang)).toEqual([]);
    await screenshot(page, `${lang}-public-status`);
  });
});
