import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Logger, type LoggerService } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VerificationCache } from '../../cache/verification-cache.js';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { AuthenticationError, AuthUnavailableError } from '../../errors/auth.error.js';
import type {
  AuthModuleOptions,
  TokenIntrospectionOptions,
} from '../../interfaces/auth-options.interface.js';
import { resolveAuthOptions } from '../../options/resolve-options.js';
import { BearerScheme } from './bearer.scheme.js';
import {
  basicClientAuthorization,
  formUrlEncode,
  introspectedExpiry,
  TokenIntrospector,
} from './token-introspection.js';
import { rejection } from '../../../test/support/rejection.js';

/*
 * bearer.introspection: opaque tokens checked at an OAuth 2.0 introspection endpoint (RFC 7662),
 * against an endpoint on 127.0.0.1 that records each request. docs/contract.md C-1.2 (refused
 * tokens), C-1.6 (503 while the endpoint cannot be used), C-1.8 (start-up validation), C-4.5 (no
 * token in the log).
 */

const TOKEN = 'opaque-token-0123456789';
const now = (): number => Math.floor(Date.now() / 1000);

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What the endpoint answers next: a status and a body (an object is sent as JSON). */
let answer: { status: number; body: unknown; delayMs?: number };
const seen: Seen[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      const { status, body: payload, delayMs = 0 } = answer;
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(): void {}
  warn(): void {}
  error(message: unknown): void {
    this.lines.push(String(message));
  }
}
let logger: CapturingLogger;

beforeEach(() => {
  seen.length = 0;
  answer = { status: 200, body: { active: true, sub: 'alice', scope: 'orders:read orders:write' } };
  logger = new CapturingLogger();
  Logger.overrideLogger(logger);
});

afterEach(() => {
  Logger.overrideLogger(false);
});

function introspector(extra: Partial<TokenIntrospectionOptions> = {}): TokenIntrospector {
  return new TokenIntrospector({ url, clientId: 'api', clientSecret: 'secret', ...extra });
}

async function refusal(promise: Promise<unknown>): Promise<AuthenticationError> {
  const err = await rejection(promise);
  expect(err).toBeInstanceOf(AuthenticationError);
  return err as AuthenticationError;
}

describe('client authentication (RFC 6749 §2.3.1)', () => {
  it('form-urlencodes the id and secret before Basic', () => {
    expect(formUrlEncode('a b+c:d/é%')).toBe('a+b%2Bc%3Ad%2F%C3%A9%25');
    const header = basicClientAuthorization('my client:1', 'p@ss word/=');
    expect(header).toBe(
      `Basic ${Buffer.from('my+client%3A1:p%40ss+word%2F%3D').toString('base64')}`,
    );
  });

  it('client_secret_basic (the default): the Authorization header, the token in the form body', async () => {
    await introspector({ clientId: 'res server', clientSecret: 's:é' }).introspect(TOKEN);
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.headers['authorization']).toBe(
      `Basic ${Buffer.from('res+server:s%3A%C3%A9').toString('base64')}`,
    );
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
    });
  });

  it('client_secret_post: id and secret in the body, no Authorization header', async () => {
    await introspector({ authMethod: 'client_secret_post', clientSecret: 's&=x' }).introspect(
      TOKEN,
    );
    const [request] = seen;
    expect(request!.headers['authorization']).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
      client_id: 'api',
      client_secret: 's&=x',
    });
  });
});

