#!/usr/bin/env node
/**
 * Checks what the published package contains, like nestjs/jwt's manifest test.
 *
 *   node test/consumers/check-manifest.mjs [path/to/package.tgz]
 *
 * With a tarball, lists that tarball; without, asks `npm pack --dry-run --json --ignore-scripts`
 * (so `npm run build` must have run). Exits non-zero with one line per problem.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tarball = process.argv[2];

/** @returns {string[]} the paths inside the package, relative to its root (no `package/` prefix). */
function packedFiles() {
  if (tarball) {
    return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line !== '' && !line.endsWith('/'))
      .map((line) => line.replace(/^package\//, ''));
  }
  const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(json)[0].files.map((file) => file.path);
}

/** Every file target of the `exports` map (conditions nested at any depth). */
function exportTargets(value) {
  if (typeof value === 'string') return [value.replace(/^\.\//, '')];
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const files = new Set(packedFiles());
const problems = [];

const required = [
  'package.json',
  'dist/esm/index.js',
  'dist/esm/index.d.ts',
  'dist/cjs/index.js',
  'dist/cjs/index.d.ts',
  'dist/cjs/package.json',
  ...[manifest.main, manifest.module, manifest.types].map((p) => p.replace(/^\.\//, '')),
  ...exportTargets(manifest.exports),
  ...exportTargets(manifest.typesVersions),
];
for (const path of new Set(required)) {
  if (!files.has(path)) problems.push(`missing: ${path}`);
}

// `typesVersions` gives TypeScript's old `"moduleResolution": "node"` (which ignores `exports`) the
// types of every subpath: one entry per subpath export.
const typesPaths = manifest.typesVersions?.['*'] ?? {};
for (const subpath of Object.keys(manifest.exports)) {
  const name = subpath.replace(/^\.\//, '');
  if (subpath === '.' || name === 'package.json') continue;
  if (!typesPaths[name]) problems.push(`typesVersions["*"] has no entry for ${subpath}`);
}

const forbidden = [
  [/\.spec\.(ts|js|d\.ts)$|\.e2e-spec\./, 'test file'],
  [/^(test|sample|bench|lib|scripts|coverage|node_modules)\//, 'file from an unpublished folder'],
  [/\.tsbuildinfo$/, 'TypeScript build-info file'],
  [/(?<!\.d)\.ts$/, 'TypeScript source file'],
];
for (const path of files) {
  const hit = forbidden.find(([pattern]) => pattern.test(path));
  if (hit) problems.push(`unexpected ${hit[1]}: ${path}`);
  else if (
    !/^dist\/(esm|cjs)\//.test(path) &&
    !/^(package\.json|README\.md|LICENSE(\.md)?)$/.test(path)
  ) {
    problems.push(`unexpected file: ${path}`);
  }
}

if (tarball && files.has('dist/cjs/package.json')) {
  const nested = execFileSync('tar', ['-xOzf', tarball, 'package/dist/cjs/package.json'], {
    encoding: 'utf8',
  });
  if (JSON.parse(nested).type !== 'commonjs') {
    problems.push('dist/cjs/package.json does not say "type": "commonjs"');
  }
}

const what = tarball ? tarball.split('/').pop() : 'npm pack --dry-run';
if (problems.length > 0) {
  console.log(`FAIL manifest (${what}, ${files.size} files)`);
  for (const problem of problems) console.log(`  - ${problem}`);
  process.exit(1);
}
console.log(
  `PASS manifest (${what}, ${files.size} files: dist/esm + dist/cjs, no tests or sources)`,
);
