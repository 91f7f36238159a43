import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserType } from 'playwright-core';

/**
 * Print a self-contained HTML page to PDF (A4, its own print CSS) with
 * Debian's Chromium through playwright-core: no network, a fresh profile,
 * nothing fetched (the page has no external resources and no script).
 * `RENKEI_CHROMIUM` names another browser binary.
 */
export async function htmlToPdf(html: string): Promise<Buffer> {
  const executablePath = process.env.RENKEI_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath}: install it (apt-get install -y chromium fonts-noto-cjk) or set RENKEI_CHROMIUM; the HTML report (--html) is the printable form without it`);
  let chromium: BrowserType;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('PDF needs playwright-core (a development dependency): npm install, or write --html and print it from a browser');
  }
  const dir = mkdtempSync(join(tmpdir(), 'renkei-pdf-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath,
    headless: true,
    offline: true,
    javaScriptEnabled: false,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await ctx.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
