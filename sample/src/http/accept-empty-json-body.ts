import type { Server } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Fastify answers 400 (`FST_ERR_CTP_EMPTY_JSON_BODY`) to a request with `Content-Type:
 * application/json` and an empty body, before any guard runs: a client that sends that header on
 * every request could then not call `POST /auth/token` or `POST /auth/logout`, and would get a
 * 400 instead of the 401 challenge. Express reads such a body as `{}`. This parser makes Fastify
 * read an empty JSON body as no body; every other body goes to Fastify's own JSON parser (with its
 * prototype-poisoning protection). Call before `app.init()`.
 */
export function acceptEmptyJsonBody(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(
    onProtoPoisoning ?? 'error',
    onConstructorPoisoning ?? 'error',
  );
  app.useBodyParser<Server>(
    'application/json',
    { bodyLimit: fastify.initialConfig.bodyLimit },
    (request, body, done) => {
      if (body.length === 0) done(null, undefined);
      // Fastify's own parser completes through `done` (its return value is not a promise).
      else void parseJson(request, body.toString('utf8'), done);
    },
  );
}
