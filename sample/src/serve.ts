import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { startupBanner } from './banner.js';
import { loadConfig, type Environment } from './config/load-config.js';
import { createSampleApp } from './create-sample-app.js';

/** Where {@link serve} prints. */
export interface ServeOutput {
  /** The start-up banner, line by line. */
  log(line: string): void;
  /** The one-line reason a start failed. */
  error(line: string): void;
}

/**
 * What `npm run sample` does: reads the settings from `env`, starts the sample, listens and prints
 * the banner (URL, Swagger UI, demo credentials, warnings). A setting that cannot be used, or a
 * start that fails (a port in use, a database that cannot be opened), is one line,
 * `sample: <reason>`, without a stack trace.
 * @returns the listening application, or `undefined` when it could not start
 */
export async function serve(
  env: Environment,
  output: ServeOutput,
): Promise<INestApplication | undefined> {
  let app: INestApplication | undefined;
  try {
    const config = loadConfig(env);
    app = await createSampleApp(config, { logger: ['error', 'warn'] });
    await app.listen(config.port, config.host);
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    for (const line of startupBanner(config, port)) output.log(line);
    return app;
  } catch (error) {
    await app?.close().catch(() => undefined);
    output.error(`sample: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
