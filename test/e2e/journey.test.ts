import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { createOrganisation } from '../../src/services/organisation.service.js';
import { expectOwnLanguage, openBrowser, PASSWORD, screenshot, skipE2e, startServer, type Browser, type E2eServer } from './support.js';

/**
 * The journey, once in Japanese and once in English: sign in with
 * TOTP → triage a report into a new incident → add a note → attach a second
 * report → change status → find it by a Japanese word → sign out. Screens are
 * checked for words of the other language and saved as screenshots.
 */
const runs = [
  // Enrols the authenticator in the browser (the secret is read from the screen).
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', enrolled: false },
  // Already enrolled; the account says Japanese, the person picks English on the sign-in screen and it is remembered.
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London', enrolled: true },
];

const SUBJECT_A = '【至急】偽サイトの報告：連携銀行を装うログインページ';
const SUBJECT_B = 'Re: 偽サイト — same phishing page seen again';
const LURE = 'https://secure-login.renkei-bank.example.evil.example/jp/';

describe.skipIf(skipE2e).each(runs)('the handler journey in $lang', ({ lang, L, locale, timezoneId, enrolled }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };

  beforeAll(async () => {
    s = await startServer();
    user = await s.user({ email: `handler-${lang}@team.example`, language: 'ja', enrolled });
    await createOrganisation(s.h.deps, s.h.actor, {
      name: 'Example Hosting 株式会社',
      kind: 'hosting',
      country: 'US',
      contacts: [{ email: 'abuse@hosting.example', role: 'abuse', timezone: 'America/New_York', officeHours: 'Mon-Fri 09:00-17:00' }],
      resources: [{ kind: 'ip-range', value: '198.51.100.0/24' }],
    });
    await s.mail({ from: 'Port scanner <noc@isp.example>', subject: 'Scan from 203.0.113.5', text: 'We saw a scan from 203.0.113.5 against our network.' });
    await s.mail({
      from: '山田 太郎 <yamada@example.jp>',
      subject: SUBJECT_A,
      text: `お世話になっております。\n偽サイトを見つけました。連携銀行のログインページを装っています。\n${LURE}\nIP アドレス: 198.51.100.23\n`,
    });
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('signs in with TOTP, triages, notes, attaches, changes status, searches in Japanese and signs out', async () => {
    const { page } = b;
    const button = (name: string) => page.getByRole('button', { name, exact: true });
    const noForeign = (screen: string) => expectOwnLanguage(page, lang, screen);

    // Sign in: password, then the second factor.
    await page.goto(s.base);
    await page.getByRole('heading', { name: L.signIn.title }).waitFor();
    if (lang === 'en') await button('English').click();
    await page.getByLabel(L.signIn.email).fill(user.email);
    await page.getByLabel(L.signIn.password).fill(PASSWORD);
    await button(L.signIn.submit).click();
    if (user.secret) {
      await page.getByRole('heading', { name: L.signIn.totpTitle }).waitFor();
      await page.getByLabel(L.signIn.code).fill(await s.code(user.secret));
      await button(L.signIn.verify).click();
    } else {
      await page.getByRole('heading', { name: L.signIn.enrolTitle }).waitFor();
      const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
      await page.getByLabel(L.signIn.enrolCode).fill(await s.code(secret));
      await button(L.signIn.enrolConfirm).click();
      await page.getByRole('heading', { name: L.signIn.recoveryTitle }).waitFor();
      await screenshot(page, `${lang}-recovery-codes`);
      await button(L.signIn.recoveryDone).click();
    }
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();
    await page.locator('.count-card .count-value').first().filter({ hasText: '2' }).waitFor();
    await noForeign('dashboard');
    await screenshot(page, `${lang}-dashboard`);

    // Triage: the report becomes a new incident.
    await page.getByRole('navigation').getByRole('link', { name: L.nav.triage }).click();
    await page.getByRole('heading', { name: L.triage.heading }).waitFor();
    const rowA = page.getByRole('row').filter({ hasText: SUBJECT_A });
    await rowA.locator('td').nth(1).click();
    await page.locator('.preview').getByText('198.51.100.23').first().waitFor();
    await noForeign('triage');
    await screenshot(page, `${lang}-triage`);
    await page.keyboard.press('e');
    const create = page.getByRole('dialog');
    await create.getByLabel(L.incident.category).selectOption('phishing');
    await create.getByRole('button', { name: L.triage.create }).click();
    const flashLink = page.locator('.flash').getByRole('link');
    await flashLink.waitFor();
    const number = /RK-\d{4}-\d{6}/.exec((await flashLink.textContent()) ?? '')?.[0];
    expect(number).toBeTruthy();
    await flashLink.click();
    await page.getByRole('heading', { name: new RegExp(number!) }).waitFor();

    // A note on the timeline.
    const note = lang === 'ja' ? 'ホスティング事業者に連絡予定。' : 'Will contact the hosting provider.';
    await page.getByLabel(L.timeline.addNote).fill(note);
    await button(L.timeline.save).click();
    await page.locator('.timeline .note').filter({ hasText: note }).waitFor();

    // A second report about the same page arrives and is attached to its candidate incident.
    await s.mail({ from: 'soc@bank.example', subject: SUBJECT_B, text: `The page ${LURE} is back.` });
    await page.getByRole('navigation').getByRole('link', { name: L.nav.triage }).click();
    const rowB = page.getByRole('row').filter({ hasText: SUBJECT_B });
    await rowB.getByRole('link', { name: number }).waitFor();
    await rowB.locator('td').nth(1).click();
    await page.keyboard.press('a');
    const attach = page.getByRole('dialog');
    expect(await attach.getByRole('radio', { name: new RegExp(number!) }).isChecked()).toBe(true);
    await attach.getByRole('button', { name: L.triage.attach }).click();
    await page.locator('.flash').getByRole('link').click();
    await page.locator('#reports-title').filter({ hasText: '2' }).waitFor();

    // Status: new → open, as the lifecycle allows.
    expect(await page.locator('#next-status option').evaluateAll((o) => o.map((x) => (x as unknown as { value: string }).value))).toEqual(['open', 'rejected']);
    await page.locator('#next-status').selectOption('open');
    await button(L.incident.applyStatus).click();
    await page.locator('.screen-title .status').filter({ hasText: L.incidentStatus.open }).waitFor();
    await page.locator('.timeline-entry').filter({ hasText: L.timelineAction.incident.status }).waitFor();
    await noForeign('incident');
    await screenshot(page, `${lang}-incident`);

    // The report as received.
    await page.locator('.report-list').getByRole('link', { name: SUBJECT_A }).click();
    await page.getByTestId('report-body').filter({ hasText: LURE }).waitFor();
    await noForeign('report');
    await screenshot(page, `${lang}-report`);

    // Found by a Japanese word.
    await page.locator('#header-q').fill('偽サイト');
    await page.locator('#header-q').press('Enter');
    await page.getByRole('heading', { name: L.search.heading }).waitFor();
    await page.locator('.hits').getByRole('link', { name: new RegExp(number!) }).waitFor();
    await noForeign('search');
    await screenshot(page, `${lang}-search`);

    await page.getByRole('navigation').getByRole('link', { name: L.nav.incidents }).click();
    await page.getByRole('link', { name: number }).waitFor();
    await noForeign('incident list');
    await screenshot(page, `${lang}-incidents`);

    await page.getByRole('navigation').getByRole('link', { name: L.nav.directory }).click();
    await page.locator('#owner-q').fill('198.51.100.23');
    await button(L.directory.lookup).click();
    await page.locator('.owner-result').getByText('Example Hosting 株式会社').waitFor();
    await noForeign('directory');
    await screenshot(page, `${lang}-directory`);

    // The language is the account's, remembered.
    const me = await page.evaluate<{ account: { language: string } }>("fetch('/api/auth/me').then((r) => r.json())");
    expect(me.account.language).toBe(lang);

    // Sign out: the session is over.
    await button(L.nav.signOut).click();
    await page.getByRole('heading', { name: L.signIn.title }).waitFor();
    expect(await page.evaluate("fetch('/api/auth/me').then((r) => r.status)")).toBe(401);

    // Before sign-in and after sign-out, /api/auth/me answers 401 as it should; Chromium logs that as a failed load.
    expect(b.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    expect(b.requests.filter((u) => !u.startsWith(`${s.base}/`))).toEqual([]);
  }, 240_000);
});
