import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { systemActor } from '../../src/domain/actor.js';
import { SESSION_COOKIE } from '../../src/http/auth.js';
import { createAccount } from '../../src/services/auth/account.service.js';
import { signIn } from '../../src/services/auth/session.service.js';
import { expectOwnLanguage, openBrowser, PASSWORD, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer } from './support.js';

/**
 * Administration from the web app, once in Japanese and once in English. A
 * new administrator signs in and enrols TOTP from a QR code (the key is
 * shown as text too); adds an auditor (Renkei makes the first password,
 * shown once) and a handler, changes the handler's roles and constituencies,
 * then disables the handler, whose session ends at once. The administrator
 * creates an API token, sees it once, uses it, and revokes it. The audit log
 * is searched and its chain verified; the auditor then signs in, sees the
 * audit log but not the accounts, and is told where the chain breaks after
 * an event is altered in the database.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{\{(\w+)\}\}/g, (_, k: string) => String(values[k]));

describe.skipIf(skipE2e).each(runs)('administration in $lang', ({ lang, L, locale, timezoneId }) => {
  let s: E2eServer;
  let b: Browser;
  const adminEmail = `admin-${lang}@team.example`;
  const auditorEmail = `auditor-${lang}@team.example`;
  const leaverEmail = `leaver-${lang}@team.example`;
  let auditorPassword = '';
  /** Console errors but the expected one: before sign-in /api/auth/me answers 401, which Chromium logs as a failed load. */
  const problems = () => b.problems.filter((p) => !/status of 401/.test(p));
  const noForeign = (screen: string) => expectOwnLanguage(b.page, lang, screen);
  const button = (name: string) => b.page.getByRole('button', { name, exact: true });
  const navLink = (name: string) => b.page.getByRole('navigation', { name: L.nav.label }).getByRole('link', { name, exact: true });
  const me = (cookie: string) => s.app.inject({ url: '/api/auth/me', cookies: { [SESSION_COOKIE]: cookie } });
  const withToken = (token: string) => s.app.inject({ url: '/api/incidents', headers: { authorization: `Bearer ${token}` } });

  /** Password, then the enrolment step: the QR code (an image with its label) and the key as text; then the code and the recovery codes. */
  const signInAndEnrol = async (email: string, password: string, shot?: string) => {
    const { page } = b;
    await page.goto(s.base);
    await page.getByLabel(L.signIn.email).fill(email);
    await page.getByLabel(L.signIn.password).fill(password);
    await button(L.signIn.submit).click();
    await page.getByRole('heading', { name: L.signIn.enrolTitle }).waitFor();
    const qr = page.getByRole('img', { name: L.signIn.qrAlt });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;/);
    // Decoded and drawn: the policy lets the data: image load.
    await expect.poll(() => qr.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
    await page.getByText(L.signIn.qrHelp).waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    if (shot) {
      await noForeign('enrolment');
      await screenshot(page, shot);
    }
    await page.getByLabel(L.signIn.enrolCode).fill(await s.code(secret));
    await button(L.signIn.enrolConfirm).click();
    await page.getByRole('heading', { name: L.signIn.recoveryTitle }).waitFor();
    await button(L.signIn.recoveryDone).click();
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();
  };

  beforeAll(async () => {
    s = await startServer();
    await createAccount(s.h.deps, { ...systemActor('e2e'), roles: ['administrator'] }, { email: adminEmail, displayName: `admin-${lang}`, language: lang, roles: ['administrator'], password: PASSWORD });
    b = await openBrowser({ locale, timezoneId });
    await b.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: s.base });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('enrols TOTP from a QR code, the key shown as text too', async () => {
    await signInAndEnrol(adminEmail, PASSWORD, `${lang}-totp-enrol-qr`);
    // An administrator's menu: accounts, the audit log, API tokens.
    for (const name of [L.nav.accounts, L.nav.audit, L.nav.tokens]) await navLink(name).waitFor();
  }, 60_000);

  it('adds accounts, changes one and disables it, which ends its session', async () => {
    const { page } = b;
    await navLink(L.nav.accounts).click();
    await page.getByRole('heading', { name: L.accounts.heading, level: 1 }).waitFor();
    const row = (email: string) => page.getByTestId('account-row').filter({ hasText: email });
    await row(adminEmail).getByText(L.accounts.totpEnrolled, { exact: true }).waitFor();

    // An auditor: no password given, so Renkei makes one and shows it once.
    await button(L.accounts.add).click();
    const form = page.locator('form.admin-form');
    await form.getByRole('button', { name: L.accounts.create }).click();
    await form.getByText(L.validation.required).first().waitFor();
    await form.getByLabel(L.accounts.email).fill(auditorEmail);
    await form.getByLabel(L.accounts.name, { exact: true }).fill(lang === 'ja' ? '監査 花子' : 'Hana Audit');
    await form.getByLabel(L.accounts.language).selectOption(lang);
    const roles = form.getByRole('group', { name: L.accounts.roles });
    await roles.getByLabel(L.role.handler).uncheck();
    await roles.getByLabel(L.role.auditor).check();
    await noForeign('account form');
    await form.screenshot({ path: join(SCREENSHOTS, `${lang}-account-form.png`) });
    await form.getByRole('button', { name: L.accounts.create }).click();
    const created = page.getByTestId('account-created');
    await created.getByText(L.accounts.passwordOnce).waitFor();
    auditorPassword = (await created.getByTestId('initial-password').textContent())!.trim();
    expect(auditorPassword.length).toBeGreaterThanOrEqual(12);
    await row(auditorEmail).getByText(L.role.auditor, { exact: true }).waitFor();
    await row(auditorEmail).getByText(L.accounts.totpNotEnrolled, { exact: true }).waitFor();
    await noForeign('account created');
    await screenshot(page, `${lang}-account-created`);
    await created.getByRole('button', { name: L.common.close }).click();
    await created.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(auditorPassword);

    // A handler with a password of the administrator's choosing, for finance only.
    await button(L.accounts.add).click();
    await form.getByLabel(L.accounts.email).fill(leaverEmail);
    await form.getByLabel(L.accounts.name, { exact: true }).fill(lang === 'ja' ? '退職 太郎' : 'Taro Leaver');
    await form.getByLabel(L.accounts.constituencies).fill('finance');
    await form.getByLabel(L.accounts.password).fill(PASSWORD);
    await form.getByRole('button', { name: L.accounts.create }).click();
    await page.getByTestId('account-created').waitFor();
    expect(await page.getByTestId('initial-password').count()).toBe(0);
    await row(leaverEmail).getByText('finance').waitFor();

    // Made a lead too, for finance and government.
    await row(leaverEmail).getByRole('button', { name: L.accounts.edit, exact: true }).click();
    await form.getByRole('heading', { name: L.accounts.editTitle }).waitFor();
    await form.getByRole('group', { name: L.accounts.roles }).getByLabel(L.role.lead).check();
    await form.getByLabel(L.accounts.constituencies).fill('finance, gov');
    await form.getByRole('button', { name: L.common.save }).click();
    await page.getByRole('status').filter({ hasText: fill(L.accounts.saved, { email: leaverEmail }) }).waitFor();
    await row(leaverEmail).getByText('finance, gov').waitFor();
    await row(leaverEmail).getByText(L.role.lead, { exact: true }).waitFor();

    // Disabled, after a confirmation: the session it had ends.
    const { sessionToken } = await signIn(s.h.deps, { email: leaverEmail, password: PASSWORD }, { ip: '127.0.0.1', userAgent: 'e2e' });
    expect((await me(sessionToken)).statusCode).toBe(200);
    await row(leaverEmail).getByRole('button', { name: L.accounts.disable, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: L.accounts.disableTitle });
    await dialog.getByText(L.accounts.disableWarning).waitFor();
    await noForeign('disable dialog');
    await dialog.screenshot({ path: join(SCREENSHOTS, `${lang}-account-disable-dialog.png`) });
    await dialog.getByRole('button', { name: L.accounts.disable, exact: true }).click();
    await row(leaverEmail).getByText(L.accounts.disabled, { exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: fill(L.accounts.disabledNow, { email: leaverEmail }) }).waitFor();
    expect((await me(sessionToken)).statusCode).toBe(401);
    await row(leaverEmail).getByRole('button', { name: L.accounts.enable, exact: true }).waitFor();
    await noForeign('accounts');
    await screenshot(page, `${lang}-accounts`);
  }, 90_000);

  it('creates an API token shown once, with a copy button and a warning, and revokes it', async () => {
    const { page } = b;
    await navLink(L.nav.tokens).click();
    await page.getByRole('heading', { name: L.tokens.heading, level: 1 }).waitFor();
    await page.getByText(L.tokens.none).waitFor();
    await button(L.tokens.create).click();
    const form = page.locator('form.admin-form');
    const name = lang === 'ja' ? 'SOAR 連携' : 'SOAR playbooks';
    await form.getByLabel(L.tokens.name, { exact: true }).fill(name);
    await form.getByLabel(L.tokens.expiry).selectOption('30');
    await form.getByRole('group', { name: L.tokens.scopes }).getByLabel(L.tokenScope.read, { exact: true }).waitFor();
    await noForeign('token form');
    await form.screenshot({ path: join(SCREENSHOTS, `${lang}-token-form.png`) });
    await form.getByRole('button', { name: L.tokens.createSubmit }).click();

    const shown = page.getByTestId('token-created');
    await shown.getByText(L.tokens.once).waitFor();
    const token = (await shown.getByTestId('new-token').textContent())!.trim();
    expect(token).toMatch(/^rk_/);
    await shown.getByRole('button', { name: L.tokens.copy }).click();
    await shown.getByText(L.copy.done).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    await noForeign('token shown once');
    await screenshot(page, `${lang}-token-created`);
    // It works, as the administrator.
    expect((await withToken(token)).statusCode).toBe(200);
    // Hidden, it is gone for good: not on the page, not after a reload.
    await shown.getByRole('button', { name: L.tokens.savedIt }).click();
    await shown.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(token);
    await page.reload();
    const row = page.getByTestId('token-row').filter({ hasText: name });
    await row.getByText(L.tokenScope.read, { exact: true }).waitFor();
    await row.getByText(L.tokens.stateName.active).waitFor();
    // Its last use is shown.
    expect(await row.getByText(L.tokens.neverUsed).count()).toBe(0);
    expect(await page.content()).not.toContain(token);

    await row.getByRole('button', { name: L.tokens.revoke, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: L.tokens.revokeTitle });
    await dialog.getByText(L.tokens.revokeWarning).waitFor();
    await dialog.getByRole('button', { name: L.tokens.revoke, exact: true }).click();
    await row.getByText(L.tokens.stateName.revoked).waitFor();
    await page.getByRole('status').filter({ hasText: fill(L.tokens.revokedNow, { name }) }).waitFor();
    // The row re-renders from the refreshed list: its revoke button goes with it.
    await expect.poll(() => row.getByRole('button').count()).toBe(0);
    expect((await withToken(token)).statusCode).toBe(401);
    await noForeign('tokens');
    await screenshot(page, `${lang}-tokens`);
  }, 60_000);

  it('searches the audit log, pages through it and verifies the chain', async () => {
    const { page } = b;
    await navLink(L.nav.audit).click();
    await page.getByRole('heading', { name: L.audit.heading, level: 1 }).waitFor();
    const rows = page.getByTestId('audit-row');
    await rows.filter({ hasText: 'token.revoked' }).waitFor();
    // Newest first.
    expect(await rows.first().locator('code').first().textContent()).toBe('token.revoked');

    const filters = page.getByRole('form', { name: L.audit.filters });
    await filters.getByLabel(L.audit.action, { exact: true }).fill('account.disabled');
    await filters.getByRole('button', { name: L.audit.search }).click();
    await page.waitForURL(/action=account\.disabled/);
    await page.getByText(fill(lang === 'ja' ? ja.audit.count_other : en.audit.count_one, { count: 1 }), { exact: true }).waitFor();
    expect(await rows.count()).toBe(1);
    await rows.first().getByText(L.audit.showDetails).click();
    await rows.first().getByText('"sessionsEnded": 1').waitFor();
    // The actor by name and e-mail address; their events only, from the name in the list.
    await rows.first().getByText(adminEmail, { exact: true }).waitFor();
    await rows.first().getByRole('button', { name: new RegExp(`^admin-${lang}`) }).click();
    await page.waitForURL(/actor=/);
    await expect.poll(() => filters.getByLabel(L.audit.action, { exact: true }).inputValue()).toBe('account.disabled');
    // An e-mail address in the actor field finds the same events.
    await filters.getByLabel(L.audit.actor, { exact: true }).fill(adminEmail.toUpperCase());
    await filters.getByRole('button', { name: L.audit.search }).click();
    await page.waitForURL(/actor=ADMIN/);
    await page.getByText(fill(lang === 'ja' ? ja.audit.count_other : en.audit.count_one, { count: 1 }), { exact: true }).waitFor();
    // Today in JST finds them; tomorrow nothing.
    await filters.getByRole('button', { name: L.audit.clear }).click();
    await page.waitForURL((url) => url.search === '');
    const today = new Date(s.h.now().getTime() + 9 * 3600_000).toISOString().slice(0, 10);
    const tomorrow = new Date(s.h.now().getTime() + 33 * 3600_000).toISOString().slice(0, 10);
    await filters.getByLabel(L.audit.from, { exact: true }).fill(today);
    await filters.getByLabel(L.audit.to, { exact: true }).fill(today);
    await filters.getByRole('button', { name: L.audit.search }).click();
    await page.waitForURL(/to=/);
    await rows.first().waitFor();
    await filters.getByLabel(L.audit.from, { exact: true }).fill(tomorrow);
    await filters.getByLabel(L.audit.to, { exact: true }).fill(tomorrow);
    await filters.getByRole('button', { name: L.audit.search }).click();
    await page.getByText(L.audit.none).waitFor();
    await filters.getByRole('button', { name: L.audit.clear }).click();
    await rows.first().waitFor();

    // Paged: 50 a page; more than 50 events after a burst of failed sign-ins.
    for (let i = 0; i < 45; i++) await signIn(s.h.deps, { email: `nobody-${i}@team.example`, password: 'wrong' }, { ip: `127.0.0.${i + 2}`, userAgent: 'e2e' }).catch(() => undefined);
    await page.reload();
    const pager = page.getByRole('navigation', { name: L.pager.label });
    await pager.getByRole('button', { name: L.pager.next }).click();
    await page.waitForURL(/offset=50/);
    await rows.first().waitFor();
    expect(await pager.getByRole('button', { name: L.pager.previous }).isEnabled()).toBe(true);

    await button(L.audit.verify).click();
    const result = page.getByTestId('verify-result');
    await result.getByText(L.audit.chainOk).waitFor();
    await noForeign('audit log');
    await screenshot(page, `${lang}-audit-log`);
  }, 60_000);

  it('sees held mail from the triage queue, with why in its language, tries one again, then every held one: they become reports', async () => {
    const { page } = b;
    const subjects = [`held-${lang}`, `held-later-${lang}`];
    const mail = (subject: string) => Buffer.from(`Message-ID: <${subject}@example.jp>\r\nFrom: odd@example.jp\r\nSubject: ${subject}\r\n\r\nscan from 203.0.113.77\r\n`);
    const id = await s.heldMail(mail(subjects[0]!), 'the report was refused: body: too long');
    await s.heldMail(mail(subjects[1]!), 'the report was refused: subject: too long');
    const count = (template: string, n: number) => template.replace('{{count, number}}', String(n));
    await navLink(L.nav.triage).click();
    const notice = page.getByRole('status').filter({ hasText: count(L.spool.heldNotice_other, 2) });
    await notice.waitFor();
    await notice.getByRole('link', { name: L.spool.see }).click();
    await page.getByRole('heading', { name: L.spool.heading, level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'the report was refused: body: too long' });
    await row.getByText('odd@example.jp').waitFor();
    await row.getByText(L.spool.held, { exact: true }).waitFor();
    // Why, in the reader's language; the server's own words (English) beside it.
    await row.getByText(L.spool.heldReasons.refused).waitFor();
    // The bytes are the leads' (not classified yet): no download for an administrator.
    expect(await row.getByRole('link', { name: L.spool.download }).count()).toBe(0);
    await noForeign('mail spool');
    await screenshot(page, `${lang}-mail-spool`);
    await row.getByRole('button', { name: L.spool.release }).click();
    await page.getByRole('status').filter({ hasText: fill(L.spool.released, { id }) }).waitFor();

    // The one still held, with every held mail at once (asked first).
    const releaseAll = lang === 'ja' ? count(ja.spool.releaseAll_other, 1) : en.spool.releaseAll_one;
    await button(releaseAll).click();
    const dialog = page.getByRole('dialog', { name: L.spool.releaseAllTitle });
    await dialog.getByText(lang === 'ja' ? count(ja.spool.releaseAllConfirm_other, 1) : en.spool.releaseAllConfirm_one).waitFor();
    await noForeign('try every held mail again');
    await dialog.getByRole('button', { name: releaseAll, exact: true }).click();
    await page.getByRole('status').filter({ hasText: count(lang === 'ja' ? ja.spool.releasedAll_other : en.spool.releasedAll_one, 1) }).waitFor();
    // Nothing kept them out but the reasons recorded: the drainer records both now.
    await expect
      .poll(async () => Number((await sql<{ n: number | string }>`select count(*) as n from report where source_ref in (${`<${subjects[0]}@example.jp>`}, ${`<${subjects[1]}@example.jp>`})`.execute(s.h.database.db)).rows[0]!.n), { timeout: 10_000 })
      .toBe(2);
    await page.reload();
    await page.getByText(L.spool.empty).waitFor();
    expect(problems()).toEqual([]);
  }, 60_000);

  it('lets an auditor read the audit log but not the accounts, and names the first broken link', async () => {
    const { page } = b;
    await page.getByRole('button', { name: L.nav.signOut }).click();
    await page.getByRole('heading', { name: L.signIn.title }).waitFor();
    await signInAndEnrol(auditorEmail, auditorPassword);
    await navLink(L.nav.audit).waitFor();
    await navLink(L.nav.tokens).waitFor();
    expect(await navLink(L.nav.accounts).count()).toBe(0);
    await page.goto(`${s.base}/accounts`);
    await page.getByRole('alert').getByText(L.error.FORBIDDEN).waitFor();

    await navLink(L.nav.audit).click();
    await page.getByTestId('audit-row').first().waitFor();
    await button(L.audit.verify).click();
    const result = page.getByTestId('verify-result');
    await result.getByText(L.audit.chainOk).waitFor();

    // Someone edits an event in the database: the chain breaks there.
    const target = await sql<{ position: number }>`select position from audit_event order by position limit 1 offset 4`.execute(s.h.database.db);
    const position = Number(target.rows[0]!.position);
    await sql`update audit_event set details = '{"forged":true}' where position = ${position}`.execute(s.h.database.db);
    await button(L.audit.verify).click();
    await result.getByText(L.audit.chainBroken).waitFor();
    await result.getByText(fill(L.audit.brokenAt, { position })).waitFor();
    await result.getByText(L.audit.problem.hash).waitFor();
    await noForeign('broken chain');
    await screenshot(page, `${lang}-audit-broken`);

    expect(b.requests.filter((u) => !u.startsWith(`${s.base}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(problems()).toEqual([]);
  }, 90_000);
});
