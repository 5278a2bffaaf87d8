import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { expectAuthFailure } from './support/expectations.js';
import { bearer } from './support/http.js';
import { type RedisProcess, startRedis } from './support/redis-server.js';
import {
  ALICE,
  basicOf,
  BOB,
  CHALLENGE,
  createTestSample,
  login,
  type Platform,
} from './sample/sample-app.js';
import { eventually } from './support/eventually.js';

describe.each<[Platform]>([['express'], ['fastify']])(
  'two sample instances sharing one Redis (REDIS_URL) on %s',
  (platform) => {
    let redis: RedisProcess;
    let a: INestApplication;
    let b: INestApplication;
    const me = (app: INestApplication, authorization: string) =>
      request(app.getHttpServer()).get('/me').set('Authorization', authorization);
    const healthy = async (app: INestApplication) => (await me(app, basicOf(ALICE))).status === 200;

    beforeAll(async () => {
      redis = await startRedis();
      const env = { REDIS_URL: redis.url, AUTH_MAX_FAILURES: '3', AUTH_FAILURE_WINDOW: '60' };
      [a, b] = await Promise.all([
        createTestSample(platform, env),
        createTestSample(platform, env),
      ]);
      for (const app of [a, b]) await eventually(() => healthy(app), 'the instance reaches Redis');
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
      await redis.kill();
    });

    it('C-1: a lockout earned on instance A holds on instance B (429, Retry-After)', async () => {
      const wrong = `Basic ${Buffer.from(`${BOB.username}:not-it`).toString('base64')}`;
      for (let i = 0; i < 3; i++) expect((await me(a, wrong)).status).toBe(401);
      const res = await me(b, basicOf(BOB));
      expectAuthFailure(res, 'too_many_attempts', []);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('C-1: a logout on A revokes the access token on B', async () => {
      const pair = await login(a, ALICE);
      expect((await me(b, bearer(pair.access_token))).status).toBe(200);
      const out = await request(a.getHttpServer())
        .post('/auth/logout')
        .set('Authorization', bearer(pair.access_token));
      expect(out.status).toBe(204);
      await eventually(
        async () => (await me(b, bearer(pair.access_token))).status === 401,
        'B rejects the logged-out token',
      );
      expectAuthFailure(await me(b, bearer(pair.access_token)), 'token_invalid', [
        CHALLENGE.rejected('The access token was revoked'),
        CHALLENGE.basic,
      ]);
    });

    it('a refresh token used on A cannot be used again on B', async () => {
      const pair = await login(a, ALICE);
      const refresh = (app: INestApplication) =>
        request(app.getHttpServer())
          .post('/auth/refresh')
          .send({ refresh_token: pair.refresh_token });
      const first = await refresh(a);
      expect(first.status).toBe(200);
      const again = await refresh(b);
      expect(again.status).toBe(401);
      expect(again.body).toMatchObject({ code: 'token_invalid' });
      // The reuse revoked the family: the pair issued by the first use is dead on both instances.
      const rotated = first.body as { access_token: string; refresh_token: string };
      await eventually(
        async () => (await me(a, bearer(rotated.access_token))).status === 401,
        'the rotated token is revoked',
      );
      expect(
        (
          await request(b.getHttpServer())
            .post('/auth/refresh')
            .send({ refresh_token: rotated.refresh_token })
        ).status,
      ).toBe(401);
    });

    it('C-1: Redis killed → 503 with Retry-After on both instances; Redis back → both recover', async () => {
      await redis.kill();
      for (const app of [a, b]) {
        await eventually(
          async () => (await me(app, basicOf(ALICE))).status === 503,
          'the instance fails closed',
        );
        const res = await me(app, basicOf(ALICE));
        expectAuthFailure(res, 'service_unavailable', []);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      await redis.restart();
      for (const app of [a, b]) await eventually(() => healthy(app), 'the instance recovers');
    });
  },
);
