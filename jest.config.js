/** Unit specs: next to the code, no servers, no network. */
const paths = {
  '^@app/(contracts|storage|metadata|client)$': '<rootDir>/libs/$1/src',
  '^@app/(contracts|storage|metadata|client)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/apps', '<rootDir>/libs'],
  testRegex: '\\.spec\\.ts$',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: paths,
  testTimeout: 30000,
};
module.exports.paths = paths;
