import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import request from 'supertest';
import { documentAuth } from 'nest-http-auth/openapi';
import {
  checkAuthConformance,
  expectAuthConformance,
  type ConformanceFinding,
  type ConformanceRoute,
} from 'nest-http-auth/testing';
import { createNonconformingApp } from './fixtures/nonconforming-app.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { createTestSample } from './sample/sample-app.js';

/*
 * The conformance kit of nest-http-auth/testing (checkAuthConformance, expectAuthConformance), one
 * suite over Express and Fastify: the test application and the sample answer every hostile call
 * as the contract says (C-1, C-2, C-3.7, C-4), and an application that breaks the contract on
 * purpose (test/fixtures/nonconforming-app.ts) is caught, rule by rule.
 */

/** Every call the kit makes to each route of an application with Basic, Bearer and API keys in a header and the query. */
const PROBES = [
  'no credentials',
  'Authorization: Basic !!!',
  'Authorization: Basic of a user-pass without a colon',
  'Authorization: Basic of random bytes',
  'Authorization: Basic with a wrong password for a made-up user',
  'Authorization: Bearer (no token)',
  'Authorization: Bearer a b',
  'Authorization: Bearer with a 10 KB token',
  'Authorization: Bearer with a forged JWT',
  'a random API key in header X-API-Key',
  'a random API key in query api_key',
];

const BODY_PART = 'the body contains part of the credential (6+ characters) it was sent';

function at(findings: readonly ConformanceFinding[], path: string, rule?: string) {
  return findings.filter((f) => f.path === path && (rule === undefined || f.rule === rule));
}

