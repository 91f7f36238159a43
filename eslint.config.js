// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layering of DESIGN.md §3, enforced so it holds without anyone remembering it. */
const layer = (files, patterns, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'web/dist/**', 'dist/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  layer(['src/domain/**'], ['../store/*', '../services/*', '../http/*', '../channels/*', '../jobs/*', '../cli/*', '../formats/*', 'kysely', 'fastify', 'pg', 'better-sqlite3'],
    'domain/ is pure: it imports nothing of ours outside domain/ and does no I/O.'),
  layer(['src/services/**'], ['../http/*', '../channels/*', '../jobs/*', '../cli/*', 'fastify', 'kysely'],
    'services/ never import the edges (http, channels, jobs, cli), Fastify or Kysely; use a repository.'),
  layer(['src/store/**', 'src/formats/**'], ['../services/*', '../http/*', '../channels/*', '../jobs/*', '../cli/*'],
    'store/ and formats/ sit below services/.'),
  layer(['src/http/**', 'src/cli/**', 'src/channels/**', 'src/jobs/**'], ['kysely', '../store/*.repository*', '../store/repositories/*'],
    'edges call services, never repositories or Kysely directly.'),
);
