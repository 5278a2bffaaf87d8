#!/usr/bin/env node
/**
 * Dual build of the library:
 *   dist/esm  ES modules       (tsc -p tsconfig.build.json)
 *   dist/cjs  CommonJS         (tsc -p tsconfig.cjs.json) + dist/cjs/package.json {"type":"commonjs"}
 * The root package.json is `"type": "module"`, so the nested package.json is what makes Node read
 * dist/cjs/*.js as CommonJS. package.json `exports` maps `import` / `require` to these two trees.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dist = join(root, 'dist');

/** Runs `tsc -p <project>` from the repository root; rejects on a non-zero exit. */
function compile(project) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`tsc -p ${project} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}

const started = Date.now();
await rm(dist, { recursive: true, force: true });
// The two compilations are independent: run them side by side.
await Promise.all([compile('tsconfig.build.json'), compile('tsconfig.cjs.json')]);
await mkdir(join(dist, 'cjs'), { recursive: true });
await writeFile(join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
console.log(`build: dist/esm + dist/cjs in ${((Date.now() - started) / 1000).toFixed(1)} s`);
