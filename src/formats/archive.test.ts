import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import type * as Zlib from 'node:zlib';
import { DEFAULT_ARCHIVE_LIMITS, inspectZip, zipTextEntries } from './archive.js';

/** Every inflate the module does, so tests can hold it to "never expand blindly". */
const inflates = vi.hoisted(() => [] as (number | undefined)[]);
vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof Zlib>();
  return {
    ...zlib,
    inflateRawSync: (data: Zlib.InputType, options?: Zlib.ZlibOptions) => {
      inflates.push(options?.maxOutputLength);
      return zlib.inflateRawSync(data, options);
    },
  };
});
beforeEach(() => {
  inflates.length = 0;
});
afterEach(() => {
  // The largest bound inspectZip or zipTextEntries (with default limits) may ask for.
  expect(inflates.every((max) => max !== undefined && max <= 1024 * 1024 + 1)).toBe(true);
});

// ---- A small ZIP writer, so no fixture binaries are needed ----

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Written { name: Buffer; method: number; flags: number; crc: number; compressedSize: number; uncompressedSize: number }
interface Spec {
  name: string | Buffer;
  data?: Buffer | string;
  /** 0 stored, 8 deflate; deflate by default. */
  method?: number;
  flags?: number;
  /** Stored as is instead of `data` compressed with `method`. */
  raw?: Buffer;
  uncompressedSize?: number;
  crc?: number;
}

function localHeader(w: Written): Buffer {
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(w.flags, 6);
  h.writeUInt16LE(w.method, 8);
  h.writeUInt32LE(w.crc, 14);
  h.writeUInt32LE(Math.min(w.compressedSize, 0xffffffff), 18);
  h.writeUInt32LE(Math.min(w.uncompressedSize, 0xffffffff), 22);
  h.writeUInt16LE(w.name.length, 26);
  return Buffer.concat([h, w.name]);
}

/** With `zip64`, all three sizes go to the ZIP64 extra field; otherwise only those that do not fit 32 bits. */
function centralHeader(w: Written, offset: number, zip64 = false): Buffer {
  const values = [w.uncompressedSize, w.compressedSize, offset];
  const big = values.filter((v) => zip64 || v >= 0xffffffff);
  const extra = big.length === 0 ? Buffer.alloc(0) : Buffer.alloc(4 + 8 * big.length);
  if (big.length > 0) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(8 * big.length, 2);
    big.forEach((v, i) => extra.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  }
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(45, 4);
  h.writeUInt16LE(45, 6);
  h.writeUInt16LE(w.flags, 8);
  h.writeUInt16LE(w.method, 10);
  h.writeUInt32LE(w.crc, 16);
  [w.compressedSize, w.uncompressedSize].forEach((v, i) => h.writeUInt32LE(zip64 || v >= 0xffffffff ? 0xffffffff : v, 20 + 4 * i));
  h.writeUInt16LE(w.name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt32LE(zip64 || offset >= 0xffffffff ? 0xffffffff : offset, 42);
  return Buffer.concat([h, w.name, extra]);
}

function endRecords(count: number, cdOffset: number, cdSize: number, o: { zip64?: boolean; disk?: number } = {}): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(o.disk ?? 0, 4);
  end.writeUInt16LE(o.zip64 ? 0xffff : count, 8);
  end.writeUInt16LE(o.zip64 ? 0xffff : count, 10);
  end.writeUInt32LE(o.zip64 ? 0xffffffff : cdSize, 12);
  end.writeUInt32LE(o.zip64 ? 0xffffffff : cdOffset, 16);
  if (!o.zip64) return end;
  const end64 = Buffer.alloc(56);
  end64.writeUInt32LE(0x06064b50, 0);
  end64.writeBigUInt64LE(44n, 4);
  end64.writeUInt16LE(45, 12);
  end64.writeUInt16LE(45, 14);
  end64.writeBigUInt64LE(BigInt(count), 24);
  end64.writeBigUInt64LE(BigInt(count), 32);
  end64.writeBigUInt64LE(BigInt(cdSize), 40);
  end64.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([end64, locator, end]);
}

