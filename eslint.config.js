// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

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
  // The web application (web/): React's rules of hooks; build scripts and the Vite config run on Node, untyped for lint.
  {
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  // The sandbox thread that reads Outlook items (src/formats/outlook-msg.ts) is plain CommonJS, run without the TypeScript loader.
  {
    files: ['src/**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: { require: 'readonly', Buffer: 'readonly' } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['web/scripts/**/*.mjs', 'web/vite.config.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['web/src/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/store/*', '**/services/*', '**/http/*', '**/channels/*', '**/jobs/*', '**/cli/*', '**/formats/*', 'fastify', 'kysely'],
          allowTypeImports: true,
          message: 'web/ talks to the server only through the REST API; of src/ it imports the pure domain/ and, as types only, the API schemas.',
        }],
      }],
    },
  },
  layer(['src/domain/**'], ['../store/*', '../services/*', '../http/*', '../channels/*', '../jobs/*', '../cli/*', '../formats/*', 'kysely', 'fastify', 'pg', 'better-sqlite3'],
    'domain/ is pure: it imports nothing of ours outside domain/ and does no I/O.'),
  layer(['src/services/**'], ['../http/*', '../channels/*', '../jobs/*', '../cli/*', 'fastify', 'kysely'],
    'services/ never import the edges (http, channels, jobs, cli), Fastify or Kysely; use a repository.'),
  layer(['src/store/**', 'src/formats/**'], ['../services/*', '../http/*', '../channels/*', '../jobs/*', '../cli/*'],
    'store/ and formats/ sit below services/.'),
  layer(['src/http/**', 'src/cli/**', 'src/channels/**', 'src/jobs/**'], ['kysely', '../store/*.repository*', '../store/repositories/*'],
    'edges call services, never repositories or Kysely directly.'),
);
