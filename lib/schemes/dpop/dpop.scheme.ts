import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  EmbeddedJWK,
  errors,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { DEFAULT_MAX_CREDENTIAL_LENGTH } from '../../auth.constants.js';
import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';
import { authorizationCredentials } from '../../http/authorization-header.js';
import { challenge, errorDescription, type AuthParam } from '../../http/challenge.js';
import { header } from '../../http/request-access.js';
import type {
  DpopSchemeOptions,
  PlatformRequest,
  SecuritySchemeDefinition,
} from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../../interfaces/auth-principal.interface.js';
import type { AuthStore } from '../../stores/auth-store.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { principalFromClaims } from '../bearer/bearer.scheme.js';
import { JwtVerifier } from '../bearer/jwt-verifier.js';
import { PrincipalCheck } from '../validate-result.js';
import { DpopNonces } from './dpop-nonces.js';

/** The proof algorithms accepted by default (RFC 9449 §5.1 `dpop_signing_alg_values_supported`). */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'RS256', 'EdDSA', 'PS256'];

/** Asymmetric algorithms a proof may use: never `none` nor an HMAC (RFC 9449 §4.2). */
const ASYMMETRIC = /^(?:RS|PS|ES)(?:256|384|512)$|^ES256K$|^EdDSA$|^Ed25519$/;

/** RFC 9449 §7.1 token68 access token. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Private key members of a JWK (RFC 7518 §6): a proof's `jwk` must carry none (RFC 9449 §4.2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Prefix of every `error_description` of a bad proof: it makes the challenge `invalid_dpop_proof`. */
const PROOF = 'The DPoP proof';

/** The response header that hands out a server nonce (RFC 9449 §8.1, §9). */
export const DPOP_NONCE_HEADER = 'DPoP-Nonce';

/** `error_description` of a proof without the required nonce (the example of RFC 9449 §9). */
const NONCE_MISSING = 'Resource server requires nonce in DPoP proof';

/** `error_description` of a proof whose nonce is not (or no longer) one the server hands out. */
const NONCE_STALE = 'Resource server requires a current nonce in DPoP proof';

/** The credentials of a DPoP request: the access token and the proof. */
export interface DpopCredentials {
  /** The access token of `Authorization: DPoP`. */
  readonly token: string;
  /** The compact JWS of the `DPoP` header. */
  readonly proof: string;
}

function fail(description: string): AuthenticationError {
  return withoutStack(
    () => new AuthenticationError('token_invalid', { scheme: 'dpop', description }),
  );
}

/** A verifier error re-issued for this scheme (its challenge then carries the error). */
function asDpop(err: unknown): unknown {
  if (!(err instanceof AuthenticationError)) return err;
  const { code, description, expiresAt } = err;
  return withoutStack(
    () => new AuthenticationError(code, { scheme: 'dpop', description, expiresAt }),
  );
}

/** base64url(SHA-256(value)): `ath` (RFC 9449 §4.2) and the replay-cache key. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/** The parts of an Express or Fastify request that make its URL. */
interface UrlParts {
  readonly protocol?: unknown;
  readonly host?: unknown;
  readonly hostname?: unknown;
  readonly originalUrl?: unknown;
  readonly url?: unknown;
  readonly raw?: { readonly url?: unknown };
}

/**
 * The request's URL without query and fragment, as `htu` must name it (RFC 9449 §4.3): with
 * `publicUrl`, its origin and the request's path; else the protocol and host the platform reports
 * (Express `req.protocol`/`Host`, Fastify `request.protocol`/`request.host`, both honouring the
 * platform's trust-proxy setting) and the path as sent (Express `originalUrl`, Fastify `url`).
 */
export function requestUrl(request: PlatformRequest, publicUrl?: string): string | undefined {
  const parts = request as UrlParts;
  const path = [parts.originalUrl, parts.url, parts.raw?.url].find(
    (p): p is string => typeof p === 'string',
  );
  if (path === undefined) return undefined;
  let origin: string;
  if (publicUrl !== undefined) {
    origin = new URL(publicUrl).origin;
  } else {
    const protocol = typeof parts.protocol === 'string' ? parts.protocol : 'http';
    const host =
      header(request, 'host') ?? (typeof parts.host === 'string' ? parts.host : undefined);
    if (host === undefined) return undefined;
    origin = `${protocol.replace(/:$/, '')}://${host}`;
  }
  return normalizedUrl(origin + (path.startsWith('/') ? path : `/${path}`));
}

