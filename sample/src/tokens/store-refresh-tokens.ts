import type { AuthStore } from 'nest-http-auth';
import type {
  NewRefreshToken,
  RefreshTokenStore,
  RefreshTokenUse,
  RevokedFamily,
} from './refresh-token.store.js';
import type { FamilyAccessToken } from './refresh-tokens.repository.js';

interface Family {
  readonly username: string;
  readonly access: FamilyAccessToken[];
}

/**
 * Refresh tokens in the module's shared {@link AuthStore} (Redis when `REDIS_URL` is set), so that
 * every instance sees the same tokens: a token is taken atomically (`take`, i.e. GETDEL) on use, so
 * only one instance can exchange it; a later use finds the "used" marker and revokes the family.
 * Keys hold digests, never tokens.
 */
export class StoreRefreshTokens implements RefreshTokenStore {
  constructor(
    private readonly store: AuthStore,
    /** How long a family is remembered (the refresh token lifetime), seconds. */
    private readonly familyTtl: number,
  ) {}

  async insert(digest: Buffer, token: NewRefreshToken): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const ttlMs = (token.expiresAt - now) * 1000;
    const familyKey = `rt-family:${token.familyId}`;
    const family = this.parse<Family>(await this.store.get(familyKey)) ?? {
      username: token.username,
      access: [],
    };
    family.access.push({ jti: token.accessJti, expiresAt: token.accessExpiresAt });
    await Promise.all([
      this.store.set(`rt:${digest.toString('hex')}`, JSON.stringify(token), ttlMs),
      this.store.set(familyKey, JSON.stringify(family), this.familyTtl * 1000),
      this.store.set(
        `rt-access:${token.accessJti}`,
        token.familyId,
        (token.accessExpiresAt - now) * 1000,
      ),
    ]);
  }

  async use(digest: Buffer, now: number): Promise<RefreshTokenUse> {
    const hex = digest.toString('hex');
    const token = this.parse<NewRefreshToken>(await this.store.take(`rt:${hex}`));
    if (!token) {
      const familyId = await this.store.get(`rt-used:${hex}`);
      return familyId !== undefined ? { outcome: 'reused', familyId } : { outcome: 'invalid' };
    }
    if (token.expiresAt <= now) return { outcome: 'invalid' };
    if ((await this.store.get(`rt-revoked:${token.familyId}`)) !== undefined) {
      return { outcome: 'invalid' };
    }
    await this.store.set(`rt-used:${hex}`, token.familyId, (token.expiresAt - now) * 1000);
    return { outcome: 'used', token };
  }

  familyOfAccessToken(jti: string): Promise<string | undefined> {
    return this.store.get(`rt-access:${jti}`);
  }

  async revokeFamily(familyId: string, now: number): Promise<RevokedFamily> {
    await this.store.set(`rt-revoked:${familyId}`, '1', this.familyTtl * 1000);
    const family = this.parse<Family>(await this.store.get(`rt-family:${familyId}`));
    return {
      username: family?.username,
      accessTokens: (family?.access ?? []).filter((a) => a.expiresAt > now),
    };
  }

  private parse<T>(raw: string | undefined): T | undefined {
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }
}