function buildZip(specs: Spec[], o: { zip64?: boolean; disk?: number; count?: number } = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const s of specs) {
    const data = typeof s.data === 'string' ? Buffer.from(s.data) : (s.data ?? Buffer.alloc(0));
    const method = s.method ?? 8;
    const stored = s.raw ?? (method === 8 ? deflateRawSync(data) : data);
    const w: Written = {
      name: typeof s.name === 'string' ? Buffer.from(s.name) : s.name, method, flags: s.flags ?? 0, crc: s.crc ?? crc32(data),
      compressedSize: stored.length, uncompressedSize: s.uncompressedSize ?? data.length,
    };
    const local = Buffer.concat([localHeader(w), stored]);
    central.push(centralHeader(w, offset, o.zip64));
    parts.push(local);
    offset += local.length;
  }
  const cd = Buffer.concat(central);
  return Buffer.concat([...parts, cd, endRecords(o.count ?? specs.length, offset, cd.length, o)]);
}

/**
 * David Fifield's "quoted overlap" bomb: each file's data is a stored deflate block quoting the next file's local
 * header, then that file's data, down to one shared kernel; every file is valid and all of them share the kernel.
 */
function overlapBomb(files: number, kernelSize: number): Buffer {
  const kernel = deflateRawSync(Buffer.alloc(kernelSize, 0x61));
  let content = Buffer.alloc(kernelSize, 0x61);
  let data = kernel;
  const written: Written[] = [];
  const headers: Buffer[] = [];
  for (let i = files - 1; i >= 0; i--) {
    if (i < files - 1) {
      const next = headers[0] ?? Buffer.alloc(0);
      const quote = Buffer.from([0x00, next.length & 0xff, next.length >> 8, ~next.length & 0xff, (~next.length >> 8) & 0xff]);
      data = Buffer.concat([quote, next, data]);
      content = Buffer.concat([next, content]);
    }
    const w: Written = { name: Buffer.from(`f${i}`), method: 8, flags: 0, crc: crc32(content), compressedSize: data.length, uncompressedSize: content.length };
    written.unshift(w);
    headers.unshift(localHeader(w));
  }
  // Laid out, the first file's header and data are every header, each followed by its quote, then the kernel.
  const firstData = Buffer.concat([headers[0] ?? Buffer.alloc(0), data]);
  const offsets = headers.map((_, i) => headers.slice(0, i).reduce((n, h) => n + h.length + 5, 0));
  const cd = Buffer.concat(written.map((w, i) => centralHeader(w, offsets[i] ?? 0)));
  return Buffer.concat([firstData, cd, endRecords(files, firstData.length, cd.length)]);
}

const sound = (): Buffer =>
  buildZip([
    { name: 'logs/', data: '', method: 0 },
    { name: 'logs/auth.log', data: 'Failed password for root from 203.0.113.7 port 22\n'.repeat(20) },
    { name: 'readme.txt', data: 'see auth.log', method: 0 },
    { name: 'sample.exe', data: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03]) },
  ]);

