import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type INestApplication, Logger, type LoggerService } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import {
  AuthModule,
  type AuthModuleOptions,
  type AuthStore,
  principalFromClaims,
} from '../lib/index.js';
import {
  API_KEYS,
  JWT_SECRET,
  STORE_DOWN_USER,
  USERS,
  validateApiKey,
  validateUser,
} from './fixtures/credentials.js';
import { TEST_CONTROLLERS, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { basic, bearer } from './support/http.js';
import { fuzzRequests, secretsToCheck, send } from './support/fuzz-requests.js';
import { JwksServer } from './support/jwks-server.js';

/*
 * CONTRACT C-4 ("the body and every log line never echo a password, token or key") for the logs,
 * on Express and Fastify: a capturing Nest logger (every level) plus everything written to
 * stdout/stderr and the console, from start-up to the end, while the applications answer
 * fuzz-style requests, wrong and valid passwords, tokens and API keys, 503s (a key set that cannot
 * be fetched, a store that is down, a Basic validate that throws AuthUnavailableError) and 500s
 * (validate callbacks that throw a plain Error). No password, token or key sent may appear in any
 * captured line; nor may the configured JWT secret.
 */

/** Length of the runs of a token's payload or signature that must not appear in a log line. */
const PART = 16;

/** Distinct secrets, each sent in one scenario. */
const SECRETS = {
  wrongPassword: 'Wrong-Pass-Marker-7731',
  storeDownPassword: 'Store-Down-Pass-4471',
  explodePassword: 'Explode-Pass-9902',
  unknownKey: 'key-Unknown-Marker-5511',
  explodeKey: 'key-Explode-Marker-3344',
} as const;
const EXPLODE_USER = 'explode';
/** The messages of the plain Errors the validate callbacks throw (they name no credential). */
const EXPLODE_MESSAGE = 'credential store query failed';

/** Records every call of every level, with its parameters rendered as `inspect` would show them. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private record(level: string, message: unknown, params: unknown[]): void {
    this.lines.push(
      [level, message, ...params]
        .map((part) => (typeof part === 'string' ? part : inspect(part, { depth: 8 })))
        .join(' '),
    );
  }
  log(message: unknown, ...params: unknown[]): void {
    this.record('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.record('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.record('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.record('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.record('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.record('fatal', message, params);
  }
  /** Every level stays on, whatever the application asks. */
  setLogLevels(): void {}
}

/** A store that is down: every call fails as a lost Redis connection would. */
class DownStore implements AuthStore {
  private fail(): Promise<never> {
    return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  }
  increment = () => this.fail();
  count = () => this.fail();
  set = () => this.fail();
  get = () => this.fail();
  take = () => this.fail();
  delete = () => this.fail();
  publishInvalidation = () => this.fail();
  onInvalidation(): () => void {
    return () => undefined;
  }
}

