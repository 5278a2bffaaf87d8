import { randomBytes } from 'node:crypto';
import { ConfigError } from './config.error.js';
import type { Adapter, SampleConfig } from './sample-config.js';

/** Where the sample keeps its data when `SAMPLE_DB` is not set (relative to the working directory). */
export const DEFAULT_DATABASE = 'sample/data/sample.sqlite';

/** Bytes HS256 needs in its secret (RFC 7518 §3.2). */
const MIN_SECRET_BYTES = 32;

/** Longest lifetime or window accepted, in seconds: ten years. */
const MAX_SECONDS = 315_360_000;

const ADAPTERS: readonly Adapter[] = ['express', 'fastify'];

/** The environment, as `process.env` types it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** `"value"`, quoted and escaped, for messages. */
function shown(value: string): string {
  return JSON.stringify(value);
}

/** A variable's value, with an empty string counted as unset. */
function read(env: Environment, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${shown(raw)})`);
  }
  return value;
}

function adapter(env: Environment): Adapter {
  const raw = read(env, 'ADAPTER') ?? 'express';
  const found = ADAPTERS.find((name) => name === raw.toLowerCase());
  if (!found) throw new ConfigError(`ADAPTER must be express or fastify (got ${shown(raw)})`);
  return found;
}

function realm(env: Environment): string {
  const raw = read(env, 'AUTH_REALM') ?? 'sample';
  if (!/^[\x20-\x7e]+$/.test(raw))
    throw new ConfigError(`AUTH_REALM must be printable ASCII (got ${shown(raw)})`);
  return raw;
}

function jwtSecret(env: Environment): { jwtSecret: string; jwtSecretGenerated: boolean } {
  const raw = read(env, 'JWT_SECRET');
  if (raw === undefined)
    return {
      jwtSecret: randomBytes(MIN_SECRET_BYTES).toString('base64url'),
      jwtSecretGenerated: true,
    };
  const bytes = Buffer.byteLength(raw, 'utf8');
  // The secret itself is never part of the message.
  if (bytes < MIN_SECRET_BYTES)
    throw new ConfigError(
      `JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes for HS256 (got ${bytes} bytes)`,
    );
  return { jwtSecret: raw, jwtSecretGenerated: false };
}

function redisUrl(env: Environment): string | undefined {
  const raw = read(env, 'REDIS_URL');
  if (raw === undefined) return undefined;
  let protocol: string | undefined;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:')
    // Only the scheme is shown: a Redis URL may carry a password.
    throw new ConfigError(
      'REDIS_URL must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379)',
    );
  return raw;
}

function corsOrigin(env: Environment): string | undefined {
  const raw = read(env, 'CORS_ORIGIN');
  if (raw === undefined) return undefined;
  let origin: string | undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') origin = url.origin;
  } catch {
    origin = undefined;
  }
  // Browsers send the origin serialised (lower-case host, no default port, no path), and CORS
  // compares it as a string: any other spelling would never match.
  if (origin !== raw) {
    const hint = origin === undefined ? '' : `; did you mean ${shown(origin)}?`;
    throw new ConfigError(
      `CORS_ORIGIN must be one origin as a browser sends it, scheme://host[:port] with http or https and no path, e.g. http://127.0.0.1:5173 (got ${shown(raw)}${hint})`,
    );
  }
  return origin;
}

/** An absolute http(s) URL without user name, password, query or fragment. */
function isPlainHttpUrl(raw: string): boolean {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  return (
    (url?.protocol === 'http:' || url?.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    !raw.includes('?') &&
    !raw.includes('#')
  );
}

/**
 * The sample's external base URL (`PUBLIC_URL`), its resource identifier (RFC 9728): an absolute
 * http(s) URL without query, fragment or credentials; a trailing slash is dropped. Default
 * `http://HOST:PORT`, with `127.0.0.1` for the wildcard addresses `0.0.0.0` and `::` (like the
 * start-up banner's URL).
 */
function publicUrl(env: Environment, host: string, port: number): string {
  const raw = read(env, 'PUBLIC_URL');
  if (raw === undefined) {
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    return `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  }
  if (!isPlainHttpUrl(raw))
    throw new ConfigError(
      `PUBLIC_URL must be an absolute http or https URL without user name, query or fragment, e.g. https://api.example.com (got ${shown(raw)})`,
    );
  return raw.length > 1 && raw.endsWith('/') ? raw.slice(0, -1) : raw;
}

/** `OIDC_ISSUER`: an issuer identifier, an absolute http(s) URL without query or fragment, as given. */
function oidcIssuer(env: Environment): string | undefined {
  const raw = read(env, 'OIDC_ISSUER');
  if (raw === undefined) return undefined;
  if (!isPlainHttpUrl(raw))
    throw new ConfigError(
      `OIDC_ISSUER must be an issuer identifier, an absolute http or https URL without user name, query or fragment, e.g. http://127.0.0.1:3001 (got ${shown(raw)})`,
    );
  return raw;
}

/**
 * Reads the sample's settings from the environment (see the table in sample/README.md) and
 * checks each one. An empty variable counts as unset.
 * @throws ConfigError with a one-line message for the first unusable setting
 */
export function loadConfig(env: Environment = process.env): SampleConfig {
  const host = read(env, 'HOST') ?? '127.0.0.1';
  if (/\s/.test(host))
    throw new ConfigError(`HOST must be a host name or address (got ${shown(host)})`);
  const port = integer(env, 'PORT', 3000, 0, 65535);
  return {
    port,
    host,
    publicUrl: publicUrl(env, host, port),
    adapter: adapter(env),
    database: read(env, 'SAMPLE_DB') ?? DEFAULT_DATABASE,
    ...jwtSecret(env),
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL', 900, 1, MAX_SECONDS),
    refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL', 604800, 1, MAX_SECONDS),
    realm: realm(env),
    maxFailures: integer(env, 'AUTH_MAX_FAILURES', 10, 1, 1_000_000),
    failureWindow: integer(env, 'AUTH_FAILURE_WINDOW', 900, 1, MAX_SECONDS),
    redisUrl: redisUrl(env),
    corsOrigin: corsOrigin(env),
    oidcIssuer: oidcIssuer(env),
  };
}
