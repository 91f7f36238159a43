import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import { APP_CSP } from '../../src/http/web.js';
import { join } from 'node:path';
import { openBrowser, overflowsHorizontally, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * A report written by an attacker is shown inert: no script of theirs runs
 * (script tags, event handlers, javascript: links), nothing is fetched from
 * anywhere but Renkei (CSS @import and url(), remote images — a trap server
 * on loopback must receive nothing), a 10,000-character line does not widen
 * the page, and a file name with a right-to-left override shows its trick.
 * The same holds when the mail's HTML version is opened (sanitised, remote
 * content blocked, links made text with their target defanged).
 */
const RLO = '\u202e';
const LONG = 'A'.repeat(10_000);

let s: E2eServer;
let b: Browser;
let trap: Server;
let trapUrl: string;
const trapped: string[] = [];
let user: { email: string; secret?: string };

function hostileMarkup(): string {
  return [
    '<script>window.__pwned = "script"; alert("script")</script>',
    '<img src="x" onerror="window.__pwned = \'onerror\'">',
    `<img src="${trapUrl}/img.png">`,
    '<a href="javascript:window.__pwned=\'javascript-link\'">click me</a>',
    `<style>@import url(${trapUrl}/import.css); body { background: url(${trapUrl}/bg.png) }</style>`,
    `<link rel="stylesheet" href="${trapUrl}/link.css">`,
    `<iframe src="${trapUrl}/frame"></iframe>`,
    '<svg onload="window.__pwned = \'svg\'"></svg>',
    `<div style="background-image: url(${trapUrl}/inline.png)">x</div>`,
    `<img srcset="${trapUrl}/srcset.png 2x" alt="srcset">`,
    `<video poster="${trapUrl}/poster.png"></video>`,
    '<svg><script>window.__pwned = "svg-script"</script></svg>',
    `<form action="${trapUrl}/form" method="post"><input name="password"><button>Log in</button></form>`,
    `<meta http-equiv="refresh" content="0;url=${trapUrl}/refresh">`,
    `<base href="${trapUrl}/">`,
    '<a href="https://login.bank.example.evil.example/jp/">https://www.bank.example/</a>',
  ].join('\n');
}

/** What the HTML version blocks of hostileMarkup(): the images x, img.png, srcset.png and poster.png, import.css, bg.png, link.css, frame and inline.png. */
const REMOTE_IN_MARKUP = 9;

