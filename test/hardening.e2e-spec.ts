import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';
import request from 'supertest';
import { AuthRevocation, MemoryAuthStore, type PlatformRequest } from '../lib/index.js';
import { USERS, validateUser } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure, problemBody } from './support/expectations.js';
import { basic, bearer, challenges } from './support/http.js';
import { CapturingLogger } from './support/jwt-verifier.js';

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

/** Basic options whose `validate` counts its calls in `validations` (a verification ran or not). */
function countingBasic(validations: { count: number }) {
  return {
    validate: (username: string, password: string) => {
      validations.count++;
      return validateUser(username, password);
    },
  };
}

describe.each<[Platform]>([['express'], ['fastify']])('hardening on %s', (platform) => {
  let app: INestApplication;
  const validations = { count: 0 };
  const store = new SwitchableStore();
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await createApp(platform, {
      basic: countingBasic(validations),
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
    const before = validations.count;
    const res = await call('c1', basic(alice.username, alice.password));
    expectAuthFailure(res, 'too_many_attempts', []);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(validations.count).toBe(before);
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
    const adminOk = basic(USERS.admin.username, USERS.admin.password);
    // Warm the verification cache with admin's credential (verified once, then remembered).
    expect((await call('c6', adminOk)).status).toBe(200);
    const verified = validations.count;
    expect((await call('c6', adminOk)).status).toBe(200);
    expect(validations.count).toBe(verified);
    store.down = true;
    try {
      // admin's credential is cached: still 503, the store cannot be consulted.
      const good = await call('c6', adminOk);
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
    expect((await call('c6', adminOk)).status).toBe(200);
  });
});

describe.each<[Platform]>([['express'], ['fastify']])(
  'problem+json 429 and 503 through the filter on %s',
  (platform) => {
    const DOCS = 'https://docs.example.com/auth-errors';
    const variants: [string, string | undefined][] = [
      ['without documentationUrl', undefined],
      ['with documentationUrl', DOCS],
    ];
    const apps = new Map<string | undefined, { app: INestApplication; store: SwitchableStore }>();

    beforeAll(async () => {
      for (const [, documentationUrl] of variants) {
        const store = new SwitchableStore();
        const app = await createApp(platform, {
          errorFormat: 'problem+json',
          ...(documentationUrl === undefined ? {} : { documentationUrl }),
          throttle: { maxFailures: 2, window: 60, clientKey },
          store,
        });
        apps.set(documentationUrl, { app, store });
      }
    });
    afterAll(() => Promise.all([...apps.values()].map(({ app }) => app.close())));

    /** The RFC 9457 body of a code, with `type` and `documentation_url` as C-4.4 gives them. */
    function expectProblem(
      res: request.Response,
      code: 'too_many_attempts' | 'service_unavailable',
      documentationUrl: string | undefined,
    ): void {
      expect(res.status).toBe(code === 'too_many_attempts' ? 429 : 503);
      expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(JSON.parse(res.text)).toEqual(
        documentationUrl === undefined
          ? problemBody(code, 'about:blank')
          : problemBody(code, `${documentationUrl}#${code}`, {
              documentation_url: documentationUrl,
            }),
      );
      // C-2.9: no challenge, a Retry-After in whole seconds instead.
      expect(challenges(res)).toEqual([]);
      expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    }

    it.each(variants)(
      'C-1.5, C-4.4: a 429 (%s) is a problem document with type, title, status, detail, code and Retry-After',
      async (_, documentationUrl) => {
        const { app } = apps.get(documentationUrl)!;
        const call = (authorization: string) =>
          request(app.getHttpServer())
            .get('/basic')
            .set('X-Test-Client', 'problem-429')
            .set('Authorization', authorization);
        for (let i = 0; i < 2; i++) {
          const res = await call(basic(USERS.alice.username, 'not-the-password'));
          expect(res.status).toBe(401);
          expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        }
        const res = await call(basic(USERS.alice.username, USERS.alice.password));
        expectProblem(res, 'too_many_attempts', documentationUrl);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      },
    );

    it.each(variants)(
      'C-1.6, C-4.4: a 503 of an unreachable store (%s) is a problem document with Retry-After, and is logged',
      async (_, documentationUrl) => {
        const { app, store } = apps.get(documentationUrl)!;
        const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
        store.down = true;
        try {
          const res = await request(app.getHttpServer())
            .get('/basic')
            .set('X-Test-Client', 'problem-503')
            .set('Authorization', basic(USERS.admin.username, USERS.admin.password));
          expectProblem(res, 'service_unavailable', documentationUrl);
          expect(logged.mock.calls.map(([line]) => String(line))).toEqual([
            'The auth store is unreachable (the store reports it is not connected): answering 503 until it is back.',
          ]);
        } finally {
          store.down = false;
          logged.mockRestore();
        }
      },
    );
  },
);

describe.each<[Platform]>([['express'], ['fastify']])(
  'throttling with remembered rejections (the default cache) on %s',
  (platform) => {
    let app: INestApplication;
    const validations = { count: 0 };

    beforeAll(async () => {
      app = await createApp(platform, {
        basic: countingBasic(validations),
        throttle: { maxFailures: 3, window: 60 },
      });
    });
    afterAll(() => app.close());

    it('C-1.5: the same wrong password, answered from the cache after its first verification, is locked out after maxFailures too', async () => {
      const wrong = basic(USERS.alice.username, 'not-the-password');
      const call = () => request(app.getHttpServer()).get('/basic').set('Authorization', wrong);
      for (let i = 0; i < 3; i++)
        expectAuthFailure(await call(), 'credentials_invalid', [
          'Basic realm="api", charset="UTF-8"',
        ]);
      expect(validations.count).toBe(1); // verified once, then remembered
      const locked = await call();
      expectAuthFailure(locked, 'too_many_attempts', []);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
      expectAuthFailure(
        await request(app.getHttpServer())
          .get('/basic')
          .set('Authorization', basic(USERS.alice.username, USERS.alice.password)),
        'too_many_attempts',
        [],
      );
      expect(validations.count).toBe(1);
    });
  },
);
