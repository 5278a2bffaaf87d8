#!/usr/bin/env node
// `npm test` needs three programs besides node_modules: Debian's Chromium (Swagger UI browser test),
// redis-server (shared-store tests, started by the tests on 127.0.0.1) and nginx (the cluster
// test's load balancer, started by the test on 127.0.0.1; `NGINX` may name another binary). On a fresh machine,
// install them when we can (root + apt-get), so that `npm test` alone is the whole set-up.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needed = [
  { name: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { name: 'redis-server', present: () => spawnSync('redis-server', ['--version']).status === 0 },
  { name: 'nginx', present: () => existsSync(process.env['NGINX'] ?? '/usr/sbin/nginx') },
];
const missing = needed.filter((dep) => !dep.present()).map((dep) => dep.name);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('apt-get', ['--version']).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `npm test needs ${missing.join(' and ')}. Install ${missing.length > 1 ? 'them' : 'it'} first, e.g.\n` +
      `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
  );
  process.exit(1);
}
console.log(`Installing ${missing.join(' and ')} for the tests (apt-get)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
  stdio: 'inherit',
  env,
});
