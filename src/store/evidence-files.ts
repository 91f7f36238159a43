import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsync, mkdirSync, openSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';

const fsyncAsync = promisify(fsync);
/** Files up to this size are written in the calling thread (see `put`). */
const SMALL_FILE = 256 * 1024;
/**
 * Content up to this size is kept in the database (its `evidence` row,
 * migration 0015) instead of a file: written in the same transaction as the
 * report or item that holds it, so it is on disk exactly when they are. A
 * file of its own cost more than the rest of a report (issue #4: creating
 * and syncing a file and its directory, ~0.9 ms of CPU a mail on a VM's
 * ext4, and a journal flush every time).
 */
export const INLINE_MAX = 64 * 1024;

export interface StoredFile {
  sha256: string;
  sha1: string;
  md5: string;
  size: number;
  /**
   * Set for content of at most INLINE_MAX bytes: no file was written, these
   * bytes are to be stored in the `evidence` row (`ensureFile`,
   * `addAttachmentsOf`) by the transaction that records their item.
   */
  inline?: Buffer;
}

/**
 * The bytes in a buffer of their own when they are a small view of a larger
 * one (a part cut out of a whole mail): a mail thread hands them back by
 * copying, and a view would copy its whole backing buffer.
 */
function ownBytes(content: Buffer): Buffer {
  if (content.buffer.byteLength <= 2 * content.length + 8192) return content;
  const own = Buffer.allocUnsafeSlow(content.length);
  content.copy(own);
  return own;
}

/** Stored bytes that no longer hash to their SHA-256: altered (or damaged) where they are kept. */
export class EvidenceMismatchError extends Error {
  constructor(
    readonly sha256: string,
    readonly actual: string,
    where: string,
  ) {
    super(`evidence ${sha256} is corrupt ${where} (hashes to ${actual})`);
    this.name = 'EvidenceMismatchError';
  }
}

/** `content` when it hashes to `sha256`; else EvidenceMismatchError. */
export function checkedContent(sha256: string, content: Buffer, where = 'on disk'): Buffer {
  const actual = createHash('sha256').update(content).digest('hex');
  if (actual !== sha256) throw new EvidenceMismatchError(sha256, actual, where);
  return content;
}

/**
 * Content-addressed files: `evidence/sha256/ab/<sha256>` (256 directories, as
 * git's objects; stores written before 2026-11 used `ab/cd/<sha256>`, still
 * read, found and removed there). A file is written to a temporary name,
 * fsynced, renamed into place and its directory fsynced, so once `put`
 * returns the bytes survive a crash; the same content is stored once. Reads
 * re-check the hash. Content of at most INLINE_MAX bytes is not written
 * here at all: `put` hands it back (`inline`) for the database row
 * (`services/evidence-bytes.ts` reads either place). Retention's `remove`
 * first moves a file to `evidence/removing/`, which `restoreMovedAside`
 * lists (and, once, the store for what an older version moved aside beside
 * the file itself).
 */
/** A file moved aside this long ago belongs to no running removal (see restoreMovedAside). */
const ASIDE_STALE_MS = 10 * 60 * 1000;

export class EvidenceFiles {
  private readonly root: string;
  /** The data directory (the mail threads open their own EvidenceFiles on it). */
  readonly dataDir: string;

  /** Where `remove` moves a file before deciding (same file system as the store, so the moves are renames). */
  private readonly removing: string;

  constructor(dataDir: string) {
    this.dataDir = resolve(dataDir);
    this.root = join(this.dataDir, 'evidence', 'sha256');
    this.removing = join(this.dataDir, 'evidence', 'removing');
  }

  static hashes(content: Buffer): StoredFile {
    return {
      sha256: createHash('sha256').update(content).digest('hex'),
      sha1: createHash('sha1').update(content).digest('hex'),
      md5: createHash('md5').update(content).digest('hex'),
      size: content.length,
    };
  }

  /** Where a file is written: one directory level (a new directory per file cost more than the file itself). */
  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Where an older store wrote it (two directory levels). */
  private legacyPathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** The path holding a file, in either layout; the current one when neither does. */
  private foundPathOf(sha256: string): string {
    const path = this.pathOf(sha256);
    if (existsSync(path)) return path;
    const legacy = this.legacyPathOf(sha256);
    return existsSync(legacy) ? legacy : path;
  }

  private readonly madeDirs = new Set<string>();

  /**
   * Content of at most INLINE_MAX bytes: hashed only, and handed back as
   * `inline` for the database. Larger: write (once) and sync. The syncs run in the thread pool, so other
   * messages go on meanwhile; a small file's open, write, close and rename
   * are made in this thread (each a few microseconds here, where a trip
   * through the pool cost more than the call), a large file's in the pool.
   */
  async put(content: Buffer): Promise<StoredFile> {
    const h = EvidenceFiles.hashes(content);
    if (content.length <= INLINE_MAX) return { ...h, inline: ownBytes(content) };
    const path = this.pathOf(h.sha256);
    if (this.touch(path, content.length) || this.touch(this.legacyPathOf(h.sha256), content.length)) return h;
    const dir = dirname(path);
    this.makeDir(dir);
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    if (content.length <= SMALL_FILE) {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        for (let at = 0; at < content.length; ) at += writeSync(fd, content, at);
        await fsyncAsync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } else {
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(content);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
    }
    const d = openSync(dir, 'r');
    try {
      await fsyncAsync(d);
    } finally {
      closeSync(d);
    }
    return h;
  }

