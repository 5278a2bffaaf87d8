import {
  createPrivateKey,
  createSecretKey,
  randomUUID,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { types } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { AUTH_CONFIG } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { BearerScheme } from '../schemes/bearer/bearer.scheme.js';

/** Options of {@link mintToken}. */
export interface MintTokenOptions {
  /** `sub`, the principal's id. Default `test-user`. */
  readonly sub?: string;
  /** The `roles` claim (read by the module's default claim mapping). */
  readonly roles?: readonly string[];
  /** The scopes, as the space-separated `scope` claim (read by the module's default claim mapping). */
  readonly scopes?: readonly string[];
  /** Any other claims; they win over those the options above and the configuration set. */
  readonly claims?: Readonly<JWTPayload>;
  /**
   * When the token expires: seconds from now (negative for a token that already expired), or a
   * time span jose reads (`'15m'`, `'2h'`, `'1h ago'`). Default 3600 (one hour).
   */
  readonly expiresIn?: number | string;
  /**
   * The signing key, for an application that verifies with a public key or a JSON Web Key Set
   * (whose private half it does not know): a private `KeyObject`, a PKCS#8 PEM or a private JWK.
   * With a shared secret configured, the secret is used unless this is given.
   */
  readonly privateKey?: KeyObject | string | JWK;
  /**
   * The `alg` to sign with. Default: the first of `bearer.jwt.algorithms`, else `HS256` for a
   * secret, the key's own algorithm for a private key (`RS256`, `PS256`, `ES256`/`384`/`512`, `EdDSA`).
   */
  readonly alg?: string;
  /** The `kid` header (a key set picks the key by it). Default: the `kid` of a JWK `privateKey`. */
  readonly kid?: string;
}

const CURVE_ALGORITHMS: Readonly<Record<string, string>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};

function fail(message: string): Error {
  return new Error(`mintToken(): ${message}`);
}

/** The algorithm a private key signs with by default. */
function keyAlgorithm(key: KeyObject): string {
  if (key.type === 'secret') return 'HS256';
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'rsa-pss') return 'PS256';
  if (type === 'ed25519') return 'EdDSA';
  const alg =
    type === 'ec' ? CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (alg) return alg;
  throw fail(
    `cannot tell the algorithm of this ${String(key.asymmetricKeyType)} key: pass { alg }.`,
  );
}

/** `privateKey` as a `KeyObject`. */
function signingKey(source: KeyObject | string | JWK): KeyObject {
  try {
    if (types.isKeyObject(source)) return source;
    if (typeof source === 'string') return createPrivateKey(source);
    if (source.kty === 'oct' && typeof source.k === 'string')
      return createSecretKey(Buffer.from(source.k, 'base64url'));
    return createPrivateKey({ key: source as JsonWebKey, format: 'jwk' });
  } catch (err) {
    throw fail(`privateKey cannot be read: ${(err as Error).message}`);
  }
}

