/**
 * Frontend unit tests (jsdom). TypeScript sources and tests are compiled by
 * ts-jest with type checking; @jupyter-widgets/* and @jupyterlab/* (the
 * translator) ship ES modules, so they are transformed too (transpile only).
 */
const compilerOptions = {
  esModuleInterop: true,
  lib: ['DOM', 'DOM.Iterable', 'ES2020'],
  module: 'commonjs',
  moduleResolution: 'node',
  resolveJsonModule: true,
  skipLibCheck: true,
  strict: true,
  target: 'ES2020',
  types: ['jest'],
};

const esModules = ['@jupyter-widgets', '@jupyterlab'].join('|');

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['**/__tests__/**/*.spec.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: compilerOptions }],
    '^.+\\.jsx?$': ['ts-jest', { tsconfig: { ...compilerOptions, allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esModules})/)`],
  moduleNameMapper: {
    '\\.(css|less|svg)$': '<rootDir>/src/__tests__/style-stub.js',
    // the bundler's worker syntax (import.meta) does not compile to CommonJS; jsdom has no Worker
    '/start-codec-worker$': '<rootDir>/src/__tests__/start-codec-worker-stub.js',
  },
  setupFiles: ['<rootDir>/src/__tests__/jsdom-setup.js'],
  restoreMocks: true,
};