describe('the answer (RFC 7662 §2.2)', () => {
  it('an active token: sub is the id, scope the scopes, the answer the claims', async () => {
    const exp = now() + 300;
    answer.body = { active: true, sub: 'alice', scope: 'a b', exp, client_id: 'c' };
    const principal = await introspector().introspect(TOKEN);
    expect(principal).toEqual({
      id: 'alice',
      roles: [],
      scopes: ['a', 'b'],
      claims: answer.body,
    });
    expect(introspectedExpiry(principal)).toBe(exp * 1000);
  });

  it('without sub, client_id is the id; with neither the token is refused', async () => {
    answer.body = { active: true, client_id: 'batch-job' };
    const principal = await introspector().introspect(TOKEN);
    expect(principal.id).toBe('batch-job');
    expect(principal.scopes).toEqual([]);
    expect(introspectedExpiry(principal)).toBeUndefined();
    answer.body = { active: true };
    expect((await refusal(introspector().introspect(TOKEN))).code).toBe('token_invalid');
  });

  it('C-1.2: active false is token_invalid', async () => {
    answer.body = { active: false };
    const err = await refusal(introspector().introspect(TOKEN));
    expect(err.code).toBe('token_invalid');
    expect(err.description).toBe('The access token is not active');
  });

  it('C-1.2: an exp in the past is token_expired, with its instant', async () => {
    const exp = now() - 10;
    answer.body = { active: true, sub: 'alice', exp };
    const err = await refusal(introspector().introspect(TOKEN));
    expect(err.code).toBe('token_expired');
    expect(err.expiresAt?.getTime()).toBe(exp * 1000);
  });

  it('C-1.2: an nbf in the future, or an exp that is not a number, is token_invalid', async () => {
    answer.body = { active: true, sub: 'alice', nbf: now() + 60 };
    let err = await refusal(introspector().introspect(TOKEN));
    expect([err.code, err.description]).toEqual([
      'token_invalid',
      'The access token is not valid yet',
    ]);
    answer.body = { active: true, sub: 'alice', nbf: now() - 60 };
    await expect(introspector().introspect(TOKEN)).resolves.toMatchObject({ id: 'alice' });
    answer.body = { active: true, sub: 'alice', exp: 'soon' };
    err = await refusal(introspector().introspect(TOKEN));
    expect(err.code).toBe('token_invalid');
  });

  it('C-1.2: aud must include the configured audience', async () => {
    const checked = introspector({ audience: 'https://api.example' });
    answer.body = { active: true, sub: 'alice', aud: ['https://other', 'https://api.example'] };
    await expect(checked.introspect(TOKEN)).resolves.toMatchObject({ id: 'alice' });
    answer.body = { active: true, sub: 'alice', aud: 'https://api.example' };
    await expect(checked.introspect(TOKEN)).resolves.toMatchObject({ id: 'alice' });
    for (const aud of ['https://other', undefined, ['x']]) {
      answer.body = { active: true, sub: 'alice', aud };
      const err = await refusal(checked.introspect(TOKEN));
      expect(err.description).toBe('The access token aud claim is not accepted');
    }
  });

  it('C-1.2: iss must be one of acceptedIssuers', async () => {
    const checked = introspector({ acceptedIssuers: ['https://as.example', 'https://as2'] });
    answer.body = { active: true, sub: 'alice', iss: 'https://as2' };
    await expect(checked.introspect(TOKEN)).resolves.toMatchObject({ id: 'alice' });
    for (const iss of ['https://evil', undefined]) {
      answer.body = { active: true, sub: 'alice', iss };
      const err = await refusal(checked.introspect(TOKEN));
      expect(err.description).toBe('The access token iss claim is not accepted');
    }
  });
});

describe('C-1.6: an endpoint that cannot be used is a 503, never a principal or a 401', () => {
  async function unavailable(make: TokenIntrospector = introspector()): Promise<void> {
    const err = await rejection(make.introspect(TOKEN));
    expect(err).toBeInstanceOf(AuthUnavailableError);
    expect((err as AuthUnavailableError).retryAfter).toBeGreaterThan(0);
  }

  it.each<[string, { status: number; body: unknown }]>([
    ['a 500', { status: 500, body: { active: true, sub: 'alice' } }],
    ['a 401 (wrong client credentials)', { status: 401, body: { error: 'invalid_client' } }],
    ['an answer that is not JSON', { status: 200, body: '<html>' }],
    ['a JSON array', { status: 200, body: [] }],
    ['no boolean active', { status: 200, body: { active: 'true', sub: 'alice' } }],
  ])('%s', async (_name, next) => {
    answer = next;
    await unavailable();
  });

  it('a timeout', async () => {
    answer = { ...answer, delayMs: 300 };
    await unavailable(introspector({ timeout: 0.05 }));
  });

  it('an endpoint that is down; logged with the endpoint, never the token (C-4.5)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await unavailable(introspector({ url: `http://127.0.0.1:${port}/introspect?x=1` }));
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toContain(`http://127.0.0.1:${port}/introspect `);
    expect(logger.lines[0]).toContain('answering 503');
    expect(logger.lines[0]).not.toContain(TOKEN);
    expect(logger.lines[0]).not.toContain('secret');
  });
});

