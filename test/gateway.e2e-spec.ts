import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import request from 'supertest';
import WebSocket from 'ws';
import type { AuthErrorCode } from '../lib/index.js';
import { API_KEYS } from './fixtures/credentials.js';
import {
  type GatewayApp,
  type GatewayMessage,
  startGatewayApp,
  transportRefusal,
  type WsTransport,
} from './fixtures/gateway-app.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { bearer, challenges } from './support/http.js';

/** How long a client waits for an answer before the test fails (a refusal must never be silence). */
const ANSWER_TIMEOUT = 3000;

/** The handlers of the gateway, called in this order by every test. */
const MESSAGES: readonly GatewayMessage[] = [
  'secret',
  'implicit',
  'open',
  'maybe',
  'admin',
  'apiKey',
];

/** The credentials a client connects with (at most one of each). */
interface Credentials {
  readonly authorization?: string;
  readonly apiKey?: string;
}

/**
 * Where a client puts its credentials: socket.io's `auth` payload, handshake headers
 * (`extraHeaders`) or handshake query; the upgrade request's headers or query on `ws`.
 */
type Delivery = 'auth' | 'headers' | 'query';

/** What one handler is expected to do with a message: refuse it with a code, or answer. */
type Outcome = { readonly code: AuthErrorCode } | { readonly id: string | null };

/** What a client saw of one message, on either adapter. */
type Seen =
  | { readonly ack: unknown; readonly exceptions: readonly unknown[] }
  | { readonly message: unknown };

interface GatewayClient {
  call(message: GatewayMessage, data: unknown): Promise<Seen>;
  close(): void;
}

/** Resolves once `ready()` holds (polled), or rejects after the answer timeout. */
function waitFor(ready: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (ready()) return resolve();
      if (Date.now() - started > ANSWER_TIMEOUT) return reject(new Error(`no ${what}`));
      setTimeout(check, 5);
    };
    check();
  });
}

