/** The `@app/<lib>` import paths of tsconfig.json, for jest's module resolution. */
module.exports = {
  '^@app/(contracts|storage|metadata|client)$': '<rootDir>/libs/$1/src',
  '^@app/(contracts|storage|metadata|client)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
