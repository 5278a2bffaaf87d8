import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  type INestApplication,
} from '@nestjs/common';
import request from 'supertest';
import {
  ApiKeys,
  Auth,
  AuthRevocation,
  MemoryApiKeyRepository,
  MemoryAuthStore,
  Principal,
  type ApiKeyRecord,
  type AuthPrincipal,
} from '../lib/index.js';
import { ApiKeysRepository } from '../sample/src/api-keys/api-keys.repository.js';
import { USERS } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { API_KEY, CHALLENGE, createTestSample } from './sample/sample-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic } from './support/http.js';

/*
 * API keys issued and checked by the library (docs/api-keys.md), through the module's apiKey
 * scheme: two application instances share the key repository and the module's store, as two
 * instances behind a load balancer share a database and Redis.
 */

const KEY_CHALLENGES = [
  'ApiKey realm="api", in="header", name="X-API-Key"',
  'ApiKey realm="api", in="query", name="api_key"',
];
/** A key issued before the format, stored as a legacy record. */
const LEGACY_KEY = 'ak_demo_7Hq2xR9pLm4vT8wZ';

/** The shared repository, counting lookups: a verification answered from a cache makes none. */
class CountingRepository extends MemoryApiKeyRepository {
  lookups = 0;
  override findById(id: string): Promise<ApiKeyRecord | undefined> {
    this.lookups++;
    return super.findById(id);
  }
  override findByDigest(digest: Uint8Array): Promise<ApiKeyRecord | undefined> {
    this.lookups++;
    return super.findByDigest(digest);
  }
}

/** What the guarded route answers, and how often its handler ran on each instance. */
const reportsCalls = new Map<string, number>();

/** A user manages their keys with Basic; the keys call `GET /reports`. */
@Controller()
class KeysController {
  constructor(
    @Inject(ApiKeys) private readonly apiKeys: ApiKeys,
    @Inject(AuthRevocation) private readonly revocation: AuthRevocation,
    @Inject('INSTANCE') private readonly instance: string,
  ) {}

  @Post('keys')
  @Auth('basic')
  async issue(
    @Principal() user: AuthPrincipal,
    @Body() body: { scopes?: string[] },
  ): Promise<{ id: string; key: string }> {
    const { key, record } = await this.apiKeys.issue({ owner: user.id, scopes: body.scopes });
    return { id: record.id, key };
  }

  @Post('keys/:id/rotate')
  @Auth('basic')
  async rotate(@Param('id') id: string): Promise<{ id: string; key: string }> {
    const issued = await this.apiKeys.rotate(id);
    if (!issued) throw new NotFoundException();
    return { id: issued.record.id, key: issued.key };
  }

  @Delete('keys/:id')
  @Auth('basic')
  @HttpCode(204)
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.apiKeys.revoke(id, this.revocation))) throw new NotFoundException();
  }

  @Get('reports')
  @Auth('apiKey', { scopes: ['reports:read'] })
  reports(@Principal() principal: AuthPrincipal): { principal: AuthPrincipal } {
    reportsCalls.set(this.instance, (reportsCalls.get(this.instance) ?? 0) + 1);
    return { principal };
  }
}

