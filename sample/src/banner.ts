import type { SampleConfig } from './config/sample-config.js';
import { DEMO_API_KEY, DEMO_USERS } from './demo-data.js';
import { DOCS_PATH } from './http/openapi.js';

/** The URL a browser on this machine reaches the server at. */
export function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * What `npm run sample` prints once it listens: where it runs, Swagger UI, and the demo
 * credentials. Printing credentials is deliberate here and only here: they are public demo data.
 */
export function startupBanner(config: SampleConfig, port: number): string[] {
  const url = baseUrl(config.host, port);
  const names = Math.max(...DEMO_USERS.map((u) => u.username.length));
  const passwords = Math.max(...DEMO_USERS.map((u) => u.password.length));
  const lines = [
    `sample: listening on ${url} (${config.adapter}, database ${config.database})`,
    `sample: Swagger UI ${url}/${DOCS_PATH}  (OpenAPI document: ${url}/${DOCS_PATH}-json)`,
    'sample: demo credentials (stored only as hashes):',
    ...DEMO_USERS.map(
      (u) =>
        `  user     ${u.username.padEnd(names)} / ${u.password.padEnd(passwords)}   roles: ${u.roles.join(', ')}`,
    ),
    `  API key  ${DEMO_API_KEY.key}   owner: ${DEMO_API_KEY.owner}, scopes: ${DEMO_API_KEY.scopes.join(', ')}`,
    `  try: curl -u 'alice:wonder:land-2026' ${url}/me`,
  ];
  if (config.jwtSecretGenerated)
    lines.push(
      'sample: warning: JWT_SECRET is not set; tokens are signed with a random secret and stop working when the sample restarts.',
    );
  if (config.redisUrl !== undefined)
    lines.push(
      'sample: REDIS_URL is set: failure counters, revocations and refresh tokens are shared through Redis.',
    );
  return lines;
}
