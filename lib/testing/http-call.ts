import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a route answered; `status` 0 when nothing came back in time. */
export interface Answer {
  readonly status: number;
  /** Header names (lower case) and values, in the order received (`WWW-Authenticate` may repeat). */
  readonly headers: readonly (readonly [string, string])[];
  /** The body as text (its first {@link MAX_BODY} bytes). */
  readonly body: string;
}

/** The most of a body read: enough for any error body, and a stream that never ends stops here. */
const MAX_BODY = 256 * 1024;

/** A Node HTTP server listening on 127.0.0.1, and how to give it back as it was found. */
export interface Listening {
  readonly port: number;
  /** Closes the server if this helper started it (and the connections it opened). */
  close(): Promise<void>;
  /** Sends one request and collects the answer. */
  send(
    method: string,
    path: string,
    headers: Readonly<Record<string, string>>,
    timeoutMs: number,
  ): Promise<Answer>;
}

/** Listens on an ephemeral 127.0.0.1 port unless the server already listens. */
export async function listen(server: Server): Promise<Listening> {
  const started = !server.listening;
  if (started) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  return {
    port,
    async close() {
      agent.destroy();
      if (started) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    send(method, path, headers, timeoutMs) {
      return new Promise((resolve) => {
        let settled = false;
        let answer: { status: number; headers: [string, string][]; chunks: Buffer[] } | undefined;
        const done = (): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(
            answer
              ? {
                  status: answer.status,
                  headers: answer.headers,
                  body: Buffer.concat(answer.chunks).toString('utf8'),
                }
              : { status: 0, headers: [], body: '' },
          );
        };
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent,
            headers: { 'content-length': '0', ...headers },
          },
          (res) => {
            const pairs: [string, string][] = [];
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
              pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
            answer = { status: res.statusCode ?? 0, headers: pairs, chunks: [] };
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              if (size < MAX_BODY) answer!.chunks.push(chunk);
              size += chunk.length;
              if (size >= MAX_BODY) {
                req.destroy();
                done();
              }
            });
            res.on('end', done);
            res.on('error', done);
            res.on('close', done);
          },
        );
        // An answer that has not ended in time is taken as it is (a stream); no answer is status 0.
        const timer = setTimeout(() => {
          req.destroy();
          done();
        }, timeoutMs);
        req.on('error', done);
        req.end();
      });
    },
  };
}
