import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { documentAuth } from 'nest-http-auth/openapi';
import { expectDocumentMatchesEnforcement } from 'nest-http-auth/testing';
import request from 'supertest';
// The runner's globals (vitest or jest), from the project's own test-globals.ts.
import { afterAll, beforeAll, describe, it } from './test-globals.js';
import { AppModule } from './app.js';

describe('GET /me', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });

  afterAll(() => app.close());

  it('answers 401 with the Basic challenge without credentials', () =>
    request(app.getHttpServer())
      .get('/me')
      .expect(401)
      .expect('WWW-Authenticate', 'Basic realm="my-api", charset="UTF-8"'));

  it('answers 200 with valid Basic credentials', () =>
    request(app.getHttpServer())
      .get('/me')
      .auth('alice', 'a:b')
      .expect(200, { id: 'alice', greeting: 'hello alice' }));

  it('documents what it enforces (nest-http-auth/testing)', async () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    await expectDocumentMatchesEnforcement(app, documentAuth(app, document));
  });
});
