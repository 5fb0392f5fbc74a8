// The workspace's one ESLint config. Each package's `lint` script runs `eslint .` from its own
// folder and ESLint finds this file by walking up. TypeScript (packages/*/src and test) gets
// typescript-eslint's type-aware rules, typed through each package's own tsconfig.json by the
// project service; the JavaScript (apps, benchmarks, autobahn, compat, docs, scripts, fixtures)
// gets ESLint's recommended rules with Node's globals.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build output, installed and fetched code, generated or vendored files: not ours to lint.
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/build/**',
      '**/build-asan/**',
      '**/prebuilds/**',
      '**/coverage/**',
      '**/.turbo/**',
      'packages/native/deps/**',
      'autobahn/reports/**',
      'benchmarks/loadgen/**',
      'docs/.runnable/**',
      // tsup's config, bundled to a temporary file while a build runs (turbo may build alongside).
      '**/*.bundled_*.mjs',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // JavaScript everywhere: ESLint's recommended rules, Node's globals.
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      // `_`-prefixed names are how this codebase says "deliberately unused".
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // Browser tests, the screenshot script and the Chromium launcher hand functions to
    // page.evaluate(): those bodies run in the page, where document and window exist.
    files: ['apps/*/test/**/*.mjs', 'apps/*/scripts/**/*.mjs', 'tools/test-services/chromium.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },

  // TypeScript: the type-aware recommended set.
  {
    files: ['**/*.{ts,mts,cts}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // As for JavaScript: `_`-prefixed names are deliberately unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Primus 8 ships no types: these tests drive its server, sparks and Node client as the untyped
    // JavaScript they are, so every value they touch is `any`. Typing Primus (a facade in
    // test/support) would lift this; until then the any-related rules are off here only.
    files: ['packages/primus/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Build and test-runner configs sit outside the packages' tsconfig projects (they are not
    // shipped or type-checked); typing them would need a default project per file, which is slow.
    files: ['**/tsup.config.ts', '**/vitest.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
