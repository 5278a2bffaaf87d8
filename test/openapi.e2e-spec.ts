import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import SwaggerParser from '@apidevtools/swagger-parser';
import { documentAuth } from 'nest-http-auth/openapi';
import { expectDocumentMatchesEnforcement, findEnforcementDrift } from 'nest-http-auth/testing';
import { type AuthStore, MemoryAuthStore } from '../lib/index.js';
import { BEARER_OPTIONS, createApp, type Platform } from './fixtures/test-app.js';

/** A store that is not the in-memory one (as a Redis store is not): it can be unreachable. */
function sharedStore(): AuthStore {
  const memory = new MemoryAuthStore();
  return {
    increment: (key, windowMs) => memory.increment(key, windowMs),
    count: (key) => memory.count(key),
    set: (key, value, ttlMs) => memory.set(key, value, ttlMs),
    get: (key) => memory.get(key),
    take: (key) => memory.take(key),
    delete: (key) => memory.delete(key),
    publishInvalidation: (id) => memory.publishInvalidation(id),
    onInvalidation: (listener) => memory.onInvalidation(listener),
  };
}

type Operation = {
  security?: Record<string, string[]>[];
  responses: Record<
    string,
    { description?: string; headers?: Record<string, { description: string }>; content?: object }
  >;
  description?: string;
};

function operation(document: OpenAPIObject, path: string, method = 'get'): Operation {
  const found = (document.paths[path] as Record<string, Operation | undefined> | undefined)?.[
    method
  ];
  if (!found) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  return found;
}

async function documentOf(app: INestApplication, version: string): Promise<OpenAPIObject> {
  const config = new DocumentBuilder().setTitle('e2e').setOpenAPIVersion(version).build();
  return documentAuth(app, SwaggerModule.createDocument(app, config));
}

const BASIC = 'Basic realm="api", charset="UTF-8"';
const BEARER = 'Bearer realm="api"';
const API_KEY_HEADER = 'ApiKey realm="api", in="header", name="X-API-Key"';
const API_KEY_QUERY = 'ApiKey realm="api", in="query", name="api_key"';

