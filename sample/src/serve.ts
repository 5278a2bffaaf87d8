import type { Server } from 'node:http';
import type { AddressInfo, ListenOptions } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { startupBanner } from './banner.js';
import { loadConfig, type Environment } from './config/load-config.js';
import type { SampleConfig } from './config/sample-config.js';
import { createSampleApp } from './create-sample-app.js';

/** Where {@link serve} prints. */
export interface ServeOutput {
  /** The start-up banner, line by line. */
  log(line: string): void;
  /** The one-line reason a start failed. */
  error(line: string): void;
}

/**
 * Connections the kernel holds for the sample until it accepts them. Node's default, 511, is
 * smaller than a burst of connections (a load balancer's pool, 1,000 clients at once): the kernel
 * drops the SYNs beyond it and the clients retry after 1, 3, 7 s. Linux caps it at
 * `net.core.somaxconn` (4096 since Linux 5.4). See docs/performance.md.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * How long an idle keep-alive connection stays open (Node's default: 5 s). Longer than the idle
 * timeout of the proxies in front of an app (60 s for many), so that the app never closes a
 * connection the proxy is reusing at that moment (the request would fail with a 502).
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Listens with {@link LISTEN_BACKLOG} and {@link KEEP_ALIVE_TIMEOUT_MS} on either platform. */
async function listen(app: INestApplication, config: SampleConfig): Promise<Server> {
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // The time allowed for a request's headers stays above it (Node's default, 60 s, is below).
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  // Nest hands these options to server.listen() (Express) or fastify.listen() (Fastify), which
  // take a backlog; its own type of listen() names only (port, hostname).
  const listenWith = app.listen.bind(app) as (options: ListenOptions) => Promise<unknown>;
  await listenWith({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
  return server;
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
    const { port } = (await listen(app, config)).address() as AddressInfo;
    for (const line of startupBanner(config, port)) output.log(line);
    return app;
  } catch (error) {
    await app?.close().catch(() => undefined);
    output.error(`sample: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
