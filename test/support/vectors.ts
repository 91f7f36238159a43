import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the shared sample files (ARF, X-ARF, PGP/MIME …) are: `RENKEI_VECTORS`,
 * else `shared/vectors` beside the repository, else `/work/shared/vectors`.
 * Undefined when none exists — conformance tests then skip and say so.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const VECTORS_DIR: string | undefined = [process.env.RENKEI_VECTORS, join(repo, '../shared/vectors'), '/work/shared/vectors'].find(
  (d): d is string => typeof d === 'string' && existsSync(join(d, 'arf')),
);
