import { types } from 'node:util';
import { type CryptoKey, errors, jwtVerify, type JWTPayload } from 'jose';
import { RateLimitedLogger } from '../../logging/rate-limited-logger.js';
import {
  AuthenticationError,
  AuthUnavailableError,
  withoutStack,
} from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { fetchFailureReason, type IssuerKeySet, IssuerMetadataError } from './issuer-metadata.js';
import { resolveJwtOptions, type ResolvedJwtOptions } from './jwt-options.js';
import { importVerificationKey, type VerificationKey } from './verification-key.js';

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

/** The `error_description` of a token that is not an RFC 9068 access token (e.g. an ID token). */
const NOT_AN_ACCESS_TOKEN = 'The token is not an access token (its typ is not at+jwt)';

/** Why a token failed, as sent in `error_description` (RFC 6750 characters only). */
function describe(err: errors.JOSEError): string {
  switch (err.code) {
    case errors.JWTClaimValidationFailed.code: {
      const { claim, reason } = err as errors.JWTClaimValidationFailed;
      if (claim === 'typ') return NOT_AN_ACCESS_TOKEN;
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
 * token; checked and built by `resolveJwtOptions()`, jwt-options.ts), `exp` always required,
 * `iss`/`aud`/clock tolerance as configured.
 */
export class JwtVerifier {
  /** The key jose verifies with, once imported (a remote key set: from the start). */
  private key: VerificationKey | undefined;
  /** The import of a secret or public key, started at construction and awaited by the first tokens. */
  private readonly importing: Promise<VerificationKey> | undefined;
  private readonly keySetUrl: string | undefined;
  private readonly discovery: IssuerKeySet | undefined;
  private readonly verifyOptions: ResolvedJwtOptions['verifyOptions'];
  private readonly stringClaims: readonly string[];
  private readonly log = new RateLimitedLogger();

  /** @throws AuthConfigurationError when the options are wrong (at start-up). */
  constructor(options: JwtVerificationOptions) {
    const { key, keySetUrl, discovery, verifyOptions, stringClaims } = resolveJwtOptions(options);
    if (types.isKeyObject(key)) {
      this.importing = importVerificationKey(key, verifyOptions.algorithms ?? []);
    } else {
      // jose's key sets import each key once per algorithm already.
      this.key = key;
    }
    this.keySetUrl = keySetUrl;
    this.discovery = discovery;
    this.verifyOptions = verifyOptions;
    this.stringClaims = stringClaims;
  }

  /** Whether keys are fetched (`jwksUrl` or `discovery`), so that verification can be a 503. */
  get remote(): boolean {
    return this.keySetUrl !== undefined || this.discovery !== undefined;
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
    let payload: JWTPayload;
    try {
      const key = this.key ?? (this.key = await this.importing!);
      ({ payload } = await jwtVerify(token, key as CryptoKey, this.verifyOptions));
    } catch (err) {
      const error = withoutStack(() => JwtVerifier.toAuthError(err));
      if (error instanceof AuthUnavailableError) this.logUnavailable(err);
      throw error;
    }
    for (const claim of this.stringClaims) {
      const value = payload[claim];
      if (typeof value !== 'string' || value === '') {
        throw withoutStack(
          () =>
            new AuthenticationError('token_invalid', {
              scheme: 'bearer',
              description: `The access token ${claim} claim is not accepted`,
            }),
        );
      }
    }
    return payload as VerifiedPayload;
  }

  /** Logs why a token cannot be verified now (at most every 10 s), naming the error, never the token. */
  private logUnavailable(err: unknown): void {
    this.log.error(() => {
      const { discovery } = this;
      if (err instanceof IssuerMetadataError && discovery) {
        return `The metadata of the issuer ${discovery.issuer} cannot be used: ${err.message}. Answering 503 until it can.`;
      }
      const reason = fetchFailureReason(err);
      if (discovery) {
        return `The JSON Web Key Set ${discovery.keySetUrl ?? '(not known yet)'} (jwks_uri of the issuer ${discovery.issuer}) cannot be fetched (${reason}): answering 503 until it can.`;
      }
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
