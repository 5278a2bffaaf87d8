import { createPublicKey, createSecretKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { types } from 'node:util';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
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

/** The token's claims once its signature and registered claims checked out. */
export type VerifiedPayload = JWTPayload & { readonly exp: number };

/** The key material of a JWT configuration, resolved once at start-up. */
interface ResolvedKey {
  readonly key: KeyObject | JWTVerifyGetKey;
  readonly algorithms: readonly string[];
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

function resolveKey(options: JwtVerificationOptions): ResolvedKey {
  const sources = (['secret', 'publicKey', 'jwksUrl'] as const).filter(
    (k) => options[k] !== undefined,
  );
  if (sources.length !== 1) {
    throw new AuthConfigurationError(
      `bearer.jwt needs exactly one of secret, publicKey or jwksUrl (got ${sources.length === 0 ? 'none' : sources.join(', ')}).`,
    );
  }
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
  return { key: createRemoteJWKSet(url), algorithms: options.algorithms ?? ['RS256'] };
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
  private readonly verifyOptions: Parameters<typeof jwtVerify>[2];

  constructor(options: JwtVerificationOptions) {
    const { key, algorithms } = resolveKey(options);
    this.key = key;
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
    try {
      const { payload } = await jwtVerify(token, this.key as KeyObject, this.verifyOptions);
      return payload as VerifiedPayload;
    } catch (err) {
      throw withoutStack(() => JwtVerifier.toAuthError(err));
    }
  }

  private static toAuthError(err: unknown): Error {
    if (err instanceof errors.JWTExpired) {
      const exp = err.payload.exp;
      return new AuthenticationError('token_expired', {
        scheme: 'bearer',
        description: 'The access token expired',
        expiresAt: typeof exp === 'number' ? new Date(exp * 1000) : undefined,
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
