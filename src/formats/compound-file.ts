/**
 * A structural check of an OLE compound file ([MS-CFB]) before a library
 * reads it (Outlook items, `outlook-msg.ts`). @kenjiuno/msgreader follows
 * sector chains without a guard and sizes its buffers from the file's own
 * claims: a chain that loops, or a stream that says it holds 2 GB, takes
 * all the memory it can (a typed array is outside a thread's heap limit).
 * So every chain is walked here first — each sector once, inside the file
 * — every stream must fit the chain that holds it, and the directory tree
 * must have no loop. Returns why the file is refused, or null.
 */

const END_OF_CHAIN = 0xfffffffe;
const FREE = 0xffffffff;
const NO_STREAM = 0xffffffff;
const MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');

export function compoundFileProblem(b: Buffer): string | null {
  try {
    return check(b);
  } catch (err) {
    return `its structure could not be read (${(err as Error).message})`;
  }
}

function check(b: Buffer): string | null {
  if (b.length < 512 || !b.subarray(0, 8).equals(MAGIC)) return 'not a compound file';
  const shift = b.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return `sector size 2^${shift} is not 512 or 4096`;
  if (b.readUInt16LE(0x20) !== 6) return 'mini sector size is not 64';
  const sectorSize = 1 << shift;
  const sectors = Math.floor((b.length - sectorSize) / sectorSize) + ((b.length - sectorSize) % sectorSize ? 1 : 0);
  if (sectors <= 0) return 'no sectors';
  const sectorAt = (n: number) => b.subarray((n + 1) * sectorSize, (n + 2) * sectorSize);
  const perSector = sectorSize / 4;

  // The FAT's own sectors: 109 in the header, the rest along the DIFAT chain.
  const numFat = b.readUInt32LE(0x2c);
  if (numFat > sectors) return 'more FAT sectors than the file holds';
  // Counts the library loops over as they stand: none may exceed the file.
  if (b.readUInt32LE(0x48) > sectors) return 'more DIFAT sectors than the file holds';
  if (b.readUInt32LE(0x40) > sectors) return 'more mini FAT sectors than the file holds';
  const fatSectors: number[] = [];
  for (let i = 0; i < 109 && fatSectors.length < numFat; i++) fatSectors.push(b.readUInt32LE(0x4c + 4 * i));
  let difat = b.readUInt32LE(0x44);
  const seenDifat = new Set<number>();
  while (fatSectors.length < numFat) {
    if (difat >= sectors || seenDifat.has(difat)) return 'the DIFAT chain leaves the file or loops';
    seenDifat.add(difat);
    const s = sectorAt(difat);
    for (let i = 0; i < perSector - 1 && fatSectors.length < numFat; i++) fatSectors.push(s.readUInt32LE(4 * i));
    difat = s.readUInt32LE(sectorSize - 4);
  }
  if (fatSectors.some((n) => n >= sectors)) return 'a FAT sector lies outside the file';
  const fat = new Uint32Array(numFat * perSector);
  fatSectors.forEach((n, i) => {
    const s = sectorAt(n);
    for (let j = 0; j < perSector && 4 * j + 4 <= s.length; j++) fat[i * perSector + j] = s.readUInt32LE(4 * j);
  });

  /** The sectors of a chain, each once, each within `limit`; null when it loops or leaves. */
  const chain = (start: number, table: Uint32Array, limit: number): number[] | null => {
    const out: number[] = [];
    const seen = new Set<number>();
    for (let n = start; n !== END_OF_CHAIN; n = table[n] ?? FREE) {
      if (n >= limit || n >= table.length || seen.has(n)) return null;
      seen.add(n);
      out.push(n);
    }
    return out;
  };

  const dirChain = chain(b.readUInt32LE(0x30), fat, sectors);
  if (!dirChain) return 'the directory chain loops or leaves the file';
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

  // The mini stream (the root's stream, in the FAT) and its table (the mini FAT, also in the FAT).
  const miniStream = root.size ? chain(root.start, fat, sectors) : [];
  if (!miniStream || miniStream.length * sectorSize < root.size) return 'the mini stream does not fit its chain';
  const miniFatChain = b.readUInt32LE(0x3c) === END_OF_CHAIN ? [] : chain(b.readUInt32LE(0x3c), fat, sectors);
  if (!miniFatChain) return 'the mini FAT chain loops or leaves the file';
  const miniFat = new Uint32Array(miniFatChain.length * perSector);
  miniFatChain.forEach((n, i) => {
    const s = sectorAt(n);
    for (let j = 0; j < perSector; j++) miniFat[i * perSector + j] = s.readUInt32LE(4 * j);
  });
  const miniSectors = Math.ceil(root.size / 64);
  const cutoff = b.readUInt32LE(0x38);

  // Every stream fits the chain that holds it; the tree reaches each entry once.
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
        const mini = e.size < cutoff;
        const c = mini ? chain(e.start, miniFat, miniSectors) : chain(e.start, fat, sectors);
        if (!c || c.length * (mini ? 64 : sectorSize) < e.size) return 'a stream does not fit its chain';
      }
    }
    stack.push(e.left, e.right);
    if (e.type === 1 || e.type === 5) stack.push(e.child);
  }
  return null;
}