/** A URL's origin and path, normalised by the WHATWG parser (RFC 9449 §4.3: no query, no fragment). */
function normalizedUrl(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'http:' || url.protocol === 'https:'
    ? `${url.origin}${url.pathname}`
    : undefined;
}

/** The proof's `jti` store key: hashed, so a long or odd `jti` never makes an odd key. */
function replayKey(jkt: string, jti: string): string {
  return `dpop-jti:${sha256(`${jkt}\0${jti}`)}`;
}

/**
 * DPoP-bound access tokens (RFC 9449): `Authorization: DPoP <token>` with a `DPoP` proof header.
 * The token is verified like a Bearer JWT (the same key sources, discovery included); the proof
 * with jose against its embedded public key (`typ: dpop+jwt`, pinned algorithms), then `htm`,
 * `htu`, `iat`, `ath` and a `jti` unique within the window (in the module's store, so shared by
 * every instance on Redis), and the token's `cnf.jkt` must be the proof key's RFC 7638 thumbprint.
 *
 * It has no `credential()`: a proof differs on every request, so verifications are never cached.
 */
export class DpopScheme implements AuthScheme<DpopCredentials> {
  readonly name = 'dpop';
  private readonly jwt: JwtVerifier;
  private readonly algorithms: readonly string[];
  private readonly windowSeconds: number;
  private readonly challengeLine: string;
  private readonly results = new PrincipalCheck('dpop.jwt.validate', 'dpop');
  /** Server nonces (RFC 9449 §9), when `nonce` is configured. */
  private readonly nonces: DpopNonces | undefined;
  /** Whether the token's keys are fetched (a JWKS, discovery): a 503 while they are unreachable. */
  readonly remote: boolean;

  constructor(
    private readonly options: DpopSchemeOptions,
    private readonly store: AuthStore,
  ) {
    this.jwt = new JwtVerifier(options.jwt);
    this.remote = this.jwt.remote;
    this.algorithms = options.algorithms ?? DEFAULT_DPOP_ALGORITHMS;
    this.windowSeconds = options.iatWindow ?? 300;
    this.challengeLine = challenge('DPoP', [['algs', this.algorithms.join(' ')]]);
    this.nonces = options.nonce === undefined ? undefined : new DpopNonces(options.nonce);
  }

  /** Checks the options at start-up (message for `AuthConfigurationError`), `undefined` when fine. */
  static problem(options: DpopSchemeOptions): string | undefined {
    if (options.jwt === undefined || options.jwt === null) return 'dpop needs `jwt` options.';
    const { algorithms, iatWindow, publicUrl, nonce } = options;
    if (
      algorithms !== undefined &&
      (!Array.isArray(algorithms) ||
        algorithms.length === 0 ||
        !algorithms.every((a) => typeof a === 'string' && ASYMMETRIC.test(a)))
    ) {
      return 'dpop.algorithms must be a non-empty list of asymmetric JWS algorithms (e.g. ES256).';
    }
    if (iatWindow !== undefined && (typeof iatWindow !== 'number' || !(iatWindow > 0))) {
      return `dpop.iatWindow must be a positive number of seconds, got ${JSON.stringify(iatWindow)}.`;
    }
    if (publicUrl !== undefined && normalizedUrl(String(publicUrl)) === undefined) {
      return `dpop.publicUrl must be an absolute http(s) URL, got ${JSON.stringify(publicUrl)}.`;
    }
    return nonce === undefined ? undefined : DpopNonces.problem(nonce);
  }

  read(request: PlatformRequest): DpopCredentials | undefined {
    const token = authorizationCredentials(header(request, 'authorization'), 'dpop');
    if (token === undefined) return undefined;
    if (token === '' || token.length > DEFAULT_MAX_CREDENTIAL_LENGTH || !TOKEN68.test(token)) {
      throw fail('The access token is malformed');
    }
    const headers = (request as { headers: Record<string, string | string[] | undefined> }).headers;
    const proof = headers['dpop'];
    if (proof === undefined) throw fail(`${PROOF} is missing`);
    if (typeof proof !== 'string' || proof.length > DEFAULT_MAX_CREDENTIAL_LENGTH) {
      throw fail(`${PROOF} must be exactly one DPoP header`);
    }
    return { token, proof };
  }

