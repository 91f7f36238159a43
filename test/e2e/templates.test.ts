import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { systemActor } from '../../src/domain/actor.js';
import { createAccount } from '../../src/services/auth/account.service.js';
import { actorOf } from '../../src/services/auth/session.service.js';
import { createIncident } from '../../src/services/incident.service.js';
import { addTimelineNote } from '../../src/services/timeline.service.js';
import { expectOwnLanguage, openBrowser, PASSWORD, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * The message templates screen and people's names on the timeline, once in
 * Japanese and once in English: a lead opens an incident and sees who did
 * each entry by name (a colleague's note, the incident's creator, their own
 * note marked as theirs, Renkei's playbook by what it is); then edits the
 * takedown template in the screen's language — an unknown placeholder is
 * refused by the API and shown beside the subject, a placeholder is put in
 * the body from the list, the preview fills it — saves it as version 1 and
 * sees the saved text again after reloading the page.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', colleague: '田中 一郎' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London', colleague: 'Robin Clarke' },
];

describe.skipIf(skipE2e).each(runs)('templates and names in $lang', ({ lang, L, locale, timezoneId, colleague }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };
  let number: string;
  const userName = `lead-${lang}`;
  const colleagueNote = lang === 'ja' ? 'ホスティング事業者に電話で確認済み。' : 'Phoned the hosting provider.';
  /** Console errors but the expected ones: /api/auth/me answers 401 before sign-in, the refused template 400. */
  const problems = () => b.problems.filter((p) => !/status of 40[01]/.test(p));
  const noForeign = (screen: string) => expectOwnLanguage(b.page, lang, screen);

  beforeAll(async () => {
    s = await startServer();
    user = await s.user({ email: `${userName}@team.example`, language: lang, roles: ['lead', 'handler'], enrolled: true });
    // The harness's lead creates the incident (its phishing playbook adds tasks as system:playbook); a colleague adds a note.
    const incident = await createIncident(s.h.deps, s.h.actor, { title: lang === 'ja' ? '連携銀行を装うフィッシングサイト' : 'Phishing site imitating Renkei Bank', category: 'phishing', tlp: 'AMBER' });
    number = incident.number;
    const { account } = await createAccount(s.h.deps, { ...systemActor('e2e'), roles: ['administrator'] }, {
      email: `colleague-${lang}@team.example`,
      displayName: colleague,
      language: lang,
      roles: ['handler'],
      password: PASSWORD,
    });
    await addTimelineNote(s.h.deps, actorOf(account, '127.0.0.1'), number, { note: colleagueNote });
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('shows who did each timeline entry by name', async () => {
    const { page } = b;
    const button = (name: string) => page.getByRole('button', { name, exact: true });
    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();

    await page.goto(`${s.base}/incidents/${number}`);
    await page.getByRole('heading', { name: new RegExp(number) }).waitFor();
    const timeline = page.locator('section[aria-labelledby="timeline-title"]');
    const entry = (text: string) => timeline.locator('li.timeline-entry').filter({ hasText: text });
    // A colleague's note, and who created the incident.
    await entry(colleagueNote).getByTestId('timeline-actor').filter({ hasText: colleague }).waitFor();
    await entry(L.timelineAction.incident.created).getByTestId('timeline-actor').filter({ hasText: s.h.actor.displayName }).waitFor();
    // Renkei's own entries say what did them, in the reader's language.
    await entry(L.timelineAction.task.added).first().getByTestId('timeline-actor').filter({ hasText: L.actor.system.playbook }).waitFor();
    // The reader's own note: their name, marked as theirs.
    const mine = lang === 'ja' ? '利用者への注意喚起は不要と判断。' : 'No public warning needed.';
    await page.getByLabel(L.timeline.addNote).fill(mine);
    await button(L.timeline.save).click();
    const own = entry(mine).getByTestId('timeline-actor');
    await own.filter({ hasText: userName }).waitFor();
    expect(await own.textContent()).toBe(lang === 'ja' ? `${userName}${L.actor.you}` : `${userName} ${L.actor.you}`);
    expect(await timeline.locator('.actor-unknown').count(), 'an entry shown by its account id instead of a name').toBe(0);
    await noForeign('incident timeline with names');
    await timeline.screenshot({ path: join(SCREENSHOTS, `${lang}-timeline-names.png`) });

    expect(problems()).toEqual([]);
  }, 120_000);

  it('edits a template: the API refuses an unknown placeholder beside the field, then saves a new version whose text stays', async () => {
    const { page } = b;
    await page.getByRole('navigation').getByRole('link', { name: L.nav.templates }).click();
    await page.getByRole('heading', { name: L.templates.heading, exact: true }).waitFor();
    const cell = page.getByTestId(`template-takedown-${lang}`);
    await cell.getByTestId('template-version').filter({ hasText: L.templates.builtIn }).waitFor();
    await cell.getByRole('button').click();
    const editor = page.getByTestId('template-editor');
    await editor.getByRole('heading', { name: `${L.templateKind.takedown} — ${L.templates.language[lang]}` }).waitFor();
    await editor.getByTestId('template-fields').getByText('{{incident.number}}', { exact: true }).waitFor();
    await noForeign('template editor');

    const subject = editor.getByLabel(L.templates.subject, { exact: true });
    const body = editor.getByLabel(L.templates.body, { exact: true });
    // An unknown placeholder: the preview warns, and the API refuses it — shown under the subject.
    const subjectText = lang === 'ja' ? '[{{coordination.tag}}] 停止のお願い（{{incident.number}}）' : '[{{coordination.tag}}] Please take down {{incident.number}}';
    await subject.fill(`${subjectText} {{incident.nope}}`);
    await editor.getByTestId('template-hints').getByText('{{incident.nope}}').waitFor();
    await editor.getByRole('button', { name: L.templates.save }).click();
    const subjectError = editor.getByTestId('template-subject-error');
    await subjectError.waitFor();
    expect(await subjectError.textContent()).toContain(lang === 'ja' ? L.templates.unknownField : 'unknown field {{incident.nope}}');
    expect(await subjectError.textContent()).toContain('{{incident.nope}}');
    expect(await subject.getAttribute('aria-invalid')).toBe('true');
    expect(await editor.getByTestId('template-body-error').count()).toBe(0);
    await noForeign('template refused');
    await editor.screenshot({ path: join(SCREENSHOTS, `${lang}-template-refused.png`) });

    // Corrected; the body rewritten, a placeholder put in from the list.
    await subject.fill(subjectText);
    const opening = lang === 'ja' ? '{{recipient.name}} 様\n\n下記サイトの停止をお願いいたします。\n' : 'Dear {{recipient.name}},\n\nPlease take down the site below.\n';
    await body.fill(opening);
    await body.press('End');
    await editor.getByTestId('template-fields').getByRole('button', { name: '{{observables.urls}}' }).click();
    await expect.poll(() => body.inputValue()).toBe(`${opening}{{observables.urls}}`);
    // The preview fills the placeholders with sample values.
    const preview = editor.getByTestId('template-preview');
    await preview.getByText('hxxps://login[.]renkei-bank[.]example/', { exact: false }).waitFor();
    await preview.getByText('[RK-2026-000123-C1]', { exact: false }).waitFor();
    expect(await editor.getByTestId('template-hints').count()).toBe(0);
    await noForeign('template edited');
    await screenshot(page, `${lang}-template-editor`);

    await editor.getByRole('button', { name: L.templates.save }).click();
    await page.locator('.flash').filter({ hasText: L.templates.saved.replace('{{kind}}', L.templateKind.takedown).replace('{{language}}', L.templates.language[lang]).replace('{{version}}', '1') }).waitFor();
    await cell.getByTestId('template-version').filter({ hasText: L.templates.version.replace('{{version}}', '1') }).waitFor();
    await editor.getByTestId('template-saved-by').filter({ hasText: userName }).waitFor();

    // The saved text, from the server, after a reload.
    await page.reload();
    const again = page.getByTestId('template-editor');
    await again.getByTestId('template-version').filter({ hasText: L.templates.version.replace('{{version}}', '1') }).waitFor();
    expect(await again.getByLabel(L.templates.subject, { exact: true }).inputValue()).toBe(subjectText);
    expect(await again.getByLabel(L.templates.body, { exact: true }).inputValue()).toBe(`${opening}{{observables.urls}}`);
    const saved = await s.h.deps.store.coordinations.latestTemplate('takedown', lang);
    expect(saved).toMatchObject({ version: 1, subject: subjectText, body: `${opening}{{observables.urls}}`, updatedByName: userName });
    // The other language's template is untouched.
    expect(await s.h.deps.store.coordinations.latestTemplate('takedown', lang === 'ja' ? 'en' : 'ja')).toBeNull();
    await noForeign('template saved');
    await screenshot(page, `${lang}-templates`);

    expect(problems()).toEqual([]);
    expect(b.requests.filter((u) => !u.startsWith(`${s.base}/`))).toEqual([]);
  }, 120_000);
});