describe.each([['express'], ['fastify']] as [Platform][])('conformance kit on %s', (platform) => {
  describe('the test application', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(platform);
    });
    afterAll(() => app.close());

    it('C-1, C-2, C-3.7, C-4: every route answers every hostile call as the contract says (no finding)', async () => {
      expect(await checkAuthConformance(app)).toEqual([]);
    });

    it('C-6.5: with its OpenAPI document, reports where the document and the guard disagree', async () => {
      const document = documentAuth(
        app,
        SwaggerModule.createDocument(app, new DocumentBuilder().build()),
      );
      const drifted = structuredClone(document);
      delete (drifted.paths['/basic']!.get as { security?: unknown }).security;
      const noRoutes = { skip: () => true };
      expect(await checkAuthConformance(app, { ...noRoutes, document })).toEqual([]);
      expect(await checkAuthConformance(app, { ...noRoutes, document: drifted })).toEqual([
        {
          rule: 'C-6.5',
          method: 'GET',
          path: '/basic',
          probe: 'no credentials',
          status: 0,
          problem:
            'OpenAPI drift: documented without required security, but answers 401 (Basic realm="api", charset="UTF-8")',
        },
      ]);
    });
  });

  it('C-1, C-2, C-4.4, C-5.6: the test application under a global default, answering problem+json, conforms', async () => {
    const app = await createApp(platform, { default: ['bearer'], errorFormat: 'problem+json' });
    try {
      await expect(expectAuthConformance(app)).resolves.toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('C-1, C-2, C-4, C-6.5: the sample conforms, its OpenAPI document included', async () => {
    const app = await createTestSample(platform);
    try {
      const document = (await request(app.getHttpServer()).get('/docs-json')).body as OpenAPIObject;
      expect(Object.keys(document.paths)).toContain('/me');
      expect(await checkAuthConformance(app, { document })).toEqual([]);
    } finally {
      await app.close();
    }
  });

  describe('an application that breaks the contract', () => {
    let app: INestApplication;
    let findings: ConformanceFinding[];
    const routes: ConformanceRoute[] = [];

    beforeAll(async () => {
      app = await createNonconformingApp(platform);
      findings = await checkAuthConformance(app, {
        skip: (route) => {
          routes.push(route);
          return false;
        },
      });
    });
    afterAll(() => app.close());

    it('finds the routes as Nest serves them: global prefix, its exclusion, URI version', () => {
      expect(routes).toEqual([
        {
          method: 'GET',
          path: '/api/v1/naive',
          handler: 'NaiveController.list',
          protection: 'none',
        },
        {
          method: 'GET',
          path: '/api/echo',
          handler: 'EchoController.echo',
          protection: 'required',
        },
        { method: 'GET', path: '/api/crash', handler: 'CrashController.crash', protection: 'none' },
        {
          method: 'GET',
          path: '/api/good',
          handler: 'GoodController.good',
          protection: 'required',
        },
        { method: 'GET', path: '/health', handler: 'HealthController.health', protection: 'none' },
      ]);
    });

    it('C-1.1, C-1.2, C-1.7: catches the bare 403 of a naive guard, without credentials and with wrong ones', () => {
      const forbidden = at(findings, '/api/v1/naive').filter((f) => f.rule.startsWith('C-1.'));
      expect(forbidden.map((f) => [f.rule, f.probe, f.status])).toEqual(
        PROBES.map((probe) => [probe === 'no credentials' ? 'C-1.1' : 'C-1.2', probe, 403]),
      );
      expect(at(findings, '/api/v1/naive', 'C-4.1').map((f) => f.probe)).toEqual(PROBES);
      expect(at(findings, '/api/v1/naive')).toHaveLength(2 * PROBES.length);
    });

    it('C-2.1, C-4.1: catches a filter that answers 401 without the challenges and without a code', () => {
      expect(at(findings, '/api/echo', 'C-2.1')).toEqual(
        PROBES.map((probe) => ({
          rule: 'C-2.1',
          method: 'GET',
          path: '/api/echo',
          probe,
          status: 401,
          problem: 'answers 401 without a WWW-Authenticate challenge',
        })),
      );
      expect(at(findings, '/api/echo', 'C-4.1').map((f) => [f.probe, f.problem])).toEqual(
        PROBES.map((probe) => [probe, 'the 401 answer\'s body has no "code" member']),
      );
    });

    it('C-4.5: catches a credential echoed whole in a header, and 6+ characters of one in the body', () => {
      expect(at(findings, '/api/echo', 'C-4.5').map((f) => [f.probe, f.problem])).toEqual([
        ['Authorization: Basic of a user-pass without a colon', BODY_PART],
        ['Authorization: Basic of random bytes', BODY_PART],
        ['Authorization: Basic with a wrong password for a made-up user', BODY_PART],
        ['Authorization: Bearer with a 10 KB token', BODY_PART],
        [
          'a random API key in header X-API-Key',
          'the header x-rejected-key contains the credential it was sent',
        ],
      ]);
    });

    it('C-3.7: catches a route that answers 500 to a malformed header', () => {
      expect(at(findings, '/api/crash')).toEqual([
        {
          rule: 'C-3.7',
          method: 'GET',
          path: '/api/crash',
          probe: 'Authorization: Bearer (no token)',
          status: 500,
          problem: 'answers 500: no request a client can send may end in a server error',
        },
      ]);
    });

    it('reports nothing for the routes that conform, next to the broken ones', () => {
      expect(at(findings, '/api/good')).toEqual([]);
      expect(at(findings, '/health')).toEqual([]);
    });

    it('expectAuthConformance throws one line per route and problem, naming the calls', async () => {
      const error = await expectAuthConformance(app).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(error).toBeInstanceOf(Error);
      const [head, ...lines] = error!.message.split('\n');
      expect(head).toMatch(/^\d+ answers break nest-http-auth's contract \(docs\/contract\.md\):$/);
      expect(lines).toContain(
        '  C-1.1 GET /api/v1/naive -> 403: answers 403 to no credentials: that is a 401 with a challenge, never a bare 403 (C-1.7) (sent: no credentials)',
      );
      expect(lines).toContain(
        '  C-3.7 GET /api/crash -> 500: answers 500: no request a client can send may end in a server error (sent: Authorization: Bearer (no token))',
      );
      expect(lines).toContain(
        `  C-2.1 GET /api/echo -> 401: answers 401 without a WWW-Authenticate challenge (sent: no credentials; Authorization: Basic !!!; Authorization: Basic of a user-pass without a colon; and ${PROBES.length - 3} more)`,
      );
      expect(error!.message).not.toContain('/api/good');
    });

    it('skip leaves routes out', async () => {
      expect(
        await checkAuthConformance(app, { skip: (route) => route.path !== '/api/good' }),
      ).toEqual([]);
    });
  });
});
