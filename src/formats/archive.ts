/**
 * What is inside a ZIP attachment, found out without trusting it.
 *
 * Evidence is stored as it arrives; this module only looks. The listing comes from the central
 * directory (found through the end record, ZIP64 too). Local headers are read only to find each
 * entry's bytes, and every inflate is bounded with `maxOutputLength`, so a lie about a size costs
 * at most the bound, never what the lie claims. Nothing here throws on hostile input.
 */
// Node's zlib CRC-32 (Node ≥ 20.15).
import { crc32, inflateRawSync } from 'node:zlib';
import { decodeName, decodeText } from './archive.text.js';

export type ArchiveFlag =
  | 'too-many-entries'
  | 'too-large'
  | 'ratio'
  | 'nested-archive'
  | 'overlapping-entries'
  | 'declared-size-lies'
  | 'encrypted'
  | 'corrupt';

export interface ArchiveEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  isDirectory: boolean;
  isEncrypted: boolean;
  /** 0 stored, 8 deflate, 9 deflate64, 12 bzip2, 14 lzma, 93 zstd, 99 AES… */
  method: number;
}
export interface ArchiveInspection {
  format: 'zip';
  /** At most `limits.maxEntries`, in central-directory order; `entryCount` is the real count. */
  entries: ArchiveEntry[];
  entryCount: number;
  /** As declared by the central directory, over all entries. */
  totalUncompressed: number;
  /** Why it is dangerous or unreadable, in the order of `ArchiveFlag`. */
  flags: ArchiveFlag[];
  /** Any of too-large, ratio, overlapping-entries, declared-size-lies. */
  isBomb: boolean;
  problems: string[];
}
export interface ArchiveLimits {
  maxEntries: number;
  maxTotalUncompressed: number;
  /** Declared uncompressed over compressed size, per entry and over the whole archive. */
  maxRatio: number;
  /** Total text `zipTextEntries` may inflate. */
  maxTextBytes: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxEntries: 10_000,
  maxTotalUncompressed: 100 * MiB,
  maxRatio: 100,
  maxTextBytes: 1 * MiB,
});

const FLAG_ORDER: readonly ArchiveFlag[] = [
  'too-many-entries', 'too-large', 'ratio', 'nested-archive', 'overlapping-entries', 'declared-size-lies', 'encrypted', 'corrupt',
];
const BOMB_FLAGS: readonly ArchiveFlag[] = ['too-large', 'ratio', 'overlapping-entries', 'declared-size-lies'];
const SIG = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, end64: 0x06064b50, locator64: 0x07064b50, spanned: 0x08074b50 };
const END_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const [STORED, DEFLATE] = [0, 8];
/** Below this many declared bytes a high ratio is a compressible file, not a threat. */
const RATIO_FLOOR = 1 * MiB;
/** What `inspectZip` may inflate to tell whether declared sizes are true: per entry, in total, and how many entries. */
const PROBE_ENTRY_BYTES = 1 * MiB;
const PROBE_TOTAL_BYTES = 8 * MiB;
const PROBE_MAX_ENTRIES = 10_000;
/** Per flag, so a 60,000-entry archive does not produce 60,000 problems. */
const MESSAGES_PER_FLAG = 5;

const NESTED_EXTENSIONS = new Set(['zip', 'zipx', 'jar', 'war', 'ear', 'apk', '7z', 'rar', 'tar', 'gz', 'tgz', 'bz2', 'tbz2', 'xz', 'txz', 'zst', 'lz', 'lzma', 'z', 'cab', 'arj', 'lzh', 'iso']);
const NESTED_MAGIC = ['504b0304', '504b0506', '1f8b', '377abcaf271c', '526172211a07', '425a68', 'fd377a585a00', '28b52ffd', '4d534346'].map((h) => Buffer.from(h, 'hex'));
const TEXT_EXTENSIONS = new Set([
  'txt', 'log', 'csv', 'tsv', 'json', 'jsonl', 'ndjson', 'eml', 'html', 'htm', 'xml', 'md', 'yaml', 'yml', 'ini', 'cfg', 'conf', 'toml',
  'sh', 'ps1', 'psm1', 'bat', 'cmd', 'vbs', 'js', 'py', 'sql', 'ioc', 'rules', 'yar', 'yara',
]);

