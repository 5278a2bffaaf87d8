/**
 * A JWKS on 127.0.0.1 (a free port) for the `cold_rs256_jwks` case: the app fetches it once, then
 * verifies from the keys it holds. Runs in the runner's process; stopped with `close()`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started JWKS server: its URL and how to stop it. */
export interface JwksServer {
  readonly url: string;
  /** Requests served so far (the app should fetch once). */
  readonly fetches: () => number;
  close(): Promise<void>;
}

/** Serves `jwks` as `application/json` at `/jwks.json` (every other path is a 404). */
export async function startJwksServer(jwks: object): Promise<JwksServer> {
  const body = JSON.stringify(jwks);
  let fetches = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    fetches: () => fetches,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
