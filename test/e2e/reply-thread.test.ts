import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { reportReference } from '../../src/services/acknowledge.service.js';
import { expectOwnLanguage, openBrowser, screenshot, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * A reporter answers our receipt before anyone has triaged their report: in
 * a real browser, the reply says which report it answers (a link), that
 * report lists the reply, and creating an incident from the report in the
 * triage queue takes the reply along. In Japanese and in English.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

describe.skipIf(skipE2e).each(runs)('a reply to the receipt, in $lang', ({ lang, L, locale, timezoneId }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };
  let original: string;
  let reply: string;

  beforeAll(async () => {
    s = await startServer();
    await s.mail({ from: 'sato@example.jp', subject: `Phishing ${lang}`, messageId: `<first-${lang}@example.jp>`, text: `https://reply-${lang}.evil.example/ imitates our bank.` });
    const reports = await s.h.deps.store.reports.findBySourceRefs('email', [`<first-${lang}@example.jp>`]);
    original = reports[0]!.id;
    const reference = reportReference('RK', original);
    await s.mail({ from: 'sato@example.jp', subject: `Re: [${reference}] Phishing ${lang}`, messageId: `<second-${lang}@example.jp>`, text: 'It moved to https://moved.evil.example/' });
    reply = (await s.h.deps.store.reports.findBySourceRefs('email', [`<second-${lang}@example.jp>`]))[0]!.id;
    user = await s.user({ email: `reply-${lang}@team.example`, language: lang, enrolled: true });
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('links the reply and the report it answers, and triaging the report takes the reply along', async () => {
    const { page } = b;
    const noForeign = (screen: string) => expectOwnLanguage(page, lang, screen);
    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();
    // The 401 of asking who is signed in, before signing in.
    b.problems.length = 0;

    await page.goto(`${s.base}/reports/${reply}`);
    const answers = page.getByTestId('reply-to');
    await answers.getByText(L.report.replyTo).waitFor();
    await noForeign('reply');
    await answers.getByRole('link', { name: L.report.openAnswered }).click();
    await page.getByTestId('report-body').getByText(`https://reply-${lang}.evil.example/`).waitFor();
    const replies = page.getByTestId('replies');
    await replies.getByRole('link', { name: L.report.openReply.replace('{{n}}', '1') }).waitFor();
    await noForeign('report with a reply');
    await screenshot(page, `${lang}-report-replies`);

    // The triage queue marks the reply; an incident made of the report takes the reply along.
    await page.getByRole('navigation').getByRole('link', { name: L.nav.triage }).click();
    const replyRow = page.getByRole('row').filter({ has: page.locator(`#subject-${reply}`) });
    await replyRow.getByText(L.marks.reply).waitFor();
    await noForeign('triage queue with a reply');
    await page.getByRole('checkbox', { name: `${L.triage.check} Phishing ${lang}`, exact: true }).check();
    await page.getByRole('toolbar').getByRole('button', { name: L.triage.create }).click();
    const create = page.getByRole('dialog').filter({ has: page.getByRole('button', { name: L.triage.create, exact: true }) });
    await create.getByLabel(L.incident.category).selectOption('phishing');
    await create.getByRole('button', { name: L.triage.create, exact: true }).click();
    await page.locator('.flash').getByRole('link').waitFor();
    await replyRow.waitFor({ state: 'detached' });
    const [first, second] = await Promise.all([original, reply].map((id) => s.h.deps.store.reports.findById({ kind: 'all' }, id)));
    expect(first?.incidentId).toBeTruthy();
    expect(second?.incidentId).toBe(first?.incidentId);
    expect(b.problems).toEqual([]);
  });
});
