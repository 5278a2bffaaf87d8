import { fileURLToPath } from 'node:url';
import { runClientFlow } from './client-flow.js';
import { startSample } from './sample-process.js';

/** The sample's entry point, next to this file in dist/sample. */
const SAMPLE_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));

/** Access token lifetime of the sample this client starts itself, in seconds. */
const SHORT_TTL = '2';

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * `npm run sample:client`: runs the client flow against `SAMPLE_URL`, or, when that is not set,
 * against a sample it starts itself (Express, in-memory database, 2-second access tokens) and
 * stops afterwards. Exits with code 1 when the flow does not go as expected.
 */
async function main(): Promise<void> {
  const target = process.env['SAMPLE_URL'];
  if (target) {
    print(`client: using the sample at ${target}`);
    await runClientFlow(target, print);
    return;
  }
  const sample = await startSample(SAMPLE_MAIN, {
    ADAPTER: 'express',
    SAMPLE_DB: ':memory:',
    ACCESS_TOKEN_TTL: SHORT_TTL,
  });
  print(
    `client: started the sample (pid ${sample.pid}) at ${sample.url} with ACCESS_TOKEN_TTL=${SHORT_TTL}`,
  );
  try {
    await runClientFlow(sample.url, print);
  } finally {
    await sample.stop();
    print(`client: stopped the sample (pid ${sample.pid})`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`client: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
