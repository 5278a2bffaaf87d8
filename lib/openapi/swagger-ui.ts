import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject, type SwaggerCustomOptions } from '@nestjs/swagger';
import { documentAuth } from './document-auth.js';

/**
 * Swagger UI's request interceptor, run in the browser for every **Try it out** request:
 * `credentials: 'omit'`. The browser only shows its own sign-in dialog for a 401 with a Basic
 * challenge when the fetch includes credentials; without them Swagger UI simply shows the 401,
 * whose challenge is unchanged (CONTRACT C-2, C-6).
 *
 * Serialized into the page with `Function.prototype.toString`: it must stay self-contained.
 */
export function swaggerRequestInterceptor(request: { credentials?: string }): typeof request {
  request.credentials = 'omit';
  return request;
}

/** A Basic entry of Swagger UI's `authorize` action. */
interface AuthorizePayload {
  [name: string]: { value?: { username?: unknown; password?: unknown } } | undefined;
}

/**
 * A Swagger UI plugin: Basic credentials typed into the Authorize dialog are stored as the
 * "binary string" of their UTF-8 bytes. Swagger UI builds the header with `btoa`, which accepts
 * only Latin-1 and would send `£` as one byte and throw on `€`; with this, `btoa` sends exactly the
 * UTF-8 bytes the server decodes (CONTRACT C-3): any password works.
 *
 * Serialized into the page with `Function.prototype.toString`: it must stay self-contained.
 */
export function swaggerUtf8BasicPlugin(): object {
  const utf8Binary = (text: unknown): unknown => {
    if (typeof text !== 'string') return text;
    let binary = '';
    for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
    return binary;
  };
  return {
    statePlugins: {
      auth: {
        wrapActions: {
          authorize:
            (authorize: (payload: AuthorizePayload) => unknown) =>
            (payload: AuthorizePayload): unknown => {
              const encoded: AuthorizePayload = {};
              for (const [name, security] of Object.entries(payload)) {
                const value = security?.value;
                encoded[name] =
                  value && typeof value.password === 'string'
                    ? {
                        ...security,
                        value: {
                          ...value,
                          username: utf8Binary(value.username),
                          password: utf8Binary(value.password),
                        },
                      }
                    : security;
              }
              return authorize(encoded);
            },
        },
      },
    },
  };
}

/**
 * One call instead of `SwaggerModule.setup()`: documents authentication in `document` (see
 * {@link documentAuth}) and serves Swagger UI at `path` with the Authorize dialog ready for every
 * configured scheme, authorization kept across reloads, no browser sign-in prompt on 401, and
 * UTF-8 Basic credentials, and PKCE for the OAuth 2.0 authorization code flow (`initOAuth`). Your
 * `swaggerOptions` (and `swaggerOptions.initOAuth`) are merged over these defaults.
 */
export function setupSwaggerAuth(
  path: string,
  app: INestApplication,
  document: OpenAPIObject,
  options: SwaggerCustomOptions = {},
): OpenAPIObject {
  documentAuth(app, document);
  SwaggerModule.setup(path, app, document, {
    ...options,
    swaggerOptions: {
      persistAuthorization: true,
      requestInterceptor: swaggerRequestInterceptor,
      plugins: [swaggerUtf8BasicPlugin],
      ...options.swaggerOptions,
      initOAuth: {
        usePkceWithAuthorizationCodeGrant: true,
        ...options.swaggerOptions?.initOAuth,
      },
    },
  });
  return document;
}
