/**
 * The bench app's process, started by run.ts: `node dist/bench/server.js <express|fastify>
 * [variant]`, the variant (`BenchVariant`) as JSON.
 * Listens on 127.0.0.1 on a free port, tells the runner the port over IPC (and prints it), answers
 * memory and CPU questions over IPC, and closes on SIGTERM / SIGINT / a closed IPC channel.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VerificationCache } from 'nest-http-auth';
import { type Adapter, type BenchVariant, bearerVerifications, createBenchApp } from './app.js';
import type { BenchMessage, BenchRequest } from './fixtures.js';

function send(message: BenchMessage): void {
  process.send?.(message);
}

async function main(adapter: Adapter, variant: BenchVariant): Promise<void> {
  const app = await createBenchApp(adapter, variant);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const cache = app.get(VerificationCache);

  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    // A normal exit, so that --cpu-prof writes its profile.
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  process.on('disconnect', close);
  process.on('message', (message: BenchRequest) => {
    if (message.type !== 'usage') return;
    if (message.clearCache) cache.clear();
    const gc = (globalThis as { gc?: () => void }).gc;
    if (message.gc && gc) gc();
    const { rss, heapUsed } = process.memoryUsage();
    const { user, system } = process.cpuUsage();
    send({
      type: 'usage',
      id: message.id,
      rss,
      heapUsed,
      cacheSize: cache.size,
      verifications: bearerVerifications.count,
      user,
      system,
    });
  });

  send({ type: 'ready', port, pid: process.pid });
  process.stdout.write(
    `bench app (${adapter}) listening on 127.0.0.1:${port}, pid ${process.pid}\n`,
  );
}

const adapter = process.argv[2];
if (adapter !== 'express' && adapter !== 'fastify') {
  process.stderr.write('usage: server.js <express|fastify> [variant as JSON]\n');
  process.exit(2);
}
main(adapter, JSON.parse(process.argv[3] ?? '{}') as BenchVariant).catch((error: unknown) => {
  process.stderr.write(`bench app failed: ${String(error)}\n`);
  process.exit(1);
});
