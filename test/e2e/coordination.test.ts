import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { createOrganisation } from '../../src/services/organisation.service.js';
import { listReports } from '../../src/services/report.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { expectOwnLanguage, openBrowser, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * Coordination from the incident page, once in Japanese and once in English:
 * track the phishing URL's takedown, write a takedown request to the hosting
 * provider from the directory, review the draft (edit the text, attach the
 * report's file as evidence), send it through the relay (a local SMTP sink)
 * and see it delivered; a hostile reply threads back and is shown as text;
 * record the hoster's acknowledgement; draft an update to the reporter;
 * look up the abuse contact in the directory. Panels are saved as screenshots.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

const LURE = 'https://secure-login.renkei-bank.example.evil.example/jp/';
const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>';

describe.skipIf(skipE2e).each(runs)('coordination from the incident page in $lang', ({ lang, L, locale, timezoneId }) => {
  let sink: SmtpSink;
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };
  let number: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await startServer({ relay: sink.url });
    s.h.deps.settings.intake.autoAcknowledge = false;
    user = await s.user({ email: `coord-${lang}@team.example`, language: lang, enrolled: true });
    await createOrganisation(s.h.deps, s.h.actor, {
      name: 'Example Hosting 株式会社',
      kind: 'hosting',
      country: 'US',
      contacts: [{ email: 'abuse@hosting.example', role: 'abuse', language: 'en', timezone: 'America/New_York', officeHours: 'Mon-Fri 09:00-17:00' }],
      resources: [{ kind: 'ip-range', value: '198.51.100.0/24' }],
    });
    await s.mail({
      from: '山田 太郎 <yamada@example.jp>',
      subject: '偽サイトの報告',
      text: `偽サイトを見つけました。\n${LURE}\nIP アドレス: 198.51.100.23\n`,
      attachments: [{ filename: 'screenshot.txt', content: 'ログイン画面の写し' }],
    });
    const reports = await listReports(s.h.deps, s.h.actor, {}, { limit: 10, offset: 0 });
    const incident = await createIncidentFromReports(s.h.deps, s.h.actor, { reportIds: reports.items.map((r) => r.id), title: '連携銀行を装うフィッシングサイト', category: 'phishing', tlp: 'AMBER' });
    number = incident.number;
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
    await sink?.close();
  });

  it('tracks a takedown, previews, edits and sends a takedown request, sees it delivered, acknowledged by a reply and resolved', async () => {
    const { page } = b;
    const button = (name: string) => page.getByRole('button', { name, exact: true });
    const noForeign = (screen: string) => expectOwnLanguage(page, lang, screen);
    const panel = (id: string) => page.locator(`section[aria-labelledby="${id}"]`);

    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();

    await page.goto(`${s.base}/incidents/${number}`);
    await page.getByRole('heading', { name: new RegExp(number) }).waitFor();
    const coordination = panel('coordination-title');
    await coordination.getByText(L.coordination.none).waitFor();

    // Track the URL's takedown: reported, not yet requested.
    const takedowns = panel('takedowns-title');
    await page.getByLabel(L.takedown.url).fill(LURE);
    await takedowns.getByRole('button', { name: L.takedown.add }).click();
    await takedowns.getByTestId('takedown').locator('.badge').filter({ hasText: L.takedownState.reported }).waitFor();

    // A takedown request to the hoster, picked from the directory.
    await coordination.getByRole('button', { name: L.coordination.new, exact: true }).click();
    const create = page.getByRole('dialog');
    await create.getByLabel(L.coordination.purpose).selectOption('takedown');
    await create.getByLabel(L.coordination.organisation).locator('option', { hasText: 'Example Hosting' }).waitFor({ state: 'attached' });
    await noForeign('new coordination dialog');
    await create.getByRole('button', { name: L.coordination.createDraft }).click();

    // The draft as it will go out: tagged subject, editable text, the report's file as evidence.
    const preview = page.getByRole('dialog');
    await preview.getByRole('heading', { name: new RegExp(`${number}-C1`) }).waitFor();
    const subject = await preview.getByLabel(L.coordination.subject).inputValue();
    expect(subject).toContain(`[${number}-C1]`);
    const body = preview.getByLabel(L.coordination.body);
    expect(await body.inputValue()).toContain('hxxps://'); // defanged by default
    const added = lang === 'ja' ? '至急の対応をお願いいたします。' : 'Please act on this urgently.';
    await body.fill(`${await body.inputValue()}\n${added}\n`);
    await preview.getByLabel('screenshot.txt').check();
    await noForeign('draft preview');
    await page.locator('dialog[open]').screenshot({ path: join(SCREENSHOTS, `${lang}-coordination-preview.png`) });
    await preview.getByRole('button', { name: L.coordination.send, exact: true }).click();

    // Sent: queued for the relay, then delivered once the outbound queue runs.
    const item = coordination.getByTestId('coordination').filter({ hasText: `${number}-C1` });
    await item.locator('.badge').filter({ hasText: L.coordinationState.sent }).waitFor();
    await item.locator('.badge').filter({ hasText: L.delivery.queued }).waitFor();
    // Sending the takedown request moved the takedown to "requested".
    await takedowns.getByTestId('takedown').locator('.badge').filter({ hasText: L.takedownState.requested }).waitFor();

    expect(await s.h.runJobs()).toBeGreaterThanOrEqual(1);
    await item.locator('.badge').filter({ hasText: L.delivery.sent }).waitFor();
    await item.locator('.mark').filter({ hasText: L.coordination.signed }).waitFor();
    expect(sink.mails).toHaveLength(1);
    const raw = sink.mails[0]!.raw.toString('utf8');
    expect(sink.mails[0]!.to).toEqual(['abuse@hosting.example']);
    expect(raw).toContain(`${number}-C1`);
    expect(raw).toContain('screenshot.txt');
    // The contact's local time and office hours are shown.
    await item.getByText(L.coordination.localTime).waitFor();

    // A hostile reply threads back by its tag; it is shown as text and links to its report.
    await s.mail({ from: 'abuse@hosting.example', subject: `Re: [${number}-C1] ${HOSTILE}`, text: `We are looking into it. ${HOSTILE}` });
    await page.reload();
    const replied = coordination.getByTestId('coordination').filter({ hasText: `${number}-C1` });
    await replied.locator('.msg-inbound').getByText(HOSTILE, { exact: false }).waitFor();
    await replied.getByRole('link', { name: L.coordination.openReply }).waitFor();
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    // The reply counts as the hoster's acknowledgement.
    await replied.locator('.badge').filter({ hasText: L.coordinationState.acknowledged }).waitFor();
    // The queue also ran the scheduled liveness check: the lure's name does not resolve, so every profile saw it down.
    const takedown = takedowns.getByTestId('takedown');
    await takedown.locator('.badge.takedown-down').filter({ hasText: L.takedownState.down }).waitFor();
    await takedown.locator('.badge.verdict-down').waitFor();
    // Check again now, and read what each browser profile saw.
    await takedown.getByRole('button', { name: L.takedown.checkNow }).click();
    await takedown.locator('table.outcomes tbody tr').first().waitFor();
    expect(await takedown.locator('table.outcomes tbody tr').count()).toBeGreaterThanOrEqual(2);
    // The handler records the outcome by hand, with a note.
    await replied.getByLabel(L.coordination.moveTo).selectOption('resolved');
    await replied.getByLabel(L.coordination.stateNote).fill(lang === 'ja' ? '先方がサイトを停止したと回答' : 'They say the site is down');
    await replied.getByRole('button', { name: L.coordination.applyState }).click();
    await coordination.getByTestId('coordination').filter({ hasText: `${number}-C1` }).locator('.badge').filter({ hasText: L.coordinationState.resolved }).waitFor();

    // One click drafts an update to the reporter; Cancel keeps it as a draft.
    await coordination.getByRole('button', { name: L.coordination.tellReporter }).click();
    const update = page.getByRole('dialog');
    await update.getByRole('heading', { name: new RegExp(`${number}-C2`) }).waitFor();
    await update.getByText('yamada@example.jp').waitFor();
    await update.getByRole('button', { name: L.common.cancel }).click();
    await coordination.getByTestId('coordination').filter({ hasText: `${number}-C2` }).locator('.badge').filter({ hasText: L.coordinationState.draft }).waitFor();

    await panel('sla-title').waitFor();
    await noForeign('incident with coordination');
    await coordination.screenshot({ path: join(SCREENSHOTS, `${lang}-coordination-panel.png`) });
    await takedowns.screenshot({ path: join(SCREENSHOTS, `${lang}-takedowns-panel.png`) });
    await panel('sla-title').screenshot({ path: join(SCREENSHOTS, `${lang}-sla-panel.png`) });

    // Whom to tell about the address: the steps, each with its source.
    await page.getByRole('navigation').getByRole('link', { name: L.nav.directory }).click();
    await page.getByLabel(L.abuse.label).fill('198.51.100.23');
    await button(L.abuse.lookup).click();
    const result = page.getByTestId('abuse-result');
    await result.getByText('abuse@hosting.example').first().waitFor();
    await result.locator('.abuse-steps li').first().getByText(L.abuse.sources.directory).waitFor();
    // What each step found, said in the screen's language from the API's facts (not the server's English).
    await result.locator('.abuse-facts').first().getByText(L.abuse.facts.contact.split('{{')[0]!, { exact: false }).waitFor();
    await result.locator('.abuse-facts').first().getByText(/abuse@hosting\.example/).waitFor();
    expect(await result.locator('.server-detail').count()).toBe(0);
    await noForeign('abuse contact');
    await screenshot(page, `${lang}-abuse-contact`);

    // Before sign-in /api/auth/me answers 401 as it should; Chromium logs that as a failed load.
    expect(b.problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
    expect(b.requests.filter((u) => !u.startsWith(`${s.base}/`))).toEqual([]);
  }, 240_000);
});
