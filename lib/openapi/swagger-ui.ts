import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject, type SwaggerCustomOptions } from '@nestjs/swagger';
import { documentAuth } from './document-auth.js';

/**
 * Swagger UI's request interceptor, run in the browser for every **Try it out** request:
 * - `credentials: 'omit'`: the browser only shows its own sign-in dialog for a 401 with a Basic
 *   challenge when the fetch includes credentials; without them Swagger UI simply shows the 401,
 *   whose challenge is unchanged (CONTRACT C-2, C-6);
 * - Swagger UI encodes Basic credentials with `btoa`, i.e. Latin-1; the server decodes UTF-8
 *   (CONTRACT C-3), so the header is re-encoded: `builder£42` then works.
 *
 * It is serialized into the page with `Function.prototype.toString`, so it must stay self-contained.
 */
export function swaggerRequestInterceptor(request: {
  credentials?: string;
  headers?: Record<string, string>;
}): typeof request {
  request.credentials = 'omit';
  const headers = request.headers ?? {};
  for (const name of Object.keys(headers)) {
    const match =
      name.toLowerCase() === 'authorization' ? /^basic +(\S+)$/i.exec(headers[name] ?? '') : null;
    if (!match?.[1]) continue;
    try {
      const utf8 = new TextEncoder().encode(atob(match[1]));
      let binary = '';
      for (const byte of utf8) binary += String.fromCharCode(byte);
      headers[name] = `Basic ${btoa(binary)}`;
    } catch {
      // not Swagger UI's base64: leave it as it is
    }
  }
  return request;
}

/**
 * One call instead of `SwaggerModule.setup()`: documents authentication in `document` (see
 * {@link documentAuth}) and serves Swagger UI at `path` with the Authorize dialog ready for every
 * configured scheme, authorization kept across reloads, no browser sign-in prompt on 401, and
 * UTF-8 Basic credentials. Your `swaggerOptions` are merged over these defaults.
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
      ...options.swaggerOptions,
    },
  });
  return document;
}
