import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';
import { Auth, type AuthPrincipal, Principal } from '../lib/index.js';
import { STORE_DOWN_USER, STORE_RETRY_AFTER, USERS } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic, bearer, headerLines } from './support/http.js';

/*
 * Browser clients (docs/errors.md "Browser clients (CORS)"): with CORS enabled by the application
 * (`app.enableCors()`), the module's answers expose `WWW-Authenticate` (and `Retry-After` on 429
 * and 503) to a script of another origin, merged with what the application exposes itself, so
 * that the challenges of docs/contract.md C-2 reach it. Without CORS nothing changes.
 */

const ORIGIN = 'http://127.0.0.1:5173';
const ALLOWED_HEADERS = ['Authorization', 'X-API-Key', 'Content-Type'];
const BASIC = 'Basic realm="api", charset="UTF-8"';
const BEARER = 'Bearer realm="api"';
const EXPIRED =
  'Bearer realm="api", error="invalid_token", error_description="The access token expired"';
const BEARER_FORBIDDEN = 'Bearer realm="api", error="insufficient_scope"';

/** Handler runs, by route: a refused request must leave them unchanged. */
const calls = { me: 0, admin: 0 };

@Controller('cors')
class CorsController {
  @Get('me')
  @Auth('bearer', 'basic')
  me(@Principal() principal: AuthPrincipal): { id: string } {
    calls.me++;
    return { id: principal.id };
  }

  @Get('admin')
  @Auth('bearer', 'basic', { roles: ['admin'] })
  admin(@Principal() principal: AuthPrincipal): { id: string } {
    calls.admin++;
    return { id: principal.id };
  }
}

/** Every `Access-Control-Expose-Headers` line of a response (one expected, or none). */
function exposed(res: Response): string[] {
  return headerLines(res, 'Access-Control-Expose-Headers');
}

describe.each<[Platform]>([['express'], ['fastify']])('CORS on %s', (platform) => {
  /** CORS for ORIGIN, exposing nothing of its own. */
  let bare: INestApplication;
  /** CORS exposing `X-Request-Id`, and a throttle that locks an identity out after one failure. */
  let exposing: INestApplication;
  /** CORS exposing names the module adds too, in another case. */
  let overlapping: INestApplication;
  /** No CORS at all. */
  let none: INestApplication;

  beforeAll(async () => {
    const cors = { origin: ORIGIN, allowedHeaders: ALLOWED_HEADERS };
    [bare, exposing, overlapping, none] = await Promise.all([
      createApp(platform, {}, [CorsController], { cors }),
      createApp(platform, { throttle: { maxFailures: 1 } }, [CorsController], {
        cors: { ...cors, exposedHeaders: ['X-Request-Id'] },
      }),
      createApp(platform, {}, [CorsController], {
        cors: { ...cors, exposedHeaders: ['x-request-id', 'www-authenticate'] },
      }),
      createApp(platform, {}, [CorsController]),
    ]);
  });

  afterAll(async () => {
    await Promise.all([bare, exposing, overlapping, none].map((app) => app?.close()));
  });

  const get = (app: INestApplication, path: string, authorization?: string) => {
    const req = request(app.getHttpServer()).get(path).set('Origin', ORIGIN);
    return authorization === undefined ? req : req.set('Authorization', authorization);
  };

  it('C-2: a preflight is answered by CORS alone: 204, the origin and headers allowed, no challenge, no handler', async () => {
    const before = calls.me;
    const res = await request(bare.getHttpServer())
      .options('/cors/me')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization,x-api-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(
      String(res.headers['access-control-allow-headers'])
        .split(',')
        .map((name) => name.trim()),
    ).toEqual(ALLOWED_HEADERS);
    expect(headerLines(res, 'WWW-Authenticate')).toEqual([]);
    expect(calls.me).toBe(before);
  });

  it('C-2.1: a 401 for an Origin carries Access-Control-Allow-Origin and exposes WWW-Authenticate, with every challenge', async () => {
    const before = calls.me;
    const res = await get(bare, '/cors/me');
    expectAuthFailure(res, 'credentials_missing', [BEARER, BASIC]);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(exposed(res)).toEqual(['WWW-Authenticate']);
    expect(calls.me).toBe(before);
  });

  it('C-2.4: the 401 of an expired token exposes its invalid_token challenge', async () => {
    const expired = await signToken({ sub: 'alice' }, { exp: nowInSeconds() - 60 });
    const res = await get(bare, '/cors/me', bearer(expired));
    expect(res.status).toBe(401);
    expect(headerLines(res, 'WWW-Authenticate')).toEqual([EXPIRED, BASIC]);
    expect(exposed(res)).toEqual(['WWW-Authenticate']);
  });

  it('C-2.6: a 403 exposes WWW-Authenticate (the insufficient_scope challenge), and the handler does not run', async () => {
    const before = calls.admin;
    const token = await signToken({ sub: 'alice', roles: ['user'] });
    const res = await get(bare, '/cors/admin', bearer(token));
    expectAuthFailure(res, 'insufficient_scope', [BEARER_FORBIDDEN]);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(exposed(res)).toEqual(['WWW-Authenticate']);
    expect(calls.admin).toBe(before);
  });

  it('C-2.9: a 503 exposes Retry-After', async () => {
    const res = await get(bare, '/cors/me', basic(STORE_DOWN_USER, 'any'));
    expectAuthFailure(res, 'service_unavailable', []);
    expect(res.headers['retry-after']).toBe(String(STORE_RETRY_AFTER));
    expect(exposed(res)).toEqual(['Retry-After']);
  });

  it("C-2: the application's exposedHeaders are kept and merged with WWW-Authenticate, in one line", async () => {
    const res = await get(exposing, '/cors/me');
    expectAuthFailure(res, 'credentials_missing', [BEARER, BASIC]);
    expect(exposed(res)).toEqual(['X-Request-Id, WWW-Authenticate']);

    // A success is the application's own answer: the module adds nothing to it.
    const before = calls.me;
    const ok = await get(exposing, '/cors/me', basic(USERS.admin.username, USERS.admin.password));
    expect(ok.status).toBe(200);
    expect(calls.me).toBe(before + 1);
    expect(exposed(ok)).toEqual(['X-Request-Id']);
  });

  it('C-2: names the application already exposes are not repeated, whatever their case, and keep its spelling', async () => {
    const res = await get(overlapping, '/cors/me');
    expect(res.status).toBe(401);
    expect(exposed(res)).toEqual(['x-request-id, www-authenticate']);
  });

  it('C-2.9, C-1.5: a 429 of the throttle (maxFailures: 1) exposes Retry-After, merged too', async () => {
    // Two different wrong passwords: a remembered rejection is answered without asking the throttle.
    const wrong = (password: string) => basic(USERS.aladdin.username, password);
    const first = await get(exposing, '/cors/me', wrong('wrong-1'));
    expectAuthFailure(first, 'credentials_invalid', [BEARER, BASIC]);
    expect(exposed(first)).toEqual(['X-Request-Id, WWW-Authenticate']);

    const res = await get(exposing, '/cors/me', wrong('wrong-2'));
    expectAuthFailure(res, 'too_many_attempts', []);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(exposed(res)).toEqual(['X-Request-Id, Retry-After']);
  });

  it('C-2: without CORS, a 401 for an Origin has neither Access-Control-Allow-Origin nor an expose header', async () => {
    const res = await get(none, '/cors/me');
    expectAuthFailure(res, 'credentials_missing', [BEARER, BASIC]);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(exposed(res)).toEqual([]);
  });
});