describe.skipIf(skipE2e)('a hostile report', () => {
  beforeAll(async () => {
    trap = createServer((req, res) => {
      trapped.push(`${req.method} ${req.url}`);
      res.end('trapped');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    s = await startServer();
    user = await s.user({ email: 'hostile@team.example', language: 'en', enrolled: true });
    await s.mail({
      from: '"<script>alert(1)</script>" <attacker@evil.example>',
      subject: '<script>window.__pwned="subject"</script> 請求書のご確認 <img src=x onerror=alert(1)>',
      text: `Please see ${trapUrl}/phish and the invoice.\n${hostileMarkup()}\n${LONG}\n`,
      html: `<p>Invoice</p>${hostileMarkup()}<p>${LONG}</p>`,
      // A header of markup and direction tricks, for the "all headers" table.
      headers: { 'X-Hostile': `<img src="${trapUrl}/header.png" onerror="window.__pwned='header'"> evil${RLO}gpj.exe` },
      attachments: [
        { filename: `invoice${RLO}fdp.exe`, content: Buffer.from('MZ not really an executable'), contentType: 'application/octet-stream' },
        { filename: 'page.html', content: Buffer.from(`<script>window.__pwned = "attachment"</script>${hostileMarkup()}`), contentType: 'text/html' },
      ],
    });
    b = await openBrowser({ locale: 'en-GB', timezoneId: 'Asia/Tokyo' });
    b.page.on('dialog', (d) => {
      b.problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    // Violations of the page's CSP by an element of the page. Parsing the HTML version in an inert document (DOMParser,
    // in the sanitiser and in DOMPurify) makes Chromium report the policy's refusals too — on the console, aimed at a
    // document, not an element — although nothing there can run or load; those are not what this counts.
    await b.page.addInitScript(`(() => {
      window.__cspInPage = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        if (e.target instanceof Element && e.target.isConnected) window.__cspInPage.push(e.violatedDirective + ' ' + e.blockedURI + ' <' + e.target.localName + '>');
      });
    })()`);
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
    await new Promise<void>((r) => (trap ? trap.close(() => r()) : r()));
  });

  it('is served with a Content-Security-Policy that forbids inline script and remote content', async () => {
    const res = await fetch(`${s.base}/triage`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await res.text()).not.toMatch(/<script>|<script type="module">[^<]/);
  });

  it('shows inert in the triage queue, the report view and the incident page', async () => {
    const { page } = b;
    const L = en;
    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();

    const pwned = () => page.evaluate('window.__pwned ?? null');
    const wide = async (where: string) => {
      const { scrollWidth, clientWidth } = await overflowsHorizontally(page);
      expect(scrollWidth, `${where} is wider than the window`).toBeLessThanOrEqual(clientWidth);
    };

    // The queue with the report highlighted: its text in the preview.
    await page.getByRole('navigation').getByRole('link', { name: L.nav.triage }).click();
    await page.locator('.preview .body-text').filter({ hasText: 'window.__pwned' }).first().waitFor();
    await wide('the triage queue');
    await screenshot(page, 'hostile-triage');

    // The report itself: markup shown as text, the long line wrapped, the file name's trick visible.
    await page.locator('.reports-table').getByRole('link').first().click();
    const body = page.getByTestId('report-body');
    await body.waitFor();
    expect(await body.textContent()).toContain('<script>window.__pwned = "script"');
    expect(await page.locator('.body-text script, .body-text img, .body-text style, .body-text iframe, .body-text a').count()).toBe(0);
    const attachments = page.locator('.attachments');
    await attachments.getByText('invoice⟨U+202E⟩fdp.exe').waitFor();
    await attachments.getByText(L.report.hiddenControls).waitFor();
    await wide('the report view');
    await screenshot(page, 'hostile-report');

    // Every header, on request: the hostile one as text, its direction trick made visible.
    await page.getByRole('button', { name: L.report.allHeaders.show, exact: true }).click();
    const allHeaders = page.getByTestId('report-all-headers');
    await allHeaders.getByRole('rowheader', { name: 'X-Hostile' }).waitFor();
    await allHeaders.getByText(`<img src="${trapUrl}/header.png" onerror="window.__pwned='header'"> evil⟨U+202E⟩gpj.exe`).waitFor();
    expect(await allHeaders.locator('img, script').count()).toBe(0);
    await wide('all headers');

    // The HTML version, only when asked for: sanitised in a box of its own, nothing of it runs, loads or links.
    expect(await page.getByTestId('report-html').count()).toBe(0);
    expect(b.problems.filter((p) => !/status of 401/.test(p)), 'before the HTML version').toEqual([]);
    await page.getByRole('button', { name: L.report.html.show, exact: true }).click();
    const html = page.getByTestId('report-html');
    await html.getByRole('heading', { name: L.report.html.title }).waitFor();
    await html.getByText('Invoice', { exact: true }).waitFor();
    await html.getByText(L.report.html.blocked_other.replace('{{count, number}}', String(REMOTE_IN_MARKUP))).waitFor();
    await html.getByText('⟨hxxps://login[.]bank[.]example[.]evil[.]example/jp/⟩').waitFor();
    await html.getByText('⟨javascript:window.__pwned=\'javascript-link\'⟩').waitFor();
    const unsafe = await page.evaluate(`(() => {
      const out = [];
      for (const el of document.querySelectorAll('[data-testid="report-html"] .mail-html-body *')) {
        if (/^(script|style|link|meta|base|iframe|frame|object|embed|form|input|button|svg|math|a|img|video)$/.test(el.localName)) out.push('<' + el.localName + '>');
        for (const attr of el.getAttributeNames()) if (/^on|^(style|href|src|srcset|poster|background|action)$/.test(attr)) out.push(el.localName + '[' + attr + ']');
      }
      return out;
    })()`);
    expect(unsafe, 'unsafe markup in the HTML version').toEqual([]);
    expect(await pwned()).toBeNull();
    await wide('the HTML version');
    // The box at the top of the window (screenshot() would scroll back to the page's top).
    await page.evaluate(`document.querySelector('[data-testid="report-html"]').scrollIntoView()`);
    await page.screenshot({ path: join(SCREENSHOTS, 'hostile-report-html.png') });

    // An attachment is a download, never shown in the page.
    const url = page.url();
    const [download] = await Promise.all([page.waitForEvent('download'), attachments.getByRole('link', { name: 'page.html' }).click()]);
    expect(download.suggestedFilename()).toBe('page.html');
    expect(page.url()).toBe(url);

    // Made into an incident: the title is the hostile subject, still text.
    await page.getByRole('link', { name: L.report.backToTriage }).click();
    await page.locator('.reports-table tbody tr').first().locator('td').nth(1).click();
    await page.keyboard.press('e');
    await page.getByRole('dialog').getByRole('button', { name: L.triage.create }).click();
    await page.locator('.flash').getByRole('link').click();
    await page.getByRole('heading', { name: /window\.__pwned="subject"/ }).waitFor();
    await page.locator('.observables-table').waitFor();
    await wide('the incident page');

    // Search results show snippets of it as text too.
    await page.locator('#header-q').fill('請求書');
    await page.locator('#header-q').press('Enter');
    await page.locator('.hits li').first().waitFor();
    await wide('search');

    expect(await pwned()).toBeNull();
    expect(await page.evaluate('window.__cspInPage'), 'CSP violations by elements of the page').toEqual([]);
    const inertParse = /violates the following Content Security Policy directive/;
    expect(b.problems.filter((p) => !/status of 401/.test(p) && !inertParse.test(p))).toEqual([]);
    const foreign = b.requests.filter((u) => !u.startsWith(`${s.base}/`));
    expect(foreign, 'requests to other origins').toEqual([]);
    expect(trapped, 'the trap server was reached').toEqual([]);
  }, 240_000);
});