function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('inspectZip', () => {
  it('lists a sound archive from its central directory, with nothing flagged', () => {
    const zip = sound();
    expect(inspectZip(zip)).toEqual({
      format: 'zip',
      entries: [
        { name: 'logs/', compressedSize: 0, uncompressedSize: 0, isDirectory: true, isEncrypted: false, method: 0 },
        { name: 'logs/auth.log', compressedSize: expect.any(Number) as number, uncompressedSize: 1000, isDirectory: false, isEncrypted: false, method: 8 },
        { name: 'readme.txt', compressedSize: 12, uncompressedSize: 12, isDirectory: false, isEncrypted: false, method: 0 },
        { name: 'sample.exe', compressedSize: expect.any(Number) as number, uncompressedSize: 5, isDirectory: false, isEncrypted: false, method: 8 },
      ],
      entryCount: 4,
      totalUncompressed: 1017,
      flags: [],
      isBomb: false,
      problems: [],
    });
  });

  it('answers undefined for bytes that are not a ZIP', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from('PK'), Buffer.from('%PDF-1.7\n%âãÏÓ\n'), Buffer.from('hello, world\n'), Buffer.alloc(70_000, 7)]) {
      expect(inspectZip(bytes)).toBeUndefined();
    }
  });

  it('reads an empty archive, and one whose comment holds an end-record signature', () => {
    expect(inspectZip(buildZip([]))).toMatchObject({ entries: [], entryCount: 0, flags: [] });
    const zip = sound();
    const comment = Buffer.concat([Buffer.from('PK\x05\x06'), Buffer.alloc(30, 0x41)]);
    const commented = Buffer.concat([zip.subarray(0, zip.length - 2), Buffer.from([comment.length, 0]), comment]);
    expect(inspectZip(commented)).toMatchObject({ entryCount: 4, flags: [] });
  });

  it("flags every truncation of an archive as 'corrupt', never throwing and never answering undefined", () => {
    const zip = sound();
    for (let length = 4; length < zip.length; length++) {
      const inspection = inspectZip(zip.subarray(0, length));
      expect(inspection?.flags, `cut at ${length}`).toContain('corrupt');
    }
  });

  it('survives random damage, in inspectZip and zipTextEntries alike', () => {
    const next = random(42);
    const zip = sound();
    for (let round = 0; round < 2_000; round++) {
      const damaged = Buffer.from(zip);
      for (let k = 0; k < 1 + next() * 4; k++) damaged[Math.floor(next() * damaged.length)] = Math.floor(next() * 256);
      const inspection = inspectZip(damaged);
      if (inspection) zipTextEntries(damaged, inspection);
    }
  });

  it('flags a ratio bomb: a few MB of zeros compressed to a few KB', () => {
    const zip = buildZip([{ name: 'zeros.bin', data: Buffer.alloc(5 * MiB) }]);
    expect(zip.length).toBeLessThan(10_000);
    const inspection = inspectZip(zip);
    expect(inspection).toMatchObject({ flags: ['ratio'], isBomb: true, totalUncompressed: 5 * MiB });
    expect(inspection?.problems.join()).toMatch(/ratio of \d+:1/);
  });

  it('records a declared 4 GB as such, with a hand-made central directory, without ever expanding it', () => {
    const honest = buildZip([{ name: 'disk.img', raw: deflateRawSync(Buffer.alloc(2 * MiB)), uncompressedSize: 4 * GiB, crc: 0 }]);
    expect(inspectZip(honest)).toMatchObject({
      entries: [{ name: 'disk.img', uncompressedSize: 4 * GiB }],
      totalUncompressed: 4 * GiB,
      flags: ['too-large', 'ratio'],
      isBomb: true,
    });
    // Probing stops at the bound: 2 MiB of zeros could still be the start of 4 GiB.
    expect(inflates).toEqual([MiB + 1]);

    const lying = buildZip([{ name: 'small.bin', data: 'only this', uncompressedSize: 4 * GiB }]);
    expect(inspectZip(lying)?.flags).toEqual(['too-large', 'ratio', 'declared-size-lies']);
  });

  it("flags overlapping entries (Fifield's quoted overlap), though each entry alone is a valid file", () => {
    const zip = overlapBomb(8, 200_000);
    const inspection = inspectZip(zip);
    expect(inspection).toMatchObject({ entryCount: 8, isBomb: true });
    expect(inspection?.flags).toContain('overlapping-entries');
    expect(inspection?.flags).not.toContain('corrupt');
    expect(inspection?.flags).not.toContain('declared-size-lies');
    expect(inspection?.problems.join()).toMatch(/8 entries share bytes/);
  });

  it('flags two central-directory entries pointing at the same local header', () => {
    const zip = buildZip([{ name: 'a.txt', data: 'aaaa' }]);
    const cdOffset = zip.readUInt32LE(zip.length - 6);
    const cd = zip.subarray(cdOffset, zip.length - 22);
    const twice = Buffer.concat([zip.subarray(0, cdOffset), cd, cd, endRecords(2, cdOffset, cd.length * 2)]);
    expect(inspectZip(twice)).toMatchObject({ entryCount: 2, flags: ['overlapping-entries'], isBomb: true });
  });

  it('flags a declared size that inflating shows to be false, either way, and a stored entry whose sizes differ', () => {
    const more = buildZip([{ name: 'a.log', data: 'x'.repeat(10_000), uncompressedSize: 100 }]);
    expect(inspectZip(more)).toMatchObject({ flags: ['declared-size-lies'], isBomb: true, problems: ['"a.log" declares 100 bytes but inflates to more'] });
    const less = buildZip([{ name: 'b.log', data: 'x'.repeat(100), uncompressedSize: 10_000 }]);
    expect(inspectZip(less)?.problems).toEqual(['"b.log" declares 9.8 KiB but inflates to 100 bytes']);
    const stored = buildZip([{ name: 'c.bin', data: 'abc', method: 0, uncompressedSize: 3_000 }]);
    expect(inspectZip(stored)?.flags).toEqual(['declared-size-lies']);
  });

  it('flags nested archives, by name and by content', () => {
    const inner = buildZip([{ name: 'x.txt', data: 'x' }]);
    const zip = buildZip([
      { name: 'inner.zip', data: inner, method: 0 },
      { name: 'logs.tar.gz', data: 'not really' },
      { name: 'invoice.dat', data: inner },
      { name: 'notes.txt', data: 'plain' },
    ]);
    const inspection = inspectZip(zip);
    expect(inspection).toMatchObject({ flags: ['nested-archive'], isBomb: false });
    expect(inspection?.problems).toEqual([
      '"inner.zip" is itself an archive',
      '"logs.tar.gz" is itself an archive',
      '"invoice.dat" is itself an archive (by its content)',
    ]);
  });

  it('flags encrypted entries (flag bit 0)', () => {
    const zip = buildZip([{ name: 'sample.exe', data: 'ciphertext', method: 0, flags: 0x0001, crc: 1 }, { name: 'README.txt', data: 'password: infected' }]);
    const inspection = inspectZip(zip);
    expect(inspection).toMatchObject({ flags: ['encrypted'], isBomb: false, problems: ['1 of 2 entries are encrypted: "sample.exe"'] });
    expect(inspection?.entries.map((e) => e.isEncrypted)).toEqual([true, false]);
  });

  it('lists at most maxEntries and counts them all', () => {
    const zip = buildZip(Array.from({ length: 5 }, (_, i) => ({ name: `${i}.txt`, data: `${i}` })));
    const inspection = inspectZip(zip, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 3 });
    expect(inspection).toMatchObject({ entryCount: 5, totalUncompressed: 5, flags: ['too-many-entries'], isBomb: false });
    expect(inspection?.entries.map((e) => e.name)).toEqual(['0.txt', '1.txt', '2.txt']);
  });

  it('reads a ZIP64 archive: ZIP64 end record, locator and extra fields', () => {
    const zip = buildZip([{ name: 'a.txt', data: 'alpha' }, { name: 'b.bin', data: Buffer.alloc(300, 1), method: 0 }], { zip64: true });
    expect(zip.readUInt16LE(zip.length - 12)).toBe(0xffff);
    expect(inspectZip(zip)).toMatchObject({
      entries: [
        { name: 'a.txt', uncompressedSize: 5, method: 8 },
        { name: 'b.bin', uncompressedSize: 300, compressedSize: 300, method: 0 },
      ],
      entryCount: 2,
      flags: [],
    });
  });

  it('reads an archive behind a prefix (self-extractor) whose offsets were not adjusted', () => {
    const zip = Buffer.concat([Buffer.from('MZ'.padEnd(500, '\0')), sound()]);
    expect(inspectZip(zip)).toMatchObject({ entryCount: 4, flags: [] });
    expect(zipTextEntries(zip, inspectZip(zip)!).map((t) => t.name)).toEqual(['logs/auth.log', 'readme.txt']);
  });

  it("flags as 'corrupt' a CRC mismatch, a wrong entry count, data past the end and a multi-disk archive", () => {
    expect(inspectZip(buildZip([{ name: 'a.txt', data: 'abc', crc: 7 }]))?.problems).toEqual(['"a.txt" fails its CRC check']);
    expect(inspectZip(buildZip([{ name: 'a.txt', data: 'abc' }], { count: 3 }))?.problems).toEqual([
      'the end record declares 3 entries but the central directory holds 1',
    ]);
    expect(inspectZip(buildZip([{ name: 'a.txt', data: 'abc' }], { disk: 1 }))?.flags).toEqual(['corrupt']);
    const garbage = buildZip([{ name: 'a.bin', raw: Buffer.from([0xff, 0xff, 0xff]), uncompressedSize: 3 }]);
    expect(inspectZip(garbage)).toMatchObject({ flags: ['corrupt'], isBomb: false });
  });

  it('decodes names as UTF-8 when flagged or valid, else as CP437', () => {
    const zip = buildZip([
      { name: Buffer.from([0x81, 0x62, 0x65, 0x72, 0x2e, 0x74, 0x78, 0x74]), data: 'x' },
      { name: '報告.txt', data: 'y' },
      { name: 'café.txt', data: 'z', flags: 0x0800 },
    ]);
    expect(inspectZip(zip)?.entries.map((e) => e.name)).toEqual(['über.txt', '報告.txt', 'café.txt']);
  });

  it('keeps the problems of one kind short', () => {
    const zip = buildZip(Array.from({ length: 12 }, (_, i) => ({ name: `${i}.zip`, data: 'x' })));
    const problems = inspectZip(zip)?.problems ?? [];
    expect(problems).toHaveLength(6);
    expect(problems[5]).toBe("…and 7 more problems flagged 'nested-archive'");
  });
});

