import { describe, expect, it } from '@jest/globals';
import { createSecretKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type CryptoKey, type JWTVerifyGetKey } from 'jose';
import { importVerificationKey } from './verification-key.js';

const secret = createSecretKey(Buffer.alloc(64, 7));

function token(alg: string, key: KeyObject | CryptoKey): Promise<string> {
  return new SignJWT({ sub: 'user-1' })
    .setProtectedHeader({ alg })
    .setExpirationTime('5m')
    .sign(key);
}

/** The `CryptoKey` (not extractable, for verify only) the import returned, with its algorithm. */
function cryptoKey(
  key: unknown,
): CryptoKey & { algorithm: { name: string; hash?: { name: string } } } {
  expect(key).not.toBeInstanceOf(KeyObject);
  expect(Object.prototype.toString.call(key)).toBe('[object CryptoKey]');
  const imported = key as CryptoKey & { algorithm: { name: string; hash?: { name: string } } };
  expect(imported.extractable).toBe(false);
  expect(imported.usages).toEqual(['verify']);
  return imported;
}

describe('importVerificationKey', () => {
  it('imports a secret once as an HMAC CryptoKey for its one algorithm', async () => {
    const key = cryptoKey(await importVerificationKey(secret, ['HS384']));
    expect(key.algorithm.name).toBe('HMAC');
    expect(key.algorithm.hash?.name).toBe('SHA-384');
    await expect(
      jwtVerify(await token('HS384', secret), key, { algorithms: ['HS384'] }),
    ).resolves.toMatchObject({
      payload: { sub: 'user-1' },
    });
  });

  it('with several algorithms, one key per algorithm, chosen by the header after jose checked it against the pinned list', async () => {
    const algorithms = ['HS256', 'HS384'];
    const lookup = (await importVerificationKey(secret, algorithms)) as JWTVerifyGetKey;
    expect(typeof lookup).toBe('function');
    for (const [alg, hash] of [
      ['HS256', 'SHA-256'],
      ['HS384', 'SHA-384'],
    ] as const) {
      const key = cryptoKey(await lookup({ alg }, { payload: '', signature: '' }));
      expect(key.algorithm.hash?.name).toBe(hash);
      await expect(
        jwtVerify(await token(alg, secret), lookup, { algorithms }),
      ).resolves.toMatchObject({
        payload: { sub: 'user-1' },
      });
    }
    // HS512 is not pinned: refused before any key is looked up.
    await expect(
      jwtVerify(await token('HS512', secret), lookup, { algorithms }),
    ).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
    // An HS256 signature under a header that says HS384 is checked with the HS384 key: refused.
    const [, payload, signature] = (await token('HS256', secret)).split('.');
    const relabelled = `${Buffer.from('{"alg":"HS384"}').toString('base64url')}.${payload}.${signature}`;
    await expect(jwtVerify(relabelled, lookup, { algorithms })).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it.each<['rsa' | 'ec' | 'ed25519', string, string]>([
    ['rsa', 'RS256', 'RSASSA-PKCS1-v1_5'],
    ['rsa', 'PS256', 'RSA-PSS'],
    ['ec', 'ES256', 'ECDSA'],
    ['ed25519', 'EdDSA', 'Ed25519'],
  ])('imports a %s public key as a CryptoKey for %s', async (type, alg, name) => {
    const pair =
      type === 'rsa'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : type === 'ec'
          ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
          : generateKeyPairSync('ed25519');
    const key = cryptoKey(await importVerificationKey(pair.publicKey, [alg]));
    expect(key.algorithm.name).toBe(name);
    expect(key.type).toBe('public');
    await expect(
      jwtVerify(await token(alg, pair.privateKey), key, { algorithms: [alg] }),
    ).resolves.toMatchObject({ payload: { sub: 'user-1' } });
  });

  it('keeps the KeyObject where it cannot be imported (jose then reports what is wrong)', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await expect(importVerificationKey(publicKey, ['RS256'])).resolves.toBe(publicKey);
    await expect(importVerificationKey(secret, ['RS256'])).resolves.toBe(secret);
  });
});
