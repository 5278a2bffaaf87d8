/**
 * The `bare_http` reference of `npm run bench -- --load` (load.ts), run in a child process: a
 * `node:http` server with Node's defaults that answers every request like the sample's `/health`.
 * It shows what the machine and the load generator give when the app does nothing. Sends
 * `{ type: 'ready', port, pid }` over the IPC channel once it listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { BenchMessage } from './fixtures.js';

const BODY = '{"status":"ok"}';

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(BODY),
  });
  response.end(BODY);
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  const ready: BenchMessage = { type: 'ready', port: address.port, pid: process.pid };
  process.send?.(ready);
});

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