/** The first of a configured `issuer` or `audience`. */
function first(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

/** The application's Bearer scheme, with the clear error of each reason it cannot be had. */
function bearerOf(app: INestApplicationContext): BearerScheme {
  let config: ResolvedAuthOptions;
  try {
    config = app.get<ResolvedAuthOptions>(AUTH_CONFIG, { strict: false });
  } catch {
    throw fail('the application does not import AuthModule.');
  }
  const bearer = config.schemes.get('bearer');
  if (!(bearer instanceof BearerScheme))
    throw fail('the application has no Bearer scheme (the `bearer` option of AuthModule).');
  return bearer;
}

/**
 * Signs an access token that the application's Bearer scheme accepts, for tests: like Spring
 * Security Test's `jwt()`, without a login.
 *
 * The claims are `sub` (default `test-user`), `roles` and `scope` (space-separated scopes) as the
 * module's default claim mapping reads them, `iss` and `aud` when the configuration requires them
 * (its first value), `iat`, `exp` (one hour by default), a random `jti`, and `claims` on top. Where
 * the application verifies with a shared secret (`bearer.jwt.secret`), the token is signed with it
 * (the first configured algorithm, else HS256). With a public key or a JSON Web Key Set, the
 * application does not know the private key: pass it as `privateKey` (and `kid` where the key set
 * needs it). Signed with jose.
 *
 * @example
 * const token = await mintToken(app, { sub: 'alice', roles: ['admin'] });
 * await request(app.getHttpServer()).get('/admin').auth(token, { type: 'bearer' }).expect(200);
 * @throws Error when the application has no JWT Bearer scheme, when it verifies with a public key
 *   or key set and no `privateKey` is given, or when a claim of `bearer.jwt.requiredClaims` is missing
 */
export async function mintToken(
  app: INestApplicationContext,
  options: MintTokenOptions = {},
): Promise<string> {
  const jwt = bearerOf(app).jwtOptions;
  if (!jwt) {
    throw fail(
      'the Bearer scheme checks opaque tokens with `bearer.validate`, not JWTs: issue a token the way that validate accepts it.',
    );
  }
  let key: KeyObject;
  if (options.privateKey !== undefined) key = signingKey(options.privateKey);
  else if (jwt.secret !== undefined)
    key = types.isKeyObject(jwt.secret) ? jwt.secret : createSecretKey(Buffer.from(jwt.secret));
  else {
    const source =
      jwt.publicKey !== undefined
        ? 'a public key (bearer.jwt.publicKey)'
        : jwt.jwksUrl !== undefined
          ? 'a JSON Web Key Set (bearer.jwt.jwksUrl)'
          : "the key set of the issuer's metadata (bearer.jwt.discovery)";
    throw fail(
      `the application verifies tokens with ${source}, so it cannot sign one itself: pass { privateKey } ` +
        '(a KeyObject, PEM or JWK whose public half the application trusts), and { kid } if the key set needs it, ' +
        'and { alg } if the key alone does not tell it.',
    );
  }
  const alg = options.alg ?? jwt.algorithms?.[0] ?? keyAlgorithm(key);
  // Read structurally: `profile` is the newest option of bearer.jwt.
  const accessTokenProfile = (jwt as { readonly profile?: unknown }).profile === 'rfc9068';
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    sub: options.sub ?? 'test-user',
    ...(options.roles ? { roles: [...options.roles] } : {}),
    ...(options.scopes ? { scope: options.scopes.join(' ') } : {}),
    ...(first(jwt.issuer) !== undefined ? { iss: first(jwt.issuer) } : {}),
    ...(first(jwt.audience) !== undefined ? { aud: first(jwt.audience) } : {}),
    iat: now,
    jti: randomUUID(),
    ...(typeof options.expiresIn === 'string' ? {} : { exp: now + (options.expiresIn ?? 3600) }),
    ...(jwt.requiredClaims?.includes('nbf') ? { nbf: now } : {}),
    ...(accessTokenProfile ? { client_id: 'test-client' } : {}),
    ...options.claims,
  };
  const signer = new SignJWT(payload);
  if (typeof options.expiresIn === 'string' && options.claims?.exp === undefined)
    signer.setExpirationTime(options.expiresIn);
  const missing = (jwt.requiredClaims ?? []).filter(
    (claim) => claim !== 'exp' && payload[claim] === undefined,
  );
  if (missing.length > 0) {
    throw fail(
      `bearer.jwt.requiredClaims asks for ${missing.join(', ')}: pass ${missing.length === 1 ? 'it' : 'them'} in { claims }.`,
    );
  }
  const kid =
    options.kid ??
    (options.privateKey !== undefined &&
    typeof options.privateKey === 'object' &&
    !types.isKeyObject(options.privateKey)
      ? options.privateKey.kid
      : undefined);
  return signer
    .setProtectedHeader({
      alg,
      typ: accessTokenProfile ? 'at+jwt' : 'JWT',
      ...(kid !== undefined ? { kid } : {}),
    })
    .sign(key);
}
