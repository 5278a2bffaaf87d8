import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { REFRESH_REJECTED } from '../sample/src/controllers/auth.controller.js';
import type { TokenPair } from '../sample/src/tokens/token-pair.js';
import { startNginx, UPSTREAM_HEADER, type NginxBalancer } from '../bench/nginx.js';
import {
  ALICE,
  basicOf,
  BOB,
  CHALLENGE,
  createTestSample,
  type Platform,
} from './sample/sample-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic, bearer, challenges } from './support/http.js';
import { freePort, type RedisProcess, startRedis } from './support/redis-server.js';
import { eventually } from './support/eventually.js';

/*
 * Three instances of the sample sharing one Redis (REDIS_URL), behind nginx balancing round robin,
 * as a deployment runs them: a logout, a lockout and a refresh-token reuse made through one instance
 * hold on the other two at once (docs/caching-throttling-redis.md, several instances; CONTRACT C-1).
 * nginx names the instance that answered in X-Upstream; each instance is also called directly. The
 * instances run in this process, each a Nest application with its own verification cache and its
 * own Redis connections; their PUBLIC_URL is nginx's, as behind a real proxy.
 */

const SLOW = 60_000;
/*
 * Behind nginx every client is nginx (127.0.0.1: the sample trusts no X-Forwarded-For), and a Bearer
 * failure counts for the identity "bearer" of that client: each test starts with a success (which
 * resets that count) and stays below the limit, except the lockout test, which earns one for bob.
 */
const MAX_FAILURES = 10;
const FAILURE_WINDOW = 60;

interface Instance {
  readonly port: number;
  /** `127.0.0.1:port`, as nginx's X-Upstream names it. */
  readonly address: string;
  readonly url: string;
}

/** A refresh the sample refused: 401 `token_invalid`, challenged with Basic (log in again). */
function expectRefreshRejected(res: request.Response): void {
  expect({ status: res.status, challenges: challenges(res), body: res.body as unknown }).toEqual({
    status: 401,
    challenges: [CHALLENGE.basic],
    body: {
      statusCode: 401,
      error: 'Unauthorized',
      message: REFRESH_REJECTED,
      code: 'token_invalid',
    },
  });
}

