/** The sample as the bench's modes start it: compiled against the built library, as `npm run sample` does. */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs as dist/bench/sample-build.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The sample's entry point once built. */
export const SAMPLE_MAIN = join(ROOT, 'dist', 'sample', 'src', 'main.js');

/** Compiles the sample (`tsc -p sample/tsconfig.json`; `npm run bench` builds the library first). */
export function buildSample(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'sample', 'tsconfig.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('tsc -p sample/tsconfig.json failed');
}
