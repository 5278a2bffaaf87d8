// Jest on ES modules: run it with `node --experimental-vm-modules node_modules/jest/bin/jest.js`.
/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  // ESM imports name the compiled file (`./app.js`); jest resolves the TypeScript source.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
