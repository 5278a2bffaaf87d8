import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import request from 'supertest';
import { ConfigError } from '../sample/src/config/config.error.js';
import { loadConfig } from '../sample/src/config/load-config.js';
import { createSampleApp } from '../sample/src/create-sample-app.js';
import { serve } from '../sample/src/serve.js';
import { PasswordHasher } from '../sample/src/users/password-hasher.js';
import { ALICE, API_KEY, BOB, basicOf, TEST_JWT_SECRET } from './sample/sample-app.js';

/*
 * The sample's storage (sample/README.md "Seeded data": idempotent, passwords and keys stored only
 * as hashes) and its start-up (environment checked, one-line errors).
 */

/** Output of {@link serve} that a test does not look at. */
const quiet = { log: (): void => undefined, error: (): void => undefined };

const work = mkdtempSync(join(tmpdir(), 'nest-http-auth-sample-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function dump(file: string): { users: unknown[]; apiKeys: unknown[] } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      users: db.prepare('SELECT * FROM users ORDER BY username').all(),
      apiKeys: db.prepare('SELECT * FROM api_keys ORDER BY id').all(),
    };
  } finally {
    db.close();
  }
}

describe('sample storage', () => {
  it('creates the database file (and its directory), seeds it once, and a restart changes nothing', async () => {
    const file = join(work, 'nested', 'dir', 'sample.sqlite');
    const config = loadConfig({ SAMPLE_DB: file, JWT_SECRET: TEST_JWT_SECRET });
    const first = await createSampleApp(config, { logger: false });
    await first.close();
    const seeded = dump(file);

    const second = await createSampleApp({ ...config, adapter: 'fastify' }, { logger: false });
    try {
      expect(dump(file)).toEqual(seeded);
      // The seeded credentials work after the restart.
      const me = await request(second.getHttpServer())
        .get('/me')
        .set('Authorization', basicOf(BOB));
      expect(me.body).toEqual({ username: 'bob', roles: ['user'], scheme: 'basic' });
      const reports = await request(second.getHttpServer())
        .get('/reports')
        .set('X-API-Key', API_KEY);
      expect(reports.status).toBe(200);
    } finally {
      await second.close();
    }

    expect(seeded.users).toEqual([
      {
        username: 'alice',
        password_hash: expect.stringMatching(/^scrypt\$16384\$8\$1\$/),
        roles: '["admin"]',
      },
      {
        username: 'bob',
        password_hash: expect.stringMatching(/^scrypt\$16384\$8\$1\$/),
        roles: '["user"]',
      },
    ]);
    expect(seeded.apiKeys).toEqual([
      {
        id: 1,
        prefix: 'ak_demo_7Hq2',
        digest: expect.any(Buffer),
        owner: 'bob',
        scopes: '["reports:read"]',
        created_at: expect.any(Number),
      },
    ]);
  });

  it('never stores a password or the secret part of the key: the raw file does not contain them', async () => {
    const file = join(work, 'raw.sqlite');
    const app = await createSampleApp(
      loadConfig({ SAMPLE_DB: file, JWT_SECRET: TEST_JWT_SECRET }),
      {
        logger: false,
      },
    );
    const login = await request(app.getHttpServer())
      .post('/auth/token')
      .set('Authorization', basicOf(ALICE));
    await app.close();
    const raw = readFileSync(file);
    const { refresh_token: refreshToken } = login.body as { refresh_token: string };
    for (const secret of [ALICE.password, BOB.password, API_KEY, API_KEY.slice(12), refreshToken]) {
      expect(raw.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    }
  });

  it('hashes with scrypt and a random salt; verify uses the stored parameters', async () => {
    const hasher = new PasswordHasher();
    const [one, two] = await Promise.all([hasher.hash(BOB.password), hasher.hash(BOB.password)]);
    expect(one).not.toBe(two);
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    await expect(hasher.verify(BOB.password, one)).resolves.toBe(true);
    await expect(hasher.verify('builder£43', one)).resolves.toBe(false);
    await expect(hasher.verify(BOB.password, undefined)).resolves.toBe(false);
    await expect(hasher.verify(BOB.password, 'plain-text')).resolves.toBe(false);
  });
});

describe('sample configuration', () => {
  it('has the defaults of sample/README.md', () => {
    const { jwtSecret, ...config } = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
      adapter: 'express',
      database: 'sample/data/sample.sqlite',
      jwtSecretGenerated: true,
      accessTokenTtl: 900,
      refreshTokenTtl: 604800,
      realm: 'sample',
      maxFailures: 10,
      failureWindow: 900,
      redisUrl: undefined,
    });
    expect(Buffer.byteLength(jwtSecret)).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}).jwtSecret).not.toBe(jwtSecret);
  });

  it('reads every variable', () => {
    expect(
      loadConfig({
        PORT: '8080',
        HOST: '0.0.0.0',
        PUBLIC_URL: 'https://api.example.com/sample/',
        ADAPTER: 'fastify',
        SAMPLE_DB: ':memory:',
        JWT_SECRET: TEST_JWT_SECRET,
        ACCESS_TOKEN_TTL: '60',
        REFRESH_TOKEN_TTL: '3600',
        AUTH_REALM: 'my realm',
        AUTH_MAX_FAILURES: '5',
        AUTH_FAILURE_WINDOW: '300',
        REDIS_URL: 'redis://127.0.0.1:6379',
      }),
    ).toEqual({
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://api.example.com/sample',
      adapter: 'fastify',
      database: ':memory:',
      jwtSecret: TEST_JWT_SECRET,
      jwtSecretGenerated: false,
      accessTokenTtl: 60,
      refreshTokenTtl: 3600,
      realm: 'my realm',
      maxFailures: 5,
      failureWindow: 300,
      redisUrl: 'redis://127.0.0.1:6379',
    });
  });

  it('PUBLIC_URL defaults to http://HOST:PORT, a browser-reachable address for a wildcard HOST', () => {
    expect(loadConfig({ HOST: 'api.internal', PORT: '8080' }).publicUrl).toBe(
      'http://api.internal:8080',
    );
    expect(loadConfig({ HOST: '::1', PORT: '8080' }).publicUrl).toBe('http://[::1]:8080');
    expect(loadConfig({ HOST: '0.0.0.0' }).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ PUBLIC_URL: 'https://api.example.com' }).publicUrl).toBe(
      'https://api.example.com',
    );
  });

  it.each<[Record<string, string>, string]>([
    [{ ADAPTER: 'koa' }, 'ADAPTER must be express or fastify (got "koa")'],
    [{ PORT: 'http' }, 'PORT must be an integer from 0 to 65535 (got "http")'],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535 (got "70000")'],
    [
      { ACCESS_TOKEN_TTL: '0' },
      'ACCESS_TOKEN_TTL must be an integer from 1 to 315360000 (got "0")',
    ],
    [
      { REFRESH_TOKEN_TTL: '1.5' },
      'REFRESH_TOKEN_TTL must be an integer from 1 to 315360000 (got "1.5")',
    ],
    [
      { AUTH_MAX_FAILURES: '-1' },
      'AUTH_MAX_FAILURES must be an integer from 1 to 1000000 (got "-1")',
    ],
    [
      { AUTH_FAILURE_WINDOW: 'soon' },
      'AUTH_FAILURE_WINDOW must be an integer from 1 to 315360000 (got "soon")',
    ],
    [{ AUTH_REALM: 'caf\u00e9' }, 'AUTH_REALM must be printable ASCII (got "caf\u00e9")'],
    ...[
      'api.example.com',
      'ftp://api.example.com',
      'https://api.example.com/?x=1',
      'https://u:p@api.example.com',
    ].map((url): [Record<string, string>, string] => [
      { PUBLIC_URL: url },
      `PUBLIC_URL must be an absolute http or https URL without user name, query or fragment, e.g. https://api.example.com (got ${JSON.stringify(url)})`,
    ]),
    [
      { JWT_SECRET: 'short-secret' },
      'JWT_SECRET must be at least 32 bytes for HS256 (got 12 bytes)',
    ],
    [
      { REDIS_URL: 'http://user:pw@cache:6379' },
      'REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)',
    ],
  ])('rejects %j with a one-line ConfigError', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });

  it('main: an unusable setting is one line on stderr, and no application', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const app = await serve(
      { ADAPTER: 'koa' },
      { log: (l) => log.push(l), error: (l) => errors.push(l) },
    );
    expect({ app, log, errors }).toEqual({
      app: undefined,
      log: [],
      errors: ['sample: ADAPTER must be express or fastify (got "koa")'],
    });
  });

  it('main: prints the URL, Swagger UI, the demo credentials and the warning, then serves', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    const app = await serve(
      { PORT: '0', SAMPLE_DB: ':memory:' },
      { log: (l) => log.push(l), error: (l) => errors.push(l) },
    );
    try {
      expect(errors).toEqual([]);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(log[0] ?? '')?.[1];
      expect(url).toBeDefined();
      const text = log.join('\n');
      expect(text).toContain(`Swagger UI ${url}/docs`);
      expect(text).toContain('alice / wonder:land-2026');
      expect(text).toContain('bob   / builder£42');
      expect(text).toContain(API_KEY);
      expect(text).toMatch(/warning: JWT_SECRET is not set/);
      expect(text).not.toContain('REDIS_URL');
      const health = await fetch(`${url}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
    } finally {
      await app?.close();
    }
  });

  it('main: a database that cannot be opened is one line naming SAMPLE_DB', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a directory');
    const errors: string[] = [];
    const app = await serve(
      { SAMPLE_DB: join(file, 'sample.sqlite') },
      { log: () => undefined, error: (l) => errors.push(l) },
    );
    expect(app).toBeUndefined();
    expect(errors).toEqual([
      expect.stringMatching(
        /^sample: SAMPLE_DB cannot be opened as a SQLite database \(.*\): [^\n]+$/,
      ),
    ]);
  });

  it('main: a port in use is one line too, not a stack trace', async () => {
    const first = await serve({ PORT: '0', SAMPLE_DB: ':memory:' }, quiet);
    try {
      const { port } = (first!.getHttpServer() as Server).address() as AddressInfo;
      const errors: string[] = [];
      const second = await serve(
        { PORT: String(port), SAMPLE_DB: ':memory:' },
        { log: () => undefined, error: (l) => errors.push(l) },
      );
      expect(second).toBeUndefined();
      expect(errors).toEqual([expect.stringMatching(/^sample: .*EADDRINUSE[^\n]*$/)]);
    } finally {
      await first?.close();
    }
  });
});
