import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextWriter, Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { describe, expect, it } from 'vitest';
import { inspectZip } from './archive.js';
import { WARNING_FILENAME, entryName, infectedZip, plainZip } from './infected-zip.js';

const sample = Buffer.concat([Buffer.from('4d5a9000', 'hex'), Buffer.from('not really malware, only its first bytes')]);
const sha = 'ab'.repeat(32);

async function entries(zip: Buffer) {
  const reader = new ZipReader(new Uint8ArrayReader(zip));
  return reader.getEntries();
}

describe('infected ZIP', () => {
  it('holds the file encrypted with the password, beside a warning that opens without it', async () => {
    const zip = await infectedZip({ name: 'invoice.pdf.exe', content: sample, sha256: sha, reasons: ['a Windows executable (MZ/PE header)'] }, 'infected');
    const [warning, file] = await entries(zip);
    expect(warning!.filename).toBe(WARNING_FILENAME);
    expect(warning!.encrypted).toBe(false);
    const text = await (warning as { getData: (w: TextWriter) => Promise<string> }).getData(new TextWriter());
    expect(text).toContain('パスワード「infected」');
    expect(text).toContain('password "infected"');
    expect(text).toContain('a Windows executable (MZ/PE header)');
    expect(text).toContain(sha);
    expect(file!.filename).toBe('invoice.pdf.exe');
    expect(file!.encrypted).toBe(true);
    const getData = (file as { getData: (w: Uint8ArrayWriter, o?: { password?: string }) => Promise<Uint8Array> }).getData.bind(file);
    expect(Buffer.from(await getData(new Uint8ArrayWriter(), { password: 'infected' })).equals(sample)).toBe(true);
    await expect(getData(new Uint8ArrayWriter())).rejects.toThrow(/encrypted/i);
    await expect(getData(new Uint8ArrayWriter(), { password: 'wrong' })).rejects.toThrow(/password/i);
    // Our own ZIP reader sees it as encrypted: the bytes never show.
    expect(inspectZip(zip)?.flags).toContain('encrypted');
    expect(zip.includes(sample.subarray(0, 20))).toBe(false);
  });

  it('opens with Info-ZIP unzip -P infected (the tool handlers have)', async (ctx) => {
    let hasUnzip = true;
    try {
      execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    } catch {
      hasUnzip = false;
    }
    if (!hasUnzip) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), 'renkei-zip-'));
    try {
      const zip = await infectedZip({ name: 'sample.exe', content: sample, sha256: sha, reasons: [] }, 'infected');
      writeFileSync(join(dir, 'x.zip'), zip);
      expect(execFileSync('unzip', ['-P', 'infected', '-p', join(dir, 'x.zip'), 'sample.exe']).equals(sample)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes names safe to extract', () => {
    expect(entryName('../../etc/passwd', 'x')).toBe('passwd');
    expect(entryName('C:\\Users\\a\\evil.exe', 'x')).toBe('evil.exe');
    expect(entryName('invoice\u202efdp.exe', 'x')).toBe('invoice_fdp.exe');
    expect(entryName('...', 'fallback.bin')).toBe('fallback.bin');
    expect(entryName(null, 'fallback.bin')).toBe('fallback.bin');
  });

  it('writes plain archives with paths', async () => {
    const zip = await plainZip([
      { path: 'files/001-a.txt', content: Buffer.from('one') },
      { path: 'manifest.json', content: '{"ok":true}' },
    ]);
    const list = await entries(zip);
    expect(list.map((e) => e.filename)).toEqual(['files/001-a.txt', 'manifest.json']);
    expect(list.every((e) => !e.encrypted)).toBe(true);
  });
});
