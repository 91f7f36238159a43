import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import en from '../../web/src/locales/en.json' with { type: 'json' };
import ja from '../../web/src/locales/ja.json' with { type: 'json' };
import { createIncident } from '../../src/services/incident.service.js';
import { expectOwnLanguage, openBrowser, screenshot, SCREENSHOTS, skipE2e, startServer, type Browser, type E2eServer, signInWithTotp } from './support.js';

/**
 * Evidence on the incident page, once in Japanese and once in English: a
 * handler adds a file (the form first says a file is missing), sees its
 * SHA-256 listed, opens its chain of custody, downloads it (the bytes that
 * arrive hash to what was listed), records a hand-over (the form first asks
 * for the recipient); a dangerous file is listed as such and comes only as
 * the ZIP encrypted with "infected"; a file altered on disk is refused and
 * shown as failing its integrity check; the rest is exported with its
 * manifest. The panel is saved as a screenshot.
 */
const runs = [
  { lang: 'ja' as const, L: ja, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' },
  { lang: 'en' as const, L: en, locale: 'en-GB', timezoneId: 'Europe/London' },
];

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(skipE2e).each(runs)('evidence on the incident page in $lang', ({ lang, L, locale, timezoneId }) => {
  let s: E2eServer;
  let b: Browser;
  let user: { email: string; secret?: string };
  let number: string;
  /** Expected console errors: /api/auth/me answers 401 before sign-in; the altered file's download answers 500 (EVIDENCE_CORRUPT). */
  const problems = () => b.problems.filter((p) => !/status of (401|500)/.test(p));

  beforeAll(async () => {
    s = await startServer();
    user = await s.user({ email: `evidence-${lang}@team.example`, language: lang, roles: ['handler'], enrolled: true });
    const incident = await createIncident(s.h.deps, s.h.actor, {
      title: lang === 'ja' ? '経理部 PC のマルウェア感染' : 'Malware on a finance department PC',
      category: 'malware',
      tlp: 'AMBER',
    });
    number = incident.number;
    b = await openBrowser({ locale, timezoneId });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await s?.close();
  });

  it('adds evidence, lists its SHA-256, shows its chain of custody, downloads it, records a hand-over and exports it all', async () => {
    const { page } = b;
    const noForeign = (screen: string) => expectOwnLanguage(page, lang, screen);

    await page.goto(s.base);
    await signInWithTotp(page, s, user, L);
    await page.getByRole('heading', { name: L.dashboard.heading }).waitFor();

    await page.goto(`${s.base}/incidents/${number}`);
    await page.getByRole('heading', { name: new RegExp(number) }).waitFor();
    const panel = page.locator('section[aria-labelledby="evidence-title"]');
    await panel.getByRole('heading', { name: L.evidence.heading }).waitFor();
    await panel.getByText(L.evidence.none).waitFor();
    const item = (name: string) => panel.getByTestId('evidence-item').filter({ has: page.locator('.evidence-name', { hasText: name }) });

    // Adding: a file is required; then the file, where it came from and a note.
    await panel.getByRole('button', { name: L.evidence.add, exact: true }).click();
    const add = panel.locator('form.evidence-add');
    await add.getByRole('button', { name: L.evidence.addSubmit }).click();
    await add.getByText(L.evidence.fileRequired).waitFor();
    expect(await add.getByLabel(L.evidence.file).getAttribute('aria-invalid')).toBe('true');
    const name = lang === 'ja' ? '不審なメール本文.txt' : 'suspicious-mail.txt';
    const content = Buffer.from(`Received: from mail.evil.example\n件名: 請求書のご確認 (${lang})\nhttps://invoice.evil.example/login\n`);
    await add.getByLabel(L.evidence.file).setInputFiles({ name, mimeType: 'text/plain', buffer: content });
    const from = lang === 'ja' ? '経理部 PC のメールクライアント (受信トレイ)' : 'The finance PC’s mail client (inbox)';
    await add.getByLabel(L.evidence.collectedFrom).fill(from);
    await add.getByLabel(L.evidence.note).fill(lang === 'ja' ? '利用者から転送されたもの' : 'Forwarded by the user');
    await add.getByRole('button', { name: L.evidence.addSubmit }).click();
    await panel.getByTestId('evidence-added').getByText(L.evidence.addedVerified, { exact: false }).waitFor();

    // Listed with its SHA-256 (and SHA-1 and MD5), who collected it, from where.
    const first = item(name);
    await first.waitFor();
    expect(await first.getByTestId('evidence-sha256').textContent()).toBe(sha256(content));
    expect(await first.getByTestId('evidence-sha1').textContent()).toBe(createHash('sha1').update(content).digest('hex'));
    expect(await first.getByTestId('evidence-md5').textContent()).toBe(createHash('md5').update(content).digest('hex'));
    await first.getByText(from).waitFor();
    await first.getByText(L.evidence.kind.upload, { exact: true }).waitFor();
    expect(await first.getByTestId('dangerous-mark').count()).toBe(0);
    await page.locator('section[aria-labelledby="timeline-title"]').getByText(L.timelineAction.evidence.added, { exact: true }).waitFor();

    // The chain of custody: collected, then this look.
    const show = first.getByRole('button', { name: L.evidence.custodyShow, exact: true });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    await show.click();
    const log = first.getByTestId('custody-log');
    await log.getByTestId('custody-event').filter({ hasText: L.evidence.action.viewed }).waitFor();
    await log.getByTestId('custody-event').filter({ hasText: L.evidence.action.collected }).getByText(from).waitFor();
    expect(await first.getByRole('button', { name: L.evidence.custodyHide, exact: true }).getAttribute('aria-expanded')).toBe('true');

    // Downloaded as a file: the bytes are the ones listed.
    const [download] = await Promise.all([page.waitForEvent('download'), first.getByRole('button', { name: L.evidence.download, exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(name);
    const got = readFileSync(await download.path());
    expect(sha256(got)).toBe(sha256(content));
    await first.getByText(L.evidence.downloadedVerified, { exact: false }).waitFor();

    // A hand-over: the recipient is required; recorded in the chain of custody.
    await first.getByRole('button', { name: L.evidence.handOver, exact: true }).click();
    const handOver = first.locator('form.evidence-form');
    await handOver.getByRole('button', { name: L.evidence.handOverSubmit }).click();
    await handOver.getByText(L.validation.required).waitFor();
    const recipient = lang === 'ja' ? '県警察 サイバー犯罪対策課' : 'Prefectural police, cybercrime unit';
    await handOver.getByLabel(L.evidence.recipient).fill(recipient);
    await handOver.getByLabel(L.evidence.method).fill(lang === 'ja' ? '封印袋 42 番の USB メモリ' : 'USB stick, sealed bag 42');
    await handOver.getByLabel(L.evidence.handOverNote).fill(lang === 'ja' ? '捜査のため提出' : 'For the investigation');
    await handOver.getByRole('button', { name: L.evidence.handOverSubmit }).click();
    await first.getByText(L.evidence.handOverDone).waitFor();
    const handed = log.getByTestId('custody-event').filter({ hasText: L.evidence.action['handed-over'] });
    await handed.getByText(recipient).waitFor();
    await log.getByTestId('custody-event').filter({ hasText: L.evidence.action.downloaded }).waitFor();
    await noForeign('evidence with its chain of custody');
    await panel.screenshot({ path: join(SCREENSHOTS, `${lang}-evidence-panel.png`) });

    // A dangerous file: marked, said to come as the encrypted ZIP, and it does.
    await panel.getByRole('button', { name: L.evidence.add, exact: true }).click();
    const sample = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90), Buffer.from(`sample ${lang}`)]);
    await add.getByLabel(L.evidence.file).setInputFiles({ name: 'invoice.exe', mimeType: 'application/octet-stream', buffer: sample });
    await add.getByRole('button', { name: L.evidence.addSubmit }).click();
    const exe = item('invoice.exe');
    await exe.getByTestId('dangerous-mark').filter({ hasText: L.evidence.dangerous }).waitFor();
    await exe.getByText(L.evidence.downloadDangerousHint, { exact: false }).waitFor();
    await exe.locator('code', { hasText: 'infected' }).waitFor();
    expect(await exe.getByRole('button', { name: L.evidence.downloadZip, exact: true }).count()).toBe(0);
    const [packed] = await Promise.all([page.waitForEvent('download'), exe.getByRole('button', { name: L.evidence.download, exact: true }).click()]);
    expect(packed.suggestedFilename()).toBe('invoice.exe.zip');
    const zip = readFileSync(await packed.path());
    expect(zip.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(zip.includes(sample)).toBe(false);
    await exe.getByText(L.evidence.downloadedZip, { exact: false }).waitFor();

    // A file altered on disk is refused, and the item says so (a log larger than 64 KiB: a file, not a database row).
    const altered = Buffer.from(`firewall log ${lang}\n${'198.51.100.23 -> 203.0.113.9:443\n'.repeat(2100)}`);
    await panel.getByRole('button', { name: L.evidence.add, exact: true }).click();
    await add.getByLabel(L.evidence.file).setInputFiles({ name: 'firewall.log', mimeType: 'text/plain', buffer: altered });
    await add.getByRole('button', { name: L.evidence.addSubmit }).click();
    const log2 = item('firewall.log');
    await log2.getByTestId('evidence-sha256').filter({ hasText: sha256(altered) }).waitFor();
    writeFileSync(s.h.deps.evidence.pathOf(sha256(altered)), 'tampered');
    await log2.getByRole('button', { name: L.evidence.download, exact: true }).click();
    await log2.getByRole('alert').filter({ hasText: L.error.EVIDENCE_CORRUPT }).waitFor();
    await log2.getByTestId('integrity-mark').filter({ hasText: L.evidence.integrityFailed }).waitFor();
    await log2.getByTestId('evidence-corrupt').getByText(L.error.EVIDENCE_CORRUPT).waitFor();

    // Export: the altered file is left out (offered, checked); the export is kept as an item.
    const exportForm = panel.locator('form.evidence-export');
    await exportForm.getByLabel(lang === 'ja' ? L.evidence.exportSkipFailed_other.replace('{{count, number}}', '1') : en.evidence.exportSkipFailed_one).waitFor();
    await exportForm.getByLabel(L.evidence.exportNote).fill(lang === 'ja' ? '警察への提出用' : 'For the police');
    await exportForm.getByRole('button', { name: L.evidence.export, exact: true }).click();
    await exportForm.getByTestId('evidence-exported').waitFor();
    const exported = panel.getByTestId('evidence-item').filter({ has: page.locator('.badge', { hasText: L.evidence.kind.export }) });
    await exported.waitFor();
    // It holds the dangerous sample, so it too comes only inside the encrypted ZIP.
    await exported.getByTestId('dangerous-mark').waitFor();
    await first.getByRole('button', { name: L.evidence.custodyReload }).click();
    await log.getByTestId('custody-event').filter({ hasText: L.evidence.action.exported }).waitFor();
    await page.locator('section[aria-labelledby="timeline-title"]').getByText(L.timelineAction.evidence.exported, { exact: true }).waitFor();
    await noForeign('evidence after export');
    await panel.screenshot({ path: join(SCREENSHOTS, `${lang}-evidence-exported.png`) });
    await screenshot(page, `${lang}-incident-evidence`);

    expect(problems()).toEqual([]);
    expect(b.requests.filter((u) => !u.startsWith(`${s.base}/`) && !u.startsWith('blob:'))).toEqual([]);
  }, 240_000);
});
