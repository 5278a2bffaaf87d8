import { describe, expect, it } from '@jest/globals';
import type { ApiKeyRecord } from './api-key-repository.js';
import { MemoryApiKeyRepository } from './memory-api-key.repository.js';

const record = (id: string, owner = 'bob', byte = 1): ApiKeyRecord => ({
  id,
  digest: Buffer.alloc(32, byte),
  owner,
  scopes: ['reports:read'],
  createdAt: 1,
});

describe('MemoryApiKeyRepository', () => {
  it('finds records by id, by digest and by owner', async () => {
    const repository = new MemoryApiKeyRepository();
    await repository.add(record('a'));
    await repository.add(record('b', 'carol', 2));
    await repository.add(record('c', 'bob', 3));
    expect(repository.size).toBe(3);
    expect(await repository.findById('b')).toEqual(record('b', 'carol', 2));
    expect(await repository.findById('z')).toBeUndefined();
    expect(await repository.findByDigest(new Uint8Array(32).fill(3))).toEqual(
      record('c', 'bob', 3),
    );
    expect(await repository.findByDigest(Buffer.alloc(32, 9))).toBeUndefined();
    expect((await repository.findByOwner('bob')).map((r) => r.id)).toEqual(['a', 'c']);
  });

  it('refuses a second record with the same id', async () => {
    const repository = new MemoryApiKeyRepository();
    await repository.add(record('a'));
    await expect(repository.add(record('a', 'carol', 2))).rejects.toThrow('exists');
    expect(await repository.findById('a')).toEqual(record('a'));
  });

  it('updates a record; what callers hold cannot change what is stored', async () => {
    const repository = new MemoryApiKeyRepository();
    const mine = { ...record('a'), digest: Buffer.alloc(32, 1), scopes: ['x'] };
    await repository.add(mine);
    mine.digest[0] = 99;
    mine.scopes.push('y');
    await repository.update('a', { revokedAt: 5 });
    await repository.update('nope', { revokedAt: 5 });
    const stored = (await repository.findById('a'))!;
    expect(stored).toEqual({ ...record('a'), scopes: ['x'], revokedAt: 5 });
    expect(Object.isFrozen(stored)).toBe(true);
    expect(Object.isFrozen(stored.scopes)).toBe(true);
    expect(await repository.findByDigest(Buffer.alloc(32, 1))).toEqual(stored);
    expect(repository.size).toBe(1);
  });
});
