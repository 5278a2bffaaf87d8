import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import type { AuthErrorCode } from '../lib/index.js';
import { validateApiKey } from './fixtures/credentials.js';
import { BEARER_OPTIONS, createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { jsonBody } from './support/expectations.js';
import {
  allowedStatuses,
  challengeLines,
  cleanStatus,
  expectedChallengeSchemes,
  type FuzzRequest,
  type FuzzTokens,
  fuzzRequests,
  HEADER_LIMIT,
  headSize,
  type RawOutcome,
  secretsToCheck,
  send,
} from './support/fuzz-requests.js';

/*
 * End-to-end fuzz (fast-check, 300 requests per platform) of everything a client controls:
 * Authorization headers of any scheme, casing, spacing and bytes (Basic payloads that are not
 * base64, have no colon, carry control characters or invalid UTF-8; Bearer tokens valid, forged or
 * random; lengths up to past Node's 16 KiB header limit), API keys in the header, the query string
 * (percent-encoded, repeated, nested) and a cookie, mixed freely, sent byte for byte.
 *
 * Properties (CONTRACT C-1..C-4): never a 5xx; the status is one that C-1 allows for the route and
 * what was sent (200 only with a valid credential, 400 only for Bearer, 403 only for a valid
 * principal without the role, 431 only from the server near its limit); a request with one valid
 * credential in canonical form gets exactly its status; every 401 carries one challenge per
 * accepted scheme, in order, each a fixed line; every error body is exactly the fixed body of its
 * code; and no response contains a password, token or key that was sent.
 */

const RUNS = 300;
// The property test has a 120 s timeout: jest's 5 s is too short on two busy cores.

const BASIC = 'Basic realm="api", charset="UTF-8"';
const API_KEY_LINES = [
  'ApiKey realm="api", in="header", name="X-API-Key"',
  'ApiKey realm="api", in="query", name="api_key"',
  'ApiKey realm="api", in="cookie", name="session_key"',
];
const DESCRIPTION =
  'The access token (is malformed|signature is invalid|expired|is invalid|is empty|was sent by more than one method|algorithm is not allowed|signing key is unknown|uses an unsupported feature|is not valid yet|has no \\w+ claim|\\w+ claim is not accepted)|The access_token parameter is repeated or malformed';
const BEARER_LINE = new RegExp(
  `^Bearer realm="api"(, error="(invalid_token|invalid_request)", error_description="(${DESCRIPTION})")?$`,
);
const FORBIDDEN_LINE = 'Bearer realm="api", error="insufficient_scope"';

/** The codes each error status may carry (CONTRACT C-4). */
const CODES: Readonly<Record<number, readonly AuthErrorCode[]>> = {
  400: ['invalid_request'],
  401: ['credentials_missing', 'credentials_invalid', 'token_invalid', 'token_expired'],
  403: ['insufficient_scope'],
};

function fail(req: FuzzRequest, outcome: RawOutcome, why: string): never {
  const shown =
    outcome.kind === 'response' ? `${outcome.status} ${outcome.body.slice(0, 300)}` : outcome.kind;
  throw new Error(
    `${why}\n  request: ${req.route.path} ${JSON.stringify(req).slice(0, 600)}\n  response: ${shown}`,
  );
}

/** Checks one response against every property; throws (fast-check then shrinks the request). */
function check(req: FuzzRequest, outcome: RawOutcome, size: number): void {
  if (outcome.kind === 'refused') return; // Node's own client will not send it: no client can
  if (outcome.kind === 'dropped') {
    // The server may close the connection after its 431 before the client has read it.
    if (size < HEADER_LIMIT - 1024) fail(req, outcome, 'connection dropped');
    return;
  }
  const { status, body } = outcome;
  if (status >= 500) fail(req, outcome, `a ${status}`);
  if (!allowedStatuses(req, size).has(status))
    fail(
      req,
      outcome,
      `status ${status} not allowed (${[...allowedStatuses(req, size)].join(', ')})`,
    );
  if (req.clean && size < HEADER_LIMIT - 1024 && status !== cleanStatus(req))
    fail(req, outcome, `clean request: ${status} instead of ${cleanStatus(req)}`);

  const lines = challengeLines(outcome);
  for (const line of lines) {
    if (!/^[\x20-\x7e]+$/.test(line)) fail(req, outcome, `challenge not printable ASCII: ${line}`);
  }
  if (status === 401 || status === 400) {
    const schemes = lines.map((line) => line.split(' ')[0]);
    if (JSON.stringify(schemes) !== JSON.stringify(expectedChallengeSchemes(req.route)))
      fail(req, outcome, `challenges ${JSON.stringify(lines)}`);
    for (const line of lines) {
      const known = line === BASIC || API_KEY_LINES.includes(line) || BEARER_LINE.test(line);
      if (!known) fail(req, outcome, `unknown challenge ${line}`);
    }
  }
  if (status === 403 && lines.some((line) => line !== FORBIDDEN_LINE))
    fail(req, outcome, `403 challenges ${JSON.stringify(lines)}`);

  const codes = CODES[status];
  if (codes !== undefined) {
    // Exactly the fixed body of a code: nothing of the request can be in it (CONTRACT C-4).
    const parsed = JSON.parse(body) as { code: AuthErrorCode; expires_at?: string };
    if (!codes.includes(parsed.code)) fail(req, outcome, `code ${parsed.code} for ${status}`);
    const extensions =
      parsed.code === 'token_expired' && parsed.expires_at !== undefined
        ? { expires_at: new Date(parsed.expires_at).toISOString() }
        : {};
    if (JSON.stringify(parsed) !== JSON.stringify(jsonBody(parsed.code, extensions)))
      fail(req, outcome, 'not the fixed error body');
  }

  const visible = `${outcome.rawHeaders.join('\n')}\n${body}`;
  for (const secret of secretsToCheck(req)) {
    if (visible.includes(secret))
      fail(req, outcome, `response contains a credential sent: ${secret}`);
  }
}

describe.each<[Platform]>([['express'], ['fastify']])('fuzz on %s', (platform) => {
  let app: INestApplication;
  let port: number;
  let tokens: FuzzTokens;

  beforeAll(async () => {
    const otherSecret = 'another-secret-of-at-least-32-bytes-0123456789';
    const [user, admin, expired, foreign] = await Promise.all([
      signToken({ sub: 'user-1', roles: ['user'] }),
      signToken({ sub: 'admin-1', roles: ['admin'] }),
      signToken({ sub: 'user-1' }, { exp: nowInSeconds() - 600 }),
      signToken({ sub: 'user-1' }, { secret: otherSecret }),
    ]);
    tokens = { user, admin, expired, foreign };
    app = await createApp(platform, {
      bearer: { ...BEARER_OPTIONS, allowQuery: true },
      apiKey: {
        header: 'X-API-Key',
        query: 'api_key',
        cookie: 'session_key',
        validate: validateApiKey,
      },
    });
    const server = app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app?.close();
  });

  it(`C-1..C-4: ${RUNS} hostile requests: no 5xx, only the statuses C-1 allows, a challenge per scheme on every 401, fixed bodies, no credential echoed`, async () => {
    await fc.assert(
      fc.asyncProperty(fuzzRequests(tokens), async (req) => {
        check(req, await send(port, req), headSize(req, port));
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('C-3: a header past the server limit is its 431, never a 500', async () => {
    const req: FuzzRequest = {
      route: { path: '/basic', schemes: ['basic'] },
      headers: [['Authorization', `Basic ${'QUFB'.repeat(HEADER_LIMIT / 4 + 16)}`]],
      query: '',
      presented: [],
      clean: false,
    };
    const outcome = await send(port, req);
    // Either the 431, or the connection closed right after it.
    if (outcome.kind === 'response') expect(outcome.status).toBe(431);
    else expect(outcome.kind).toBe('dropped');
  });
});