describe.each<[Platform]>([['express'], ['fastify']])('no secrets in logs on %s', (platform) => {
  const logger = new CapturingLogger();
  const written: string[] = [];
  const restores: (() => void)[] = [];
  /** Everything sent that must never be logged. */
  const sent = new Set<string>([JWT_SECRET, ...Object.values(SECRETS)]);
  /** Token segments: no run of {@link PART} characters of them may be logged. */
  const inPart = new Set<string>();
  /** Fuzz secrets, checked unless they were already in the output before they were sent. */
  const fuzzSent = new Set<string>();
  let before = '';
  const apps: INestApplication[] = [];
  let app: INestApplication;
  let jwksDownApp: INestApplication;
  let storeDownApp: INestApplication;
  let jwks: JwksServer;
  let userToken: string;

  function captured(): string {
    return [...logger.lines, ...written].join('\n');
  }

  /** Registers what a request sends: the value, and for a JWT its payload and signature. */
  function sending(...values: string[]): void {
    for (const value of values) {
      sent.add(value);
      // A token's payload or signature, even in part, is part of it (CONTRACT C-4: "not even in
      // part"); its header is not secret (the same for every token of the issuer).
      const segments = /^[\w-]+\.([\w-]+)\.([\w-]+)$/.exec(value);
      if (segments) for (const segment of segments.slice(1)) inPart.add(segment);
    }
  }

  async function build(options: AuthModuleOptions): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot(options)],
      controllers: [...TEST_CONTROLLERS],
    })
      .setLogger(logger)
      .compile();
    const created =
      platform === 'express'
        ? moduleRef.createNestApplication(new ExpressAdapter(), { logger })
        : moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger });
    created.useLogger(logger);
    await created.init();
    if (platform === 'fastify')
      await (created as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    apps.push(created);
    return created;
  }

  /** The application's validate callbacks, which throw a plain Error for one user, key or subject. */
  const mainOptions: AuthModuleOptions = {
    realm: 'api',
    basic: {
      validate: (username, password) => {
        if (username === EXPLODE_USER) throw new Error(EXPLODE_MESSAGE);
        return validateUser(username, password);
      },
    },
    bearer: {
      allowQuery: true,
      jwt: {
        secret: JWT_SECRET,
        validate: (payload) => {
          if (payload.sub === EXPLODE_USER) throw new Error(EXPLODE_MESSAGE);
          return principalFromClaims(payload);
        },
      },
    },
    apiKey: {
      header: 'X-API-Key',
      query: 'api_key',
      cookie: 'session_key',
      validate: (key) => {
        if (key === SECRETS.explodeKey) throw new Error(EXPLODE_MESSAGE);
        return validateApiKey(key);
      },
    },
  };

  beforeAll(async () => {
    // Capture before anything starts: start-up lines count too.
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return Reflect.apply(original, stream, [chunk, ...rest]) as boolean;
      };
      restores.push(() => {
        stream.write = original;
      });
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
      });
      restores.push(() => spy.mockRestore());
    }
    Logger.overrideLogger(logger);

    jwks = await JwksServer.start([]);
    jwks.mode = 'error';
    [app, jwksDownApp, storeDownApp] = await Promise.all([
      build(mainOptions),
      build({ ...mainOptions, bearer: { jwt: { jwksUrl: jwks.url } } }),
      build({ ...mainOptions, throttle: {}, store: new DownStore() }),
    ]);
    userToken = await signToken({ sub: 'user-1', roles: ['user'] });
    before = captured();
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await jwks?.close();
    for (const restore of restores.reverse()) restore();
  });

  /** Asserts that nothing captured so far contains a secret sent so far, or a part of a token. */
  function expectNoSecretLogged(): void {
    const text = captured();
    const runs = new Set<string>();
    for (let i = 0; i + PART <= text.length; i++) runs.add(text.slice(i, i + PART));
    const leaked = [
      ...[...sent].filter((s) => s.length >= 6 && text.includes(s)),
      ...[...fuzzSent].filter((s) => text.includes(s) && !before.includes(s)),
      ...[...inPart].filter((segment) => {
        for (let i = 0; i + PART <= segment.length; i++) {
          if (runs.has(segment.slice(i, i + PART))) return true;
        }
        return false;
      }),
    ];
    expect(leaked).toEqual([]);
  }

  const get = (target: INestApplication, path: string) => request(target.getHttpServer()).get(path);

  it('C-4: start-up logs nothing of the configuration’s secret', () => {
    expect(before).not.toContain(JWT_SECRET);
    expectNoSecretLogged();
  });

  it('C-4: valid and wrong passwords, tokens and API keys are never logged', async () => {
    const { alice } = USERS;
    const expired = await signToken({ sub: 'user-1' }, { exp: nowInSeconds() - 60 });
    const foreign = await signToken({ sub: 'user-1' }, { secret: 'x'.repeat(40) });
    sending(
      alice.password,
      Buffer.from(`${alice.username}:${alice.password}`).toString('base64'),
      Buffer.from(`${alice.username}:${SECRETS.wrongPassword}`).toString('base64'),
      userToken,
      expired,
      foreign,
      API_KEYS.valid,
    );
    const statuses = [
      (await get(app, '/basic').set('Authorization', basic(alice.username, alice.password))).status,
      (await get(app, '/basic').set('Authorization', basic(alice.username, SECRETS.wrongPassword)))
        .status,
      (await get(app, '/bearer').set('Authorization', bearer(userToken))).status,
      (await get(app, '/bearer').set('Authorization', bearer(expired))).status,
      (await get(app, '/bearer').set('Authorization', bearer(foreign))).status,
      (await get(app, `/bearer?access_token=${userToken}`).set('Authorization', bearer(userToken)))
        .status,
      (await get(app, '/api-key').set('X-API-Key', API_KEYS.valid)).status,
      (await get(app, `/api-key?api_key=${SECRETS.unknownKey}`)).status,
      (await get(app, '/api-key').set('Cookie', `session_key=${SECRETS.unknownKey}`)).status,
    ];
    expect(statuses).toEqual([200, 401, 200, 401, 401, 400, 200, 401, 401]);
    expectNoSecretLogged();
  });

  it('C-4: 200 fuzz-style requests leave no credential in the logs', async () => {
    const expired = await signToken({ sub: 'user-1' }, { exp: nowInSeconds() - 60 });
    const foreign = await signToken({ sub: 'user-1' }, { secret: 'y'.repeat(40) });
    const admin = await signToken({ sub: 'admin-1', roles: ['admin'] });
    sending(expired, foreign, admin);
    const server = app.getHttpServer() as Server;
    if (!server.listening)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const requests = fc.sample(fuzzRequests({ user: userToken, admin, expired, foreign }), 200);
    for (const req of requests) {
      for (const secret of secretsToCheck(req)) fuzzSent.add(secret);
      const outcome = await send(port, req);
      if (outcome.kind === 'response') expect(outcome.status).toBeLessThan(500);
    }
    expectNoSecretLogged();
  });

  it('C-1/C-4: a 503 from a key set that cannot be fetched logs why, without the token', async () => {
    const rsToken = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setExpirationTime(nowInSeconds() + 600)
      .sign((await generateKeyPair('RS256')).privateKey);
    sending(rsToken);
    const res = await get(jwksDownApp, '/bearer').set('Authorization', bearer(rsToken));
    expect(res.status).toBe(503);
    // Positive control: the module's own line reached the capture.
    expect(captured()).toMatch(
      /The JSON Web Key Set http:\/\/127\.0\.0\.1:\d+\/jwks\.json cannot be fetched/,
    );
    expectNoSecretLogged();
  });

  it('C-1/C-4: a 503 from a store that is down, or from a Basic validate that throws AuthUnavailableError, logs no credential', async () => {
    sending(
      Buffer.from(`alice:${SECRETS.wrongPassword}`).toString('base64'),
      Buffer.from(`${STORE_DOWN_USER}:${SECRETS.storeDownPassword}`).toString('base64'),
    );
    const storeDown = await get(storeDownApp, '/basic').set(
      'Authorization',
      basic('alice', SECRETS.wrongPassword),
    );
    const validateDown = await get(app, '/basic').set(
      'Authorization',
      basic(STORE_DOWN_USER, SECRETS.storeDownPassword),
    );
    expect([storeDown.status, validateDown.status]).toEqual([503, 503]);
    expectNoSecretLogged();
  });

  it('C-4: a 500 from a validate that throws a plain Error is logged by Nest without the credential', async () => {
    const explodeToken = await signToken({ sub: EXPLODE_USER });
    sending(
      explodeToken,
      Buffer.from(`${EXPLODE_USER}:${SECRETS.explodePassword}`).toString('base64'),
    );
    const statuses = [
      (await get(app, '/basic').set('Authorization', basic(EXPLODE_USER, SECRETS.explodePassword)))
        .status,
      (await get(app, '/bearer').set('Authorization', bearer(explodeToken))).status,
      (await get(app, '/api-key').set('X-API-Key', SECRETS.explodeKey)).status,
      (await get(app, `/api-key?api_key=${SECRETS.explodeKey}`)).status,
    ];
    expect(statuses).toEqual([500, 500, 500, 500]);
    // Positive control: Nest's exception handler logged each error (message and stack) here.
    expect(
      logger.lines.filter((line) => line.includes(EXPLODE_MESSAGE)).length,
    ).toBeGreaterThanOrEqual(4);
    expectNoSecretLogged();
  });
});
