import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The team's private keys, armored, one file each under `<data>/keys/`
 * (mode 0600). All of them decrypt; the newest is the one published and,
 * later, the one that signs.
 */
export class KeyFiles {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(resolve(dataDir), 'keys');
  }

  /** Armored private keys, newest first. */
  list(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.asc'));
    } catch {
      return [];
    }
    return names
      .map((n) => ({ n, t: statSync(join(this.dir, n)).mtimeMs }))
      .sort((a, b) => b.t - a.t || (a.n < b.n ? 1 : -1))
      .map(({ n }) => readFileSync(join(this.dir, n), 'utf8'));
  }

  save(fingerprint: string, privateKeyArmored: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, `team-${fingerprint}.asc`);
    writeFileSync(path, privateKeyArmored, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
}
