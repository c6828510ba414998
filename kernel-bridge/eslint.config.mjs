// ESLint for the kernel bridge: sources and jest tests (TypeScript, with types from
// tsconfig.test.json), benchmarks, bin and test fixtures (CommonJS scripts). Same layout and base
// rules as the labextension's ../eslint.config.mjs, less what is JupyterLab-specific
// (@jupyter/eslint-plugin, the IFoo interface names): this is a Node package.
// Formatting is Prettier's job (`npm run prettier:check`, options in ../.prettierrc.json).
import js from '@eslint/js';
import prettierConfig from 'eslint-config-prettier/flat';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  {
    ignores: ['node_modules', 'lib', 'coverage', '**/*.d.ts'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.es2022 },
    },
    rules: {
      // A leading underscore marks a binding that is unused on purpose (`for await (const _m of socket)`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'none', ignoreRestSiblings: true, varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // `interface Foo extends Accessors<FooState> {}` merged with `class Foo` is how the widget
      // classes get their typed trait accessors (defined at run time, see src/widgets/widget.ts).
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
      // Reading package.json from outside rootDir, and werift (its CommonJS entry points, typed by
      // `typeof import('werift')`), are loaded with require on purpose.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^werift(/|$)', '(^|/)package\\.json$'] }],
      // `if (!port) throw ...` on one line is this package's style; braces once the body wraps.
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-arrow-callback': 'error',
    },
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The kernel is promise plumbing (zeromq sockets, workers, RTC peers): an unhandled or
      // misused promise is a hang or a crash, not a style issue.
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    files: ['src/widgets/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-declaration-merging': 'off' },
  },
  {
    // Benchmarks, bin, jest config and fixtures are plain CommonJS run by node.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The benches that drive Chromium: page.evaluate callbacks and init scripts run in the browser.
    files: [
      'bench/g2g/run.js',
      'bench/audio/run.js',
      'bench/soak/run.js',
      'bench/shared/chromium.js',
      'bench/shared/stamp.js',
      'bench/page/*.js',
    ],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettierConfig,
]);
