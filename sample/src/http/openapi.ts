import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { setupSwaggerAuth } from 'nest-http-auth/openapi';

/** Where Swagger UI is served; the document is at `/docs-json`. */
export const DOCS_PATH = 'docs';

/**
 * Builds the OpenAPI 3.1 document (3.1 lets roles and scopes appear in `security`) and serves
 * Swagger UI at `/docs`; `setupSwaggerAuth` adds the security schemes, each operation's security
 * and its 401/403 responses, from the same declarations the guard enforces. OAuth sign-ins of the
 * Authorize dialog (with `OIDC_ISSUER`) come back to Swagger UI's `oauth2-redirect.html` under
 * `publicUrl`.
 */
export function setupDocs(app: INestApplication, publicUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('nest-http-auth sample')
    .setDescription(
      'A small API secured with nest-http-auth: Basic, Bearer (JWT) and API keys. Demo users: `alice` / `wonder:land-2026` (admin), `bob` / `builder£42`; API key `ak_demo_7Hq2xR9pLm4vT8wZ` (bob, `reports:read`). Get a token with **POST /auth/token** (Basic), then authorize `bearer` with it. Swagger UI sends every authorized scheme and the last Authorization header wins: log `basic` out to call `/me` with the token.',
    )
    .setVersion('1.0.0')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  return setupSwaggerAuth(DOCS_PATH, app, document, {
    swaggerOptions: { oauth2RedirectUrl: `${publicUrl}/${DOCS_PATH}/oauth2-redirect.html` },
  });
}
