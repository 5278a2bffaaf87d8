import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * @fastify/static 10 (Swagger UI's assets on Fastify) `require()`s content-disposition 3, which is
 * ESM-only: Node >= 20.19 loads that, jest 29's module loader does not. Under jest only, it gets
 * the CommonJS copy that express depends on (2.x, the same `create()`).
 */
const expressDir = dirname(createRequire(import.meta.url).resolve('express/package.json'));
const contentDispositionCjs = createRequire(join(expressDir, 'index.js')).resolve(
  'content-disposition',
);

/**
 * Jest runs the TypeScript sources as ES modules (Nest 12 and jose 6 are ESM-only), through ts-jest's
 * ESM mode. `isolatedModules` skips type checking here: `npm run typecheck` does that in its own step.
 * @type {import('jest').Config}
 */
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // The sample and the tests import the library by its package name, as a user would; jest maps
    // that to the sources (the package's `exports` map points at the build).
    '^nest-http-auth$': '<rootDir>/lib/index.ts',
    '^nest-http-auth/(openapi|testing)$': '<rootDir>/lib/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^content-disposition$': contentDispositionCjs,
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: { isolatedModules: true } }],
  },
  testEnvironment: 'node',
};

export default {
  globalTeardown: '<rootDir>/test/support/exit-watchdog.mjs',
  projects: [
    { ...shared, displayName: 'unit', roots: ['<rootDir>/lib'], testMatch: ['**/*.spec.ts'] },
    { ...shared, displayName: 'e2e', roots: ['<rootDir>/test'], testMatch: ['**/*.e2e-spec.ts'] },
  ],
};
