/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': 'ts-jest' },
  // jose 6 is ESM-only and jest's require() loads no ES module on Node < 24.9: ts-jest compiles it.
  transformIgnorePatterns: ['node_modules/(?!jose)'],
  // The shared test imports './app.js' (ES module style); in CommonJS that is './app'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
