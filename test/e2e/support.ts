import { expect } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { SMTPServer } from 'smtp-server';
import type { FastifyInstance } from 'fastify';
import { createSmtpIntake } from '../../src/channels/smtp-intake.js';
import { MailSpool } from '../../src/services/mail-spool.service.js';
import { systemActor, type Role } from '../../src/domain/actor.js';
import { parseIntakeRoutes } from '../../src/domain/intake-route.js';
import type { Language } from '../../src/domain/organisation.schema.js';
import { buildApp } from '../../src/http/app.js';
import { createAccount } from '../../src/services/auth/account.service.js';
import { beginTotpEnrolment, confirmTotpEnrolment } from '../../src/services/auth/enrolment.service.js';
import { actorOf, signIn } from '../../src/services/auth/session.service.js';
import { totpCode } from '../../src/services/auth/totp.js';
import { createHarness, type Harness } from '../support/harness.js';
import { holdMail } from '../support/held-mail.js';

/**
 * End-to-end support: a real Renkei (HTTP with the built web app, and the
 * SMTP intake) listening on free loopback ports over a fresh database — the
 * harness's in-memory SQLite, or PostgreSQL with DATABASE_URL — and Debian's
 * Chromium driven by playwright-core. The server runs in this process so the
 * test shares its clock: TOTP codes are computed for the server's time.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');
export const PASSWORD = 'e2e: a long and unusual passphrase 連携';

/** Skipped only when asked to (RENKEI_SKIP_E2E=1, e.g. on a laptop without Chromium); otherwise a missing browser fails loudly. */
export const skipE2e = process.env.RENKEI_SKIP_E2E === '1';

export function assertBrowser(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the end-to-end tests drive Debian's Chromium. Install it with ` +
        '`apt-get install -y chromium fonts-noto-cjk` (.ci/run does), or set RENKEI_SKIP_E2E=1 to skip these tests locally.',
    );
}

export interface E2eServer {
  h: Harness;
  app: FastifyInstance;
  base: string;
  smtpPort: number;
  /** A staff member: email, password, and — when enrolled — the TOTP secret. */
  user(options: { email: string; language: Language; roles?: Role[]; enrolled: boolean }): Promise<{ email: string; secret?: string }>;
  /** A mail to the intake, as a mail server would send it; resolves once its report is recorded. */
  mail(message: SendMailOptions): Promise<void>;
  /** A mail acknowledged and held in the spool with `reason` (as one that can never be a report is); its spool id. */
  heldMail(raw: Buffer, reason: string): Promise<string>;
  /** The code an authenticator shows now (server time). */
  code(secret: string): Promise<string>;
  close(): Promise<void>;
}

