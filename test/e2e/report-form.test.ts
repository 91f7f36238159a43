import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { foreignWords, openBrowser, overflowsHorizontally, screenshot, skipE2e, startServer, type Browser, type E2eServer } from './support.js';

/**
 * The public report form in a real browser, without signing in: filled in
 * Japanese and sent in clear, then in English and encrypted in the browser
 * to the team's key (the server keeps the ciphertext); each time the
 * receipt shows the reference and a private status link that works.
 */
let s: E2eServer;
let b: Browser;

describe.skipIf(skipE2e)('the public report form', () => {
  beforeAll(async () => {
    s = await startServer();
    s.h.deps.settings.intake.formPowBits = 10;
    s.h.deps.settings.team.publicUrl = s.base; // the status link in the receipt points at this server
    b = await openBrowser({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  async function fill(p: Browser['page'], name: string, email: string) {
    await p.locator('#f-name').fill(name);
    await p.locator('#f-email').fill(email);
    await p.locator('#f-type').selectOption('phishing');
    await p.locator('#f-when').fill('2026-11-25T23:40');
    await p.locator('#f-desc').fill('銀行を装ったフィッシングメールが届きました。\n' + 'https://login.example-bank.evil.example/jp/');
    await p.locator('#f-addr').fill('198.51.100.23');
    await p.locator('#f-files').setInputFiles({ name: 'lure.txt', mimeType: 'text/plain', buffer: Buffer.from('lure: https://lure.evil.example/') });
  }

  it('takes a report in Japanese and shows the receipt and a working status link', async () => {
    const p = b.page;
    await p.goto(`${s.base}/report`);
    await p.getByRole('heading', { name: 'インシデント報告フォーム' }).waitFor();
    expect(await foreignWords(p, 'ja')).toEqual([]);
    await screenshot(p, 'ja-report-form');
    // Server-side validation, per field, in the page's language.
    await p.getByRole('button', { name: '報告を送信' }).click();
    await p.getByText(ja.publicForm.err.required).first().waitFor();
    // Each field's fault in Japanese, tied to its field: not an address, too long.
    await p.locator('#f-email').fill('not-an-address');
    await p.locator('#f-addr').fill('a'.repeat(20_001));
    await p.getByRole('button', { name: '報告を送信' }).click();
    await p.locator('#email-error').getByText(ja.publicForm.err.email).waitFor();
    await p.locator('#addresses-error').getByText(ja.publicForm.err.tooLong).waitFor();
    expect(await p.locator('#f-addr').getAttribute('aria-describedby')).toBe('addresses-error');
    await fill(p, '佐藤 一郎', 'sato@bank.example');
    await p.getByRole('button', { name: '報告を送信' }).click();
    await p.getByRole('heading', { name: 'ご報告を受け付けました' }).waitFor();
    const reference = await p.locator('code.reference').textContent();
    expect(reference).toMatch(/^RK-R-[0-9A-F]{8}$/);
    await screenshot(p, 'ja-report-receipt');
    const report = await s.h.database.db.selectFrom('report').selectAll().where('channel', '=', 'web-form').executeTakeFirstOrThrow();
    expect(report.sender).toBe('sato@bank.example');
    expect(report.body).toContain('2026-11-25T14:40:00.000Z'); // 23:40 JST, with its zone
    await p.getByRole('link', { name: /\/status#/ }).click();
    await p.getByText('受付済み').waitFor();
    expect((await overflowsHorizontally(p)).scrollWidth).toBeLessThanOrEqual((await overflowsHorizontally(p)).clientWidth);
  });

  it('encrypts in the browser when asked, in English', async () => {
    const p = b.page;
    await p.goto(`${s.base}/report`);
    await p.getByRole('button', { name: 'English' }).click();
    await p.getByRole('heading', { name: 'Report an incident' }).waitFor();
    expect(await foreignWords(p, 'en')).toEqual([]);
    await fill(p, 'Jane Reporter', 'jane@bank.example');
    await p.getByLabel(/Encrypt before sending/).check();
    await p.getByRole('button', { name: 'Send the report' }).click();
    await p.getByRole('heading', { name: 'Your report has been received' }).waitFor();
    await screenshot(p, 'en-report-receipt');
    const report = await s.h.database.db.selectFrom('report').selectAll().where('sender', '=', 'jane@bank.example').executeTakeFirstOrThrow();
    expect(report.meta).toContain('"encrypted":true');
    expect((await s.h.deps.store.reports.raw({ kind: 'all' }, report.id))!.toString()).toContain('-----BEGIN PGP MESSAGE-----');
    // No script error and no CSP violation (the 401 of the signed-out session check and the deliberate 400 are expected answers).
    expect(b.problems.filter((x) => /pageerror|Content Security Policy/i.test(x))).toEqual([]);
    expect(b.requests.every((u) => u.startsWith(s.base) || u.startsWith('data:'))).toBe(true);
  });
});
