import { describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import { AuthUnavailableError } from '../errors/auth.error.js';
import { formatApiKey } from './api-key-format.js';
import type { ApiKeyChanges, ApiKeyRecord, ApiKeyRepository } from './api-key-repository.js';
import { ApiKeys, type ApiKeysOptions, type VerificationInvalidator } from './api-keys.js';
import { MemoryApiKeyRepository } from './memory-api-key.repository.js';

const PROPERTY_TIMEOUT = 60_000;
const PEPPER = 'pepper-of-the-server-0123456789abcdef';
/** A key issued before the format (the sample's seeded key). */
const LEGACY_KEY = 'ak_demo_7Hq2xR9pLm4vT8wZ';

/** A repository that records every call, to show what was (not) looked up. */
class RecordingRepository implements ApiKeyRepository {
  readonly calls: string[] = [];
  constructor(readonly inner = new MemoryApiKeyRepository()) {}

  findById(id: string): Promise<ApiKeyRecord | undefined> {
    this.calls.push(`findById ${id}`);
    return this.inner.findById(id);
  }
  findByDigest(digest: Uint8Array): Promise<ApiKeyRecord | undefined> {
    this.calls.push('findByDigest');
    return this.inner.findByDigest(digest);
  }
  add(record: ApiKeyRecord): Promise<void> {
    this.calls.push(`add ${record.id}`);
    return this.inner.add(record);
  }
  update(id: string, changes: ApiKeyChanges): Promise<void> {
    this.calls.push(`update ${id} ${Object.keys(changes).join(',')}`);
    return this.inner.update(id, changes);
  }
}

/** A clock the test moves. */
function fakeClock(start = Date.UTC(2026, 0, 1)): { now: number; clock: () => number } {
  const time = { now: start, clock: () => time.now };
  return time;
}

function setup(options: Partial<ApiKeysOptions> = {}) {
  const repository = new RecordingRepository();
  const time = fakeClock();
  const apiKeys = new ApiKeys({
    prefix: 'myapp_live',
    repository,
    clock: time.clock,
    ...options,
  });
  const invalidated: string[] = [];
  const revocation: VerificationInvalidator = {
    invalidate: (id) => {
      invalidated.push(id);
      return Promise.resolve();
    },
  };
  return { apiKeys, repository, time, revocation, invalidated };
}

const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest();
const hmac = (pepper: string, key: string) =>
  createHmac('sha256', pepper).update(key, 'utf8').digest();

describe('ApiKeys', () => {
  describe('issue', () => {
    it('returns a key of the format and stores only its SHA-256 digest (no pepper)', async () => {
      const { apiKeys, repository, time } = setup();
      const { key, record } = await apiKeys.issue({ owner: 'bob', scopes: ['reports:read'] });
      const parsed = apiKeys.parse(key)!;
      expect(parsed.prefix).toBe('myapp_live');
      expect(key.match(apiKeys.pattern)).toEqual([key]);
      expect(record).toEqual({
        id: parsed.id,
        digest: sha256(key),
        owner: 'bob',
        scopes: ['reports:read'],
        createdAt: time.now,
      });
      expect(repository.calls).toEqual([`add ${parsed.id}`]);
      const stored = await repository.inner.findById(parsed.id);
      expect(stored).toEqual(record);
      expect(JSON.stringify(stored)).not.toContain(parsed.secret);
      expect(await apiKeys.verify(key)).toEqual(record);
    });

    it('with a pepper, stores HMAC-SHA256(pepper, key); keys verify only under the same pepper', async () => {
      const repository = new MemoryApiKeyRepository();
      const peppered = new ApiKeys({ prefix: 'myapp_live', repository, pepper: PEPPER });
      const plain = new ApiKeys({ prefix: 'myapp_live', repository });
      const other = new ApiKeys({ prefix: 'myapp_live', repository, pepper: `${PEPPER}!` });
      const bytes = new ApiKeys({
        prefix: 'myapp_live',
        repository,
        pepper: new TextEncoder().encode(PEPPER),
      });
      const { key, record } = await peppered.issue({ owner: 'bob' });
      expect(Buffer.from(record.digest)).toEqual(hmac(PEPPER, key));
      expect(Buffer.from(record.digest)).not.toEqual(sha256(key));
      expect(await peppered.verify(key)).toEqual(record);
      expect(await bytes.verify(key)).toEqual(record);
      expect(await plain.verify(key)).toBeUndefined();
      expect(await other.verify(key)).toBeUndefined();
      const unpeppered = await plain.issue({ owner: 'bob' });
      expect(await peppered.verify(unpeppered.key)).toBeUndefined();
    });

    it('honours an expiry given on issue', async () => {
      const { apiKeys, time } = setup();
      const { key } = await apiKeys.issue({ owner: 'bob', expiresAt: time.now + 1000 });
      expect(await apiKeys.verify(key)).toBeDefined();
      time.now += 1000;
      expect(await apiKeys.verify(key)).toBeUndefined();
    });

    it('refuses an empty owner', async () => {
      const { apiKeys, repository } = setup();
      await expect(apiKeys.issue({ owner: '' })).rejects.toThrow(TypeError);
      expect(repository.calls).toEqual([]);
    });
  });

  describe('verify', () => {
    it('refuses malformed, mistyped and foreign keys before any lookup', async () => {
      const { apiKeys, repository } = setup();
      const { key } = await apiKeys.issue({ owner: 'bob' });
      repository.calls.length = 0;
      const foreign = new ApiKeys({ prefix: 'other_live', repository });
      for (const bad of [
        '',
        LEGACY_KEY,
        `${key.slice(0, -1)}${key.endsWith('0') ? '1' : '0'}`,
        key.replace('myapp_live', 'myapp_test'),
        (await foreign.issue({ owner: 'bob' })).key,
        key.slice(0, 40),
      ]) {
        repository.calls.length = 0;
        expect(await apiKeys.verify(bad)).toBeUndefined();
        expect(repository.calls).toEqual([]);
      }
    });

    it('refuses a well-formed key whose secret is not the stored one (a forged checksum)', async () => {
      const { apiKeys, repository } = setup();
      const { key, record } = await apiKeys.issue({ owner: 'bob' });
      const forged = formatApiKey({ prefix: 'myapp_live', id: record.id, secret: 'x'.repeat(43) });
      repository.calls.length = 0;
      expect(await apiKeys.verify(forged)).toBeUndefined();
      expect(repository.calls).toEqual([`findById ${record.id}`]);
      expect(await apiKeys.verify(key)).toEqual(record);
    });

    it('refuses an unknown id, and a stored digest of another length (without throwing)', async () => {
      const { apiKeys } = setup();
      const { key, record } = await apiKeys.issue({ owner: 'bob' });
      const empty = new MemoryApiKeyRepository();
      expect(await new ApiKeys({ prefix: 'myapp_live', repository: empty }).verify(key)).toBe(
        undefined,
      );
      const truncated = new MemoryApiKeyRepository();
      await truncated.add({ ...record, digest: record.digest.slice(0, 16) });
      expect(await new ApiKeys({ prefix: 'myapp_live', repository: truncated }).verify(key)).toBe(
        undefined,
      );
    });

    it(
      'any single-character typo of a valid key is refused without a lookup, legacy keys on (fast-check)',
      async () => {
        const { apiKeys, repository } = setup({ legacy: true });
        const { key } = await apiKeys.issue({ owner: 'bob' });
        const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
        await fc.assert(
          fc.asyncProperty(fc.nat({ max: key.length - 1 }), printable, async (i, c) => {
            fc.pre(key[i] !== c);
            repository.calls.length = 0;
            expect(await apiKeys.verify(key.slice(0, i) + c + key.slice(i + 1))).toBeUndefined();
            expect(await apiKeys.verify(key.slice(0, i) + c + key.slice(i))).toBeUndefined();
            expect(await apiKeys.verify(key.slice(0, i) + key.slice(i + 1))).toBeUndefined();
            expect(repository.calls).toEqual([]);
          }),
          { numRuns: 1_000 },
        );
        expect(await apiKeys.verify(key)).toBeDefined();
      },
      PROPERTY_TIMEOUT,
    );
  });

  describe('rotate', () => {
    it('issues a new key for the same owner and scopes; the old one works until the grace deadline', async () => {
      const { apiKeys, time } = setup();
      const old = await apiKeys.issue({ owner: 'bob', scopes: ['reports:read'] });
      const rotated = (await apiKeys.rotate(old.record.id, { grace: 60 }))!;
      expect(rotated.key).not.toBe(old.key);
      expect(rotated.record).toMatchObject({ owner: 'bob', scopes: ['reports:read'] });
      expect(rotated.record.expiresAt).toBeUndefined();
      expect(await apiKeys.verify(old.key)).toMatchObject({ expiresAt: time.now + 60_000 });
      time.now += 59_999;
      expect(await apiKeys.verify(old.key)).toBeDefined();
      time.now += 1;
      expect(await apiKeys.verify(old.key)).toBeUndefined();
      expect(await apiKeys.verify(rotated.key)).toEqual(rotated.record);
      // An expired key cannot be rotated again.
      expect(await apiKeys.rotate(old.record.id)).toBeUndefined();
    });

    it('without a grace period the old key works until it is revoked; grace 0 ends it now', async () => {
      const { apiKeys, time, revocation } = setup();
      const old = await apiKeys.issue({ owner: 'bob' });
      const next = (await apiKeys.rotate(old.record.id))!;
      time.now += 365 * 24 * 3600 * 1000;
      expect(await apiKeys.verify(old.key)).toBeDefined();
      expect(await apiKeys.revoke(old.record.id, revocation)).toBe(true);
      expect(await apiKeys.verify(old.key)).toBeUndefined();
      expect(await apiKeys.verify(next.key)).toBeDefined();

      const third = (await apiKeys.rotate(next.record.id, { grace: 0, expiresAt: time.now + 5 }))!;
      expect(await apiKeys.verify(next.key)).toBeUndefined();
      expect(third.record.expiresAt).toBe(time.now + 5);
    });

    it('never extends an expiry that comes sooner than the grace deadline', async () => {
      const { apiKeys, time, repository } = setup();
      const old = await apiKeys.issue({ owner: 'bob', expiresAt: time.now + 10_000 });
      await apiKeys.rotate(old.record.id, { grace: 3600 });
      expect(repository.calls.filter((call) => call.startsWith('update'))).toEqual([]);
      expect((await repository.inner.findById(old.record.id))!.expiresAt).toBe(time.now + 10_000);
    });

    it('answers undefined for an unknown or revoked key, and refuses a negative grace', async () => {
      const { apiKeys, revocation } = setup();
      expect(await apiKeys.rotate('nope')).toBeUndefined();
      const { record } = await apiKeys.issue({ owner: 'bob' });
      await expect(apiKeys.rotate(record.id, { grace: -1 })).rejects.toThrow(RangeError);
      await expect(apiKeys.rotate(record.id, { grace: Number.NaN })).rejects.toThrow(RangeError);
      await apiKeys.revoke(record.id, revocation);
      expect(await apiKeys.rotate(record.id)).toBeUndefined();
    });
  });

  describe('revoke', () => {
    it('marks the record revoked and invalidates the owner’s cached verifications', async () => {
      const { apiKeys, repository, revocation, invalidated, time } = setup();
      const { key, record } = await apiKeys.issue({ owner: 'bob' });
      const other = await apiKeys.issue({ owner: 'bob' });
      repository.calls.length = 0;
      expect(await apiKeys.revoke(record.id, revocation)).toBe(true);
      expect(repository.calls).toEqual([`findById ${record.id}`, `update ${record.id} revokedAt`]);
      expect(invalidated).toEqual(['bob']);
      expect((await repository.inner.findById(record.id))!.revokedAt).toBe(time.now);
      expect(await apiKeys.verify(key)).toBeUndefined();
      expect(await apiKeys.verify(other.key)).toBeDefined();
      // Revoking again keeps the first date and invalidates again (an earlier publish may have been lost).
      time.now += 1000;
      expect(await apiKeys.revoke(record.id, revocation)).toBe(true);
      expect((await repository.inner.findById(record.id))!.revokedAt).toBe(time.now - 1000);
      expect(invalidated).toEqual(['bob', 'bob']);
    });

    it('answers false for an unknown id (nothing invalidated) and needs a revocation', async () => {
      const { apiKeys, revocation, invalidated, repository } = setup();
      expect(await apiKeys.revoke('nope', revocation)).toBe(false);
      expect(invalidated).toEqual([]);
      const { record } = await apiKeys.issue({ owner: 'bob' });
      repository.calls.length = 0;
      await expect(
        apiKeys.revoke(record.id, undefined as unknown as VerificationInvalidator),
      ).rejects.toThrow(TypeError);
      expect(repository.calls).toEqual([]);
    });

    it('rejects when invalidating fails, after the record is revoked (the revocation holds)', async () => {
      const { apiKeys, repository } = setup();
      const { key, record } = await apiKeys.issue({ owner: 'bob' });
      const failing = { invalidate: () => Promise.reject(new Error('store down')) };
      await expect(apiKeys.revoke(record.id, failing)).rejects.toThrow('store down');
      expect(repository.calls).toContain(`update ${record.id} revokedAt`);
      expect(await apiKeys.verify(key)).toBeUndefined();
    });
  });

  describe('legacy keys', () => {
    it('a key not in the format is found by its digest when legacy is on', async () => {
      const { apiKeys, repository, time } = setup({ legacy: true });
      const record = apiKeys.legacyRecord(LEGACY_KEY, {
        id: 'ak_demo_7Hq2',
        owner: 'bob',
        scopes: ['reports:read'],
      });
      expect(record).toEqual({
        id: 'ak_demo_7Hq2',
        digest: sha256(LEGACY_KEY),
        owner: 'bob',
        scopes: ['reports:read'],
        createdAt: time.now,
      });
      await repository.add(record);
      repository.calls.length = 0;
      expect(await apiKeys.verify(LEGACY_KEY)).toEqual(record);
      expect(repository.calls).toEqual(['findByDigest']);
      expect(await apiKeys.verify(`${LEGACY_KEY.slice(0, -1)}X`)).toBeUndefined();
      expect(await apiKeys.verify('ak_nope')).toBeUndefined();
    });

    it('legacy keys rotate into the format and can be revoked', async () => {
      const { apiKeys, repository, revocation, invalidated } = setup({ legacy: true });
      await repository.add(apiKeys.legacyRecord(LEGACY_KEY, { id: 'legacy-1', owner: 'bob' }));
      const rotated = (await apiKeys.rotate('legacy-1', { grace: 10 }))!;
      expect(apiKeys.parse(rotated.key)).toBeDefined();
      expect(await apiKeys.verify(LEGACY_KEY)).toBeDefined();
      expect(await apiKeys.revoke('legacy-1', revocation)).toBe(true);
      expect(invalidated).toEqual(['bob']);
      expect(await apiKeys.verify(LEGACY_KEY)).toBeUndefined();
      expect(await apiKeys.verify(rotated.key)).toBeDefined();
    });

    it('without legacy, a key not in the format is refused without a lookup', async () => {
      const on = setup({ legacy: true });
      await on.repository.add(on.apiKeys.legacyRecord(LEGACY_KEY, { owner: 'bob' }));
      const off = new ApiKeys({ prefix: 'myapp_live', repository: on.repository });
      on.repository.calls.length = 0;
      expect(await off.verify(LEGACY_KEY)).toBeUndefined();
      expect(on.repository.calls).toEqual([]);
      expect(() => off.legacyRecord(LEGACY_KEY, { owner: 'bob' })).toThrow(AuthConfigurationError);
    });

    it('legacy digests use the pepper, or plain SHA-256 with legacy: { pepper: false }', async () => {
      const peppered = setup({ legacy: true, pepper: PEPPER });
      const record = peppered.apiKeys.legacyRecord(LEGACY_KEY, { owner: 'bob' });
      expect(Buffer.from(record.digest)).toEqual(hmac(PEPPER, LEGACY_KEY));
      expect(record.id).toMatch(/^[0-9A-Za-z]{12}$/);

      const migrating = setup({ legacy: { pepper: false }, pepper: PEPPER });
      const old = migrating.apiKeys.legacyRecord(LEGACY_KEY, { owner: 'bob' });
      expect(Buffer.from(old.digest)).toEqual(sha256(LEGACY_KEY));
      await migrating.repository.add(old);
      expect(await migrating.apiKeys.verify(LEGACY_KEY)).toEqual(old);
      const fresh = await migrating.apiKeys.issue({ owner: 'bob' });
      expect(Buffer.from(fresh.record.digest)).toEqual(hmac(PEPPER, fresh.key));
      expect(await migrating.apiKeys.verify(fresh.key)).toEqual(fresh.record);
    });

    it('needs a repository that finds digests', () => {
      const { findById, add, update } = new MemoryApiKeyRepository();
      const repository = { findById, add, update };
      expect(() => new ApiKeys({ prefix: 'myapp_live', repository, legacy: true })).toThrow(
        AuthConfigurationError,
      );
      expect(() => new ApiKeys({ prefix: 'myapp_live', repository })).not.toThrow();
    });
  });

  describe('validator (apiKey.validate)', () => {
    it('answers { id: owner, scopes } for a working key, null for any other', async () => {
      const { apiKeys, repository } = setup();
      const { key } = await apiKeys.issue({ owner: 'bob', scopes: ['reports:read'] });
      const validate = apiKeys.validator();
      expect(await validate(key, {})).toEqual({ id: 'bob', scopes: ['reports:read'] });
      repository.calls.length = 0;
      expect(await validate(`${key}x`, {})).toBeNull();
      expect(await validate('not a key', {})).toBeNull();
      expect(repository.calls).toEqual([]);
    });

    it('adds what the mapper returns; the id stays the owner; a falsy mapper result refuses the key', async () => {
      const { apiKeys } = setup();
      const { key, record } = await apiKeys.issue({ owner: 'bob', scopes: ['a'] });
      const request = { headers: {} };
      const mapper = jest.fn((r: ApiKeyRecord, req: object) =>
        r.owner === 'bob' && req === request
          ? { id: 'mallory', username: 'bob', roles: ['user'] }
          : null,
      );
      expect(await apiKeys.validator(mapper)(key, request)).toEqual({
        id: 'bob',
        username: 'bob',
        roles: ['user'],
        scopes: ['a'],
      });
      expect(mapper).toHaveBeenCalledWith(record, request);
      expect(await apiKeys.validator(() => ({ scopes: [] }))(key, request)).toEqual({
        id: 'bob',
        scopes: [],
      });
      expect(await apiKeys.validator(() => Promise.resolve(false))(key, request)).toBeNull();
      expect(await apiKeys.validator(() => undefined)(key, request)).toBeNull();
    });

    it('a repository that rejects is a 503 service_unavailable (C-1.6), never a 401', async () => {
      const cause = new Error('database is locked');
      const repository: ApiKeyRepository = {
        findById: () => Promise.reject(cause),
        add: () => Promise.resolve(),
        update: () => Promise.resolve(),
      };
      const apiKeys = new ApiKeys({ prefix: 'myapp_live', repository });
      const { key } = await apiKeys.issue({ owner: 'bob' });
      const error = await apiKeys
        .validator()(key, {})
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthUnavailableError);
      expect(error).toMatchObject({ code: 'service_unavailable', scheme: 'apiKey', cause });
      await expect(apiKeys.verify(key)).rejects.toBe(cause);
    });
  });

  it('refuses options that cannot work', () => {
    const repository = new MemoryApiKeyRepository();
    for (const prefix of ['', 'MyApp', 'my-app', 'a'.repeat(33), 42 as unknown as string])
      expect(() => new ApiKeys({ prefix, repository })).toThrow(AuthConfigurationError);
    expect(() => new ApiKeys({ prefix: 'myapp', repository, pepper: 'short' })).toThrow(
      /at least 32 bytes \(got 5\)/,
    );
    expect(() => new ApiKeys({ prefix: 'myapp', repository, pepper: new Uint8Array(31) })).toThrow(
      AuthConfigurationError,
    );
  });
});
