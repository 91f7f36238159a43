// Builds the web application into web/dist when it is missing or older than
// its sources; does nothing (in a few milliseconds) otherwise. Run by
// `npm start` (prestart) and by the end-to-end tests; `npm run build:web`
// always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(web);
const built = join(web, 'dist', 'index.html');

/** Newest modification time under these paths (files the bundle is made of). */
function newest(paths) {
  let max = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else if (!/\.test\.ts$/.test(p)) max = Math.max(max, s.mtimeMs);
  };
  for (const p of paths) visit(p);
  return max;
}

export function needsBuild() {
  if (!existsSync(built)) return 'web/dist is missing';
  const sources = newest([join(web, 'src'), join(web, 'index.html'), join(web, 'vite.config.ts'), join(root, 'src', 'domain')]);
  return sources > statSync(built).mtimeMs ? 'web/dist is older than its sources' : null;
}

export function ensureBuilt() {
  const why = needsBuild();
  if (!why) return false;
  console.log(`Building the web application (${why})…`);
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status ?? result.signal})`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureBuilt();
  } catch (err) {
    console.error(String(err instanceof Error ? err.message : err));
    process.exit(1);
  }
}
