import { expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  AuthRevocation,
  type AuthModuleOptions,
  RedisAuthStore,
  type RedisClientLike,
} from '../../lib/index.js';
import { createApp, type Platform } from '../fixtures/test-app.js';
import { nowInSeconds, signToken } from '../fixtures/tokens.js';
import { expectAuthFailure } from './expectations.js';
import { until } from './failover-load.js';
import { bearer } from './http.js';

/** The challenge of a revoked token on the test app's Bearer route. */
export const REVOKED =
  'Bearer realm="api", error="invalid_token", error_description="The access token was revoked"';

/**
 * Module instances of the test app that share one Redis set-up (a Cluster, Sentinel), each with its
 * own client from `connect()` and a `RedisAuthStore` under `prefix`: what the failover tests drive.
 */
export function storeInstances(
  platform: Platform,
  prefix: string,
  connect: () => Promise<RedisClientLike>,
) {
  /** A new instance, once its store's subscription is confirmed (503 until its first heartbeat). */
  const instance = async (options: Partial<AuthModuleOptions> = {}): Promise<INestApplication> => {
    const store = new RedisAuthStore(await connect(), { prefix });
    const app = await createApp(platform, { store, ...options });
    await until(async () => store.available(), 'the subscription is confirmed');
    return app;
  };
  /** `GET /bearer` with a token. */
  const get = (app: INestApplication, token: string) =>
    request(app.getHttpServer()).get('/bearer').set('Authorization', bearer(token));
  /** B refuses a token that A revokes, though B had verified and cached it. */
  const revokedOnAIsRefusedByB = async (
    a: INestApplication,
    b: INestApplication,
    jti: string,
  ): Promise<void> => {
    const exp = nowInSeconds() + 300;
    const token = await signToken({ sub: 'carol', jti, exp });
    // (after a failover, B answers 503 until its subscription is confirmed again)
    await until(async () => (await get(b, token)).status === 200, 'B accepts it');
    await a.get(AuthRevocation).revokeToken({ jti, exp, sub: 'carol' });
    await until(async () => (await get(b, token)).status === 401, 'B refuses it', 2_000);
    expectAuthFailure(await get(b, token), 'token_invalid', [REVOKED]);
    expect(await b.get(AuthRevocation).isTokenRevoked(jti)).toBe(true);
  };
  return { instance, get, revokedOnAIsRefusedByB };
}