/** `relay`: the outbound SMTP relay coordination mail goes to (a local sink in tests); without it, sending fails in the queue. */
export async function startServer(options: { relay?: string } = {}): Promise<E2eServer> {
  // Start at the real time: the browser keeps cookies by its own clock.
  const h = await createHarness({ start: new Date().toISOString(), ...(options.relay ? { relay: options.relay, relayTimeoutSeconds: 2 } : {}) });
  const app = await buildApp({ deps: h.deps, ping: () => h.database.ping() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const routes = parseIntakeRoutes('report@renkei.example,phishing@renkei.example=phishing');
  if (!routes.ok) throw new Error(routes.error);
  const spool = new MailSpool(h.deps, systemActor('smtp'));
  spool.start();
  const smtp: SMTPServer = createSmtpIntake({ spool, routes: routes.routes, maxBytes: 5 * 1024 * 1024, maxRecipients: 5, maxConnectionsPerAddress: 50 });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const admin = systemActor('e2e');
  return {
    h,
    app,
    base,
    smtpPort,
    async user({ email, language, roles = ['lead', 'handler'], enrolled }) {
      const { account } = await createAccount(h.deps, { ...admin, roles: ['administrator'] }, { email, displayName: email.split('@')[0]!, language, roles, password: PASSWORD });
      if (!enrolled) return { email };
      const signedIn = await signIn(h.deps, { email, password: PASSWORD }, { ip: '127.0.0.1', userAgent: 'e2e' });
      const actor = actorOf(account, '127.0.0.1');
      const { secret } = await beginTotpEnrolment(h.deps, actor);
      await confirmTotpEnrolment(h.deps, actor, signedIn.session, { code: await totpCode(secret, h.now()) });
      // The next code the browser types must be from a later time step than the one just used.
      h.advance(31_000);
      return { email, secret };
    },
    async mail(message) {
      await nodemailer
        .createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true })
        .sendMail({ envelope: { from: 'reporter@example.jp', to: ['phishing@renkei.example'] }, to: 'phishing@renkei.example', ...message });
      // Acknowledged once spooled: the report exists once the spool has recorded it.
      await spool.idle();
    },
    heldMail: (raw, reason) => holdMail(h.deps.store, h.now(), raw, reason),
    code: (secret) => totpCode(secret, h.now()),
    async close() {
      await new Promise<void>((r) => smtp.close(() => r()));
      await spool.stop();
      await app.close();
      await h.close();
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and page errors (a CSP violation shows here too). */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh Chromium profile, launched exactly as ../shared/STACK.md says (never a downloaded browser). */
export async function openBrowser(options: { locale: string; timezoneId: string }): Promise<Browser> {
  assertBrowser();
  const dir = mkdtempSync(join(tmpdir(), 'renkei-e2e-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    locale: options.locale,
    timezoneId: options.timezoneId,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    requests,
    problems,
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/**
 * Words of the other language on the screen, outside what is data (marked
 * translate="no") and outside text marked with its own lang (the language
 * switch). Japanese screens may carry acronyms (TLP, URL, JST…), not words.
 */
export async function foreignWords(page: Page, lang: Language): Promise<string[]> {
  const texts = await page.evaluate(`(() => {
    const out = [];
    const docLang = document.documentElement.lang;
    const skip = (el) => !el || el.closest('[translate="no"], script, style, noscript') || (el.closest('[lang]') && el.closest('[lang]').getAttribute('lang') !== docLang);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (n.textContent.trim() && !skip(n.parentElement)) out.push(n.textContent);
    for (const el of document.querySelectorAll('[placeholder], [aria-label], [title]'))
      if (!skip(el)) for (const a of ['placeholder', 'aria-label', 'title']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    return out;
  })()`);
  const allowed = new Set(['IPv4', 'IPv6', 'Web', 'Enter']);
  const found = new Set<string>();
  for (const text of texts as string[]) {
    if (lang === 'ja') for (const w of text.match(/[A-Za-z]*[a-z]{2,}[A-Za-z0-9]*/g) ?? []) if (!allowed.has(w)) found.add(w);
    if (lang === 'en') for (const w of text.match(/[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]+/g) ?? []) found.add(w);
  }
  return [...found];
}

/** Whether the page is wider than the window (something did not wrap). */
export async function overflowsHorizontally(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate<{ scrollWidth: number; clientWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })',
  );
}

/** The screen speaks only `lang` (no words of the other language) and is no wider than the window; `screen` names it in a failure. */
export async function expectOwnLanguage(page: Page, lang: Language, screen: string): Promise<void> {
  expect(await foreignWords(page, lang), `${screen}: words of the other language`).toEqual([]);
  const { scrollWidth, clientWidth } = await overflowsHorizontally(page);
  expect(scrollWidth, `${screen} is wider than the window`).toBeLessThanOrEqual(clientWidth);
}

/** The sign-in screen's texts, as both locale files have them. */
interface SignInTexts {
  signIn: { email: string; password: string; submit: string; code: string; verify: string };
}

/** Sign in on the sign-in screen now showing: e-mail and password, then the authenticator's code (the account has TOTP enrolled). */
export async function signInWithTotp(page: Page, s: E2eServer, user: { email: string; secret?: string }, L: SignInTexts): Promise<void> {
  await page.getByLabel(L.signIn.email).fill(user.email);
  await page.getByLabel(L.signIn.password).fill(PASSWORD);
  await page.getByRole('button', { name: L.signIn.submit, exact: true }).click();
  await page.getByLabel(L.signIn.code).fill(await s.code(user.secret!));
  await page.getByRole('button', { name: L.signIn.verify, exact: true }).click();
}
