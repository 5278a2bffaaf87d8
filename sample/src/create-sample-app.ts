import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { SampleConfig } from './config/sample-config.js';
import { openDatabase } from './database/open-database.js';
import { acceptEmptyJsonBody } from './http/accept-empty-json-body.js';
import { setupDocs } from './http/openapi.js';
import { SampleModule } from './sample.module.js';

/** Options of {@link createSampleApp}. */
export interface SampleAppOptions {
  /** Nest's logger: `false` for none (tests), or the levels to print. Default: Nest's default. */
  readonly logger?: false | LogLevel[];
}

async function create(config: SampleConfig, options: SampleAppOptions): Promise<INestApplication> {
  const db = openDatabase(config.database);
  const module = SampleModule.forRoot(config, db);
  // abortOnError: false: a start-up failure is thrown to the caller instead of exiting the process.
  const nestOptions = {
    abortOnError: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
  try {
    if (config.adapter === 'express') {
      const app = await NestFactory.create<NestExpressApplication>(
        module,
        new ExpressAdapter(),
        nestOptions,
      );
      app.disable('x-powered-by'); // don't advertise the stack
      return app;
    }
    const app = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter(),
      nestOptions,
    );
    acceptEmptyJsonBody(app);
    return app;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * CORS for one browser origin (`CORS_ORIGIN`): requests carry credentials in headers, never in
 * cookies, so no `credentials`. The module's 401, 403, 429 and 503 answers expose
 * `WWW-Authenticate` and `Retry-After` to the page by themselves (docs/errors.md).
 */
function corsOptions(origin: string): Parameters<INestApplication['enableCors']>[0] {
  return {
    origin,
    allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type'],
  };
}

/**
 * Creates the sample application on the configured platform, with Swagger UI at `/docs` (and CORS
 * when `CORS_ORIGIN` is set), and initialises it (database opened and seeded, routes registered);
 * the caller calls `listen()` (or hands `getHttpServer()` to supertest) and `close()`.
 */
export async function createSampleApp(
  config: SampleConfig,
  options: SampleAppOptions = {},
): Promise<INestApplication> {
  const app = await create(config, options);
  try {
    if (config.corsOrigin !== undefined) app.enableCors(corsOptions(config.corsOrigin));
    setupDocs(app, config.publicUrl);
    await app.init();
    if (config.adapter === 'fastify')
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}
