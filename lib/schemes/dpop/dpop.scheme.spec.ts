import { afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { type DpopHolder, dpopHolder, dpopProof } from '../../../test/support/dpop.js';
import { fakeDateOnly } from '../../../test/support/fake-date.js';
import { AuthenticationError } from '../../errors/auth.error.js';
import type { PlatformRequest } from '../../interfaces/auth-options.interface.js';
import { MemoryAuthStore } from '../../stores/memory-auth.store.js';
import { BearerScheme } from '../bearer/bearer.scheme.js';
import { DpopNonces } from './dpop-nonces.js';
import { DpopScheme, requestUrl, sha256, type DpopCredentials } from './dpop.scheme.js';

const SECRET = 'a-32-byte-long-shared-hs256-key!';
const URL_ = 'https://api.example.com/orders';
const now = (): number => Math.floor(Date.now() / 1000);

function accessToken(claims: JWTPayload): Promise<string> {
  return new SignJWT({ sub: 'alice', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(now() + 300)
    .sign(new TextEncoder().encode(SECRET));
}

function proof(
  key: DpopHolder,
  token: string,
  claims: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return dpopProof(key, token, { htm: 'GET', htu: URL_, ...claims }, header);
}

const request = (token: string, dpop?: string): PlatformRequest => ({
  method: 'GET',
  protocol: 'https',
  originalUrl: '/orders?page=2',
  headers: {
    host: 'api.example.com',
    authorization: `DPoP ${token}`,
    ...(dpop === undefined ? {} : { dpop }),
  },
});

async function failure(run: () => unknown): Promise<AuthenticationError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('did not throw');
}

describe('DpopScheme (RFC 9449, docs/contract.md C-2.12)', () => {
  let key: DpopHolder;
  let other: DpopHolder;
  let token: string;
  const scheme = (): DpopScheme =>
    new DpopScheme({ jwt: { secret: SECRET } }, new MemoryAuthStore());

  beforeAll(async () => {
    [key, other] = await Promise.all([dpopHolder(), dpopHolder()]);
    token = await accessToken({ cnf: { jkt: key.jkt } });
  });

  const verify = async (s: DpopScheme, req: PlatformRequest) =>
    s.verify(s.read(req) as DpopCredentials, req);

  const refused = async (p: Promise<string> | string, s = scheme(), t = token) => {
    const error = await failure(async () => verify(s, request(t, await p)));
    return { error, challenge: s.challenges(error)[0] };
  };

  it('accepts a fresh proof of the bound key, and the URL without its query', async () => {
    await expect(verify(scheme(), request(token, await proof(key, token)))).resolves.toMatchObject({
      id: 'alice',
    });
  });

  it('challenges without credentials with the accepted algorithms (C-2.12)', () => {
    expect(scheme().challenges()).toEqual(['DPoP algs="ES256 RS256 EdDSA PS256"']);
    expect(scheme().read({ headers: { authorization: 'Bearer x' } })).toBeUndefined();
  });

  it.each<[string, (k: DpopHolder, t: string) => Promise<string> | string, string]>([
    ['a wrong htm', (k, t) => proof(k, t, { htm: 'POST' }), 'htm does not match'],
    ['a wrong htu', (k, t) => proof(k, t, { htu: 'https://api.example.com/other' }), 'htu'],
    ['another host', (k, t) => proof(k, t, { htu: 'https://evil.example/orders' }), 'htu'],
    ['a wrong ath', (k, t) => proof(k, t, { ath: sha256('other') }), 'ath does not match'],
    ['no ath', (k, t) => proof(k, t, { ath: undefined }), 'ath'],
    ['an old iat', (k, t) => proof(k, t, { iat: now() - 301 }), 'iat is outside'],
    ['a future iat', (k, t) => proof(k, t, { iat: now() + 301 }), 'iat is outside'],
    ['no jti', (k, t) => proof(k, t, { jti: undefined }), 'has no jti'],
    ['a wrong typ', (k, t) => proof(k, t, {}, { typ: 'JWT' }), 'typ is not dpop+jwt'],
    [
      'a private jwk',
      async (k, t) => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true });
        const jwk = await exportJWK(privateKey);
        return new SignJWT({ htm: 'GET', htu: URL_, iat: now(), jti: 'x', ath: sha256(t) })
          .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
          .sign(privateKey);
      },
      'public key',
    ],
    [
      'a signature by another key',
      async (k, t) => {
        const [head, body] = (await proof(k, t)).split('.');
        const sig = (await proof(other, t)).split('.')[2];
        return `${head}.${body}.${sig}`;
      },
      'signature is invalid',
    ],
    ['garbage', () => 'not.a.jwt', 'is malformed'],
  ])('refuses a proof with %s: 401 invalid_dpop_proof', async (_, make, why) => {
    const { error, challenge } = await refused(make(key, token));
    expect(error.code).toBe('token_invalid');
    expect(error.description).toContain(why);
    expect(challenge).toMatch(
      /^DPoP algs="ES256 RS256 EdDSA PS256", error="invalid_dpop_proof", error_description="The DPoP proof /,
    );
  });

  it('refuses an algorithm outside `algorithms`', async () => {
    const s = new DpopScheme(
      { jwt: { secret: SECRET }, algorithms: ['EdDSA'] },
      new MemoryAuthStore(),
    );
    const { error } = await refused(proof(key, token), s);
    expect(error.description).toBe('The DPoP proof algorithm is not allowed');
  });

  it('refuses a replayed proof (jti seen in the store)', async () => {
    const s = scheme();
    const p = await proof(key, token);
    await verify(s, request(token, p));
    const { error, challenge } = await refused(p, s);
    expect(error.description).toBe('The DPoP proof was already used');
    expect(challenge).toContain('error="invalid_dpop_proof"');
  });

  it('refuses a token bound to another key, and an unbound one: invalid_token', async () => {
    const { error, challenge } = await refused(proof(other, token));
    expect(error.description).toBe('The access token is bound to another key than the DPoP proof');
    expect(challenge).toContain('error="invalid_token"');
    const unbound = await accessToken({});
    const second = await refused(proof(key, unbound), scheme(), unbound);
    expect(second.error.description).toBe('The access token is not DPoP-bound (no cnf.jkt)');
  });

  it('refuses a missing or repeated DPoP header', async () => {
    const s = scheme();
    const missing = await failure(() => s.read(request(token)));
    expect(s.challenges(missing)[0]).toContain('error="invalid_dpop_proof"');
    const twice = {
      ...request(token),
      headers: { authorization: `DPoP ${token}`, dpop: ['a', 'b'] },
    };
    expect((await failure(() => s.read(twice))).description).toContain('exactly one');
  });

  it('documents itself as http DPoP', () => {
    expect(scheme().securitySchemes()).toEqual({ dpop: { type: 'http', scheme: 'DPoP' } });
  });

  it('derives htu from Express and Fastify requests, or from publicUrl', () => {
    const express = {
      protocol: 'https',
      originalUrl: '/a/b?x=1',
      url: '/b',
      headers: { host: 'h:8443' },
    };
    expect(requestUrl(express)).toBe('https://h:8443/a/b');
    const fastify = { protocol: 'http', url: '/a?x', headers: { host: 'h' } };
    expect(requestUrl(fastify)).toBe('http://h/a');
    expect(requestUrl(fastify, 'https://public.example')).toBe('https://public.example/a');
  });

  it('rejects bad options at start-up', () => {
    expect(DpopScheme.problem({ jwt: { secret: SECRET }, algorithms: ['HS256'] })).toMatch(
      /asymmetric/,
    );
    expect(DpopScheme.problem({ jwt: { secret: SECRET }, iatWindow: 0 })).toMatch(/iatWindow/);
    expect(DpopScheme.problem({ jwt: { secret: SECRET }, publicUrl: 'ftp://x' })).toMatch(
      /publicUrl/,
    );
    expect(DpopScheme.problem({ jwt: { secret: SECRET } })).toBeUndefined();
  });

  describe('with server nonces (C-2.13)', () => {
    const NONCE_SECRET = 'another-secret-of-32-bytes-or-more';
    const withNonces = (): DpopScheme =>
      new DpopScheme(
        { jwt: { secret: SECRET }, nonce: { secret: NONCE_SECRET, rotation: 60 } },
        new MemoryAuthStore(),
      );
    const current = (): string => new DpopNonces({ secret: NONCE_SECRET, rotation: 60 }).current();
    const ALGS = 'DPoP algs="ES256 RS256 EdDSA PS256"';
    // Date stands still: a window never turns between a refusal and the nonce compared with it.
    beforeEach(fakeDateOnly);
    afterEach(() => {
      jest.useRealTimers();
    });

    it('C-2.13: a proof without nonce: use_dpop_nonce, with the current nonce as DPoP-Nonce', async () => {
      const s = withNonces();
      const { error, challenge } = await refused(proof(key, token), s);
      expect(error.code).toBe('token_invalid');
      expect(challenge).toBe(
        `${ALGS}, error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`,
      );
      expect(s.errorHeader(error)).toEqual(['DPoP-Nonce', current()]);
    });

    it('C-2.13: a stale or unknown nonce: use_dpop_nonce with a fresh DPoP-Nonce', async () => {
      const s = withNonces();
      for (const nonce of ['not-the-nonce', 42]) {
        const { error, challenge } = await refused(proof(key, token, { nonce }), s);
        expect(challenge).toBe(
          `${ALGS}, error="use_dpop_nonce", error_description="Resource server requires a current nonce in DPoP proof"`,
        );
        expect(s.errorHeader(error)).toEqual(['DPoP-Nonce', current()]);
      }
    });

    it('C-2.13: the current nonce is accepted; a refused proof did not spend its jti; replays still fail', async () => {
      const s = withNonces();
      const jti = crypto.randomUUID();
      await refused(proof(key, token, { jti }), s);
      const good = await proof(key, token, { jti, nonce: current() });
      await expect(verify(s, request(token, good))).resolves.toMatchObject({ id: 'alice' });
      const { error, challenge } = await refused(good, s);
      expect(error.description).toBe('The DPoP proof was already used');
      expect(challenge).toContain('error="invalid_dpop_proof"');
      expect(s.errorHeader(error)).toBeUndefined();
    });

    it('C-2.13: a proof bad otherwise is invalid_dpop_proof, not use_dpop_nonce', async () => {
      const { error, challenge } = await refused(proof(key, token, { htm: 'POST' }), withNonces());
      expect(challenge).toContain('error="invalid_dpop_proof"');
      expect(withNonces().errorHeader(error)).toBeUndefined();
    });

    it('C-2.13: without the option, no nonce is asked for nor handed out', async () => {
      const s = scheme();
      await expect(verify(s, request(token, await proof(key, token)))).resolves.toBeDefined();
      const { error } = await refused(proof(key, token, { htm: 'POST' }), s);
      expect(s.errorHeader(error)).toBeUndefined();
    });

    it('C-2.13: a short nonce secret stops the start-up', () => {
      expect(DpopScheme.problem({ jwt: { secret: SECRET }, nonce: { secret: 'short' } })).toMatch(
        /dpop\.nonce\.secret must be .* at least 32 bytes/,
      );
    });
  });

  it('Bearer refuses a DPoP-bound token (no downgrade, RFC 9449 §7.2)', async () => {
    const bearer = new BearerScheme('r', { jwt: { secret: SECRET } });
    const error = await failure(() => bearer.verify(token, {}));
    expect(error.code).toBe('token_invalid');
    expect(bearer.challenges(error)[0]).toContain('error="invalid_token"');
  });
});