describe('with the scheme and the verification cache', () => {
  /** The cache's TTL clock (lru-cache reads it at most every millisecond, so each step waits one tick). */
  let clock = 1_000_000;
  async function advance(ms: number): Promise<void> {
    clock += ms;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  function scheme(): BearerScheme {
    return new BearerScheme('api', {
      introspection: { url, clientId: 'api', clientSecret: 'secret' },
    });
  }

  it('is remote (OpenAPI documents 503) and has no bearerFormat', () => {
    const bearer = scheme();
    expect(bearer.remote).toBe(true);
    expect(bearer.securitySchemes()).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
  });

  it('remembers a success until the answer’s exp at most, and shares concurrent first calls', async () => {
    const bearer = scheme();
    const cache = new VerificationCache({ ttl: 60 }, { now: () => clock });
    answer.body = { active: true, sub: 'alice', exp: now() + 10 };
    const verify = (): Promise<unknown> =>
      cache.verify(
        'bearer',
        { material: TOKEN, expiresAt: (p) => bearer.expiresAt(TOKEN, p) },
        () => bearer.verify(TOKEN, {}),
      );
    const principals = await Promise.all(Array.from({ length: 20 }, verify));
    expect(seen).toHaveLength(1);
    expect(new Set(principals).size).toBe(1);
    await advance(8_000);
    await verify();
    expect(seen).toHaveLength(1);
    // Past exp (at most 10 s from now), before the ttl (60 s): asked again.
    await advance(3_000);
    await verify();
    expect(seen).toHaveLength(2);
  });

  it('remembers a refusal for failureTtl, never a 503', async () => {
    const bearer = scheme();
    const cache = new VerificationCache({ ttl: 60, failureTtl: 2 }, { now: () => clock });
    const verify = (): Promise<unknown> =>
      cache.verify('bearer', { material: TOKEN }, () => bearer.verify(TOKEN, {}));
    answer = { status: 503, body: '' };
    await expect(verify()).rejects.toBeInstanceOf(AuthUnavailableError);
    await expect(verify()).rejects.toBeInstanceOf(AuthUnavailableError);
    expect(seen).toHaveLength(2);
    answer = { status: 200, body: { active: false } };
    await expect(verify()).rejects.toBeInstanceOf(AuthenticationError);
    await expect(verify()).rejects.toBeInstanceOf(AuthenticationError);
    expect(seen).toHaveLength(3);
    await advance(2_001);
    await expect(verify()).rejects.toBeInstanceOf(AuthenticationError);
    expect(seen).toHaveLength(4);
  });
});

describe('C-1.8: start-up validation', () => {
  function startUpError(options: AuthModuleOptions): string {
    try {
      resolveAuthOptions(options);
    } catch (err) {
      expect(err).toBeInstanceOf(AuthConfigurationError);
      return (err as Error).message;
    }
    throw new Error('resolveAuthOptions() did not throw');
  }
  const ok = { url: 'https://as.example/introspect', clientId: 'api', clientSecret: 's' };
  const withIntrospection = (extra: Record<string, unknown>): AuthModuleOptions => ({
    bearer: { introspection: { ...ok, ...extra } },
  });

  it('accepts a complete configuration', () => {
    expect(() => resolveAuthOptions({ bearer: { introspection: ok } })).not.toThrow();
  });

  it('needs exactly one of jwt, introspection and validate', () => {
    expect(startUpError({ bearer: { introspection: ok, validate: () => ({ id: 'x' }) } })).toBe(
      'nest-http-auth: bearer needs exactly one of jwt, introspection or validate (got introspection, validate).',
    );
    expect(startUpError({ bearer: { introspection: ok, jwt: { secret: 'x'.repeat(32) } } })).toBe(
      'nest-http-auth: bearer needs exactly one of jwt, introspection or validate (got jwt, introspection).',
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['url not a URL', { url: 'nope' }, 'bearer.introspection.url is not a URL: "nope".'],
    [
      'url not http(s)',
      { url: 'ftp://as/x' },
      'bearer.introspection.url must be an https: (or http:) URL, not ftp:.',
    ],
    [
      'url with a password',
      { url: 'https://u:p@as/x' },
      'bearer.introspection.url must not contain a user name or password (use clientId and clientSecret).',
    ],
    [
      'clientId missing',
      { clientId: undefined },
      'bearer.introspection.clientId must be a non-empty string, got undefined (an environment variable read before it was set?).',
    ],
    [
      'clientSecret empty',
      { clientSecret: '' },
      'bearer.introspection.clientSecret must be a non-empty string, got string.',
    ],
    [
      'authMethod unknown',
      { authMethod: 'private_key_jwt' },
      `bearer.introspection.authMethod must be 'client_secret_basic' or 'client_secret_post', got "private_key_jwt".`,
    ],
    [
      'timeout 0',
      { timeout: 0 },
      'bearer.introspection.timeout must be a positive finite number of seconds, got 0.',
    ],
    [
      'acceptedIssuers empty',
      { acceptedIssuers: [] },
      'bearer.introspection.acceptedIssuers must be a non-empty string or a non-empty list of them.',
    ],
    [
      'audience not a string',
      { audience: 42 },
      'bearer.introspection.audience must be a non-empty string or a non-empty list of them.',
    ],
  ])('%s: one line naming the option', (_name, extra, message) => {
    const text = startUpError(withIntrospection(extra));
    expect(text).toBe(`nest-http-auth: ${message}`);
    expect(text).not.toContain('\n');
  });
});
