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
    expect(compoundFileProblem(loopingOutlookItem())).toBe('the directory chain loops or leaves the file');
    expect(compoundFileProblem(hugeOutlookItem())).toBe('a stream claims more bytes than the file holds');
    expect(compoundFileProblem(Buffer.from('not a compound file at all'))).toBe('not a compound file');
    // Counts in the header the library would loop over as they stand.
    for (const [offset, why] of [[0x48, 'more DIFAT sectors than the file holds'], [0x40, 'more mini FAT sectors than the file holds'], [0x2c, 'more FAT sectors than the file holds']] as const) {
      const counted = outlookItem({ subject: 's', body: 'b', headers: '', sender: 'x@example.net' });
      counted.writeUInt32LE(0x7fffffff, offset);
      expect(compoundFileProblem(counted)).toBe(why);
    }
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
      expect(compoundFileProblem(looped)).toBe('the directory chain loops or leaves the file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
