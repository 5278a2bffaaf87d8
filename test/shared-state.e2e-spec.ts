import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { AuthRevocation, RedisAuthStore } from '../lib/index.js';
import { USERS, validateUser } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic, bearer } from './support/http.js';
import { connectRedis, type RedisProcess, startRedis, whenReady } from './support/redis-server.js';
import { eventually } from './support/eventually.js';

describe.each<[Platform]>([['express'], ['fastify']])(
  'two instances on one Redis (%s)',
  (platform) => {
    let redis: RedisProcess;
    const clients: Redis[] = [];
    let a: INestApplication;
    let b: INestApplication;

    /** Users whose password was changed: their old password no longer validates. */
    const changedPasswords = new Set<string>();
    /** Basic verifications run, per instance. */
    const validations = new Map<INestApplication, { count: number }>();

    async function instance(): Promise<INestApplication> {
      const client = await connectRedis(redis.url);
      clients.push(client);
      const verified = { count: 0 };
      const app = await createApp(platform, {
        basic: {
          validate: (username: string, password: string) => {
            verified.count++;
            return changedPasswords.has(username) ? null : validateUser(username, password);
          },
        },
        store: new RedisAuthStore(client, { prefix: `e2e-${platform}:` }),
        throttle: { maxFailures: 3, window: 60 },
      });
      validations.set(app, verified);
      return app;
    }

    beforeAll(async () => {
      redis = await startRedis();
      a = await instance();
      b = await instance();
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
      for (const client of clients) client.disconnect();
      await redis.kill();
    });

    it('C-1: a lockout earned on instance A holds on instance B', async () => {
      const wrong = basic(USERS.aladdin.username, 'wrong-password');
      for (let i = 0; i < 3; i++)
        expect(
          (await request(a.getHttpServer()).get('/basic').set('Authorization', wrong)).status,
        ).toBe(401);
      const onB = await request(b.getHttpServer())
        .get('/basic')
        .set('Authorization', basic(USERS.aladdin.username, USERS.aladdin.password));
      expectAuthFailure(onB, 'too_many_attempts', []);
      expect(Number(onB.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('C-1: a token revoked on A is rejected on B, though B had verified and cached it', async () => {
      const exp = nowInSeconds() + 300;
      const token = await signToken({ sub: 'carol', jti: `shared-${platform}`, exp });
      const onB = () =>
        request(b.getHttpServer()).get('/bearer').set('Authorization', bearer(token));
      expect((await onB()).status).toBe(200);
      await a.get(AuthRevocation).revokeToken({ jti: `shared-${platform}`, exp, sub: 'carol' });
      await eventually(async () => (await onB()).status === 401, 'B rejects the revoked token');
      expectAuthFailure(await onB(), 'token_invalid', [
        'Bearer realm="api", error="invalid_token", error_description="The access token was revoked"',
      ]);
    });

    it('C-1.2: AuthRevocation.invalidate() on A makes B forget the credential it had verified and cached', async () => {
      const { username, password } = USERS.test;
      const onB = () =>
        request(b.getHttpServer()).get('/basic').set('Authorization', basic(username, password));
      const verified = validations.get(b)!;
      const before = verified.count;
      expect((await onB()).status).toBe(200);
      expect((await onB()).status).toBe(200);
      expect(verified.count).toBe(before + 1); // verified once, then answered from B's cache
      // The password changes: B's cache still answers the old one...
      changedPasswords.add(username);
      expect((await onB()).status).toBe(200);
      expect(verified.count).toBe(before + 1);
      // ...until A publishes the invalidation through the shared store.
      await a.get(AuthRevocation).invalidate(username);
      await eventually(async () => (await onB()).status === 401, 'B verifies the credential again');
      expectAuthFailure(await onB(), 'credentials_invalid', ['Basic realm="api", charset="UTF-8"']);
      expect(verified.count).toBeGreaterThan(before + 1);
    });

    it('C-1: Redis down → 503 with Retry-After on both instances (cached credentials too); back → both recover', async () => {
      const admin = basic(USERS.admin.username, USERS.admin.password);
      for (const app of [a, b])
        expect(
          (await request(app.getHttpServer()).get('/basic').set('Authorization', admin)).status,
        ).toBe(200);
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        await redis.kill();
        await eventually(
          async () => clients.every((c) => c.status !== 'ready'),
          'the clients notice',
        );
        for (const app of [a, b]) {
          const res = await request(app.getHttpServer()).get('/basic').set('Authorization', admin);
          expectAuthFailure(res, 'service_unavailable', []);
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
        // Each instance logs the outage once (at most every 10 s), naming why.
        expect(logged.mock.calls.map(([line]) => String(line))).toEqual([
          'The auth store is unreachable (the store reports it is not connected): answering 503 until it is back.',
          'The auth store is unreachable (the store reports it is not connected): answering 503 until it is back.',
        ]);
      } finally {
        logged.mockRestore();
      }
      await redis.restart();
      await Promise.all(clients.map(whenReady));
      for (const app of [a, b]) {
        await eventually(
          async () =>
            (await request(app.getHttpServer()).get('/basic').set('Authorization', admin))
              .status === 200,
          'the instance recovers',
        );
      }
    });
  },
);
