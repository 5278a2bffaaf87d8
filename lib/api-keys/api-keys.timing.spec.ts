import { describe, expect, it, jest } from '@jest/globals';
import * as crypto from 'node:crypto';

/*
 * Digests are compared with crypto.timingSafeEqual, on buffers of equal length: node:crypto is
 * replaced by itself with timingSafeEqual spied on, before ApiKeys is loaded.
 */
const timingSafeEqual = jest.fn(crypto.timingSafeEqual);
jest.unstable_mockModule('node:crypto', () => ({ ...crypto, timingSafeEqual }));
const { ApiKeys } = await import('./api-keys.js');
const { MemoryApiKeyRepository } = await import('./memory-api-key.repository.js');

describe('ApiKeys digest comparison', () => {
  it('uses timingSafeEqual on the two 32-byte digests, for new and legacy keys', async () => {
    const repository = new MemoryApiKeyRepository();
    const apiKeys = new ApiKeys({ prefix: 'myapp_live', repository, legacy: true });
    const { key, record } = await apiKeys.issue({ owner: 'bob' });
    await repository.add(apiKeys.legacyRecord('ak_demo_7Hq2xR9pLm4vT8wZ', { owner: 'bob' }));
    timingSafeEqual.mockClear();

    expect(await apiKeys.verify(key)).toEqual(record);
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
    const [given, stored] = timingSafeEqual.mock.calls[0]! as [Uint8Array, Uint8Array];
    expect(given.byteLength).toBe(32);
    expect(stored.byteLength).toBe(32);
    expect(Buffer.from(stored)).toEqual(Buffer.from(record.digest));
    expect(timingSafeEqual.mock.results[0]!.value).toBe(true);

    expect(await apiKeys.verify('ak_demo_7Hq2xR9pLm4vT8wZ')).toBeDefined();
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it('never calls it on buffers of unequal length (a stored digest of another size is simply unequal)', async () => {
    const repository = new MemoryApiKeyRepository();
    const apiKeys = new ApiKeys({ prefix: 'myapp_live', repository });
    const { key, record } = await apiKeys.issue({ owner: 'bob' });
    const truncated = new MemoryApiKeyRepository();
    await truncated.add({ ...record, digest: record.digest.slice(0, 31) });
    timingSafeEqual.mockClear();
    expect(await new ApiKeys({ prefix: 'myapp_live', repository: truncated }).verify(key)).toBe(
      undefined,
    );
    expect(timingSafeEqual).not.toHaveBeenCalled();
  });

  it('is not asked for a key refused before the lookup (malformed, mistyped)', async () => {
    const apiKeys = new ApiKeys({ prefix: 'myapp_live', repository: new MemoryApiKeyRepository() });
    const { key } = await apiKeys.issue({ owner: 'bob' });
    timingSafeEqual.mockClear();
    expect(await apiKeys.verify(key.slice(0, -1))).toBeUndefined();
    expect(await apiKeys.verify('garbage')).toBeUndefined();
    expect(timingSafeEqual).not.toHaveBeenCalled();
  });
});
