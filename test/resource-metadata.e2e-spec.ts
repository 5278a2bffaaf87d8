import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import request from 'supertest';
import { AuthModule, type AuthModuleOptions } from '../lib/index.js';
import { USERS } from './fixtures/credentials.js';
import {
  BASE_AUTH_OPTIONS,
  buildApp,
  createApp,
  TEST_CONTROLLERS,
  type Platform,
} from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { basic, bearer, challenges } from './support/http.js';

/*
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), docs/contract.md C-2.11, on Express and
 * Fastify: the document at the well-known path and its path-suffixed form, public and outside the
 * OpenAPI document, and resource_metadata="<metadata URL>" in every Bearer challenge; nothing of it
 * without the option.
 */

const RESOURCE = 'https://api.example.com/v1';
const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const METADATA_URL = `https://api.example.com${WELL_KNOWN}/v1`;
const RESOURCE_METADATA: AuthModuleOptions['resourceMetadata'] = {
  resource: RESOURCE,
  authorizationServers: ['https://as.example.com', 'https://login.example.org/tenant-1'],
  resourceName: 'Test API',
  resourceDocumentation: 'https://docs.example.com/api',
};

/** The members RFC 9728 §2 defines (and §4 registers), with their JSON types. */
const STRING_ARRAYS = [
  'authorization_servers',
  'scopes_supported',
  'bearer_methods_supported',
  'resource_signing_alg_values_supported',
  'authorization_details_types_supported',
  'dpop_signing_alg_values_supported',
];
const URLS = ['jwks_uri', 'resource_documentation', 'resource_policy_uri', 'resource_tos_uri'];
const STRINGS = ['resource_name'];
const BOOLEANS = [
  'tls_client_certificate_bound_access_tokens',
  'dpop_bound_access_tokens_required',
];

function isAbsoluteUrl(value: unknown, https: boolean): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  const schemes = https ? ['https:'] : ['https:', 'http:'];
  return schemes.includes(url.protocol) && url.hash === '' && !value.includes('#');
}

/**
 * Checks a body against RFC 9728 §2: a JSON object, `resource` required and an absolute URL
 * without fragment, every other member one the RFC defines, with its type (arrays of strings,
 * URLs, strings, booleans), issuer identifiers and Bearer methods as §2 and RFC 8414 §2 describe.
 */
function expectRfc9728Document(body: unknown): void {
  expect(typeof body === 'object' && body !== null && !Array.isArray(body)).toBe(true);
  const document = body as Record<string, unknown>;
  expect(isAbsoluteUrl(document['resource'], false)).toBe(true);
  for (const [name, value] of Object.entries(document)) {
    if (name === 'resource') continue;
    if (STRING_ARRAYS.includes(name)) {
      expect(Array.isArray(value) && value.every((item) => typeof item === 'string')).toBe(true);
    } else if (URLS.includes(name)) {
      expect(isAbsoluteUrl(value, false)).toBe(true);
    } else if (STRINGS.includes(name)) {
      expect(typeof value).toBe('string');
    } else if (BOOLEANS.includes(name)) {
      expect(typeof value).toBe('boolean');
    } else {
      throw new Error(`${name} is not a member of RFC 9728 §2`);
    }
  }
  for (const issuer of (document['authorization_servers'] as unknown[] | undefined) ?? []) {
    expect(isAbsoluteUrl(issuer, false) && !(issuer as string).includes('?')).toBe(true);
  }
  for (const method of (document['bearer_methods_supported'] as unknown[] | undefined) ?? []) {
    expect(['header', 'body', 'query']).toContain(method);
  }
}

/** RFC 9110 §11.2: token "=" ( token / quoted-string ), and §5.6.4 quoted-string. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PARAM = new RegExp(`^(${TOKEN})=(?:"((?:[^"\\\\]|\\\\.)*)"|(${TOKEN}))`);

/**
 * Parses one challenge line strictly (RFC 9110 §11.6.1): its scheme and auth-params in order,
 * quoted values unescaped, and which values were quoted. Anything else fails the test.
 */
function parseChallenge(line: string): {
  scheme: string;
  params: Record<string, string>;
  quoted: string[];
} {
  const head = new RegExp(`^(${TOKEN})(?: +|$)`).exec(line);
  if (!head) throw new Error(`not a challenge: ${line}`);
  const params: Record<string, string> = {};
  const quoted: string[] = [];
  let rest = line.slice(head[0].length);
  while (rest !== '') {
    const param = PARAM.exec(rest);
    if (!param) throw new Error(`not an auth-param list: ${rest}`);
    const name = param[1]!.toLowerCase();
    if (name in params) throw new Error(`auth-param ${name} twice in ${line}`);
    params[name] = param[2] === undefined ? param[3]! : param[2].replace(/\\(.)/g, '$1');
    if (param[2] !== undefined) quoted.push(name);
    rest = rest.slice(param[0].length);
    if (rest === '') break;
    const separator = /^ *, */.exec(rest);
    if (!separator) throw new Error(`no comma after ${name} in ${line}`);
    rest = rest.slice(separator[0].length);
  }
  return { scheme: head[1]!, params, quoted };
}

