import { setTimeout as sleep } from 'node:timers/promises';
import { DEMO_USERS } from '../src/demo-data.js';
import { ClientFlowError, type ClientLog, type ClientStep } from './client-step.js';
import { SampleApiClient } from './sample-api-client.js';

/** After `exp`, how long to wait more: the server's clock counts whole seconds. */
const EXPIRY_MARGIN_MS = 250;

/** Above this, waiting for the token to expire deserves a hint. */
const LONG_WAIT_MS = 30_000;

/** The statuses the flow must see, in order. */
const EXPECTED: readonly string[] = [
  'POST /auth/token 200',
  'GET /me 200',
  'GET /me 401',
  'POST /auth/refresh 200',
  'GET /me 200',
];

/**
 * The client flow of the sample (`npm run sample:client`), against the sample at `baseUrl`: log in
 * as alice with Basic, `GET /me` with the access token, wait until the token expires, `GET /me`
 * again (401 `invalid_token`), refresh once and retry (200). Prints each step through `log`.
 * @returns every call made
 * @throws ClientFlowError when the sample does not answer as sample/README.md says
 */
export async function runClientFlow(
  baseUrl: string,
  log: ClientLog = () => undefined,
): Promise<ClientStep[]> {
  const alice = DEMO_USERS[0];
  const client = new SampleApiClient(baseUrl, log);
  await client.login(alice.username, alice.password);
  const first = await client.send('GET', '/me');
  if (first.status !== 200) throw new ClientFlowError(`GET /me answered ${first.status}`);

  const wait = client.accessTokenExpiresInMs + EXPIRY_MARGIN_MS;
  log(`client: waiting ${(wait / 1000).toFixed(1)} s for the access token to expire`);
  if (wait > LONG_WAIT_MS)
    log('        (start the sample with ACCESS_TOKEN_TTL=2 for a shorter wait)');
  await sleep(wait);

  const retried = await client.send('GET', '/me');
  const seen = client.steps.map((s) => `${s.method} ${s.path} ${s.status}`);
  if (retried.status !== 200 || seen.join('\n') !== EXPECTED.join('\n'))
    throw new ClientFlowError(`expected ${EXPECTED.join(' -> ')}, got ${seen.join(' -> ')}`);
  log('client: done: the expired access token was refreshed once and the call retried');
  return client.steps;
}
