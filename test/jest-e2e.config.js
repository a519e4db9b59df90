/** End-to-end specs: real server processes, real MongoDB-compatible and S3 servers where they can be had. */
const paths = require('./support/jest-paths');
module.exports = {
  rootDir: require('path').join(__dirname, '..'),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testRegex: '\\.e2e-spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: paths,
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};
