import type { INestApplication } from '@nestjs/common';
import { SignJWT, type JWTPayload } from 'jose';
import request from 'supertest';
import { loadConfig, type Environment } from '../../sample/src/config/load-config.js';
import { createSampleApp } from '../../sample/src/create-sample-app.js';
import { DEMO_API_KEY, DEMO_USERS } from '../../sample/src/demo-data.js';
import type { TokenPair } from '../../sample/src/tokens/token-pair.js';
import { basic } from '../support/http.js';

/** The platforms every sample suite runs on. */
export type Platform = 'express' | 'fastify';

/** HS256 secret of the test instances (so that tests can sign tokens of their own). */
export const TEST_JWT_SECRET = 'sample-e2e-secret-0123456789-abcdefghijkl';

/** alice (password with a colon, admin) and bob (non-ASCII password, user), as seeded. */
export const [ALICE, BOB] = DEMO_USERS;

/** The seeded API key (bob's, `reports:read`). */
export const API_KEY = DEMO_API_KEY.key;

/** The resource identifier of the test instances: `PUBLIC_URL`'s default, `http://HOST:PORT`. */
export const PUBLIC_URL = 'http://127.0.0.1:3000';

/** Where the test instances' protected resource metadata is (RFC 9728 §3.1, CONTRACT C-2.11). */
export const RESOURCE_METADATA_URL = `${PUBLIC_URL}/.well-known/oauth-protected-resource`;

/** The auth-param that ends every Bearer challenge of the sample (CONTRACT C-2.11). */
const RESOURCE_METADATA = `resource_metadata="${RESOURCE_METADATA_URL}"`;

/** The challenges of the sample (realm `sample`), CONTRACT C-2. */
export const CHALLENGE = {
  basic: 'Basic realm="sample", charset="UTF-8"',
  bearer: `Bearer realm="sample", ${RESOURCE_METADATA}`,
  apiKeyHeader: 'ApiKey realm="sample", in="header", name="X-API-Key"',
  apiKeyQuery: 'ApiKey realm="sample", in="query", name="api_key"',
  forbidden: `Bearer realm="sample", error="insufficient_scope", ${RESOURCE_METADATA}`,
  /** A presented Bearer token that was rejected, and why. */
  rejected: (description: string): string =>
    `Bearer realm="sample", error="invalid_token", error_description="${description}", ${RESOURCE_METADATA}`,
} as const;

/**
 * Creates the sample in-process on `platform`: in-memory database, a known JWT secret, no logger.
 * @param env environment variables on top of those (e.g. `ACCESS_TOKEN_TTL`)
 */
export function createTestSample(
  platform: Platform,
  env: Environment = {},
): Promise<INestApplication> {
  const config = loadConfig({
    ADAPTER: platform,
    SAMPLE_DB: ':memory:',
    JWT_SECRET: TEST_JWT_SECRET,
    ...env,
  });
  return createSampleApp(config, { logger: false });
}

/** `Authorization: Basic` of a demo user. */
export function basicOf(user: { readonly username: string; readonly password: string }): string {
  return basic(user.username, user.password);
}

/** Logs `user` in (`POST /auth/token` with Basic) and returns the pair. */
export async function login(
  app: INestApplication,
  user: { readonly username: string; readonly password: string },
): Promise<TokenPair> {
  const res = await request(app.getHttpServer())
    .post('/auth/token')
    .set('Authorization', basicOf(user));
  if (res.status !== 200) throw new Error(`login as ${user.username} answered ${res.status}`);
  return res.body as TokenPair;
}

/** Signs an access token like the sample's (HS256, issuer), with any claims. */
export function signAccessToken(
  claims: JWTPayload,
  options: { readonly secret?: string; readonly issuer?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 600, jti: `test-${now}`, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? 'nest-http-auth-sample')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}
