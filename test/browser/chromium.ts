import { accessSync, constants } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot work here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a closed network and a root user: no sandbox (root), no GPU, and none of Chromium's
 * background connections (the machine refuses them, many at a time). Playwright adds `--headless`
 * and a fresh temporary `--user-data-dir` per launch by itself (it rejects one in `args`).
 */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Launches headless Debian Chromium, or fails with what to install: a missing browser must fail
 * the suite, never skip it.
 */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `The Swagger UI browser test needs Debian's Chromium at ${CHROMIUM_PATH}: ` +
        'apt-get update && apt-get install -y --no-install-recommends chromium ' +
        '(.ci/run does this; `npx playwright install` cannot work here).',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    timeout: 30_000,
  });
}
