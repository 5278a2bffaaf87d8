import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AuthModule, type AuthPrincipal } from '../../lib/index.js';
import { setupSwaggerAuth } from '../../lib/openapi/index.js';
import { sameSecret, validateUser } from '../fixtures/credentials.js';
import {
  BASE_AUTH_OPTIONS,
  buildApp,
  type Platform,
  SchemesController,
} from '../fixtures/test-app.js';

/** A user whose password is not ASCII: Latin-1 `£` is one byte in `btoa`, two in UTF-8. */
export const BUILDER = { username: 'builder', password: 'builder£42' } as const;

/** A password beyond Latin-1, which Swagger UI's `btoa` alone cannot even encode. */
export const POLYGLOT = { username: 'polyglot', password: 'b€42-密码£' } as const;

/** Where the application serves Swagger UI as {@link setupSwaggerAuth} sets it up. */
export const DOCS_PATH = '/docs';

/**
 * Where the same document is served by a plain `SwaggerModule.setup()`, without the module's
 * request interceptor: the control group that shows what the interceptor fixes.
 */
export const PLAIN_DOCS_PATH = '/plain-docs';

/** The test application's Basic users plus {@link BUILDER} and {@link POLYGLOT}. */
function validateBasic(username: string, password: string): AuthPrincipal | null {
  for (const user of [BUILDER, POLYGLOT]) {
    if (username === user.username)
      return sameSecret(password, user.password) ? { id: user.username, roles: [] } : null;
  }
  return validateUser(username, password);
}

/** A listening application and its base URL (`http://127.0.0.1:<port>`). */
export interface SwaggerApp {
  readonly app: INestApplication;
  readonly baseUrl: string;
}

/**
 * The test application's scheme routes (Basic, Bearer JWT HS256, API key in header or query) with
 * Swagger UI at {@link DOCS_PATH} through `setupSwaggerAuth()` and, as a control, at
 * {@link PLAIN_DOCS_PATH} through plain `SwaggerModule.setup()`. Both are set up before
 * `listen()`, which initialises the application: Express adds its 404 handler and Fastify closes
 * its route table there, so routes added after `init()` would never answer.
 */
export async function startSwaggerApp(platform: Platform): Promise<SwaggerApp> {
  const app = await buildApp(platform, {
    imports: [AuthModule.forRoot({ ...BASE_AUTH_OPTIONS, basic: { validate: validateBasic } })],
    controllers: [SchemesController],
  });
  try {
    const config = new DocumentBuilder().setTitle('nest-http-auth e2e').build();
    const document = setupSwaggerAuth(
      DOCS_PATH.slice(1),
      app,
      SwaggerModule.createDocument(app, config),
    );
    SwaggerModule.setup(PLAIN_DOCS_PATH.slice(1), app, document);
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    return { app, baseUrl: `http://127.0.0.1:${port}` };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
}
