#!/usr/bin/env node
/**
 * Folder-level cycles of lib/ (e.g. core -> options -> decorators -> core), which dependency-cruiser's
 * `circular` rule does not see: it finds cycles between files. Reads the module graph that
 * dependency-cruiser computes (`.dependency-cruiser.cjs`), collapses it to one node per folder of
 * lib/ (files directly in lib/ are the module's top level and not a layer), and exits non-zero
 * naming every cycle. Part of `npm run lint`.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The package's `exports` map does not expose its bin: use it by path.
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const output = execFileSync(
  process.execPath,
  [depcruise, 'lib', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
  { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const folderOf = (path) => /^lib\/([^/]+)\//.exec(path)?.[1];

/** @type {Map<string, Set<string>>} */
const edges = new Map();
for (const module of JSON.parse(output).modules) {
  const from = folderOf(module.source);
  if (!from) continue;
  for (const dependency of module.dependencies) {
    const to = folderOf(dependency.resolved);
    if (!to || to === from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    edges.get(from).add(to);
  }
}

const cycles = new Set();
const visit = (node, path) => {
  for (const next of edges.get(node) ?? []) {
    const at = path.indexOf(next);
    if (at !== -1) {
      const cycle = path.slice(at);
      // One name per cycle: rotated to start at its smallest folder.
      const start = cycle.indexOf([...cycle].sort()[0]);
      cycles.add([...cycle.slice(start), ...cycle.slice(0, start), cycle[start]].join(' -> '));
    } else visit(next, [...path, next]);
  }
};
for (const folder of edges.keys()) visit(folder, [folder]);

if (cycles.size > 0) {
  console.error(`Folder cycles in lib/ (each folder is a layer; import in one direction only):`);
  for (const cycle of cycles) console.error(`  ${cycle}`);
  process.exit(1);
}
console.log(`folder cycles: none (${edges.size} folders of lib/)`);
