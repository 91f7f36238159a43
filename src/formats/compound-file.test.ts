import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hugeOutlookItem, loopingOutlookItem, outlookItem } from '../../test/support/outlook-msg.js';
import { compoundFileProblem } from './compound-file.js';
import { readOutlookItem } from './outlook-msg.js';

const hasStorageLite = spawnSync('perl', ['-MOLE::Storage_Lite', '-e', '1']).status === 0;

describe('compound file structure', () => {
  it('passes a well-formed item, and names what is wrong with a crafted or broken one', () => {
    expect(compoundFileProblem(outlookItem({ subject: 's', body: 'b', headers: '', sender: 'x@example.net' }))).toBeNull();
    expect(compoundFileProblem(loopingOutlookItem())).toBe('the directory chain loops, leaves the file or shares a sector');
    expect(compoundFileProblem(hugeOutlookItem())).toBe('a stream claims more bytes than the file holds');
    expect(compoundFileProblem(Buffer.from('not a compound file at all'))).toBe('not a compound file');
    // Counts in the header the library would loop over as they stand.
    for (const [offset, why] of [[0x48, 'more DIFAT sectors than the file holds'], [0x40, 'more mini FAT sectors than the file holds'], [0x2c, 'more FAT sectors than the file holds']] as const) {
      const counted = outlookItem({ subject: 's', body: 'b', headers: '', sender: 'x@example.net' });
      counted.writeUInt32LE(0x7fffffff, offset);
      expect(compoundFileProblem(counted)).toBe(why);
    }
    // The library takes 4096 as the mini stream cutoff whatever the header says: another value is refused.
    const cutoff = outlookItem({ subject: 's', body: 'b', headers: '', sender: 'x@example.net' });
    cutoff.writeUInt32LE(0, 0x38);
    expect(compoundFileProblem(cutoff)).toBe('the mini stream cutoff is not 4096');
    // The root's chain is walked whatever its size: one that loops is refused even when the root says 0 bytes.
    const root = outlookItem({ subject: 's', body: 'b', headers: '', sender: 'x@example.net' });
    const rootEntry = 512 * (1 + root.readUInt32LE(0x30));
    const rootStart = root.readUInt32LE(rootEntry + 0x74);
    root.writeUInt32LE(0, rootEntry + 0x78);
    root.writeUInt32LE(rootStart, 512 * (1 + root.readUInt32LE(0x4c)) + 4 * rootStart);
    expect(compoundFileProblem(root)).toBe('the mini stream does not fit its chain, loops or shares a sector');
    // Two streams on the same sectors (the library would read, and hold, the same bytes once per stream): refused.
    const shared = outlookItem({ subject: 's', body: 'b'.repeat(3000), headers: 'h'.repeat(3000), sender: 'x@example.net' });
    const dir = 512 * (1 + shared.readUInt32LE(0x30));
    const startOf = (name: string) => {
      for (let off = dir; off < dir + 512; off += 128) if (shared.subarray(off, off + 40).toString('utf16le').startsWith(name)) return off + 0x74;
      throw new Error(name);
    };
    shared.writeUInt32LE(shared.readUInt32LE(startOf('__substg1.0_1000001F')), startOf('__substg1.0_007D001F'));
    expect(compoundFileProblem(shared)).toBe('a stream does not fit a chain of its own');
    const cut = outlookItem({ subject: 's', body: 'b', headers: '', sender: 'x@example.net' });
    expect(compoundFileProblem(cut.subarray(0, 1024))).toMatch(/outside the file|leaves the file|does not fit/);
  });

  it.skipIf(!hasStorageLite)("passes an item another writer made (Perl's OLE::Storage_Lite: FAT and mini streams, a storage), which the library then reads (install libole-storage-lite-perl to run this)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'renkei-cfb-'));
    try {
      const file = join(dir, 'item.msg');
      const run = spawnSync('perl', ['test/support/outlook-item.pl', file], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const bytes = readFileSync(file);
      expect(compoundFileProblem(bytes)).toBeNull();
      expect(await readOutlookItem(bytes)).toMatchObject({ subject: 'Subject via Storage_Lite', body: expect.stringContaining('https://perl-lure.evil.example/x') as unknown });
      // The same file with its directory's chain pointing at itself is refused.
      const looped = Buffer.from(bytes);
      const dirSector = looped.readUInt32LE(0x30);
      const fatSector = looped.readUInt32LE(0x4c);
      looped.writeUInt32LE(dirSector, 512 * (1 + fatSector) + 4 * dirSector);
      expect(compoundFileProblem(looped)).toBe('the directory chain loops, leaves the file or shares a sector');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