/** Opens a socket.io connection (WebSocket transport unless told otherwise), rejecting if refused. */
async function openIo(
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<Socket> {
  const socket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** A socket.io client: every message is sent with an acknowledgement; `exception` events are kept. */
async function connectIo(
  url: string,
  credentials: Credentials,
  delivery: Delivery,
): Promise<GatewayClient> {
  const options: Partial<ManagerOptions & SocketOptions> = {};
  const values: Record<string, string> = {};
  if (credentials.authorization !== undefined) values.authorization = credentials.authorization;
  if (credentials.apiKey !== undefined) {
    if (delivery === 'query') values.api_key = credentials.apiKey;
    else values['x-api-key'] = credentials.apiKey;
  }
  if (delivery === 'auth') options.auth = values;
  else if (delivery === 'headers') options.extraHeaders = values;
  else options.query = values;
  const socket = await openIo(url, options);
  const exceptions: unknown[] = [];
  socket.on('exception', (payload: unknown) => exceptions.push(payload));
  return {
    async call(message, data) {
      const before = exceptions.length;
      const ack: unknown = await socket.timeout(ANSWER_TIMEOUT).emitWithAck(message, data);
      // The exception event follows the acknowledgement of a refused message on the same connection.
      if ((ack as { status?: unknown } | null)?.status === 'error')
        await waitFor(() => exceptions.length > before, `exception event for ${message}`);
      return { ack, exceptions: exceptions.slice(before) };
    },
    close: () => socket.disconnect(),
  };
}

/** A `ws` client: a message is `{ event, data }`, the answer is the next message the server sends. */
async function connectWs(
  url: string,
  credentials: Credentials,
  delivery: Delivery,
): Promise<GatewayClient> {
  const headers: Record<string, string> = {};
  let target = `${url}/`;
  if (credentials.authorization !== undefined) headers.authorization = credentials.authorization;
  if (credentials.apiKey !== undefined) {
    if (delivery === 'query') target += `?api_key=${encodeURIComponent(credentials.apiKey)}`;
    else headers['x-api-key'] = credentials.apiKey;
  }
  const socket = new WebSocket(target, { headers });
  const received: unknown[] = [];
  socket.on('message', (data: WebSocket.RawData) => {
    received.push(JSON.parse(Buffer.from(data as Buffer).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    async call(message, data) {
      const before = received.length;
      socket.send(JSON.stringify({ event: message, data }));
      await waitFor(() => received.length > before, `answer to ${message}`);
      return { message: received[before] };
    },
    close: () => socket.close(),
  };
}

/** What a client of an adapter sees when a handler answers or refuses a message (C-7). */
function expected(
  transport: WsTransport,
  message: GatewayMessage,
  outcome: Outcome,
  data: unknown,
): Seen {
  if ('code' in outcome) {
    const payload = transportRefusal(outcome.code);
    return transport === 'socket.io'
      ? { ack: payload, exceptions: [payload] }
      : { message: { event: 'exception', data: payload } };
  }
  const reply = { handler: message, id: outcome.id, data };
  return transport === 'socket.io' ? { ack: reply, exceptions: [] } : { message: reply };
}

/**
 * Sends every message of {@link MESSAGES} on one connection and checks each answer against
 * `outcomes`, and that exactly the answered handlers ran (in order).
 */
async function expectOutcomes(
  gateway: GatewayApp,
  transport: WsTransport,
  credentials: Credentials,
  delivery: Delivery,
  outcomes: Readonly<Record<GatewayMessage, Outcome>>,
): Promise<void> {
  const connect = transport === 'socket.io' ? connectIo : connectWs;
  const client = await connect(gateway.url, credentials, delivery);
  try {
    const before = gateway.calls.calls.length;
    const seen: Partial<Record<GatewayMessage, Seen>> = {};
    const want: Partial<Record<GatewayMessage, Seen>> = {};
    for (const [index, message] of MESSAGES.entries()) {
      const data = { n: index };
      seen[message] = await client.call(message, data);
      want[message] = expected(transport, message, outcomes[message], data);
    }
    expect(seen).toEqual(want);
    expect(gateway.calls.calls.slice(before)).toEqual(MESSAGES.filter((m) => 'id' in outcomes[m]));
  } finally {
    client.close();
  }
}

const refused = (code: AuthErrorCode): Outcome => ({ code });
const answered = (id: string | null): Outcome => ({ id });

/** socket.io on both platforms, `ws` on both platforms. */
const SUITES: readonly (readonly [WsTransport, Platform])[] = [
  ['socket.io', 'express'],
  ['socket.io', 'fastify'],
  ['ws', 'express'],
  ['ws', 'fastify'],
];

/** Header and handshake-payload delivery on socket.io; the upgrade request's headers on `ws`. */
function deliveries(transport: WsTransport): readonly Delivery[] {
  return transport === 'socket.io' ? ['auth', 'headers'] : ['headers'];
}

interface Tokens {
  readonly alice: string;
  readonly admin: string;
  readonly expired: string;
  readonly foreign: string;
}

let tokens: Tokens;

beforeAll(async () => {
  tokens = {
    alice: await signToken({ sub: 'alice', roles: ['user'] }),
    admin: await signToken({ sub: 'admin', roles: ['admin'] }),
    expired: await signToken({ sub: 'alice', roles: ['user'] }, { exp: nowInSeconds() - 60 }),
    foreign: await signToken(
      { sub: 'alice' },
      { secret: 'another-secret-0123456789-abcdefghijkl' },
    ),
  };
});

describe.each(SUITES)('C-7: gateway on %s (%s)', (transport, platform) => {
  describe.each<[string, boolean]>([
    ['with default: [bearer]', true],
    ['without default', false],
  ])('%s', (_variant, withDefault) => {
    let gateway: GatewayApp;

    beforeAll(async () => {
      gateway = await startGatewayApp(
        platform,
        transport,
        withDefault ? { default: ['bearer'] } : {},
      );
    });

    afterAll(async () => {
      await gateway?.app.close();
    });

    /** The implicit handler: the module's default when set, else open. */
    const implicit = (covered: Outcome, open: Outcome = answered(null)): Outcome =>
      withDefault ? covered : open;

    it('C-7: without credentials, covered handlers are refused credentials_missing and do not run', async () => {
      await expectOutcomes(gateway, transport, {}, 'headers', {
        secret: refused('credentials_missing'),
        implicit: implicit(refused('credentials_missing')),
        open: answered(null),
        maybe: answered(null),
        admin: refused('credentials_missing'),
        apiKey: refused('credentials_missing'),
      });
    });

    describe.each(deliveries(transport))('credentials in the %s', (delivery) => {
      it('C-7: a garbage bearer token is refused token_invalid (also on the optional handler)', async () => {
        await expectOutcomes(gateway, transport, { authorization: bearer('not-a-jwt') }, delivery, {
          secret: refused('token_invalid'),
          implicit: implicit(refused('token_invalid')),
          open: answered(null),
          maybe: refused('token_invalid'),
          admin: refused('token_invalid'),
          apiKey: refused('credentials_missing'),
        });
      });

      it('C-7: a token signed with another key is refused token_invalid', async () => {
        await expectOutcomes(
          gateway,
          transport,
          { authorization: bearer(tokens.foreign) },
          delivery,
          {
            secret: refused('token_invalid'),
            implicit: implicit(refused('token_invalid')),
            open: answered(null),
            maybe: refused('token_invalid'),
            admin: refused('token_invalid'),
            apiKey: refused('credentials_missing'),
          },
        );
      });

      it('C-7: an expired token is refused token_expired', async () => {
        await expectOutcomes(
          gateway,
          transport,
          { authorization: bearer(tokens.expired) },
          delivery,
          {
            secret: refused('token_expired'),
            implicit: implicit(refused('token_expired')),
            open: answered(null),
            maybe: refused('token_expired'),
            admin: refused('token_expired'),
            apiKey: refused('credentials_missing'),
          },
        );
      });

      it('C-7: a valid user token reaches the handlers with @Principal(), admin is insufficient_scope', async () => {
        await expectOutcomes(
          gateway,
          transport,
          { authorization: bearer(tokens.alice) },
          delivery,
          {
            secret: answered('alice'),
            // Without a plan the guard establishes no principal; @Public() neither.
            implicit: implicit(answered('alice')),
            open: answered(null),
            maybe: answered('alice'),
            admin: refused('insufficient_scope'),
            apiKey: refused('credentials_missing'),
          },
        );
      });

      it('C-7: a valid admin token reaches the admin handler', async () => {
        await expectOutcomes(
          gateway,
          transport,
          { authorization: bearer(tokens.admin) },
          delivery,
          {
            secret: answered('admin'),
            implicit: implicit(answered('admin')),
            open: answered(null),
            maybe: answered('admin'),
            admin: answered('admin'),
            apiKey: refused('credentials_missing'),
          },
        );
      });
    });

    describe.each(
      transport === 'socket.io'
        ? (['auth', 'headers', 'query'] as const)
        : (['headers', 'query'] as const),
    )('API key in the %s', (delivery) => {
      it('C-7: a valid API key reaches the apiKey handler, bearer handlers are credentials_missing', async () => {
        await expectOutcomes(gateway, transport, { apiKey: API_KEYS.valid }, delivery, {
          secret: refused('credentials_missing'),
          implicit: implicit(refused('credentials_missing')),
          open: answered(null),
          maybe: answered(null),
          admin: refused('credentials_missing'),
          apiKey: answered('key-owner'),
        });
      });

      it('C-7: a wrong API key is refused credentials_invalid', async () => {
        await expectOutcomes(gateway, transport, { apiKey: 'key-Wrong-0000' }, delivery, {
          secret: refused('credentials_missing'),
          implicit: implicit(refused('credentials_missing')),
          open: answered(null),
          maybe: answered(null),
          admin: refused('credentials_missing'),
          apiKey: refused('credentials_invalid'),
        });
      });
    });

    it('C-7: the HTTP route next to the gateway still answers 401 with its challenge', async () => {
      const res = await request(gateway.app.getHttpServer()).get('/http/secret');
      expect(res.status).toBe(401);
      expect(challenges(res)).toEqual(['Bearer realm="api"']);
      const ok = await request(gateway.app.getHttpServer())
        .get('/http/secret')
        .set('Authorization', bearer(tokens.alice));
      expect({ status: ok.status, body: ok.body as unknown }).toEqual({
        status: 200,
        body: { id: 'alice' },
      });
    });
  });
});

describe('C-7: socket.io handshakes (express)', () => {
  let gateway: GatewayApp;

  beforeAll(async () => {
    gateway = await startGatewayApp('express', 'socket.io');
  });

  afterAll(async () => {
    await gateway?.app.close();
  });

  it('C-7: the auth payload overrides a handshake header of the same name', async () => {
    const socket = await openIo(gateway.url, {
      extraHeaders: { authorization: bearer('not-a-jwt') },
      auth: { authorization: bearer(tokens.alice) },
    });
    try {
      const before = gateway.calls.count('secret');
      const ack: unknown = await socket.timeout(ANSWER_TIMEOUT).emitWithAck('secret', { n: 1 });
      expect(ack).toEqual({ handler: 'secret', id: 'alice', data: { n: 1 } });
      expect(gateway.calls.count('secret')).toBe(before + 1);
    } finally {
      socket.disconnect();
    }
  });

  it('C-7: over HTTP long-polling the handshake headers carry the credentials too', async () => {
    for (const [authorization, expected] of [
      [bearer(tokens.alice), { handler: 'secret', id: 'alice', data: { n: 2 } }],
      [bearer(tokens.expired), transportRefusal('token_expired')],
    ] as const) {
      const socket = await openIo(gateway.url, {
        transports: ['polling'],
        extraHeaders: { authorization },
      });
      try {
        const before = gateway.calls.count('secret');
        const ack: unknown = await socket.timeout(ANSWER_TIMEOUT).emitWithAck('secret', { n: 2 });
        expect(ack).toEqual(expected);
        expect(gateway.calls.count('secret')).toBe(before + ('handler' in expected ? 1 : 0));
      } finally {
        socket.disconnect();
      }
    }
  });

  it('C-7: a refused message without an acknowledgement still gets the exception event', async () => {
    const socket = await openIo(gateway.url, {});
    try {
      const before = gateway.calls.count('secret');
      const exception = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no exception event')), ANSWER_TIMEOUT);
        socket.once('exception', (payload: unknown) => {
          clearTimeout(timer);
          resolve(payload);
        });
      });
      socket.emit('secret', { n: 3 });
      expect(await exception).toEqual(transportRefusal('credentials_missing'));
      expect(gateway.calls.count('secret')).toBe(before);
    } finally {
      socket.disconnect();
    }
  });
});

/** The status of a GET that asks for an upgrade to h2c, as `curl --http2` does over cleartext. */
function getAskingForUpgrade(port: number, path: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      headers: { Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': '' },
      timeout: ANSWER_TIMEOUT,
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('upgrade', () => reject(new Error('upgraded')));
    req.on('timeout', () => {
      req.destroy();
      reject(new Error(`no answer to ${path}: the request was left hanging`));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each<Platform>(['express', 'fastify'])(
  'C-7: an application without a WebSocket server (%s)',
  (platform) => {
    it('C-7: requests that ask for a protocol upgrade are still answered (the module does not take the upgrade event)', async () => {
      const app = await createApp(platform);
      try {
        await app.listen(0, '127.0.0.1');
        const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
        expect(await getAskingForUpgrade(port, '/default/public')).toBe(200);
        expect(await getAskingForUpgrade(port, '/bearer')).toBe(401);
      } finally {
        await app.close();
      }
    });
  },
);
