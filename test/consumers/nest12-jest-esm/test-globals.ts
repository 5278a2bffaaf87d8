/** The test runner's globals for the shared test (test/consumers/shared/app.test.ts). */
export { afterAll, beforeAll, describe, it } from '@jest/globals';