describe('zipTextEntries', () => {
  it('gives the text of small text-like entries, not of binaries or directories', () => {
    const zip = buildZip([
      { name: 'dir/', data: '', method: 0 },
      { name: 'a.log', data: 'GET /wp-login.php 198.51.100.4' },
      { name: 'b.json', data: '{"ip":"192.0.2.1"}', method: 0 },
      { name: 'c.exe', data: 'MZ text-looking binary' },
      { name: 'd.txt', data: Buffer.from('a\0b') },
      { name: 'e.csv', data: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ip\r\n10.0.0.1', 'utf16le')]) },
      { name: 'f.eml', data: Buffer.from('Subject: caf\xe9', 'latin1') },
    ]);
    expect(zipTextEntries(zip, inspectZip(zip)!)).toEqual([
      { name: 'a.log', text: 'GET /wp-login.php 198.51.100.4' },
      { name: 'b.json', text: '{"ip":"192.0.2.1"}' },
      { name: 'e.csv', text: 'ip\r\n10.0.0.1' },
      { name: 'f.eml', text: 'Subject: café' },
    ]);
  });

  it('stays within maxTextBytes in total, taking later entries that still fit', () => {
    const zip = buildZip([{ name: 'a.txt', data: 'a'.repeat(60) }, { name: 'b.txt', data: 'b'.repeat(60) }, { name: 'c.txt', data: 'c'.repeat(30) }]);
    const limits = { ...DEFAULT_ARCHIVE_LIMITS, maxTextBytes: 100 };
    expect(zipTextEntries(zip, inspectZip(zip, limits)!, limits).map((t) => t.name)).toEqual(['a.txt', 'c.txt']);
  });

  it('gives nothing for a bomb or an encrypted archive', () => {
    const bomb = buildZip([{ name: 'a.txt', data: 'a'.repeat(2 * MiB) }, { name: 'b.txt', data: 'b' }]);
    expect(zipTextEntries(bomb, inspectZip(bomb)!)).toEqual([]);
    const encrypted = buildZip([{ name: 'a.txt', data: 'x', method: 0, flags: 1 }, { name: 'b.txt', data: 'b' }]);
    expect(zipTextEntries(encrypted, inspectZip(encrypted)!)).toEqual([]);
  });

  it('cannot be made to expand past the declared size by a lie, even with a forged inspection', () => {
    const zip = buildZip([{ name: 'a.txt', data: 'a'.repeat(500_000), uncompressedSize: 10 }, { name: 'b.txt', data: 'ok', crc: 1 }]);
    const forged = { ...inspectZip(zip)!, flags: [], isBomb: false };
    inflates.length = 0;
    expect(zipTextEntries(zip, forged)).toEqual([]);
    expect(inflates).toEqual([10, 2]);
  });
});
