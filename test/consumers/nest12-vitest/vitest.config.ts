// Nest's vitest recipe: SWC compiles the TypeScript, with decorator metadata (from tsconfig.json).
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [swc.vite()],
  test: { include: ['**/*.test.ts'] },
});
