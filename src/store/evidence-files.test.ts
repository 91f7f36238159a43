import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EvidenceFiles, INLINE_MAX } from './evidence-files.js';

/** Content too large to be kept in the database: a file. */
const fileSized = (text: string) => Buffer.concat([Buffer.from(text), Buffer.alloc(INLINE_MAX, ' ')]);

describe('EvidenceFiles', () => {
  let dir: string;
  let files: EvidenceFiles;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'renkei-evidence-'));
    files = new EvidenceFiles(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes no file for content of at most 64 KiB: hands the bytes back for the database', async () => {
    const small = Buffer.alloc(INLINE_MAX, 'k');
    const stored = await files.put(small);
    expect(stored).toEqual({ ...EvidenceFiles.hashes(small), inline: small });
    expect(files.has(stored.sha256)).toBe(false);
    // A small part cut out of a large buffer (a mail) comes back in a buffer of its own: a thread hands it over by copying.
    const mail = Buffer.alloc(1024 * 1024, 'm');
    const part = (await files.put(mail.subarray(100, 200))).inline!;
    expect(part.equals(mail.subarray(100, 200))).toBe(true);
    expect(part.buffer.byteLength).toBeLessThan(mail.length);
  });

  it('stores content once under evidence/sha256/<first two hex digits>/<sha256>, with its hashes', async () => {
    const content = fileSized('phishing kit');
    const stored = await files.put(content);
    expect(stored).toEqual(EvidenceFiles.hashes(content));
    expect(stored.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(relative(dir, files.pathOf(stored.sha256))).toBe(join('evidence', 'sha256', stored.sha256.slice(0, 2), stored.sha256));
    await files.put(content);
    // No temporary file left behind, one file for the content.
    expect(readdirSync(dirname(files.pathOf(stored.sha256)))).toEqual([stored.sha256]);
    expect(files.get(stored.sha256).equals(content)).toBe(true);
  });

  it('reads, finds and removes files an older store wrote two levels deep, and does not write them again', async () => {
    const content = fileSized('evidence from an older store');
    const { sha256 } = EvidenceFiles.hashes(content);
    const legacy = join(dir, 'evidence', 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    mkdirSync(dirname(legacy), { recursive: true });
    writeFileSync(legacy, content);
    expect(files.has(sha256)).toBe(true);
    expect(files.get(sha256).equals(content)).toBe(true);
    await files.put(content);
    expect(readdirSync(dirname(files.pathOf(sha256)))).toEqual([sha256.slice(2, 4)]);
    expect(await files.remove(sha256)).toBe(true);
    expect(files.has(sha256)).toBe(false);
    expect(await files.remove(sha256)).toBe(false);
  });

  it('leaves to retention only a file not put since the time it names: a report being recorded found it there (put sets its time)', async () => {
    const content = fileSized('a phishing kit that keeps coming');
    const { sha256 } = await files.put(content);
    const path = files.pathOf(sha256);
    const day = 86_400_000;
    const dayAgo = new Date(Date.now() - day);
    const older = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(path, older, older);
    // The same content arrives again (a duplicate attachment): found, not written again, and its time is now.
    await files.put(content);
    expect(statSync(path).mtimeMs).toBeGreaterThanOrEqual(dayAgo.getTime());
    expect(await files.remove(sha256, day)).toBe(false);
    expect(files.get(sha256).equals(content)).toBe(true);
    // Not put since: removed.
    utimesSync(path, older, older);
    expect(await files.remove(sha256, day)).toBe(true);
    expect(files.has(sha256)).toBe(false);
    // Put after the removal: written again.
    await files.put(content);
    expect(files.get(sha256).equals(content)).toBe(true);
    // Nothing left aside, nothing temporary.
    expect(readdirSync(dirname(path))).toEqual([sha256]);
  });

  it('puts back a file a removal moved aside and never finished with (the process stopped), or drops it when the content is back', async () => {
    const content = fileSized('moved aside, then the process stopped');
    const { sha256 } = await files.put(content);
    const path = files.pathOf(sha256);
    // Where remove() moves it: evidence/removing/<sha256>.<random>, beside the store, not inside it.
    const aside = join(files.dataDir, 'evidence', 'removing', `${sha256}.0123456789ab`);
    mkdirSync(dirname(aside), { recursive: true });
    renameSync(path, aside);
    expect(files.has(sha256)).toBe(false);
    // Moved aside a moment ago: a removal may still be at it, so it is left.
    expect(await files.restoreMovedAside()).toBe(0);
    expect(files.has(sha256)).toBe(false);
    vi.useFakeTimers({ now: Date.now() + 11 * 60 * 1000, toFake: ['Date'] });
    try {
      expect(await files.restoreMovedAside()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
    expect(files.get(sha256).equals(content)).toBe(true);
    // The content came back meanwhile: the copy aside goes.
    writeFileSync(aside, content);
    vi.useFakeTimers({ now: Date.now() + 11 * 60 * 1000, toFake: ['Date'] });
    try {
      expect(await files.restoreMovedAside()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    expect(readdirSync(dirname(path))).toEqual([sha256]);
    expect(readdirSync(dirname(aside)).filter((n) => !n.startsWith('.'))).toEqual([]);
    // A store with no files yet has nothing to walk.
    expect(await new EvidenceFiles(join(dir, 'empty')).restoreMovedAside()).toBe(0);
  });

  it('puts back, once, what an older version moved aside beside the file; removes on after its folder was tidied away', async () => {
    const content = fileSized('moved aside by an older version');
    const { sha256 } = await files.put(content);
    const path = files.pathOf(sha256);
    const older = `${path}.0123456789ab.removing`;
    renameSync(path, older);
    // Moved aside a moment ago: left, and the sweep is not done with yet.
    expect(await files.restoreMovedAside()).toBe(0);
    vi.useFakeTimers({ now: Date.now() + 11 * 60 * 1000, toFake: ['Date'] });
    try {
      expect(await files.restoreMovedAside()).toBe(1);
      // Swept once: an older-layout file appearing later is not looked for again.
      renameSync(path, older);
      expect(await files.restoreMovedAside()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    renameSync(older, path);
    expect(files.get(sha256).equals(content)).toBe(true);
    // Someone tidied the removing folder away: the next removal makes it again, and removes.
    rmSync(join(files.dataDir, 'evidence', 'removing'), { recursive: true });
    expect(await files.remove(sha256)).toBe(true);
    expect(files.has(sha256)).toBe(false);
  });

  it('refuses a file whose bytes no longer hash to its name', async () => {
    const { sha256 } = await files.put(fileSized('original'));
    writeFileSync(files.pathOf(sha256), 'altered');
    expect(() => files.get(sha256)).toThrow(/corrupt/);
  });

  it('rewrites a file cut short (a crash mid-copy in an older version) when the same content comes again', async () => {
    const content = fileSized('a whole attachment');
    const { sha256 } = EvidenceFiles.hashes(content);
    mkdirSync(dirname(files.pathOf(sha256)), { recursive: true });
    writeFileSync(files.pathOf(sha256), content.subarray(0, 5));
    await files.put(content);
    expect(files.get(sha256).equals(content)).toBe(true);
  });

  it('writes large files (through the thread pool) as whole as smaller ones', async () => {
    const large = Buffer.alloc(300 * 1024 + 7, 'x');
    const small = fileSized('y');
    const [a, b] = await Promise.all([files.put(large), files.put(small)]);
    expect(files.get(a.sha256).equals(large)).toBe(true);
    expect(files.get(b.sha256).equals(small)).toBe(true);
    expect(readdirSync(dirname(files.pathOf(a.sha256))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
