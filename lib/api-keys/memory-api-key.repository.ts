import type { ApiKeyChanges, ApiKeyRecord, ApiKeyRepository } from './api-key-repository.js';

/** A digest as a map key. */
function hex(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
}

/** A frozen copy of a record, its digest copied too: what the caller holds cannot change it. */
function copy(record: ApiKeyRecord): ApiKeyRecord {
  return Object.freeze({
    ...record,
    digest: Buffer.from(record.digest),
    scopes: Object.freeze([...record.scopes]),
  });
}

/**
 * An {@link ApiKeyRepository} in this process's memory, for tests and samples: unbounded and
 * forgotten on restart. Several application instances in one process (tests) share keys by
 * sharing one instance.
 */
export class MemoryApiKeyRepository implements ApiKeyRepository {
  private readonly byId = new Map<string, ApiKeyRecord>();
  private readonly idByDigest = new Map<string, string>();

  /** How many records are stored, revoked and expired ones included. */
  get size(): number {
    return this.byId.size;
  }

  findById(id: string): Promise<ApiKeyRecord | undefined> {
    return Promise.resolve(this.byId.get(id));
  }

  findByDigest(digest: Uint8Array): Promise<ApiKeyRecord | undefined> {
    const id = this.idByDigest.get(hex(digest));
    return Promise.resolve(id === undefined ? undefined : this.byId.get(id));
  }

  /** Every record of an owner, oldest first (e.g. to list or revoke them all). */
  findByOwner(owner: string): Promise<readonly ApiKeyRecord[]> {
    return Promise.resolve([...this.byId.values()].filter((record) => record.owner === owner));
  }

  add(record: ApiKeyRecord): Promise<void> {
    if (this.byId.has(record.id))
      return Promise.reject(new Error(`An API key with id ${record.id} exists.`));
    this.byId.set(record.id, copy(record));
    this.idByDigest.set(hex(record.digest), record.id);
    return Promise.resolve();
  }

  update(id: string, changes: ApiKeyChanges): Promise<void> {
    const record = this.byId.get(id);
    if (record) this.byId.set(id, copy({ ...record, ...changes }));
    return Promise.resolve();
  }
}
