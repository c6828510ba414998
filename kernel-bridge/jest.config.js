/** Unit and integration tests of the kernel bridge. Integration tests start the built kernel
 * (lib/), so `npm run build` runs first (see package.json "pretest"). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  testTimeout: 60000,
};
