import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { runClientFlow } from '../sample/client/client-flow.js';
import { freePort } from '../sample/client/sample-process.js';
import { parseChallenges } from '../sample/client/www-authenticate.js';
import {
  CHALLENGE,
  createTestSample,
  RESOURCE_METADATA_URL,
  type Platform,
} from './sample/sample-app.js';

/*
 * `npm run sample:client`'s flow (sample/README.md, "A client that refreshes"), in-process against
 * a listening sample with 2-second access tokens: token with Basic -> /me -> expiry -> 401
 * invalid_token -> refresh once -> retry -> 200. (`exp` counts whole seconds from a truncated `iat`, so a 1-second token can expire
 * a few milliseconds after it is issued: the first /me would then be 401.)
 */

describe.each<[Platform]>([['express'], ['fastify']])('sample client on %s', (platform) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await createTestSample(platform, { ACCESS_TOKEN_TTL: '2' });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refreshes once on 401 invalid_token and retries, printing each step', async () => {
    const lines: string[] = [];
    const steps = await runClientFlow(url, (line) => lines.push(line));
    expect(steps).toEqual([
      { method: 'POST', path: '/auth/token', status: 200, challenges: [] },
      { method: 'GET', path: '/me', status: 200, challenges: [] },
      {
        method: 'GET',
        path: '/me',
        status: 401,
        challenges: [CHALLENGE.rejected('The access token expired'), CHALLENGE.basic],
      },
      { method: 'POST', path: '/auth/refresh', status: 200, challenges: [] },
      { method: 'GET', path: '/me', status: 200, challenges: [] },
    ]);
    const printed = lines.join('\n');
    expect(printed).toContain('client: GET /me (Bearer) -> 401 Unauthorized');
    expect(printed).toContain(
      `WWW-Authenticate: ${CHALLENGE.rejected('The access token expired')}`,
    );
    expect(printed).toContain('client: GET /me (Bearer, retry) -> 200 OK');
    // The client prints no token and no password.
    expect(printed).not.toMatch(/wonder:land|eyJ/);
  });

  it('fails with a clear message when the sample does not answer as expected', async () => {
    await expect(runClientFlow(`${url}/nowhere/`)).rejects.toThrow(
      'logging in as alice answered 404',
    );
  });
});

describe('sample client without a sample', () => {
  it('says which request could not be sent', async () => {
    const port = await freePort();
    await expect(runClientFlow(`http://127.0.0.1:${port}`)).rejects.toThrow(
      `POST http://127.0.0.1:${port}/auth/token failed: connect ECONNREFUSED`,
    );
  });
});

describe('parseChallenges (the client reads WWW-Authenticate as fetch joins it)', () => {
  it('splits challenges joined with ", " and keeps auth-params with their challenge', () => {
    const header = `${CHALLENGE.rejected('The access token expired')}, ${CHALLENGE.basic}`;
    expect(parseChallenges(header)).toEqual([
      {
        scheme: 'Bearer',
        params: {
          realm: 'sample',
          error: 'invalid_token',
          error_description: 'The access token expired',
          resource_metadata: RESOURCE_METADATA_URL,
        },
        text: CHALLENGE.rejected('The access token expired'),
      },
      {
        scheme: 'Basic',
        params: { realm: 'sample', charset: 'UTF-8' },
        text: CHALLENGE.basic,
      },
    ]);
  });

  it('does not split inside quoted strings, unescapes them, and accepts bare schemes and token68', () => {
    const parsed = parseChallenges('ApiKey realm="a, \\"b\\"", in=header, Negotiate, NTLM abc==');
    expect(parsed.map((c) => [c.scheme, c.params])).toEqual([
      ['ApiKey', { realm: 'a, "b"', in: 'header' }],
      ['Negotiate', {}],
      ['NTLM', {}],
    ]);
    expect(parseChallenges(null)).toEqual([]);
  });
});
