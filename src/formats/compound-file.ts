/**
 * A structural check of an OLE compound file ([MS-CFB]) before a library
 * reads it (Outlook items, `outlook-msg.ts`). @kenjiuno/msgreader follows
 * sector chains without a guard and sizes its buffers from the file's own
 * claims: a chain that loops, or a stream that says it holds 2 GB, takes
 * all the memory it can (a typed array is outside a thread's heap limit).
 * So every chain is walked here first, and every sector may belong to one
 * chain at most (no loop, no sharing: what the library reads is bounded by
 * the file), every stream must fit a chain of its own, and the directory
 * tree must have no loop. Linear in the file's sectors. Returns why the
 * file is refused, or null.
 */

const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const NO_STREAM = 0xffffffff;
/** The signature every compound file begins with. */
export const COMPOUND_FILE_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
/** Streams smaller than this live in the mini stream. */
const MINI_CUTOFF = 4096;

export function compoundFileProblem(b: Buffer): string | null {
  try {
    return check(b);
  } catch (err) {
    return `its structure could not be read (${(err as Error).message})`;
  }
}

function check(b: Buffer): string | null {
  if (b.length < 512 || !b.subarray(0, 8).equals(COMPOUND_FILE_MAGIC)) return 'not a compound file';
  const shift = b.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return `sector size 2^${shift} is not 512 or 4096`;
  if (b.readUInt16LE(0x20) !== 6) return 'mini sector size is not 64';
  // The library decides mini or regular by 4096 whatever the header says; the format requires 4096.
  if (b.readUInt32LE(0x38) !== MINI_CUTOFF) return 'the mini stream cutoff is not 4096';
  const sectorSize = 1 << shift;
  const sectors = Math.ceil((b.length - sectorSize) / sectorSize);
  if (sectors <= 0) return 'no sectors';
  const sectorAt = (n: number) => b.subarray((n + 1) * sectorSize, (n + 2) * sectorSize);
  const perSector = sectorSize / 4;
  /** Who holds each sector: in a sound file every sector belongs to one chain at most — so no chain loops or is shared, and what the library reads is bounded by the file. */
  const owned = new Uint8Array(sectors);
  const claim = (n: number): boolean => {
    if (n >= sectors || owned[n]) return false;
    owned[n] = 1;
    return true;
  };

  // The FAT's own sectors: 109 in the header, the rest along the DIFAT chain.
  const numFat = b.readUInt32LE(0x2c);
  if (numFat > sectors) return 'more FAT sectors than the file holds';
  // Counts the library loops over as they stand: none may exceed the file.
  if (b.readUInt32LE(0x48) > sectors) return 'more DIFAT sectors than the file holds';
  if (b.readUInt32LE(0x40) > sectors) return 'more mini FAT sectors than the file holds';
  const fatSectors: number[] = [];
  for (let i = 0; i < 109 && fatSectors.length < numFat; i++) fatSectors.push(b.readUInt32LE(0x4c + 4 * i));
  let difat = b.readUInt32LE(0x44);
  while (fatSectors.length < numFat) {
    if (!claim(difat)) return 'the DIFAT chain leaves the file, loops or shares a sector';
    const s = sectorAt(difat);
    for (let i = 0; i < perSector - 1 && 4 * i + 4 <= s.length && fatSectors.length < numFat; i++) fatSectors.push(s.readUInt32LE(4 * i));
    if (sectorSize - 4 + 4 > s.length) return 'the DIFAT chain is cut short';
    difat = s.readUInt32LE(sectorSize - 4);
  }
  for (const n of fatSectors) if (!claim(n)) return 'a FAT sector lies outside the file or is used twice';
  const fat = tableOf(fatSectors.map(sectorAt), perSector);

  /**
   * A chain in `table` from `start`: it must end inside the file without a
   * loop (the library walks some chains to their end). Each sector is walked
   * once over all chains: a chain that joins one already walked stops there.
   * The first `need` sectors (all when `need` is undefined) are claimed:
   * one owner each, so what the library reads adds up to the file at most
   * (some writers chain a stream on into the next one's sectors, which is
   * harmless past what the stream needs). Null when it cannot.
   */
  const walkers = new Map<Uint32Array, { ends: Uint8Array; stamp: Uint32Array; epoch: number }>();
  const chain = (start: number, table: Uint32Array, limit: number, take: (n: number) => boolean, need?: number): number[] | null => {
    let w = walkers.get(table);
    if (!w) walkers.set(table, (w = { ends: new Uint8Array(limit), stamp: new Uint32Array(limit), epoch: 0 }));
    const epoch = ++w.epoch;
    const walked: number[] = [];
    for (let n = start; n !== END_OF_CHAIN && !w.ends[n]; n = table[n] ?? FREE) {
      if (n >= limit || n >= table.length || w.stamp[n] === epoch) return null;
      w.stamp[n] = epoch;
      walked.push(n);
    }
    for (const n of walked) w.ends[n] = 1;
    const out: number[] = [];
    for (let n = start; n !== END_OF_CHAIN && (need === undefined || out.length < need); n = table[n]!) {
      if (!take(n)) return null;
      out.push(n);
    }
    return need === undefined || out.length >= need ? out : null;
  };

  const dirChain = chain(b.readUInt32LE(0x30), fat, sectors, claim);
  if (!dirChain) return 'the directory chain loops, leaves the file or shares a sector';
  const entries: { type: number; left: number; right: number; child: number; start: number; size: number }[] = [];
  for (const n of dirChain) {
    const s = sectorAt(n);
    for (let off = 0; off + 128 <= s.length; off += 128)
      entries.push({
        type: s.readUInt8(off + 0x42),
        left: s.readUInt32LE(off + 0x44),
        right: s.readUInt32LE(off + 0x48),
        child: s.readUInt32LE(off + 0x4c),
        start: s.readUInt32LE(off + 0x74),
        size: s.readUInt32LE(off + 0x78),
      });
  }
  const root = entries[0];
  if (!root || root.type !== 5) return 'no root entry';

  // The mini stream (the root's chain, which the library walks whatever the root's size) and the mini FAT, both in the FAT.
  const miniStream = root.start === END_OF_CHAIN ? [] : chain(root.start, fat, sectors, claim, Math.ceil(root.size / sectorSize));
  if (!miniStream || miniStream.length * sectorSize < root.size) return 'the mini stream does not fit its chain, loops or shares a sector';
  const miniFatStart = b.readUInt32LE(0x3c);
  const miniFatChain = miniFatStart === END_OF_CHAIN ? [] : chain(miniFatStart, fat, sectors, claim);
  if (!miniFatChain) return 'the mini FAT chain loops, leaves the file or shares a sector';
  const miniFat = tableOf(miniFatChain.map(sectorAt), perSector);
  const miniSectors = Math.ceil(root.size / 64);
  const ownedMini = new Uint8Array(miniSectors);
  const claimMini = (n: number): boolean => {
    if (n >= miniSectors || ownedMini[n]) return false;
    ownedMini[n] = 1;
    return true;
  };

  // Every stream fits a chain of its own; the tree reaches each entry once.
  const seen = new Set<number>();
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (i === NO_STREAM) continue;
    if (i >= entries.length || seen.has(i)) return 'the directory tree loops or points outside it';
    seen.add(i);
    const e = entries[i]!;
    if (e.type === 2) {
      if (e.size > b.length) return 'a stream claims more bytes than the file holds';
      if (e.size > 0) {
        const mini = e.size < MINI_CUTOFF;
        const need = Math.ceil(e.size / (mini ? 64 : sectorSize));
        const c = mini ? chain(e.start, miniFat, miniSectors, claimMini, need) : chain(e.start, fat, sectors, claim, need);
        if (!c) return 'a stream does not fit a chain of its own';
      }
    }
    stack.push(e.left, e.right);
    if (e.type === 1 || e.type === 5) stack.push(e.child);
  }
  return null;
}

/** A sector table (FAT, mini FAT) from its sectors' bytes. */
function tableOf(parts: Buffer[], perSector: number): Uint32Array {
  const table = new Uint32Array(parts.length * perSector).fill(FREE);
  parts.forEach((s, i) => {
    for (let j = 0; j < perSector && 4 * j + 4 <= s.length; j++) table[i * perSector + j] = s.readUInt32LE(4 * j);
  });
  return table;
}
