import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { types } from 'node:util';
import {
  createRemoteJWKSet,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  type RemoteJWKSetOptions,
} from 'jose';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';

const KEY_SOURCES = ['secret', 'publicKey', 'jwksUrl'] as const;
const HMAC_MIN_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };
const CURVE_ALGORITHMS: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

/**
 * The JWKS options, in seconds, the jose option (milliseconds) each sets, and whether 0 is allowed
 * (a timeout must be positive; a cooldown or cache age may be 0).
 */
const JWKS_DURATIONS = [
  ['jwksTimeout', 'timeoutDuration', false],
  ['jwksCooldown', 'cooldownDuration', true],
  ['jwksCacheMaxAge', 'cacheMaxAge', true],
] as const;

/**
 * A JWT configuration once checked, resolved once at start-up: the key material and what jose
 * verifies with it.
 * @internal
 */
export interface ResolvedJwtOptions {
  readonly key: KeyObject | JWTVerifyGetKey;
  /** The key set's URL without credentials or query (for the log), when it is remote. */
  readonly keySetUrl: string | undefined;
  /** jose's verification options: the pinned algorithms, `exp` always required, `iss`/`aud`/clock tolerance. */
  readonly verifyOptions: JWTVerifyOptions;
}

interface ResolvedKey {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly keySetUrl?: string;
}

function defaultAlgorithm(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve ?? '';
      const alg = CURVE_ALGORITHMS[curve];
      if (alg) return alg;
      throw new AuthConfigurationError(
        `bearer.jwt.publicKey uses the unsupported curve "${curve}".`,
      );
    }
    default:
      throw new AuthConfigurationError(
        `bearer.jwt.publicKey has the unsupported key type "${String(key.asymmetricKeyType)}".`,
      );
  }
}

/** jose's options for the remote key set, from the `jwks*` options (seconds) checked here. */
function remoteKeySetOptions(options: JwtVerificationOptions): RemoteJWKSetOptions {
  const remote: Record<string, number> = {};
  for (const [name, joseName, zeroAllowed] of JWKS_DURATIONS) {
    const seconds: unknown = options[name];
    if (seconds === undefined) continue;
    if (options.jwksUrl === undefined) {
      throw new AuthConfigurationError(`bearer.jwt.${name} only applies with jwksUrl.`);
    }
    if (
      typeof seconds !== 'number' ||
      !Number.isFinite(seconds) ||
      !(zeroAllowed ? seconds >= 0 : seconds > 0)
    ) {
      const got = typeof seconds === 'number' ? String(seconds) : JSON.stringify(seconds);
      throw new AuthConfigurationError(
        `bearer.jwt.${name} must be a ${zeroAllowed ? 'finite number of seconds (0 or more)' : 'positive finite number of seconds'}, got ${got}.`,
      );
    }
    // jose wants whole milliseconds (and a timeout of at least one).
    remote[joseName] = Math.max(zeroAllowed ? 0 : 1, Math.round(seconds * 1000));
  }
  return remote;
}

/**
 * The error of a configuration without a key source. A key that is present with the value
 * `undefined` (`secret: process.env.JWT_SECRET`, read before the environment was loaded) is named,
 * since "got none" would send the developer looking for a missing option they did write.
 */
function noKeySource(options: JwtVerificationOptions): AuthConfigurationError {
  const undefinedKeys = KEY_SOURCES.filter((k) => Object.hasOwn(options, k));
  if (undefinedKeys.length === 0) {
    return new AuthConfigurationError(
      'bearer.jwt needs exactly one of secret, publicKey or jwksUrl (got none).',
    );
  }
  const names = undefinedKeys.map((k) => `bearer.jwt.${k}`).join(' and ');
  return new AuthConfigurationError(
    `${names} ${undefinedKeys.length === 1 ? 'is' : 'are'} undefined: the key is present but its value is undefined, ` +
      'likely an environment variable read before it was set (e.g. process.env read at import time, ' +
      'before the environment is loaded). bearer.jwt needs exactly one of secret, publicKey or jwksUrl.',
  );
}

