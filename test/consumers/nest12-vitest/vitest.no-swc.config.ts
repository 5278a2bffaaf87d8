// What `nest new` (@nestjs/cli 12) generates: no SWC plugin. Vite 8's own transform also emits
// decorator metadata when tsconfig.json asks for it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['**/*.test.ts'] },
});