describe.each<[Platform]>([['express'], ['fastify']])(
  'three sample instances on %s behind nginx, sharing one Redis',
  (platform) => {
    let redis: RedisProcess | undefined;
    let nginx: NginxBalancer | undefined;
    const apps: INestApplication[] = [];
    const instances: Instance[] = [];
    let publicUrl: string;

    const me = (url: string, authorization: string) =>
      request(url).get('/me').set('Authorization', authorization);
    const refresh = (url: string, refreshToken: string) =>
      request(url).post('/auth/refresh').send({ refresh_token: refreshToken });
    const upstreamOf = (res: request.Response) => res.headers[UPSTREAM_HEADER];
    /** The Bearer challenge of a rejected token: resource_metadata names nginx's URL. */
    const rejected = (description: string) =>
      `Bearer realm="sample", error="invalid_token", error_description="${description}", resource_metadata="${publicUrl}/.well-known/oauth-protected-resource"`;
    const revoked = () => [rejected('The access token was revoked'), CHALLENGE.basic];
    /** One request through nginx per instance: the responses, and which instance answered each. */
    const roundRobin = async (send: () => request.Test) => {
      const responses: request.Response[] = [];
      for (let i = 0; i < instances.length; i++) responses.push(await send());
      expect(responses.map(upstreamOf).sort()).toEqual(instances.map((i) => i.address).sort());
      return responses;
    };

    beforeAll(async () => {
      redis = await startRedis();
      const nginxPort = await freePort();
      publicUrl = `http://127.0.0.1:${nginxPort}`;
      const env = {
        REDIS_URL: redis.url,
        AUTH_MAX_FAILURES: String(MAX_FAILURES),
        AUTH_FAILURE_WINDOW: String(FAILURE_WINDOW),
        PUBLIC_URL: publicUrl,
      };
      for (let i = 0; i < 3; i++) {
        const app = await createTestSample(platform, env);
        apps.push(app);
        await app.listen(0, '127.0.0.1');
        const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
        instances.push({
          port,
          address: `127.0.0.1:${port}`,
          url: `http://127.0.0.1:${port}`,
        });
      }
      for (const { url } of instances) {
        await eventually(
          async () => (await me(url, basicOf(ALICE))).status === 200,
          `${url} reaches Redis`,
        );
      }
      nginx = await startNginx({
        port: nginxPort,
        upstreams: instances.map((instance) => instance.port),
        readyPath: '/health',
      });
    }, SLOW);

    afterAll(async () => {
      await nginx?.stop();
      await Promise.all(apps.map((app) => app.close()));
      await redis?.kill();
    }, SLOW);

    it(
      'nginx serves each request from the next instance, naming it in X-Upstream',
      async () => {
        const responses = await roundRobin(() => request(nginx!.url).get('/health'));
        for (const res of responses) {
          expect({ status: res.status, body: res.body as unknown }).toEqual({
            status: 200,
            body: { status: 'ok' },
          });
        }
      },
      SLOW,
    );

    it(
      'C-1: a logout through one instance revokes the token on the other two at once, though each remembered it',
      async () => {
        const login = await request(nginx!.url)
          .post('/auth/token')
          .set('Authorization', basicOf(ALICE));
        expect(login.status).toBe(200);
        const pair = login.body as TokenPair;
        // Every instance verifies the token once and remembers it (its verification cache).
        for (const { url } of instances) {
          const res = await me(url, bearer(pair.access_token));
          expect({ status: res.status, body: res.body as unknown }).toEqual({
            status: 200,
            body: { username: 'alice', roles: ['admin'], scheme: 'bearer' },
          });
        }
        const out = await request(nginx!.url)
          .post('/auth/logout')
          .set('Authorization', bearer(pair.access_token));
        expect(out.status).toBe(204);
        const loggedOutOn = upstreamOf(out);
        expect(instances.map((i) => i.address)).toContain(loggedOutOn);

        // No waiting: the next request on each other instance is refused.
        for (const { url, address } of instances.filter((i) => i.address !== loggedOutOn)) {
          const res = await me(url, bearer(pair.access_token));
          expect({ instance: address, challenges: challenges(res) }).toEqual({
            instance: address,
            challenges: revoked(),
          });
          expectAuthFailure(res, 'token_invalid', revoked());
        }
        for (const res of await roundRobin(() => me(nginx!.url, bearer(pair.access_token))))
          expectAuthFailure(res, 'token_invalid', revoked());
        // Its refresh token was revoked with it.
        expectRefreshRejected(await refresh(nginx!.url, pair.refresh_token));
      },
      SLOW,
    );

    it(
      'C-1: a lockout earned on one instance holds on the other two at once (429, Retry-After)',
      async () => {
        const [first, ...others] = instances as [Instance, ...Instance[]];
        const wrong = basic(BOB.username, 'not-it');
        for (let i = 0; i < MAX_FAILURES; i++) {
          expectAuthFailure(await me(first.url, wrong), 'credentials_invalid', [
            `Bearer realm="sample", resource_metadata="${publicUrl}/.well-known/oauth-protected-resource"`,
            CHALLENGE.basic,
          ]);
        }
        const locked = [
          ...(await Promise.all(others.map(({ url }) => me(url, basicOf(BOB))))),
          ...(await roundRobin(() => me(nginx!.url, basicOf(BOB)))),
        ];
        for (const res of locked) {
          // The right password too: the identity is locked, on every instance.
          expectAuthFailure(res, 'too_many_attempts', []);
          const retryAfter = Number(res.headers['retry-after']);
          expect(retryAfter).toBeGreaterThan(0);
          expect(retryAfter).toBeLessThanOrEqual(FAILURE_WINDOW);
        }
      },
      SLOW,
    );

    it(
      'a refresh token used on one instance is a reuse on another: the family is revoked on the third',
      async () => {
        const [a, b, c] = instances as [Instance, Instance, Instance];
        const login = await request(a.url).post('/auth/token').set('Authorization', basicOf(ALICE));
        expect(login.status).toBe(200);
        const pair = login.body as TokenPair;
        const first = await refresh(a.url, pair.refresh_token);
        expect(first.status).toBe(200);
        const rotated = first.body as TokenPair;
        // Every instance remembers the rotated access token (and the success resets the Bearer count).
        for (const { url } of instances)
          expect((await me(url, bearer(rotated.access_token))).status).toBe(200);

        expectRefreshRejected(await refresh(b.url, pair.refresh_token));
        // The reuse revoked the whole family: the rotated pair is dead on the third instance at once.
        expectAuthFailure(
          await me(c.url, bearer(rotated.access_token)),
          'token_invalid',
          revoked(),
        );
        expectRefreshRejected(await refresh(c.url, rotated.refresh_token));
        for (const res of await roundRobin(() => me(nginx!.url, bearer(rotated.access_token))))
          expectAuthFailure(res, 'token_invalid', revoked());
      },
      SLOW,
    );
  },
);