function resolveKey(options: JwtVerificationOptions): ResolvedKey {
  const sources = KEY_SOURCES.filter((k) => options[k] !== undefined);
  if (sources.length === 0) throw noKeySource(options);
  if (sources.length > 1) {
    throw new AuthConfigurationError(
      `bearer.jwt needs exactly one of secret, publicKey or jwksUrl (got ${sources.join(', ')}).`,
    );
  }
  const remote = remoteKeySetOptions(options);
  if (options.algorithms?.length === 0) {
    throw new AuthConfigurationError('bearer.jwt.algorithms must not be empty.');
  }
  if (options.algorithms?.some((alg) => alg.toLowerCase() === 'none')) {
    throw new AuthConfigurationError('bearer.jwt.algorithms must not contain "none".');
  }
  if (options.secret !== undefined) {
    const secret = options.secret;
    const key = types.isKeyObject(secret) ? secret : createSecretKey(Buffer.from(secret));
    if (key.type !== 'secret')
      throw new AuthConfigurationError('bearer.jwt.secret must be a secret key.');
    const algorithms = options.algorithms ?? ['HS256'];
    for (const alg of algorithms) {
      const min = HMAC_MIN_BYTES[alg];
      if (min === undefined) {
        throw new AuthConfigurationError(
          `bearer.jwt.secret can only verify HS256, HS384 or HS512, not "${alg}".`,
        );
      }
      if ((key.symmetricKeySize ?? 0) < min) {
        throw new AuthConfigurationError(
          `bearer.jwt.secret is ${key.symmetricKeySize ?? 0} bytes; ${alg} needs at least ${min} (RFC 7518 §3.2).`,
        );
      }
    }
    return { key, algorithms };
  }
  if (options.publicKey !== undefined) {
    const source = options.publicKey;
    let key: KeyObject;
    try {
      key =
        typeof source === 'string'
          ? createPublicKey(source)
          : types.isKeyObject(source)
            ? source
            : createPublicKey({ key: source as JsonWebKey, format: 'jwk' });
    } catch (err) {
      throw new AuthConfigurationError(
        `bearer.jwt.publicKey cannot be read: ${(err as Error).message}`,
      );
    }
    if (key.type !== 'public')
      throw new AuthConfigurationError('bearer.jwt.publicKey must be a public key.');
    return { key, algorithms: options.algorithms ?? [defaultAlgorithm(key)] };
  }
  let url: URL;
  try {
    url = new URL(String(options.jwksUrl));
  } catch {
    throw new AuthConfigurationError(
      `bearer.jwt.jwksUrl is not a URL: "${String(options.jwksUrl)}".`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AuthConfigurationError(
      `bearer.jwt.jwksUrl must be an https: (or http:) URL, not ${url.protocol}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // fetch() refuses such a URL: every token would be a 503. Not echoed: it holds a secret.
    throw new AuthConfigurationError(
      'bearer.jwt.jwksUrl must not contain a user name or password.',
    );
  }
  return {
    key: createRemoteJWKSet(url, remote),
    algorithms: options.algorithms ?? ['RS256'],
    keySetUrl: `${url.origin}${url.pathname}`,
  };
}

/**
 * Checks a `bearer.jwt` configuration and builds what verification needs, once, at start-up: the
 * key (a secret, a public key or a remote key set) and its algorithms, pinned and never taken from
 * a token. Every mistake is an {@link AuthConfigurationError}.
 * @internal
 */
export function resolveJwtOptions(options: JwtVerificationOptions): ResolvedJwtOptions {
  const { key, algorithms, keySetUrl } = resolveKey(options);
  return {
    key,
    keySetUrl,
    verifyOptions: {
      algorithms: [...algorithms],
      issuer: options.issuer as string | string[] | undefined,
      audience: options.audience as string | string[] | undefined,
      clockTolerance: options.clockTolerance ?? 0,
      requiredClaims: ['exp', ...(options.requiredClaims ?? [])],
    },
  };
}