  /**
   * Whether `path` holds a file of `size` bytes; if so its time is set to now,
   * which tells retention (`remove`) it was just put. A file of another size
   * is one an older version cut short in a crash: written again.
   */
  private touch(path: string, size: number): boolean {
    if (statSync(path, { throwIfNoEntry: false })?.size !== size) return false;
    try {
      const now = new Date();
      utimesSync(path, now, now);
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Removed meanwhile (retention): written again.
      if (code === 'ENOENT') return false;
      // Another owner's file (a restored backup): written again (a rename over it needs only the directory), so its time is new.
      if (code === 'EPERM' || code === 'EACCES') return false;
      throw err;
    }
  }

  /** The bytes, after checking they still hash to their name; a mismatch throws loudly. */
  get(sha256: string): Buffer {
    return checkedContent(sha256, readFileSync(this.foundPathOf(sha256)));
  }

  /**
   * Delete a file (evidence retention); false when it was not there, or when
   * it was put in the last `unlessPutWithinMs` — content a report being
   * recorded now found here (`put` sets the file's time; both read the
   * system's clock, as the file system does). The file is first moved aside,
   * then its time read: a `put` before the move is seen and the file moved
   * back; a `put` after it finds no file and writes its own.
   */
  async remove(sha256: string, unlessPutWithinMs?: number): Promise<boolean> {
    const path = this.foundPathOf(sha256);
    if (!existsSync(path)) return false;
    // Made every time (one cheap call): a folder someone tidied away must not turn removals into silent no-ops.
    mkdirSync(this.removing, { recursive: true });
    const aside = join(this.removing, `${sha256}.${randomBytes(6).toString('hex')}`);
    try {
      await rename(path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      if (unlessPutWithinMs !== undefined && statSync(aside).mtimeMs >= Date.now() - unlessPutWithinMs) {
        // The same bytes: whether a new copy was written meanwhile or not, this one may stand.
        await rename(aside, path);
        return false;
      }
      await unlink(aside);
      return true;
    } catch (err) {
      // Put back meanwhile by another run's restoreMovedAside: this run leaves it (the next looks again).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Files a `remove` moved aside and never finished with (the process
   * stopped in between): each goes back to its place when that is empty —
   * the next retention run decides again — and is deleted when the content
   * is there again. Only the `removing` folder is listed, not the store —
   * except once, for what an older version moved aside beside the file
   * itself (`<sha256>.<hex>.removing`). How many went back.
   */
  async restoreMovedAside(): Promise<number> {
    let restored = 0;
    let tooRecent = 0;
    const settle = async (aside: string, sha: string): Promise<void> => {
      // Only what no run is still busy with (moving aside changes a file's ctime); another restore may be at it too.
      const st = statSync(aside, { throwIfNoEntry: false });
      if (!st) return;
      if (st.ctimeMs > Date.now() - ASIDE_STALE_MS) {
        tooRecent++;
        return;
      }
      try {
        if (this.has(sha)) await unlink(aside);
        else {
          const home = this.pathOf(sha);
          this.makeDir(dirname(home));
          await rename(aside, home);
          restored++;
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    };
    for (const name of await namesIn(this.removing)) {
      const sha = /^([0-9a-f]{64})\.[0-9a-f]{12}$/.exec(name)?.[1];
      if (sha) await settle(join(this.removing, name), sha);
    }
    const swept = join(this.removing, '.older-layout-swept');
    if (!existsSync(swept) && existsSync(this.root)) {
      const walk = async (dir: string, depth: number): Promise<void> => {
        for (const name of await namesIn(dir)) {
          const sha = /^([0-9a-f]{64})\.[0-9a-f]{12}\.removing$/.exec(name)?.[1];
          if (sha) await settle(join(dir, name), sha);
          else if (depth < 2 && /^[0-9a-f]{2}$/.test(name)) await walk(join(dir, name), depth + 1);
        }
      };
      const before = tooRecent;
      await walk(this.root, 0);
      // Swept for good only when nothing was left for being too recent: else the next run looks again.
      if (tooRecent === before) {
        mkdirSync(this.removing, { recursive: true });
        writeFileSync(swept, `${new Date().toISOString()}\n`);
      }
    }
    return restored;
  }

  private makeDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  has(sha256: string): boolean {
    return existsSync(this.foundPathOf(sha256));
  }
}

/** The names in a folder; none when it does not exist. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