describe.each<[Platform]>([['express'], ['fastify']])(
  'protected resource metadata on %s',
  (platform) => {
    describe('C-2.11: configured, resource with a path', () => {
      let app: INestApplication;
      const http = () => request(app.getHttpServer() as Parameters<typeof request>[0]);

      beforeAll(async () => {
        // `default` covers every route without @Auth(): the document stays public.
        app = await createApp(
          platform,
          { default: ['bearer'], resourceMetadata: RESOURCE_METADATA },
          TEST_CONTROLLERS,
          { cors: { origin: 'https://app.example.com' } },
        );
      });

      afterAll(async () => {
        await app?.close();
      });

      it('C-2.11: serves the document at the path-suffixed well-known URL, as JSON, without credentials', async () => {
        const res = await http().get(`${WELL_KNOWN}/v1`);
        expect(res.status).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json(;|$)/);
        expect(challenges(res)).toEqual([]);
        expectRfc9728Document(res.body);
        expect(res.body).toEqual({
          resource: RESOURCE,
          authorization_servers: ['https://as.example.com', 'https://login.example.org/tenant-1'],
          // Derived: the scopes of the routes that accept Bearer (GET /authz/orders).
          scopes_supported: ['orders:read', 'orders:write'],
          bearer_methods_supported: ['header'],
          resource_name: 'Test API',
          resource_documentation: 'https://docs.example.com/api',
        });
      });

      it('C-2.11: serves the same document at the well-known path without suffix', async () => {
        const [suffixed, plain] = await Promise.all([
          http().get(`${WELL_KNOWN}/v1`),
          http().get(WELL_KNOWN),
        ]);
        expect(plain.status).toBe(200);
        expect(plain.body).toEqual(suffixed.body);
        expect((await http().get(`${WELL_KNOWN}/v2`)).status).toBe(404);
      });

      it('C-2.11: answers HEAD, and a page of another origin may read it when CORS is enabled', async () => {
        const head = await http().head(`${WELL_KNOWN}/v1`);
        expect(head.status).toBe(200);
        expect(head.headers['content-type']).toMatch(/^application\/json(;|$)/);
        const cors = await http().get(WELL_KNOWN).set('Origin', 'https://app.example.com');
        expect(cors.status).toBe(200);
        expect(cors.headers['access-control-allow-origin']).toBe('https://app.example.com');
      });

      it('C-2.11: ignores credentials, even invalid ones (no guard runs)', async () => {
        const res = await http().get(`${WELL_KNOWN}/v1`).set('Authorization', bearer('not-a-jwt'));
        expect(res.status).toBe(200);
        expect((res.body as { resource: string }).resource).toBe(RESOURCE);
      });

      it('C-2.11: a 401 without a token names the metadata URL as a quoted-string', async () => {
        const res = await http().get('/bearer');
        expect(res.status).toBe(401);
        expect(challenges(res)).toEqual([
          `Bearer realm="api", resource_metadata="${METADATA_URL}"`,
        ]);
        const parsed = parseChallenge(challenges(res)[0]!);
        expect(parsed).toEqual({
          scheme: 'Bearer',
          params: { realm: 'api', resource_metadata: METADATA_URL },
          quoted: ['realm', 'resource_metadata'],
        });
      });

      it('C-2.11: the URL in the challenge serves the document whose resource the client checks (RFC 9728 §3.3)', async () => {
        const { params } = parseChallenge(challenges(await http().get('/bearer'))[0]!);
        const url = new URL(params['resource_metadata']!);
        const res = await http().get(url.pathname);
        expect(res.status).toBe(200);
        expect((res.body as { resource: string }).resource).toBe(RESOURCE);
      });

      it('C-2.11: a refused token (401): after the error attributes', async () => {
        const expired = await signToken({ sub: 'alice' }, { exp: nowInSeconds() - 60 });
        const res = await http().get('/bearer').set('Authorization', bearer(expired));
        expect(res.status).toBe(401);
        expect(challenges(res).map(parseChallenge)).toEqual([
          {
            scheme: 'Bearer',
            params: {
              realm: 'api',
              error: 'invalid_token',
              error_description: 'The access token expired',
              resource_metadata: METADATA_URL,
            },
            quoted: ['realm', 'error', 'error_description', 'resource_metadata'],
          },
        ]);
      });

      it('C-2.11: a 403 of a Bearer principal names it too; the Basic challenge of the route does not', async () => {
        const token = await signToken({ sub: 'alice', scope: 'orders:read' });
        const forbidden = await http().get('/authz/orders').set('Authorization', bearer(token));
        expect(forbidden.status).toBe(403);
        expect(challenges(forbidden)).toEqual([
          `Bearer realm="api", error="insufficient_scope", resource_metadata="${METADATA_URL}"`,
        ]);
        expect(parseChallenge(challenges(forbidden)[0]!).params['resource_metadata']).toBe(
          METADATA_URL,
        );
        const missing = await http().get('/any/bearer-basic');
        expect(missing.status).toBe(401);
        expect(challenges(missing)).toEqual([
          `Bearer realm="api", resource_metadata="${METADATA_URL}"`,
          'Basic realm="api", charset="UTF-8"',
        ]);
        // A 403 of a Basic principal still has no challenge (C-2.6).
        const basicUser = await http()
          .get('/authz/orders')
          .set('Authorization', basic(USERS.alice.username, USERS.alice.password));
        expect(basicUser.status).toBe(403);
        expect(challenges(basicUser)).toEqual([]);
      });

      it('C-2.11: is not part of the OpenAPI document', () => {
        const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
        expect(Object.keys(document.paths).length).toBeGreaterThan(0);
        expect(Object.keys(document.paths).filter((path) => path.includes('well-known'))).toEqual(
          [],
        );
      });
    });

    describe('C-2.11: configured, resource without a path, under a global prefix', () => {
      let app: INestApplication;
      const http = () => request(app.getHttpServer() as Parameters<typeof request>[0]);

      beforeAll(async () => {
        app = await buildApp(platform, {
          imports: [
            AuthModule.forRoot({
              ...BASE_AUTH_OPTIONS,
              bearer: { ...BASE_AUTH_OPTIONS.bearer, allowQuery: true },
              resourceMetadata: { resource: 'http://127.0.0.1:8080' },
            }),
          ],
          controllers: [...TEST_CONTROLLERS],
        });
        app.setGlobalPrefix('api');
        await app.init();
        if (platform === 'fastify')
          await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
      });

      afterAll(async () => {
        await app?.close();
      });

      it('C-2.11: is served at the well-known path, which the global prefix does not move', async () => {
        const res = await http().get(WELL_KNOWN);
        expect(res.status).toBe(200);
        expectRfc9728Document(res.body);
        expect(res.body).toEqual({
          resource: 'http://127.0.0.1:8080',
          scopes_supported: ['orders:read', 'orders:write'],
          bearer_methods_supported: ['header', 'query'],
        });
        expect((await http().get(`/api${WELL_KNOWN}`)).status).toBe(404);
        expect((await http().get(`${WELL_KNOWN}/api`)).status).toBe(404);
      });

      it('C-2.11: the prefixed routes challenge with the metadata URL of the origin, 400 included', async () => {
        const url = `http://127.0.0.1:8080${WELL_KNOWN}`;
        const missing = await http().get('/api/bearer');
        expect(missing.status).toBe(401);
        expect(challenges(missing)).toEqual([`Bearer realm="api", resource_metadata="${url}"`]);
        const token = await signToken({ sub: 'alice' });
        const twice = await http()
          .get(`/api/bearer?access_token=${token}`)
          .set('Authorization', bearer(token));
        expect(twice.status).toBe(400);
        expect(parseChallenge(challenges(twice)[0]!).params).toEqual({
          realm: 'api',
          error: 'invalid_request',
          error_description: 'The access token was sent by more than one method',
          resource_metadata: url,
        });
      });
    });

    describe('C-2.11: not configured', () => {
      let app: INestApplication;
      const http = () => request(app.getHttpServer() as Parameters<typeof request>[0]);

      beforeAll(async () => {
        app = await createApp(platform);
      });

      afterAll(async () => {
        await app?.close();
      });

      it('C-2.11: serves no document: 404', async () => {
        expect((await http().get(WELL_KNOWN)).status).toBe(404);
      });

      it('C-2.3, C-2.11: Bearer challenges carry no resource_metadata', async () => {
        const res = await http().get('/bearer');
        expect(res.status).toBe(401);
        expect(challenges(res)).toEqual(['Bearer realm="api"']);
        const token = await signToken({ sub: 'alice' });
        const forbidden = await http().get('/authz/orders').set('Authorization', bearer(token));
        expect(challenges(forbidden)).toEqual(['Bearer realm="api", error="insufficient_scope"']);
      });
    });
  },
);