describe.each<[Platform]>([['express'], ['fastify']])('OpenAPI document on %s', (platform) => {
  describe.each([['3.0.0'], ['3.1.0']])('OpenAPI %s, with a global default', (version) => {
    let app: INestApplication;
    let document: OpenAPIObject;
    const v31 = version === '3.1.0';

    beforeAll(async () => {
      app = await createApp(platform, { default: ['bearer'] });
      document = await documentOf(app, version);
    });
    afterAll(() => app.close());

    it('C-6: the document validates against the OpenAPI schema', async () => {
      await expect(
        SwaggerParser.validate(structuredClone(document) as never),
      ).resolves.toBeDefined();
    });

    it('C-6: components.securitySchemes holds exactly the configured schemes, named as in @Auth()', () => {
      expect(document.components?.securitySchemes).toEqual({
        basic: { type: 'http', scheme: 'basic' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
      });
    });

    it('C-6: any-of becomes one requirement per scheme, in declared order', () => {
      expect(operation(document, '/any/bearer-basic').security).toEqual([
        { bearer: [] },
        { basic: [] },
      ]);
      expect(operation(document, '/any/basic-bearer').security).toEqual([
        { basic: [] },
        { bearer: [] },
      ]);
      expect(operation(document, '/api-key').security).toEqual([
        { apiKey: [] },
        { apiKeyQuery: [] },
      ]);
    });

    it('C-6: all-of becomes one requirement with several keys (per API-key location)', () => {
      expect(operation(document, '/all/api-key-bearer').security).toEqual([
        { apiKey: [], bearer: [] },
        { apiKeyQuery: [], bearer: [] },
      ]);
    });

    it('C-6: optional auth adds the empty requirement', () => {
      expect(operation(document, '/optional').security).toEqual([
        { bearer: [] },
        { basic: [] },
        {},
      ]);
    });

    it('C-6: the global default applies to routes without @Auth(); @Public() gets security: []', () => {
      expect(operation(document, '/default/implicit').security).toEqual([{ bearer: [] }]);
      expect(operation(document, '/errors/not-found').security).toEqual([{ bearer: [] }]);
      expect(operation(document, '/default/public').security).toEqual([]);
      expect(operation(document, '/public-class/open').security).toEqual([]);
      expect(operation(document, '/public-class/guarded').security).toEqual([{ basic: [] }]);
    });

    it('C-6: method declarations override class declarations, as the guard does', () => {
      expect(operation(document, '/class/inherited').security).toEqual([{ basic: [] }]);
      expect(operation(document, '/class/method-auth').security).toEqual([{ bearer: [] }]);
      expect(operation(document, '/class/public').security).toEqual([]);
    });

    it(`C-6: roles and scopes ${v31 ? 'appear in every requirement (3.1)' : 'go into the description (3.0)'}`, () => {
      const admin = operation(document, '/authz/admin');
      const orders = operation(document, '/authz/orders');
      if (v31) {
        expect(admin.security).toEqual([
          { bearer: ['admin'] },
          { basic: ['admin'] },
          { apiKey: ['admin'] },
          { apiKeyQuery: ['admin'] },
        ]);
        expect(orders.security).toEqual([
          { bearer: ['orders:read', 'orders:write'] },
          { basic: ['orders:read', 'orders:write'] },
        ]);
        expect(admin.description).toBeUndefined();
      } else {
        expect(admin.security).toEqual([
          { bearer: [] },
          { basic: [] },
          { apiKey: [] },
          { apiKeyQuery: [] },
        ]);
        expect(admin.description).toBe('Requires roles `admin` (403 otherwise).');
        expect(orders.description).toBe(
          'Requires scopes `orders:read`, `orders:write` (403 otherwise).',
        );
      }
    });

    it('C-6: every guarded operation documents 401 with its challenges and the error body', () => {
      const unauthorized = operation(document, '/any/bearer-basic').responses['401']!;
      expect(unauthorized.headers?.['WWW-Authenticate']?.description).toBe(
        `One line per challenge: \`${BEARER}\` \`${BASIC}\``,
      );
      expect(unauthorized.content).toEqual({
        'application/json': { schema: { $ref: '#/components/schemas/AuthError' } },
      });
      expect(
        operation(document, '/all/api-key-bearer').responses['401']!.headers?.['WWW-Authenticate']
          ?.description,
      ).toBe(`One line per challenge: \`${API_KEY_HEADER}\` \`${API_KEY_QUERY}\` \`${BEARER}\``);
      expect(document.components?.schemas?.['AuthError']).toMatchObject({
        required: ['statusCode', 'error', 'message', 'code'],
      });
    });

    it('C-6: 403 only where roles/scopes are checked (with the Bearer challenge); 400 only where Bearer is accepted', () => {
      const admin = operation(document, '/authz/admin').responses;
      expect(Object.keys(admin).sort()).toEqual(['200', '400', '401', '403']);
      expect(admin['403']!.headers?.['WWW-Authenticate']?.description).toBe(
        'For Bearer principals: `Bearer realm="api", error="insufficient_scope"`',
      );
      expect(Object.keys(operation(document, '/basic').responses).sort()).toEqual(['200', '401']);
      expect(Object.keys(operation(document, '/bearer').responses).sort()).toEqual([
        '200',
        '400',
        '401',
      ]);
      expect(Object.keys(operation(document, '/default/public').responses)).toEqual(['200']);
    });

    it('leaves no internal extension in the document', () => {
      expect(JSON.stringify(document)).not.toContain('x-nest-http-auth');
    });

    it('C-6: the drift helper finds no difference between the document and the guard', async () => {
      await expect(expectDocumentMatchesEnforcement(app, document)).resolves.toBeUndefined();
    });

    it('C-6: the drift helper catches a guarded route documented as open, and an open route documented as guarded', async () => {
      const drifted = structuredClone(document);
      delete (drifted.paths['/basic'] as Record<string, Operation>)['get']!.security;
      (drifted.paths['/default/public'] as Record<string, Operation>)['get']!.security = [
        { basic: [] },
      ];
      (drifted.paths['/any/bearer-basic'] as Record<string, Operation>)['get']!.security = [
        { basic: [] },
      ];
      expect(await findEnforcementDrift(app, drifted)).toEqual([
        {
          method: 'GET',
          path: '/basic',
          problem: `documented without required security, but answers 401 (${BASIC})`,
        },
        {
          method: 'GET',
          path: '/any/bearer-basic',
          problem: `challenges ${JSON.stringify([BEARER, BASIC])} differ from the documented schemes' ${JSON.stringify([BASIC])}`,
        },
        {
          method: 'GET',
          path: '/default/public',
          problem: 'documents security [{"basic":[]}], but answers 200 without credentials',
        },
      ]);
      await expect(expectDocumentMatchesEnforcement(app, drifted)).rejects.toThrow(
        /The OpenAPI document and the guard disagree:\n {2}GET \/basic: /,
      );
    });
  });

  describe('429 and 503, derived from the configuration', () => {
    const apps: INestApplication[] = [];
    afterAll(() => Promise.all(apps.map((app) => app.close())));

    async function documented(options: Parameters<typeof createApp>[1]): Promise<OpenAPIObject> {
      const app = await createApp(platform, options);
      apps.push(app);
      const document = await documentOf(app, '3.1.0');
      await expect(
        SwaggerParser.validate(structuredClone(document) as never),
      ).resolves.toBeDefined();
      return document;
    }

    it('C-1, C-6: without throttling, a shared store or a key set, no operation documents 429 or 503', async () => {
      const document = await documented({});
      for (const path of ['/basic', '/bearer', '/api-key', '/authz/admin']) {
        expect(Object.keys(operation(document, path).responses)).not.toContain('429');
        expect(Object.keys(operation(document, path).responses)).not.toContain('503');
      }
    });

    it('C-1, C-6: with throttling, every guarded operation documents 429 with Retry-After and the too_many_attempts body', async () => {
      const document = await documented({ throttle: {} });
      for (const path of ['/basic', '/bearer', '/api-key', '/any/bearer-basic', '/optional']) {
        const tooMany = operation(document, path).responses['429'];
        expect(tooMany?.description).toContain('too_many_attempts');
        expect(Object.keys(tooMany?.headers ?? {})).toEqual(['Retry-After']);
        expect(tooMany?.content).toEqual({
          'application/json': { schema: { $ref: '#/components/schemas/AuthError' } },
        });
      }
      expect(operation(document, '/default/implicit').responses['429']).toBeUndefined();
    });

    it('C-1, C-6: with a store that can be unreachable, every guarded operation documents 503 with Retry-After', async () => {
      const document = await documented({ store: sharedStore() });
      for (const path of ['/basic', '/bearer', '/api-key']) {
        const unavailable = operation(document, path).responses['503'];
        expect(unavailable?.description).toContain('service_unavailable');
        expect(Object.keys(unavailable?.headers ?? {})).toEqual(['Retry-After']);
      }
    });

    it('C-1, C-6: with a JWKS, the operations that accept Bearer document 503, the others not', async () => {
      const document = await documented({
        bearer: { jwt: { jwksUrl: 'http://127.0.0.1:9/jwks.json' } },
      });
      for (const path of ['/bearer', '/any/bearer-basic']) {
        expect(operation(document, path).responses['503']?.description).toContain(
          'service_unavailable',
        );
      }
      expect(operation(document, '/basic').responses['503']).toBeUndefined();
      expect(operation(document, '/api-key').responses['503']).toBeUndefined();
    });
  });

  describe('without a global default, with problem+json errors', () => {
    let app: INestApplication;
    let document: OpenAPIObject;

    beforeAll(async () => {
      app = await createApp(platform, { errorFormat: 'problem+json' });
      document = await documentOf(app, '3.1.0');
    });
    afterAll(() => app.close());

    it('C-6: routes without @Auth() and @Public() routes carry no security and no 401', () => {
      const implicit = operation(document, '/default/implicit');
      expect(implicit.security).toBeUndefined();
      expect(Object.keys(implicit.responses)).toEqual(['200']);
      expect(operation(document, '/default/public').security).toBeUndefined();
    });

    it('C-6: @Auth() without names documents every configured scheme', () => {
      expect(operation(document, '/defaults').security).toEqual([
        { basic: [] },
        { bearer: [] },
        { apiKey: [] },
        { apiKeyQuery: [] },
      ]);
    });

    it('C-4, C-6: the problem+json body is documented instead of the JSON one', async () => {
      expect(operation(document, '/basic').responses['401']!.content).toEqual({
        'application/problem+json': { schema: { $ref: '#/components/schemas/AuthProblem' } },
      });
      expect(document.components?.schemas?.['AuthProblem']).toMatchObject({
        required: ['type', 'title', 'status', 'detail', 'code'],
      });
      expect(document.components?.schemas?.['AuthError']).toBeUndefined();
      await expect(
        SwaggerParser.validate(structuredClone(document) as never),
      ).resolves.toBeDefined();
      await expect(expectDocumentMatchesEnforcement(app, document)).resolves.toBeUndefined();
    });
  });

  describe.each([['3.0.0'], ['3.1.0']])('OpenAPI %s, with bearer.oauth', (version) => {
    const ISSUER = 'https://login.example.com';
    const v31 = version === '3.1.0';
    let app: INestApplication;
    let document: OpenAPIObject;
    const flowScopes = (flow: string): Record<string, string> | undefined =>
      (
        document.components?.securitySchemes?.['bearerOAuth2'] as
          { flows: Record<string, { scopes: Record<string, string> }> } | undefined
      )?.flows[flow]?.scopes;

    beforeAll(async () => {
      app = await createApp(platform, {
        default: ['bearer'],
        bearer: {
          ...BEARER_OPTIONS,
          oauth: {
            authorizationUrl: `${ISSUER}/authorize`,
            tokenUrl: `${ISSUER}/token`,
            scopes: { 'orders:read': 'Read orders' },
            openIdConnectUrl: `${ISSUER}/.well-known/openid-configuration`,
          },
        },
      });
      document = await documentOf(app, version);
    });
    afterAll(() => app.close());

    it('C-6: the document validates against the OpenAPI schema', async () => {
      await expect(
        SwaggerParser.validate(structuredClone(document) as never),
      ).resolves.toBeDefined();
    });

    it('C-6: bearer.oauth adds an oauth2 scheme (authorization code, client credentials) and an openIdConnect scheme', () => {
      const schemes = document.components?.securitySchemes ?? {};
      expect(schemes['bearer']).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
      expect(schemes['bearerOidc']).toEqual({
        type: 'openIdConnect',
        openIdConnectUrl: `${ISSUER}/.well-known/openid-configuration`,
      });
      expect(schemes['bearerOAuth2']).toMatchObject({
        type: 'oauth2',
        flows: {
          authorizationCode: {
            authorizationUrl: `${ISSUER}/authorize`,
            tokenUrl: `${ISSUER}/token`,
          },
          clientCredentials: { tokenUrl: `${ISSUER}/token` },
        },
      });
      expect(Object.keys(schemes).sort()).toEqual(
        ['apiKey', 'apiKeyQuery', 'basic', 'bearer', 'bearerOAuth2', 'bearerOidc'].sort(),
      );
    });

    it('C-6: every flow declares the scopes @Auth() requires on Bearer routes, with configured descriptions', () => {
      for (const flow of ['authorizationCode', 'clientCredentials']) {
        expect(flowScopes(flow)).toMatchObject({
          'orders:read': 'Read orders',
          'orders:write': '',
        });
        expect(Object.keys(flowScopes(flow) ?? {})).not.toContain('admin');
      }
    });

    it('C-6: a Bearer route lists the oauth2 and openIdConnect schemes as alternatives, with its scopes only', () => {
      expect(operation(document, '/bearer').security).toEqual([
        { bearer: [] },
        { bearerOAuth2: [] },
        { bearerOidc: [] },
      ]);
      const scopes = ['orders:read', 'orders:write'];
      expect(operation(document, '/authz/orders').security).toEqual([
        { bearer: v31 ? scopes : [] },
        { bearerOAuth2: scopes },
        { bearerOidc: scopes },
        { basic: v31 ? scopes : [] },
      ]);
      const roles = operation(document, '/authz/admin').security ?? [];
      expect(roles).toContainEqual({ bearerOAuth2: [] });
      expect(roles).toContainEqual({ bearerOidc: [] });
      expect(operation(document, '/basic').security).toEqual([{ basic: [] }]);
    });

    it('C-6: every scope an operation requires of the oauth2 scheme is declared in its flows', () => {
      const declared = new Set(Object.keys(flowScopes('authorizationCode') ?? {}));
      for (const item of Object.values(document.paths))
        for (const op of Object.values(item as Record<string, Operation>))
          for (const requirement of op.security ?? [])
            for (const scope of requirement['bearerOAuth2'] ?? [])
              expect(declared).toContain(scope);
    });

    it('C-6: the document still matches what the guard enforces', async () => {
      await expect(expectDocumentMatchesEnforcement(app, document)).resolves.toBeUndefined();
    });
  });
});