describe.each<[Platform]>([['express'], ['fastify']])(
  'API keys of the library (%s)',
  (platform) => {
    const store = new MemoryAuthStore();
    const repository = new CountingRepository();
    const apiKeys = new ApiKeys({ prefix: 'myapp_test', repository, legacy: true });
    const alice = basic(USERS.alice.username, USERS.alice.password);
    let a: INestApplication;
    let b: INestApplication;
    let legacyId: string;

    const instance = (name: string) =>
      createApp(
        platform,
        {
          store,
          apiKey: { header: 'X-API-Key', query: 'api_key', validate: apiKeys.validator() },
        },
        [KeysController],
        {
          providers: [
            { provide: ApiKeys, useValue: apiKeys },
            { provide: 'INSTANCE', useValue: `${platform}-${name}` },
          ],
        },
      );
    const calls = (name: string) => reportsCalls.get(`${platform}-${name}`) ?? 0;
    const reports = (app: INestApplication, key: string) =>
      request(app.getHttpServer()).get('/reports').set('X-API-Key', key);
    async function issue(
      scopes: string[] = ['reports:read'],
    ): Promise<{ id: string; key: string }> {
      const res = await request(a.getHttpServer())
        .post('/keys')
        .set('Authorization', alice)
        .send({ scopes });
      expect(res.status).toBe(201);
      return res.body as { id: string; key: string };
    }

    beforeAll(async () => {
      a = await instance('a');
      b = await instance('b');
      const legacy = apiKeys.legacyRecord(LEGACY_KEY, {
        owner: 'legacy-owner',
        scopes: ['reports:read'],
      });
      await repository.add(legacy);
      legacyId = legacy.id;
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
    });

    it('C-1.2: an issued key authenticates on both instances (header or query) as its owner with its scopes', async () => {
      const { id, key } = await issue();
      expect(apiKeys.parse(key)).toMatchObject({ prefix: 'myapp_test', id });
      expect(key).toMatch(/^myapp_test_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
      const before = calls('b');
      const res = await reports(b, key);
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { principal: { id: 'alice', scopes: ['reports:read'] } },
      });
      expect(calls('b')).toBe(before + 1);
      const query = await request(a.getHttpServer()).get('/reports').query({ api_key: key });
      expect(query.status).toBe(200);
    });

    it('C-1.2: a revoked key is 401 credentials_invalid on every instance, though the other had it cached', async () => {
      const { id, key } = await issue();
      expect((await reports(a, key)).status).toBe(200);
      expect((await reports(b, key)).status).toBe(200);
      const lookups = repository.lookups;
      expect((await reports(b, key)).status).toBe(200);
      expect(repository.lookups).toBe(lookups); // answered from B's verification cache

      const revoked = await request(a.getHttpServer())
        .delete(`/keys/${id}`)
        .set('Authorization', alice);
      expect(revoked.status).toBe(204);

      const [onA, onB, afterRevoke] = [calls('a'), calls('b'), repository.lookups];
      expectAuthFailure(await reports(b, key), 'credentials_invalid', KEY_CHALLENGES);
      expectAuthFailure(await reports(a, key), 'credentials_invalid', KEY_CHALLENGES);
      expect(repository.lookups).toBe(afterRevoke + 2); // both verified it again: their caches forgot it
      expect([calls('a'), calls('b')]).toEqual([onA, onB]); // the handler did not run
    });

    it('C-1.2: a mistyped or malformed key is 401 credentials_invalid without any lookup', async () => {
      const { key } = await issue();
      const lookups = repository.lookups;
      const [onA, onB] = [calls('a'), calls('b')];
      const last = key.at(-1) === 'a' ? 'b' : 'a';
      for (const typo of [
        `${key.slice(0, -1)}${last}`,
        key.slice(0, -1),
        key.replace('myapp_test', 'myapp_live'),
        `${key.slice(0, 20)}${key[21]}${key[20]}${key.slice(22)}`,
      ]) {
        if (typo === key) continue;
        expectAuthFailure(await reports(a, typo), 'credentials_invalid', KEY_CHALLENGES);
        expectAuthFailure(await reports(b, typo), 'credentials_invalid', KEY_CHALLENGES);
      }
      expect(repository.lookups).toBe(lookups);
      expect([calls('a'), calls('b')]).toEqual([onA, onB]);
      expectAuthFailure(
        await request(b.getHttpServer()).get('/reports'),
        'credentials_missing',
        KEY_CHALLENGES,
      );
    });

    it('C-1.4: a key without the route’s scope is 403 insufficient_scope (no challenge for API keys)', async () => {
      const { key } = await issue([]);
      const before = calls('a');
      expectAuthFailure(await reports(a, key), 'insufficient_scope', []);
      expect(calls('a')).toBe(before);
    });

    it('C-1.2: a legacy key (issued before the format) works by its digest, until it is revoked', async () => {
      const res = await reports(a, LEGACY_KEY);
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 200,
        body: { principal: { id: 'legacy-owner', scopes: ['reports:read'] } },
      });
      expectAuthFailure(
        await reports(a, `${LEGACY_KEY.slice(0, -1)}X`),
        'credentials_invalid',
        KEY_CHALLENGES,
      );
      expect((await reports(b, LEGACY_KEY)).status).toBe(200);
      const revoked = await request(a.getHttpServer())
        .delete(`/keys/${legacyId}`)
        .set('Authorization', alice);
      expect(revoked.status).toBe(204);
      for (const app of [a, b])
        expectAuthFailure(await reports(app, LEGACY_KEY), 'credentials_invalid', KEY_CHALLENGES);
    });

    it('C-1.2: a rotated key keeps working beside its successor until it is revoked', async () => {
      const old = await issue();
      const res = await request(b.getHttpServer())
        .post(`/keys/${old.id}/rotate`)
        .set('Authorization', alice);
      expect(res.status).toBe(201);
      const next = res.body as { id: string; key: string };
      expect(next.id).not.toBe(old.id);
      for (const app of [a, b]) {
        expect((await reports(app, old.key)).status).toBe(200);
        expect((await reports(app, next.key)).status).toBe(200);
      }
      await request(b.getHttpServer()).delete(`/keys/${old.id}`).set('Authorization', alice);
      for (const app of [a, b]) {
        expectAuthFailure(await reports(app, old.key), 'credentials_invalid', KEY_CHALLENGES);
        expect((await reports(app, next.key)).status).toBe(200);
      }
      const again = await request(a.getHttpServer())
        .post(`/keys/${old.id}/rotate`)
        .set('Authorization', alice);
      expect(again.status).toBe(404);
    });
  },
);

