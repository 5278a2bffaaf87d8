import { webcrypto, type KeyObject } from 'node:crypto';
import { importSPKI, type CryptoKey, type JWTVerifyGetKey } from 'jose';

/**
 * The key jose verifies with: a `CryptoKey` imported once for the one pinned algorithm, or with
 * several pinned algorithms the lookup of the key imported for the token's `alg` (a `CryptoKey` is
 * bound to one algorithm). A `KeyObject` only where the import failed: jose then converts it on
 * every call, as it does for any `KeyObject`, and reports what is wrong with it.
 * @internal
 */
export type VerificationKey = CryptoKey | KeyObject | JWTVerifyGetKey;

const HMAC_HASHES: Readonly<Record<string, string>> = {
  HS256: 'SHA-256',
  HS384: 'SHA-384',
  HS512: 'SHA-512',
};

/** The key as a `CryptoKey` for `alg`, imported the way jose would (or the key itself if it cannot be). */
async function importFor(key: KeyObject, alg: string): Promise<CryptoKey | KeyObject> {
  try {
    if (key.type === 'secret') {
      const hash = HMAC_HASHES[alg];
      if (hash === undefined) return key;
      return await webcrypto.subtle.importKey('raw', key.export(), { name: 'HMAC', hash }, false, [
        'verify',
      ]);
    }
    return await importSPKI(key.export({ type: 'spki', format: 'pem' }).toString(), alg, {
      extractable: false,
    });
  } catch {
    return key;
  }
}

/**
 * Imports a secret or public key once per pinned algorithm, in the form jose verifies fastest
 * (a `CryptoKey`: given a `KeyObject` or bytes, jose imports the secret again on every call).
 * Never rejects.
 *
 * Several algorithms give a lookup by the header's `alg`. It never widens what is accepted: jose
 * refuses an `alg` outside the pinned list before it asks for a key, and checks that the key it
 * gets is one for that `alg`.
 * @internal
 */
export async function importVerificationKey(
  key: KeyObject,
  algorithms: readonly string[],
): Promise<VerificationKey> {
  const imported = await Promise.all(algorithms.map((alg) => importFor(key, alg)));
  const [only] = imported;
  if (imported.length === 1 && only !== undefined) return only;
  const byAlg = new Map(algorithms.map((alg, i) => [alg, imported[i] ?? key]));
  return (header) => byAlg.get(header.alg ?? '') ?? key;
}
