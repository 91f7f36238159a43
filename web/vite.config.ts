import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** The budget for the JavaScript the first screen needs, gzipped. */
export const FIRST_SCREEN_LIMIT_BYTES = 300 * 1024;

/**
 * Prints the gzipped size of the JavaScript the first screen loads (the entry
 * chunk and everything it imports statically; lazy screens excluded) and fails
 * the build past the budget.
 */
function firstScreenBudget(): Plugin {
  return {
    name: 'renkei-first-screen-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map(Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c] as const] : [])));
      const entry = [...chunks.values()].find((c) => c.isEntry);
      if (!entry) return;
      const seen = new Set<string>();
      const walk = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        for (const dep of chunks.get(name)?.imports ?? []) walk(dep);
      };
      walk(entry.fileName);
      const bytes = [...seen].reduce((sum, name) => sum + gzipSync(chunks.get(name)!.code).length, 0);
      const line = `first-screen JavaScript: ${(bytes / 1024).toFixed(1)} KB gzipped in ${seen.size} file(s) (budget ${FIRST_SCREEN_LIMIT_BYTES / 1024} KB)`;
      console.log(`\n${line}`);
      if (bytes > FIRST_SCREEN_LIMIT_BYTES) this.error(line);
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react(), firstScreenBudget()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Nothing inlined as data: URLs; everything is a file under 'self'.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm start` in another terminal, then `npx vite --config web/vite.config.ts` for live reload.
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
