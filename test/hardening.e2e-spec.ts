import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import request from 'supertest';
import { AuthRevocation, MemoryAuthStore, type PlatformRequest } from '../lib/index.js';
import { USERS, validateUser } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic, bearer } from './support/http.js';

/** Each test names its own client (header `X-Test-Client`), so that counters do not mix. */
function clientKey(req: PlatformRequest): string {
  const value = (req as { headers: Record<string, unknown> }).headers['x-test-client'];
  return typeof value === 'string' ? value : 'default';
}

/** A store that can be made unreachable, like Redis going down. */
class SwitchableStore extends MemoryAuthStore {
  down = false;
  available(): boolean {
    return !this.down;
  }
  private guard<T>(op: () => Promise<T>): Promise<T> {
    return this.down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) : op();
  }
  override increment(key: string, windowMs: number) {
    return this.guard(() => super.increment(key, windowMs));
  }
  override count(key: string) {
    return this.guard(() => super.count(key));
  }
  override delete(key: string) {
    return this.guard(() => super.delete(key));
  }
  override get(key: string) {
    return this.guard(() => super.get(key));
  }
}

/** Records every log line. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
}

describe.each<[Platform]>([['express'], ['fastify']])('hardening on %s', (platform) => {
  let app: INestApplication;
  let validations = 0;
  const store = new SwitchableStore();
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await createApp(platform, {
      basic: {
        validate: (username: string, password: string) => {
          validations++;
          return validateUser(username, password);
        },
      },
      throttle: { maxFailures: 3, maxFailuresPerClient: 5, window: 60, clientKey },
      store,
      cache: { failureTtl: 0 },
    });
    app.useLogger(logger);
  });
  afterAll(() => app.close());

  const call = (client: string, authorization?: string) => {
    const req = request(app.getHttpServer()).get('/basic').set('X-Test-Client', client);
    return authorization ? req.set('Authorization', authorization) : req;
  };
  const alice = USERS.alice;
  const wrong = (username: string = alice.username) => basic(username, 'not-the-password');

  it('C-1: after maxFailures for one client and identity: 429, Retry-After, too_many_attempts, nothing verified', async () => {
    for (let i = 0; i < 3; i++) expect((await call('c1', wrong())).status).toBe(401);
    const before = validations;
    const res = await call('c1', basic(alice.username, alice.password));
    expectAuthFailure(res, 'too_many_attempts', []);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(validations).toBe(before);
  });

  it('C-1: the lockout is per client and identity', async () => {
    for (let i = 0; i < 3; i++) expect((await call('c2', wrong())).status).toBe(401);
    expect((await call('c2', wrong())).status).toBe(429);
    // Another identity from the same client, and the same identity from another client, still verify.
    expect((await call('c2', basic(USERS.admin.username, USERS.admin.password))).status).toBe(200);
    expect((await call('c3', basic(alice.username, alice.password))).status).toBe(200);
  });

  it('C-1: a success resets the identity counter', async () => {
    const aliceOk = basic(alice.username, alice.password);
    for (let i = 0; i < 2; i++) expect((await call('c4', wrong())).status).toBe(401);
    await app.get(AuthRevocation).invalidate(alice.username); // so that the next success verifies
    expect((await call('c4', aliceOk)).status).toBe(200);
    // Without the reset, alice would now be at 4 failures (>= 3): blocked.
    for (let i = 0; i < 2; i++) expect((await call('c4', wrong())).status).toBe(401);
    await app.get(AuthRevocation).invalidate(alice.username);
    expect((await call('c4', aliceOk)).status).toBe(200);
  });

  it('C-1: a client failing across many identities is bounded too (maxFailuresPerClient)', async () => {
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5'])
      expect((await call('c5', wrong(name))).status).toBe(401);
    const res = await call('c5', basic(USERS.aladdin.username, USERS.aladdin.password));
    expectAuthFailure(res, 'too_many_attempts', []);
  });

  it('C-1: a revoked JWT is 401 token_invalid at once, even though it was verified (and cached) before', async () => {
    const exp = nowInSeconds() + 300;
    const token = await signToken({ sub: 'bob', jti: 'jti-revoked-1', exp });
    const server = app.getHttpServer();
    expect((await request(server).get('/bearer').set('Authorization', bearer(token))).status).toBe(
      200,
    );
    await app.get(AuthRevocation).revokeToken({ jti: 'jti-revoked-1', exp, sub: 'bob' });
    expect(await app.get(AuthRevocation).isTokenRevoked('jti-revoked-1')).toBe(true);
    const res = await request(server).get('/bearer').set('Authorization', bearer(token));
    expectAuthFailure(res, 'token_invalid', [
      'Bearer realm="api", error="invalid_token", error_description="The access token was revoked"',
    ]);
  });

  it('C-1: store unreachable → 503 with Retry-After (never 200, never 401) and a log line; recovers when it is back', async () => {
    store.down = true;
    try {
      // admin's credential is cached from an earlier test: still 503, the store cannot be consulted.
      const good = await call('c6', basic(USERS.admin.username, USERS.admin.password));
      const bad = await call('c6', wrong(USERS.admin.username));
      for (const res of [good, bad]) {
        expectAuthFailure(res, 'service_unavailable', []);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect(
        logger.lines.some((line) =>
          /^The auth store is unreachable \(.+\): answering 503 until it is back\.$/.test(line),
        ),
      ).toBe(true);
      expect(logger.lines.join('\n')).not.toContain(USERS.admin.password);
    } finally {
      store.down = false;
    }
    expect((await call('c6', basic(USERS.admin.username, USERS.admin.password))).status).toBe(200);
  });
});
