import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { TLP_LABELS } from '../../src/domain/tlp.js';
import { createCoordination } from '../../src/services/coordination.service.js';
import { uploadEvidence } from '../../src/services/evidence-collection.service.js';
import { setIncidentAccessList } from '../../src/services/incident-access.service.js';
import { createIncident } from '../../src/services/incident.service.js';
import { addIncidentObservable } from '../../src/services/observable.service.js';
import { createOrganisation } from '../../src/services/organisation.service.js';
import { addTask } from '../../src/services/playbook.service.js';
import { listReports } from '../../src/services/report.service.js';
import { addTimelineNote } from '../../src/services/timeline.service.js';
import { createIncidentFromReports } from '../../src/services/triage.service.js';
import { lowContrast, markInteractive, overflowing, tabThrough, unnamed } from './a11y-audit.js';
import { openBrowser, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * Accessibility of the handler's main screens at 1280×800, in Japanese with
 * long texts and in English: Tab alone reaches every control, with its focus
 * visible and no positive tabindex; every field, button and link has a name;
 * every text meets WCAG 2.1 contrast (4.5:1, 3:1 when large), TLP labels
 * included; nothing reaches past the window's right edge. A dialog opened
 * from the triage queue starts and keeps focus inside and closes on Escape.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

const LONG_JA = '経理部の端末で不審な通信が観測され、取引先を装った請求書メールの添付ファイルを開いたことが原因と見られるため、関係部署と連携して調査を続けています';

describe.skipIf(skipE2e).each(runs)('accessibility in $lang', ({ lang, L, locale, timezoneId }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };
  let number: string;
  let reportId: string;
  const long = (n: number) => (lang === 'ja' ? LONG_JA.repeat(n) : 'Suspicious traffic seen from a finance department workstation after an invoice attachment was opened; '.repeat(n));

  beforeAll(async () => {
    s = await startServer();
    const a = s.h.actor;
    user = await s.user({ email: `a11y-${lang}@team.example`, language: lang, roles: ['administrator', 'lead', 'handler'], enrolled: true });
    await s.user({ email: `colleague-${lang}@team.example`, language: lang, roles: ['handler'], enrolled: false });
    await createOrganisation(s.h.deps, a, {
      name: lang === 'ja' ? '株式会社サンプルホスティング・クラウドサービス事業本部' : 'Example Hosting and Cloud Services Division',
      kind: 'hosting',
      country: 'JP',
      contacts: [{ email: 'abuse@hosting.example', role: 'abuse', language: 'ja', timezone: 'Asia/Tokyo' }],
      resources: [{ kind: 'ip-range', value: '198.51.100.0/24' }],
    });
    for (const i of [1, 2, 3])
      await s.mail({
        from: '山田 太郎 <yamada@example.jp>',
        subject: `${long(1).slice(0, 60)} (${i})`,
        text: `${long(3)}\nhttps://secure-login.bank-${i}.example.evil.example/jp/${'a'.repeat(200)}\nIP: 198.51.100.${i}\n`,
        html: `<p>${long(1)}</p>`,
        attachments: [{ filename: `請求書_${'長いファイル名'.repeat(8)}.txt`, content: 'ログイン画面の写し' }],
      });
    // A held mail: the triage queue shows its notice, the mail spool its row.
    await s.heldMail(Buffer.from(`Subject: ${long(1).slice(0, 60)}\r\n\r\nx\r\n`), `the report was refused: ${long(2)}`);
    const reports = await listReports(s.h.deps, a, {}, { limit: 10, offset: 0 });
    reportId = reports.items[0]!.id;
    // One report goes into an incident; the other two stay in the triage queue.
    const incident = await createIncidentFromReports(s.h.deps, a, { reportIds: [reports.items[2]!.id], title: long(1).slice(0, 140), category: 'phishing', tlp: 'AMBER' });
    number = incident.number;
    await addIncidentObservable(s.h.deps, a, incident.id, { type: 'url', value: `https://login.example.evil.example/${'x'.repeat(300)}` });
    await addTimelineNote(s.h.deps, a, incident.id, { note: long(4) });
    await addTask(s.h.deps, a, incident.id, { title: long(1).slice(0, 120), description: long(2) });
    await uploadEvidence(s.h.deps, a, incident.id, { filename: `証拠_${'ファイル'.repeat(20)}.txt`, contentBase64: Buffer.from('evidence').toString('base64'), note: long(1) });
    await createCoordination(s.h.deps, a, incident.id, { purpose: 'takedown', contactEmail: 'abuse@hosting.example', language: lang });
    // Every TLP label, for the incident list; RED shows only to those on its access list.
    const me = (await s.h.deps.store.accounts.findByEmail(user.email))!;
    for (const tlp of TLP_LABELS) {
      const i = await createIncident(s.h.deps, a, { title: `${long(1).slice(0, 50)} TLP:${tlp}`, category: 'malware', tlp });
      if (tlp === 'RED') await setIncidentAccessList(s.h.deps, a, i.id, { accountIds: [me.id] });
    }
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  /** Everything this file checks, on the screen as it is now. */
  const audit = async (page: Page, screen: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    expect(await unnamed(page), `${screen}: fields, buttons and links without an accessible name`).toEqual([]);
    expect(await lowContrast(page), `${screen}: text below WCAG contrast`).toEqual([]);
    expect(await overflowing(page), `${screen}: wider than the 1280×800 window`).toEqual([]);
    const { elements, positiveTabindex } = await markInteractive(page);
    expect(positiveTabindex, `${screen}: positive tabindex`).toEqual([]);
    expect(elements.length, `${screen}: interactive elements`).toBeGreaterThan(5);
    const { unreached, invisibleFocus } = await tabThrough(page, elements);
    expect(unreached, `${screen}: never reached by Tab`).toEqual([]);
    expect(invisibleFocus, `${screen}: focus not visible`).toEqual([]);
  };

  /** An open modal dialog: focus starts and stays inside, every control reached with its focus shown, names, contrast; Escape closes it. */
  const auditDialog = async (page: Page, screen: string) => {
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await page.evaluate('!!document.activeElement?.closest("dialog[open]")'), `${screen}: focus starts inside`).toBe(true);
    expect(await unnamed(page, 'dialog[open]'), `${screen}: fields, buttons and links without an accessible name`).toEqual([]);
    expect(await lowContrast(page, 'dialog[open]'), `${screen}: text below WCAG contrast`).toEqual([]);
    const { elements } = await markInteractive(page, 'dialog[open]');
    const { unreached, invisibleFocus, outside } = await tabThrough(page, elements, 'dialog[open]');
    expect(unreached, `${screen}: never reached by Tab`).toEqual([]);
    expect(invisibleFocus, `${screen}: focus not visible`).toEqual([]);
    expect(outside, `${screen}: focus left the dialog`).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  };

  const open = async (path: string, ready: (page: Page) => Promise<unknown>) => {
    const { page } = b;
    await page.goto(`${s.base}${path}`);
    await ready(page);
    // Lists and panels fill in after the first paint: wait until nothing is loading.
    await page.waitForLoadState('networkidle');
    await expect.poll(() => page.locator('[role="status"]').filter({ hasText: L.common.loading }).count()).toBe(0);
  };

  it('signs in, and the sign-in screen passes too', async () => {
    const { page } = b;
    await page.goto(s.base);
    await page.getByLabel(L.signIn.email).waitFor();
    await audit(page, 'sign-in');
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();
  });

  it('catches what it looks for: a probe of faults put on the dashboard is reported, fault by fault', async () => {
    const { page } = b;
    await open('/', (p) => p.getByRole('heading', { name: L.dashboard.heading }).waitFor());
    await page.evaluate(`(() => {
      const main = document.querySelector('main');
      const add = (html) => { const t = document.createElement('template'); t.innerHTML = html; const el = t.content.firstElementChild; main.append(el); return el; };
      add('<p id="probe-grey">probe grey</p>').style.color = '#bbbbbb';
      add('<button type="button" id="probe-unnamed"></button>');
      add('<input id="probe-field" placeholder="probe">');
      add('<button type="button" id="probe-jump" tabindex="2">probe jump</button>');
      add('<button type="button" id="probe-unreached" tabindex="-1">probe unreached</button>');
      add('<button type="button" id="probe-plain">probe plain</button>').style.outline = 'none';
      add('<div id="probe-wide">probe wide</div>').style.width = '2000px';
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('#probe-field::placeholder { color: #cccccc; }');
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    })()`);
    const has = (list: string[], id: string) => expect(list.some((l) => l.includes(`#${id}`)), `${id} in ${JSON.stringify(list)}`).toBe(true);
    const names = await unnamed(page);
    has(names, 'probe-unnamed');
    has(names, 'probe-field');
    const contrast = await lowContrast(page);
    has(contrast, 'probe-grey');
    has(contrast, 'probe-field');
    has(await overflowing(page), 'probe-wide');
    const { elements, positiveTabindex } = await markInteractive(page);
    has(positiveTabindex, 'probe-jump');
    const { unreached, invisibleFocus } = await tabThrough(page, elements);
    has(unreached, 'probe-unreached');
    has(invisibleFocus, 'probe-plain');
  });

  const screens: [string, string, (page: Page) => Promise<unknown>][] = [
    ['dashboard', '/', (p) => p.getByRole('heading', { name: L.dashboard.heading }).waitFor()],
    ['triage queue', '/triage', (p) => p.locator('tr[aria-current="true"]').waitFor()],
    ['incident list', '/incidents', (p) => p.locator('.incidents-table .tlp-red').waitFor()],
    ['incident page', '/incidents/{number}', (p) => Promise.all(['timeline', 'observables', 'coordination', 'tasks', 'evidence'].map((id) => p.locator(`section[aria-labelledby="${id}-title"]`).waitFor()))],
    ['report view', '/reports/{report}', (p) => p.getByRole('heading', { level: 1 }).waitFor()],
    ['search', `/search?q=${encodeURIComponent(lang === 'ja' ? '経理部' : 'finance')}`, (p) => p.locator('.hits li').first().waitFor()],
    ['directory', '/directory', (p) => p.getByRole('heading', { name: L.directory.heading }).waitFor()],
    ['admin accounts', '/accounts', (p) => p.getByRole('heading', { name: L.accounts.heading }).waitFor()],
    ['mail spool', '/intake-spool', (p) => p.getByRole('button', { name: L.spool.release, exact: true }).waitFor()],
  ];
  for (const [screen, path, ready] of screens)
    it(`${screen}: keyboard, names, contrast and width`, async () => {
      await open(path.replace('{number}', number).replace('{report}', reportId), ready);
      await audit(b.page, screen);
    });

  it('incident page with its forms open: edit, new coordination, evidence, hand-over, custody, task', async () => {
    const { page } = b;
    const click = (name: string) => page.getByRole('button', { name, exact: true }).first().click();
    await open(`/incidents/${number}`, (p) => p.locator('section[aria-labelledby="evidence-title"]').waitFor());
    await page.locator('.screen-title').getByRole('button', { name: L.incident.edit, exact: true }).click();
    await page.getByRole('form', { name: L.incident.edit }).waitFor();
    // A new coordination is written in a dialog: checked as the triage dialogs are, then closed.
    await click(L.coordination.new);
    await auditDialog(page, 'new coordination dialog');
    for (const name of [L.evidence.add, L.evidence.custodyShow, L.evidence.handOver, L.tasks.add, L.tasks.editAssignment]) await click(name);
    await page.waitForLoadState('networkidle');
    await audit(page, 'incident page with forms open');
  });

  it('report view with its HTML version shown', async () => {
    const { page } = b;
    await open(`/reports/${reportId}`, (p) => p.getByRole('heading', { level: 1 }).waitFor());
    await page.getByRole('button', { name: L.report.html.show, exact: true }).click();
    await page.getByTestId('report-html').waitFor();
    await audit(page, 'report view with HTML');
  });

  for (const key of ['a', 'r', '?'])
    it(`triage dialog on ${key}: names, contrast, focus kept inside, Escape closes`, async () => {
      const { page } = b;
      await open('/triage', (p) => p.locator('tr[aria-current="true"]').waitFor());
      await page.keyboard.press(key);
      await auditDialog(page, `triage dialog on ${key}`);
    });

  it('shows every TLP label readably, its colour on black', async () => {
    const { page } = b;
    await open('/incidents', (p) => p.locator('.incidents-table .tlp-red').waitFor());
    for (const tlp of TLP_LABELS) await page.locator('.incidents-table .tlp').filter({ hasText: new RegExp(`^TLP:${tlp.replace('+', '\\+')}$`) }).first().waitFor();
    expect(await lowContrast(page, '.incidents-table'), 'TLP labels below WCAG contrast').toEqual([]);
  });

  it('opens the create-incident dialog from triage with e: focus starts and stays inside, Escape closes it', async () => {
    await open('/triage', (p) => p.locator('tr[aria-current="true"]').waitFor());
    await b.page.keyboard.press('e');
    await auditDialog(b.page, 'create-incident dialog');
    expect(await b.page.locator('dialog[open]').count()).toBe(0);
  });

  it('asks before trying every held mail again: focus starts and stays in that dialog, Escape closes it', async () => {
    await open('/intake-spool', (p) => p.getByRole('button', { name: L.spool.release, exact: true }).waitFor());
    await b.page.locator('.screen-title').getByRole('button').click();
    await auditDialog(b.page, 'try every held mail again');
    // Escape asked nothing of the server: the mail is still held.
    expect((await s.h.deps.store.mailSpool.counts()).held).toBe(1);
  });
});
