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
import { IssuerKeySet } from './issuer-metadata.js';

const KEY_SOURCES = ['secret', 'publicKey', 'jwksUrl'] as const;
/** How the configuration errors name the key sources. */
const KEY_SOURCES_TEXT = 'secret, publicKey or jwksUrl, or discovery: true with an issuer';
/**
 * The claims RFC 9068 §2.2 requires of a JWT access token. `exp` is always required, and `iss`
 * and `aud` are checked against the configured values.
 */
const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;
/** The claims RFC 9068 requires that must be non-empty strings, which jose checks only for presence. */
const RFC9068_STRING_CLAIMS = ['sub', 'client_id', 'jti'] as const;
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
  /** The key set's URL without credentials or query (for the log), when it is `jwksUrl`. */
  readonly keySetUrl: string | undefined;
  /** The key lookup through the issuer's metadata, with `discovery: true`. */
  readonly discovery: IssuerKeySet | undefined;
  /**
   * jose's verification options: the pinned algorithms, `exp` always required, `iss`/`aud`/clock
   * tolerance, and with the RFC 9068 profile `typ` and the profile's claims.
   */
  readonly verifyOptions: JWTVerifyOptions;
  /** Claims that must be non-empty strings once the token verified (the RFC 9068 profile). */
  readonly stringClaims: readonly string[];
}

interface ResolvedKey {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly keySetUrl?: string;
  readonly discovery?: IssuerKeySet;
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

/** Whether a token signed with `alg` can be verified with the public key (by its type and curve). */
function fits(alg: string, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  if (/^RS(256|384|512)$/.test(alg)) return type === 'rsa';
  if (/^PS(256|384|512)$/.test(alg)) return type === 'rsa' || type === 'rsa-pss';
  if (alg === 'EdDSA' || alg === 'Ed25519') return type === 'ed25519';
  return type === 'ec' && CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''] === alg;
}

/** jose's options for the remote key set, from the `jwks*` options (seconds) checked here. */
function remoteKeySetOptions(options: JwtVerificationOptions): RemoteJWKSetOptions {
  const remote: Record<string, number> = {};
  for (const [name, joseName, zeroAllowed] of JWKS_DURATIONS) {
    const seconds: unknown = options[name];
    if (seconds === undefined) continue;
    if (options.jwksUrl === undefined && options.discovery !== true) {
      throw new AuthConfigurationError(
        `bearer.jwt.${name} only applies with jwksUrl or discovery.`,
      );
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
      `bearer.jwt needs exactly one of ${KEY_SOURCES_TEXT} (got none).`,
    );
  }
  const names = undefinedKeys.map((k) => `bearer.jwt.${k}`).join(' and ');
  return new AuthConfigurationError(
    `${names} ${undefinedKeys.length === 1 ? 'is' : 'are'} undefined: the key is present but its value is undefined, ` +
      'likely an environment variable read before it was set (e.g. process.env read at import time, ' +
      `before the environment is loaded). bearer.jwt needs exactly one of ${KEY_SOURCES_TEXT}.`,
  );
}

/**
 * The issuer whose metadata `discovery` fetches: one http(s) URL without credentials, query or
 * fragment (RFC 8414 §2), kept exactly as written since the document's `issuer` must be identical.
 */
function discoveryIssuer(issuer: unknown): string {
  if (typeof issuer !== 'string') {
    throw new AuthConfigurationError(
      Array.isArray(issuer)
        ? 'bearer.jwt.discovery needs one issuer, not a list: its metadata names the key set.'
        : 'bearer.jwt.discovery needs bearer.jwt.issuer, the URL of the authorization server (e.g. https://login.example.com/realms/main).',
    );
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new AuthConfigurationError(
      `bearer.jwt.issuer is not a URL, which discovery needs: "${issuer}".`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AuthConfigurationError(
      `bearer.jwt.issuer must be an https: (or http:) URL for discovery, not ${url.protocol}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    // Not echoed: it holds a secret.
    throw new AuthConfigurationError('bearer.jwt.issuer must not contain a user name or password.');
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(issuer)) {
    throw new AuthConfigurationError(
      `bearer.jwt.issuer must not have a query or fragment (RFC 8414 §2): "${issuer}".`,
    );
  }
  return issuer;
}

function resolveKey(options: JwtVerificationOptions): ResolvedKey {
  const discovery: unknown = options.discovery;
  if (discovery !== undefined && typeof discovery !== 'boolean') {
    throw new AuthConfigurationError(
      `bearer.jwt.discovery must be true or false, got ${JSON.stringify(discovery) ?? typeof discovery}.`,
    );
  }
  const sources: string[] = KEY_SOURCES.filter((k) => options[k] !== undefined);
  if (discovery === true) sources.push('discovery');
  if (sources.length === 0) throw noKeySource(options);
  if (sources.length > 1) {
    throw new AuthConfigurationError(
      `bearer.jwt needs exactly one of ${KEY_SOURCES_TEXT} (got ${sources.join(', ')}).`,
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
    const algorithms = options.algorithms ?? [defaultAlgorithm(key)];
    const misfit = algorithms.find((alg) => !fits(alg, key));
    if (misfit !== undefined) {
      throw new AuthConfigurationError(
        `bearer.jwt.algorithms: "${misfit}" cannot be verified with this ${String(key.asymmetricKeyType)} public key ` +
          `(bearer.jwt.publicKey).`,
      );
    }
    return { key, algorithms };
  }
  if (discovery === true) {
    const keySet = new IssuerKeySet(discoveryIssuer(options.issuer), remote);
    return {
      key: keySet.getKey,
      algorithms: options.algorithms ?? ['RS256'],
      discovery: keySet,
    };
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
  const rfc9068 = checkProfile(options);
  const { key, algorithms, keySetUrl, discovery } = resolveKey(options);
  const required = [...(rfc9068 ? RFC9068_CLAIMS : ['exp']), ...(options.requiredClaims ?? [])];
  return {
    key,
    keySetUrl,
    discovery,
    verifyOptions: {
      algorithms: [...algorithms],
      issuer: options.issuer as string | string[] | undefined,
      audience: options.audience as string | string[] | undefined,
      clockTolerance: options.clockTolerance ?? 0,
      requiredClaims: [...new Set(required)],
      // RFC 9068 §4: the header's typ is at+jwt (jose also accepts application/at+jwt, any case).
      ...(rfc9068 ? { typ: 'at+jwt' } : {}),
    },
    stringClaims: rfc9068 ? RFC9068_STRING_CLAIMS : [],
  };
}

/**
 * Whether the RFC 9068 profile is on, checking what it needs: the resource server knows its
 * issuer and its own identifier, the audience (RFC 9068 §4; the resource indicator of RFC 8707).
 */
function checkProfile(options: JwtVerificationOptions): boolean {
  const profile: unknown = options.profile;
  if (profile === undefined) return false;
  if (profile !== 'rfc9068') {
    throw new AuthConfigurationError(
      `bearer.jwt.profile must be 'rfc9068' (JWT access tokens), got ${JSON.stringify(profile) ?? typeof profile}.`,
    );
  }
  for (const name of ['issuer', 'audience'] as const) {
    const value: unknown = options[name];
    if (value === undefined || (Array.isArray(value) && value.length === 0)) {
      throw new AuthConfigurationError(
        `bearer.jwt.profile 'rfc9068' needs bearer.jwt.${name}: ` +
          (name === 'issuer'
            ? 'the iss of the tokens, exactly (RFC 9068 §4).'
            : "this API's identifier, the resource indicator clients ask tokens for (RFC 9068 §4, RFC 8707)."),
      );
    }
  }
  return true;
}