  async verify(
    { token, proof }: DpopCredentials,
    request: PlatformRequest,
  ): Promise<AuthPrincipal> {
    const { jkt, jti } = await this.verifyProof(proof, token, request);
    let payload: JWTPayload;
    try {
      payload = await this.jwt.verify(token);
    } catch (err) {
      throw asDpop(err);
    }
    const cnf = payload['cnf'] as { jkt?: unknown } | undefined;
    if (typeof cnf?.jkt !== 'string') throw fail('The access token is not DPoP-bound (no cnf.jkt)');
    if (cnf.jkt !== jkt) throw fail('The access token is bound to another key than the DPoP proof');
    // Last: a proof of a refused token is not spent.
    const { count } = await this.store.increment(replayKey(jkt, jti), this.windowSeconds * 2000);
    if (count > 1) throw fail(`${PROOF} was already used`);
    const { jwt } = this.options;
    const principal = jwt.validate
      ? this.results.validated(await jwt.validate(payload, token, request))
      : principalFromClaims(payload) || undefined;
    if (!principal) throw fail('The access token is invalid');
    return principal;
  }

  /** Verifies the proof (RFC 9449 §4.3 steps 1–11 but the replay check); returns its key's thumbprint. */
  private async verifyProof(
    proof: string,
    token: string,
    request: PlatformRequest,
  ): Promise<{ jkt: string; jti: string }> {
    let embedded: unknown;
    try {
      embedded = decodeProtectedHeader(proof).jwk;
    } catch {
      throw fail(`${PROOF} is malformed`);
    }
    if (
      embedded !== null &&
      typeof embedded === 'object' &&
      PRIVATE_MEMBERS.some((member) => member in embedded)
    ) {
      throw fail(`${PROOF} key must be a public key`);
    }
    let payload: JWTPayload;
    let jwk: JWK;
    try {
      const result = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...this.algorithms],
      });
      payload = result.payload;
      jwk = result.protectedHeader.jwk as JWK;
    } catch (err) {
      if (err instanceof errors.JOSEAlgNotAllowed) throw fail(`${PROOF} algorithm is not allowed`);
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'typ') {
        throw fail(`${PROOF} typ is not dpop+jwt`);
      }
      if (err instanceof errors.JWSSignatureVerificationFailed) {
        throw fail(`${PROOF} signature is invalid`);
      }
      throw fail(`${PROOF} is malformed`);
    }
    const { htm, htu, iat, jti, ath, nonce } = payload as Record<string, unknown>;
    if (typeof jti !== 'string' || jti === '') throw fail(`${PROOF} has no jti`);
    const method = (request as { method?: unknown }).method;
    if (typeof htm !== 'string' || htm !== method)
      throw fail(`${PROOF} htm does not match the request method`);
    const url = requestUrl(request, this.options.publicUrl);
    if (typeof htu !== 'string' || url === undefined || normalizedUrl(htu) !== url) {
      throw fail(`${PROOF} htu does not match the request URL`);
    }
    if (typeof iat !== 'number' || Math.abs(Date.now() / 1000 - iat) > this.windowSeconds) {
      throw fail(`${PROOF} iat is outside the accepted window`);
    }
    if (typeof ath !== 'string' || ath !== sha256(token)) {
      throw fail(`${PROOF} ath does not match the access token`);
    }
    // Last of the proof's checks: a client told to use a nonce retries with an otherwise good proof.
    if (this.nonces !== undefined && !this.nonces.accepts(nonce)) {
      throw fail(nonce === undefined ? NONCE_MISSING : NONCE_STALE);
    }
    return { jkt: await calculateJwkThumbprint(jwk, 'sha256'), jti };
  }

  challenges(error?: AuthenticationError): readonly string[] {
    if (!error?.credentialsPresented) return [this.challengeLine];
    const code = isNonceError(error)
      ? 'use_dpop_nonce'
      : error.description?.startsWith(PROOF)
        ? 'invalid_dpop_proof'
        : 'invalid_token';
    const params: AuthParam[] = [
      ['algs', this.algorithms.join(' ')],
      ['error', error.code === 'invalid_request' ? 'invalid_request' : code],
    ];
    if (error.description) params.push(['error_description', errorDescription(error.description)]);
    return [challenge('DPoP', params)];
  }

  /** `DPoP-Nonce: <the current nonce>` on a `401 use_dpop_nonce` (RFC 9449 §9). */
  errorHeader(error: AuthenticationError): readonly [name: string, value: string] | undefined {
    return this.nonces !== undefined && isNonceError(error)
      ? [DPOP_NONCE_HEADER, this.nonces.current()]
      : undefined;
  }

  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>> {
    return { [this.name]: { type: 'http', scheme: 'DPoP' } };
  }
}

/** Whether a DPoP failure asks for a (new) server nonce: `use_dpop_nonce`. */
function isNonceError(error: AuthenticationError): boolean {
  return error.description === NONCE_MISSING || error.description === NONCE_STALE;
}
