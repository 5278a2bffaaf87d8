import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** How the key set server answers: normally, with a 500, by dropping the connection, or never. */
export type JwksMode = 'up' | 'error' | 'reset' | 'hang';

/**
 * A JSON Web Key Set server on 127.0.0.1 (port 0) for the e2e tests: the keys it serves and the way
 * it answers can change during a test, and it counts the requests it receives (every request, also
 * those it answers with an error), so that tests can prove how often the module fetches keys.
 */
export class JwksServer {
  /** Keys served at `/jwks.json`. */
  keys: JWK[] = [];
  mode: JwksMode = 'up';
  /** Requests received since start (any path). */
  requests = 0;
  private readonly server: Server;
  private port = 0;

  private constructor() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) =>
      this.answer(req, res),
    );
  }

  /** Starts a server on a free port of 127.0.0.1. */
  static async start(keys: JWK[] = []): Promise<JwksServer> {
    const jwks = new JwksServer();
    jwks.keys = keys;
    await jwks.listen(0);
    return jwks;
  }

  /** The URL of the key set. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/jwks.json`;
  }

  /** Stops listening (connections are then refused), keeping the port for {@link restart}. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  /** Listens again on the same port after {@link stop}. */
  restart(): Promise<void> {
    return this.listen(this.port);
  }

  /** Stops for good (idempotent). */
  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    switch (this.mode) {
      case 'hang':
        return; // the client's timeout decides; stop() closes the connection
      case 'reset':
        req.socket.destroy();
        return;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('key store exploded');
        return;
      case 'up':
        if (req.url !== '/jwks.json') {
          res.writeHead(404).end();
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/jwk-set+json' })
          .end(JSON.stringify({ keys: this.keys }));
    }
  }
}
