/**
 * `npm run bench` runs every `bench/*.bench.ts`; `npm run bench -- NAME` runs one.
 * Each prints a table and writes `bench/results/NAME.json`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { report, type Bench } from './lib.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
const selected = wanted.length ? files.filter((f) => wanted.includes(f.replace(/\.bench\.ts$/, ''))) : files;
if (selected.length === 0) {
  console.error(`no benchmark named ${wanted.join(', ')}; available: ${files.map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')}`);
  process.exit(2);
}
for (const file of selected) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Bench };
  const results = await mod.default.run();
  report(mod.default.name, results);
}
