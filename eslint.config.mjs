// ESLint for the labextension (src/), its Galata tests (ui-tests/) and the kernel example
// (examples/). Laid out as jupyterlab/extension-template's eslint.config.mjs; kernel-bridge/ has its
// own config (a Node package with its own node_modules) and is linted by its own `npm run lint:check`.
// Formatting is Prettier's job (`npm run prettier:check`), so eslint-config-prettier switches off the
// stylistic rules instead of running Prettier a second time inside ESLint.
import js from '@eslint/js';
import jupyterPlugin from '@jupyter/eslint-plugin';
import prettierConfig from 'eslint-config-prettier/flat';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  {
    ignores: [
      '**/node_modules',
      '**/lib',
      '**/coverage',
      '**/*.d.ts',
      '.venv',
      'jupyterlab_webrtc',
      'kernel-bridge',
      'ui-tests/test-results',
      'ui-tests/playwright-report',
      // CommonJS config and test-setup files, as the template leaves **/*.js out.
      '**/*.js',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  jupyterPlugin.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: { ...globals.browser, ...globals.es2020 },
    },
    rules: {
      // JupyterLab's convention for interfaces (IFoo), as in the template.
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], custom: { regex: '^I[A-Z]', match: true } },
      ],
      // A leading underscore marks a binding that is unused on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'none', ignoreRestSiblings: true, varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // The visible strings live in an ipywidgets view, which the widget manager builds without
      // JupyterLab's ITranslator (as jupyter-widgets' own controls are): nothing to wrap them with.
      'jupyter/no-untranslated-string': 'off',
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/no-use-before-define': 'off',
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-arrow-callback': 'error',
    },
  },
  {
    // The extension's own sources, with types (tsconfig.json covers src/ minus the unit tests):
    // promise mistakes in the signalling/peer code are bugs, not style.
    files: ['src/**/*.ts'],
    ignores: ['src/__tests__/**'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Jest unit tests: fakes stand in for widget-manager, comm and settings objects, where
    // `as any` is the plain idiom (`as unknown as T` says nothing more).
    files: ['src/__tests__/**/*.ts'],
    languageOptions: { globals: { ...globals.jest, ...globals.node } },
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Galata tests and the Playwright config run in Node; page.evaluate callbacks in the browser.
    files: ['ui-tests/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // Cell code for the TypeScript kernel (see the notebooks next to it): the kernel's conventions.
    files: ['examples/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: { '@typescript-eslint/naming-convention': 'off' },
  },
  prettierConfig,
]);
