import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { types } from 'node:util';
import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type RemoteJWKSetOptions,
} from 'jose';
import { RateLimitedLogger } from '../../logging/rate-limited-logger.js';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import {
  AuthenticationError,
  AuthUnavailableError,
  withoutStack,
} from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';

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
 * A compact JWS (RFC 7515 §7.1): three base64url segments without padding (§2). The signature may
 * be empty (`alg: none`, which jose then rejects as not allowed).
 */
const COMPACT_JWS = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/;

/**
 * Whether every segment is the one canonical base64url encoding of its bytes. jose (like `atob`)
 * also decodes a segment with `=` padding or with non-zero unused bits in its last character, so
 * without this check one signed token would have several accepted spellings (four to eight for an
 * HS256 token), each a different string for a revocation list or log that compares tokens.
 */
function isCanonicalCompactJws(token: string): boolean {
  const segments = COMPACT_JWS.exec(token);
  return (
    segments !== null &&
    segments
      .slice(1)
      .every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment)
  );
}

/** The token's claims once its signature and registered claims checked out. */
export type VerifiedPayload = JWTPayload & { readonly exp: number };

/** The key material of a JWT configuration, resolved once at start-up. */
interface ResolvedKey {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  /** The key set's URL without credentials or query (for the log), when it is remote. */
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

function resolveKey(options: JwtVerificationOptions): ResolvedKey {
  const sources = (['secret', 'publicKey', 'jwksUrl'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (sources.length !== 1) {
    throw new AuthConfigurationError(
      `bearer.jwt needs exactly one of secret, publicKey or jwksUrl (got ${sources.length === 0 ? 'none' : sources.join(', ')}).`,
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
 * Why a key set could not be fetched, for the log: jose's own message (fixed sentences) or the
 * error's name, and the network error code, never anything of the token.
 */
function unavailableReason(err: unknown): string {
  // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` can fail.
  const { name, cause } = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    cause?: { code?: unknown } | null;
  };
  const detail =
    err instanceof errors.JOSEError ? err.message : typeof name === 'string' ? name : typeof err;
  const code = typeof cause === 'object' && cause !== null ? cause.code : undefined;
  return typeof code === 'string' ? `${detail}, ${code}` : detail;
}

/** Why a token failed, as sent in `error_description` (RFC 6750 characters only). */
function describe(err: errors.JOSEError): string {
  switch (err.code) {
    case errors.JWTClaimValidationFailed.code: {
      const { claim, reason } = err as errors.JWTClaimValidationFailed;
      if (claim === 'nbf') return 'The access token is not valid yet';
      if (reason === 'missing') return `The access token has no ${claim} claim`;
      return `The access token ${claim} claim is not accepted`;
    }
    case errors.JWSSignatureVerificationFailed.code:
      return 'The access token signature is invalid';
    case errors.JOSEAlgNotAllowed.code:
      return 'The access token algorithm is not allowed';
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
      return 'The access token signing key is unknown';
    case errors.JOSENotSupported.code:
      return 'The access token uses an unsupported feature';
    default:
      return 'The access token is malformed';
  }
}

/**
 * Verifies JWT access tokens with jose: key and algorithms fixed at start-up (never taken from the
 * token), `exp` always required, `iss`/`aud`/clock tolerance as configured.
 */
export class JwtVerifier {
  private readonly key: ResolvedKey['key'];
  private readonly keySetUrl: string | undefined;
  private readonly verifyOptions: Parameters<typeof jwtVerify>[2];
  private readonly log = new RateLimitedLogger();

  constructor(options: JwtVerificationOptions) {
    const { key, algorithms, keySetUrl } = resolveKey(options);
    this.key = key;
    this.keySetUrl = keySetUrl;
    this.verifyOptions = {
      algorithms: [...algorithms],
      issuer: options.issuer as string | string[] | undefined,
      audience: options.audience as string | string[] | undefined,
      clockTolerance: options.clockTolerance ?? 0,
      requiredClaims: ['exp', ...(options.requiredClaims ?? [])],
    };
  }

  /** Verifies a token; throws `token_expired`, `token_invalid` (401) or `service_unavailable` (503). */
  async verify(token: string): Promise<VerifiedPayload> {
    if (!isCanonicalCompactJws(token)) {
      throw withoutStack(
        () =>
          new AuthenticationError('token_invalid', {
            scheme: 'bearer',
            description: 'The access token is malformed',
          }),
      );
    }
    try {
      const { payload } = await jwtVerify(token, this.key as KeyObject, this.verifyOptions);
      return payload as VerifiedPayload;
    } catch (err) {
      const error = withoutStack(() => JwtVerifier.toAuthError(err));
      if (error instanceof AuthUnavailableError) this.logUnavailable(err);
      throw error;
    }
  }

  /** Logs why a token cannot be verified now (at most every 10 s), naming the error, never the token. */
  private logUnavailable(err: unknown): void {
    this.log.error(() => {
      const reason = unavailableReason(err);
      return this.keySetUrl === undefined
        ? `JWT verification failed unexpectedly (${reason}): answering 503.`
        : `The JSON Web Key Set ${this.keySetUrl} cannot be fetched (${reason}): answering 503 until it can.`;
    });
  }

  private static toAuthError(err: unknown): Error {
    if (err instanceof errors.JWTExpired) {
      const exp = err.payload.exp;
      // An exp beyond the range of dates (e.g. -1e300, validly signed) has no expiry date to send:
      // an invalid Date would make the body's toISOString() throw, a 500.
      const expiresAt = typeof exp === 'number' ? new Date(exp * 1000) : undefined;
      return new AuthenticationError('token_expired', {
        scheme: 'bearer',
        description: 'The access token expired',
        expiresAt: expiresAt && Number.isFinite(expiresAt.getTime()) ? expiresAt : undefined,
      });
    }
    // A plain JOSEError (generic code) only comes from fetching the key set: a non-200 answer or one that is not JSON.
    if (
      err instanceof errors.JWKSTimeout ||
      err instanceof errors.JWKSInvalid ||
      !(err instanceof errors.JOSEError) ||
      err.code === errors.JOSEError.code
    ) {
      return new AuthUnavailableError({ scheme: 'bearer', cause: err });
    }
    return new AuthenticationError('token_invalid', {
      scheme: 'bearer',
      description: describe(err),
    });
  }
}
