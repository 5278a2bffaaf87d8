import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { expectDocumentMatchesEnforcement } from 'nest-http-auth/testing';
import request from 'supertest';
import { CHALLENGE, createTestSample, type Platform } from './sample/sample-app.js';

/*
 * The sample's Swagger UI (/docs) and OpenAPI document (/docs-json), CONTRACT C-6: every scheme,
 * OR / AND / optional / public security and the 401/403 responses, derived from the `@Auth()`
 * declarations the guard enforces.
 */

type Operation = { security?: Record<string, string[]>[]; responses: Record<string, unknown> };

describe.each<[Platform]>([['express'], ['fastify']])('sample docs on %s', (platform) => {
  let app: INestApplication;
  let document: OpenAPIObject;

  const operation = (method: string, path: string): Operation =>
    (document.paths[path] as Record<string, Operation>)[method]!;

  beforeAll(async () => {
    app = await createTestSample(platform);
    const res = await request(app.getHttpServer()).get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body as OpenAPIObject;
  });

  afterAll(async () => {
    await app?.close();
  });

  it('GET /docs serves Swagger UI (HTML) without credentials', async () => {
    const res = await request(app.getHttpServer()).get('/docs').redirects(1);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('swagger-ui');
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('offers exactly the three schemes, the API key in both locations (C-6)', () => {
    expect(document.components?.securitySchemes).toEqual({
      basic: { type: 'http', scheme: 'basic' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
    });
  });

  it.each<[string, string, Record<string, string[]>[]]>([
    // Public routes under the module's default (bearer): `security: []`.
    ['get', '/health', []],
    ['post', '/auth/refresh', []],
    // OR, in declared order.
    ['get', '/me', [{ bearer: [] }, { basic: [] }]],
    ['post', '/auth/token', [{ basic: [] }]],
    ['post', '/auth/logout', [{ bearer: [] }]],
    // A scope in the requirement arrays (OpenAPI 3.1), one alternative per key location.
    ['get', '/reports', [{ apiKey: ['reports:read'] }, { apiKeyQuery: ['reports:read'] }]],
    // AND: both schemes in one requirement object.
    [
      'post',
      '/reports/export',
      [
        { apiKey: [], bearer: [] },
        { apiKeyQuery: [], bearer: [] },
      ],
    ],
    // Optional: `{}` lets anonymous callers through.
    ['get', '/catalog', [{ bearer: [] }, { basic: [] }, {}]],
    ['get', '/admin/users', [{ bearer: ['admin'] }]],
  ])('%s %s has the security the guard enforces', (method, path, security) => {
    expect(operation(method, path).security).toEqual(security);
  });

  it('documents 401 on guarded operations and 403 where roles or scopes are checked', () => {
    const codes = (method: string, path: string): string[] =>
      Object.keys(operation(method, path).responses).filter((code) => /^40[13]$/.test(code));
    expect(codes('get', '/health')).toEqual([]);
    expect(codes('get', '/me')).toEqual(['401']);
    expect(codes('get', '/catalog')).toEqual(['401']);
    expect(codes('get', '/reports')).toEqual(['401', '403']);
    expect(codes('get', '/admin/users')).toEqual(['401', '403']);
    // The refresh endpoint documents its own 401 (a refused refresh token).
    expect(codes('post', '/auth/refresh')).toEqual(['401']);
    const unauthorized = JSON.stringify(operation('get', '/me').responses['401']);
    expect(unauthorized).toContain(CHALLENGE.bearer.replace(/"/g, '\\"'));
  });

  it('C-1, C-6: documents 429 with Retry-After on every guarded operation, as the sample throttles by default', () => {
    for (const [method, path] of [
      ['get', '/me'],
      ['post', '/auth/token'],
      ['post', '/auth/logout'],
      ['get', '/reports'],
      ['post', '/reports/export'],
      ['get', '/catalog'],
      ['get', '/admin/users'],
    ] as const) {
      const tooMany = JSON.stringify(operation(method, path).responses['429']);
      expect(tooMany).toContain('too_many_attempts');
      expect(tooMany).toContain('Retry-After');
    }
    expect(operation('get', '/health').responses['429']).toBeUndefined();
  });

  it('agrees with enforcement: every operation called without credentials (nest-http-auth/testing)', async () => {
    await expectDocumentMatchesEnforcement(app, document);
  });
});