describe.each<[Platform]>([['express'], ['fastify']])(
  'API keys of the library in the sample, on SQLite (%s)',
  (platform) => {
    const SAMPLE_CHALLENGES = [CHALLENGE.apiKeyHeader, CHALLENGE.apiKeyQuery];
    let app: INestApplication;
    let apiKeys: ApiKeys;
    const reports = (key: string) =>
      request(app.getHttpServer()).get('/reports').set('X-API-Key', key);

    beforeAll(async () => {
      app = await createTestSample(platform);
      apiKeys = app.get(ApiKeysRepository).keys;
    });
    afterAll(async () => {
      await app.close();
    });

    it('C-1.2: the seeded legacy key and a key issued in the format both work; revoked, it is 401', async () => {
      expect((await reports(API_KEY)).status).toBe(200);
      const { key, record } = await apiKeys.issue({ owner: 'bob', scopes: ['reports:read'] });
      expect(key).toMatch(/^sample_dev_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
      expect((await reports(key)).status).toBe(200);
      expect(await apiKeys.revoke(record.id, app.get(AuthRevocation))).toBe(true);
      expectAuthFailure(await reports(key), 'credentials_invalid', SAMPLE_CHALLENGES);
      expect((await reports(API_KEY)).status).toBe(200);
    });

    it('C-1.2: rotation with grace 0 ends the old key at its next verification; the new one works', async () => {
      const old = await apiKeys.issue({ owner: 'bob', scopes: ['reports:read'] });
      const next = (await apiKeys.rotate(old.record.id, { grace: 0 }))!;
      // The old key was never verified, so no cache remembers it.
      expectAuthFailure(await reports(old.key), 'credentials_invalid', SAMPLE_CHALLENGES);
      expect((await reports(next.key)).status).toBe(200);
    });
  },
);