/** Where the central directory is, with `bias` added to every recorded offset (data prepended, as in self-extractors). */
interface Directory { start: number; size: number; count: number; bias: number; isZip64: boolean }
interface RawEntry extends ArchiveEntry { crc: number; localOffset: number }

/** undefined when the bytes are not a ZIP. Reads the central directory only (ZIP64 too). Never throws. */
export function inspectZip(content: Buffer, limits: Partial<ArchiveLimits> = {}): ArchiveInspection | undefined {
  const lim = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  try {
    const dir = locateDirectory(content);
    return dir === undefined ? undefined : inspect(content, dir, lim);
  } catch (error) {
    // Unreachable by design (every read is bounds-checked); here so a bug cannot turn hostile input into a crash.
    const findings = new Findings();
    findings.add('corrupt', `could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return findings.inspection([], 0, 0);
  }
}

/**
 * Text of small text-like entries (.txt .log .csv .json .eml .html, scripts…) for search and observable extraction,
 * in central-directory order, only when the archive is not a bomb and not encrypted. Each inflate is bounded by what
 * is left of `maxTextBytes`, so a lie about a size cannot expand past it in total; an entry whose size, CRC or
 * encoding does not check out, or that holds NUL bytes, is left out. Never throws.
 */
export function zipTextEntries(content: Buffer, inspection: ArchiveInspection, limits: Partial<ArchiveLimits> = {}): { name: string; text: string }[] {
  const lim = { ...DEFAULT_ARCHIVE_LIMITS, ...limits };
  const texts: { name: string; text: string }[] = [];
  if (inspection.isBomb || inspection.flags.includes('encrypted')) return texts;
  try {
    const dir = locateDirectory(content);
    if (dir === undefined || typeof dir === 'string') return texts;
    let used = 0;
    for (const raw of readCentral(content, dir).raws.slice(0, lim.maxEntries)) {
      const size = raw.uncompressedSize;
      if (raw.isDirectory || raw.isEncrypted || !TEXT_EXTENSIONS.has(extension(raw.name)) || size === 0 || size > lim.maxTextBytes - used) continue;
      const data = entryData(content, raw, dir);
      if (typeof data === 'string') continue;
      const bytes = expand(data.bytes, raw.method, size);
      if (bytes.kind !== 'complete' || bytes.out.length !== size || crc32(bytes.out) !== raw.crc) continue;
      const text = decodeText(bytes.out);
      if (text === undefined) continue;
      texts.push({ name: raw.name, text });
      used += size;
    }
  } catch {
    // As in inspectZip: unreachable by design; what was read stands.
  }
  return texts;
}

function inspect(buf: Buffer, dir: Directory | string, lim: ArchiveLimits): ArchiveInspection {
  const findings = new Findings();
  if (typeof dir === 'string') {
    findings.add('corrupt', dir);
    return findings.inspection([], 0, 0);
  }
  const { raws, problem } = readCentral(buf, dir);
  if (problem) findings.add('corrupt', problem);
  const total = raws.reduce((sum, r) => sum + r.uncompressedSize, 0);

  if (raws.length > lim.maxEntries) {
    findings.add('too-many-entries', `holds ${raws.length} entries, over the limit of ${lim.maxEntries}; only the first ${lim.maxEntries} are listed`);
  }
  if (total > lim.maxTotalUncompressed) {
    findings.add('too-large', `declares ${bytes(total)} uncompressed, over the limit of ${bytes(lim.maxTotalUncompressed)}`);
  }
  for (const r of raws) {
    const ratio = r.uncompressedSize / Math.max(r.compressedSize, 1);
    if (r.uncompressedSize >= RATIO_FLOOR && ratio > lim.maxRatio) {
      findings.add('ratio', `"${r.name}" declares ${bytes(r.uncompressedSize)} from ${bytes(r.compressedSize)}, a ratio of ${Math.round(ratio)}:1 (limit ${lim.maxRatio}:1)`);
    }
    if (NESTED_EXTENSIONS.has(extension(r.name))) findings.add('nested-archive', `"${r.name}" is itself an archive`);
  }
  const overall = total / Math.max(buf.length, 1);
  if (!findings.has('ratio') && total >= RATIO_FLOOR && overall > lim.maxRatio) {
    findings.add('ratio', `declares ${bytes(total)} from a ${bytes(buf.length)} archive, a ratio of ${Math.round(overall)}:1 (limit ${lim.maxRatio}:1)`);
  }
  const encrypted = raws.filter((r) => r.isEncrypted);
  if (encrypted.length > 0) findings.add('encrypted', `${encrypted.length} of ${raws.length} entries are encrypted: ${nameList(encrypted)}`);

  const located: { raw: RawEntry; start: number; end: number; bytes: Buffer }[] = [];
  for (const raw of raws) {
    const data = entryData(buf, raw, dir);
    if (typeof data === 'string') findings.add('corrupt', data);
    else located.push({ raw, ...data });
  }
  const overlapping = overlaps(located);
  if (overlapping.length > 0) {
    findings.add('overlapping-entries', `${overlapping.length} entries share bytes with another entry, the construction of overlapping zip bombs: ${nameList(overlapping)}`);
  }
  probeEntries(located, findings);
  return findings.inspection(raws.slice(0, lim.maxEntries).map(toEntry), raws.length, total);
}

/**
 * Tells, where it is cheap, whether entries hold what they declare: stored ones by their length, deflated ones by
 * inflating at most PROBE_ENTRY_BYTES each and PROBE_TOTAL_BYTES in all. A stream that ends short of its declared
 * size, or runs past it within the bound, is a lie; one still running at the bound is given the benefit of the doubt.
 * What is fully read is also checked against its CRC and for the signature of an archive.
 */
function probeEntries(located: { raw: RawEntry; bytes: Buffer }[], findings: Findings): void {
  let budget = PROBE_TOTAL_BYTES;
  for (const { raw, bytes: data } of located.slice(0, PROBE_MAX_ENTRIES)) {
    if (raw.isEncrypted || (raw.method !== STORED && raw.method !== DEFLATE)) continue;
    const declared = raw.uncompressedSize;
    let out = data;
    if (raw.method === DEFLATE) {
      const bound = Math.min(declared, PROBE_ENTRY_BYTES);
      if (bound + 1 > budget) continue;
      budget -= bound + 1;
      const result = expand(data, DEFLATE, bound + 1);
      if (result.kind === 'broken') {
        findings.add('corrupt', `"${raw.name}" cannot be inflated: ${result.reason}`);
        continue;
      }
      if (result.kind === 'over') {
        if (bound === declared) findings.add('declared-size-lies', `"${raw.name}" declares ${bytes(declared)} but inflates to more`);
        continue;
      }
      out = result.out;
    }
    if (!NESTED_EXTENSIONS.has(extension(raw.name)) && NESTED_MAGIC.some((m) => out.subarray(0, m.length).equals(m))) {
      findings.add('nested-archive', `"${raw.name}" is itself an archive (by its content)`);
    }
    if (out.length !== declared) {
      findings.add('declared-size-lies', `"${raw.name}" declares ${bytes(declared)} but ${raw.method === STORED ? 'holds' : 'inflates to'} ${bytes(out.length)}`);
      continue;
    }
    if (raw.method === STORED) {
      if (declared > PROBE_ENTRY_BYTES || declared > budget) continue;
      budget -= declared;
    }
    if (crc32(out) !== raw.crc) findings.add('corrupt', `"${raw.name}" fails its CRC check`);
  }
}

type Expanded = { kind: 'complete'; out: Buffer } | { kind: 'over' } | { kind: 'broken'; reason: string };

/** The entry's bytes, inflated to at most `maxOutputLength` (≥ 1); 'over' when there is more. Stored data is not copied. */
function expand(data: Buffer, method: number, maxOutputLength: number): Expanded {
  if (method === STORED) return data.length > maxOutputLength ? { kind: 'over' } : { kind: 'complete', out: data };
  if (method !== DEFLATE) return { kind: 'broken', reason: `unsupported method ${method}` };
  try {
    return { kind: 'complete', out: inflateRawSync(data, { maxOutputLength }) };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return code === 'ERR_BUFFER_TOO_LARGE' ? { kind: 'over' } : { kind: 'broken', reason: String(message ?? code) };
  }
}

/** Entries whose local-header-plus-data ranges overlap another's. Sound archives never share a byte. */
function overlaps(ranges: { raw: RawEntry; start: number; end: number }[]): RawEntry[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const found = new Set<RawEntry>();
  let reach: (typeof sorted)[number] | undefined;
  for (const r of sorted) {
    if (reach && r.start < reach.end) found.add(reach.raw).add(r.raw);
    if (!reach || r.end > reach.end) reach = r;
  }
  return ranges.map((r) => r.raw).filter((raw) => found.has(raw));
}

/** The bytes of an entry's data, found through its local header; a problem when they are not all there. */
function entryData(buf: Buffer, raw: RawEntry, dir: Directory): { start: number; end: number; bytes: Buffer } | string {
  const start = raw.localOffset + dir.bias;
  if (!fits(buf, start, 30) || buf.readUInt32LE(start) !== SIG.local) return `"${raw.name}" has no local header at offset ${start}`;
  const dataStart = start + 30 + buf.readUInt16LE(start + 26) + buf.readUInt16LE(start + 28);
  const dataEnd = dataStart + raw.compressedSize;
  if (dataEnd > buf.length) return `"${raw.name}" runs past the end of the archive (truncated)`;
  if (dataEnd > dir.start && start < dir.start + dir.size) return `"${raw.name}" runs into the central directory`;
  return { start, end: dataEnd, bytes: buf.subarray(dataStart, dataEnd) };
}

/** Every central-directory header, read until the directory ends or stops making sense. */
function readCentral(buf: Buffer, dir: Directory): { raws: RawEntry[]; problem?: string } {
  const raws: RawEntry[] = [];
  const stop = dir.start + dir.size;
  let p = dir.start;
  let problem: string | undefined;
  while (p < stop) {
    if (!fits(buf, p, 46) || p + 46 > stop || buf.readUInt32LE(p) !== SIG.central) {
      problem = `the central directory is damaged after ${raws.length} entries`;
      break;
    }
    const flags = buf.readUInt16LE(p + 8);
    const [nameLength, extraLength, commentLength] = [buf.readUInt16LE(p + 28), buf.readUInt16LE(p + 30), buf.readUInt16LE(p + 32)];
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > stop) {
      problem = `the central directory is damaged after ${raws.length} entries`;
      break;
    }
    const sizes = { uncompressed: buf.readUInt32LE(p + 24), compressed: buf.readUInt32LE(p + 20), offset: buf.readUInt32LE(p + 42) };
    readZip64Extra(buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), sizes);
    const name = decodeName(buf.subarray(p + 46, p + 46 + nameLength), (flags & 0x0800) !== 0);
    raws.push({
      name,
      compressedSize: sizes.compressed,
      uncompressedSize: sizes.uncompressed,
      isDirectory: name.endsWith('/') || name.endsWith('\\'),
      isEncrypted: (flags & 0x0001) !== 0,
      method: buf.readUInt16LE(p + 10),
      crc: buf.readUInt32LE(p + 16),
      localOffset: sizes.offset,
    });
    p = next;
  }
  // Writers without ZIP64 record more than 65,535 entries modulo 65,536.
  const isCountRight = raws.length === dir.count || (!dir.isZip64 && raws.length % 0x10000 === dir.count);
  if (!problem && !isCountRight) problem = `the end record declares ${dir.count} entries but the central directory holds ${raws.length}`;
  return problem ? { raws, problem } : { raws };
}

/** The ZIP64 extended-information extra field (0x0001) holds, in this order, each 32-bit value that is saturated. */
function readZip64Extra(extra: Buffer, sizes: { uncompressed: number; compressed: number; offset: number }): void {
  for (let q = 0; q + 4 <= extra.length; q += 4 + extra.readUInt16LE(q + 2)) {
    if (extra.readUInt16LE(q) !== 0x0001) continue;
    const end = Math.min(q + 4 + extra.readUInt16LE(q + 2), extra.length);
    let at = q + 4;
    for (const key of ['uncompressed', 'compressed', 'offset'] as const) {
      if (sizes[key] !== 0xffffffff || at + 8 > end) continue;
      sizes[key] = Number(extra.readBigUInt64LE(at));
      at += 8;
    }
    return;
  }
}

/**
 * The central directory, found through the end record nearest the end of the buffer that leads to one. undefined
 * when the bytes are not a ZIP; a problem when they are one (by an end record or a leading signature) that cannot be read.
 */
function locateDirectory(buf: Buffer): Directory | string | undefined {
  let problem: string | undefined;
  // Native search backwards for "PK\x05\x06" within the last 64 KiB + 22 (the comment's limit): every raw mail is assessed,
  // and reading 64K words one by one cost more than parsing it.
  const lowest = Math.max(0, buf.length - 22 - 0xffff);
  for (let pos = buf.length < 22 ? -1 : buf.lastIndexOf(END_SIGNATURE, buf.length - 22); pos >= lowest; pos = pos > 0 ? buf.lastIndexOf(END_SIGNATURE, pos - 1) : -1) {
    const found = readEnd(buf, pos);
    if (typeof found !== 'string') return found;
    problem ??= found;
  }
  const isZipStart = fits(buf, 0, 4) && [SIG.local, SIG.spanned, SIG.end].includes(buf.readUInt32LE(0));
  if (!isZipStart) return undefined;
  return problem ?? 'there is no end-of-central-directory record: the archive is truncated';
}

function readEnd(buf: Buffer, pos: number): Directory | string {
  let end = { disk: buf.readUInt16LE(pos + 4), directoryDisk: buf.readUInt16LE(pos + 6), count: buf.readUInt16LE(pos + 10), size: buf.readUInt32LE(pos + 12), offset: buf.readUInt32LE(pos + 16), at: pos };
  const isZip64 = pos >= 20 && buf.readUInt32LE(pos - 20) === SIG.locator64;
  if (isZip64) {
    const recorded = Number(buf.readBigUInt64LE(pos - 20 + 8));
    // Standard-size record just before the locator, for archives with data prepended after they were written.
    const at = [recorded, pos - 20 - 56].find((p) => p >= 0 && p + 56 <= pos - 20 && buf.readUInt32LE(p) === SIG.end64);
    if (at === undefined) return 'the ZIP64 end-of-central-directory record is missing';
    end = {
      disk: buf.readUInt32LE(at + 16), directoryDisk: buf.readUInt32LE(at + 20), count: Number(buf.readBigUInt64LE(at + 32)),
      size: Number(buf.readBigUInt64LE(at + 40)), offset: Number(buf.readBigUInt64LE(at + 48)), at,
    };
  }
  if (end.disk !== 0 || end.directoryDisk !== 0) return 'the archive spans several disks; only single-file archives can be read';
  const bias = end.at - (end.offset + end.size);
  if (bias < 0) return 'the central directory overlaps its end record';
  const isCentralAt = (p: number) => end.size === 0 || (fits(buf, p, 4) && buf.readUInt32LE(p) === SIG.central);
  const start = isCentralAt(end.offset) ? end.offset : isCentralAt(end.offset + bias) ? end.offset + bias : undefined;
  if (start === undefined) return `there is no central directory at offset ${end.offset}`;
  return { start, size: end.size, count: end.count, bias: start - end.offset, isZip64 };
}

class Findings {
  private readonly counts = new Map<ArchiveFlag, number>();
  private readonly problems: string[] = [];

  add(flag: ArchiveFlag, problem: string): void {
    const n = (this.counts.get(flag) ?? 0) + 1;
    this.counts.set(flag, n);
    if (n <= MESSAGES_PER_FLAG) this.problems.push(problem);
  }

  has(flag: ArchiveFlag): boolean {
    return this.counts.has(flag);
  }

  inspection(entries: ArchiveEntry[], entryCount: number, totalUncompressed: number): ArchiveInspection {
    const flags = FLAG_ORDER.filter((f) => this.counts.has(f));
    const more = flags.flatMap((f) => {
      const n = (this.counts.get(f) ?? 0) - MESSAGES_PER_FLAG;
      return n > 0 ? [`…and ${n} more problems flagged '${f}'`] : [];
    });
    const isBomb = flags.some((f) => BOMB_FLAGS.includes(f));
    return { format: 'zip', entries, entryCount, totalUncompressed, flags, isBomb, problems: [...this.problems, ...more] };
  }
}

function toEntry({ name, compressedSize, uncompressedSize, isDirectory, isEncrypted, method }: RawEntry): ArchiveEntry {
  return { name, compressedSize, uncompressedSize, isDirectory, isEncrypted, method };
}

const fits = (buf: Buffer, at: number, length: number): boolean => at >= 0 && at + length <= buf.length;
const extension = (name: string): string => /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
const nameList = (raws: RawEntry[]): string =>
  raws.slice(0, 3).map((r) => `"${r.name}"`).join(', ') + (raws.length > 3 ? ` and ${raws.length - 3} more` : '');

function bytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  for (let v = n; v >= 1024 && i < units.length - 1; v /= 1024) i++;
  return i === 0 ? `${n} bytes` : `${(n / 1024 ** i).toFixed(1)} ${units[i]}`;
}
