import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import request from 'supertest';
import type { AuthErrorCode } from '../lib/index.js';
import {
  AUDIT_EVENT,
  type MessageName,
  type MicroserviceApp,
  type MicroserviceSetup,
  microserviceAuthOptions,
  startMicroservice,
  transportRefusal,
} from './fixtures/microservice-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { bearer, challenges } from './support/http.js';

/** How long a client waits for a reply: a refusal must be an error reply, never silence. */
const REPLY_TIMEOUT = 3000;

/** The request-response patterns, sent in this order by every test. */
const MESSAGES: readonly MessageName[] = ['secret', 'implicit', 'open', 'admin'];

/** What one handler is expected to do: refuse with a code, or reply with the principal's id. */
type Outcome = { readonly code: AuthErrorCode } | { readonly id: string | null };

/** What the client saw: the reply, or the error the call failed with. */
type Seen = { readonly reply: unknown } | { readonly error: unknown };

const refused = (code: AuthErrorCode): Outcome => ({ code });
const answered = (id: string | null): Outcome => ({ id });

/** Sends one message and waits for its reply or error (a timeout fails the test). */
async function send(app: MicroserviceApp, pattern: string, data: unknown): Promise<Seen> {
  try {
    const reply: unknown = await firstValueFrom(
      app.client.send<unknown>(pattern, data).pipe(timeout(REPLY_TIMEOUT)),
    );
    return { reply };
  } catch (error: unknown) {
    if (error instanceof Error && error.name === 'TimeoutError')
      throw new Error(`no reply to ${pattern} within ${REPLY_TIMEOUT} ms`, { cause: error });
    return { error };
  }
}

/**
 * Sends every pattern of {@link MESSAGES} with the same data (plus a marker) and checks each reply
 * against `outcomes`, and that exactly the answered handlers ran, in order.
 */
async function expectOutcomes(
  app: MicroserviceApp,
  data: Record<string, unknown>,
  outcomes: Readonly<Record<MessageName, Outcome>>,
): Promise<void> {
  const before = app.calls.calls.length;
  const seen: Partial<Record<MessageName, Seen>> = {};
  const want: Partial<Record<MessageName, Seen>> = {};
  for (const [n, pattern] of MESSAGES.entries()) {
    const message = { ...data, n };
    seen[pattern] = await send(app, pattern, message);
    const outcome = outcomes[pattern];
    want[pattern] =
      'code' in outcome
        ? { error: transportRefusal(outcome.code) }
        : { reply: { handler: pattern, id: outcome.id, data: message } };
  }
  expect(seen).toEqual(want);
  expect(app.calls.calls.slice(before).map((call) => call.handler)).toEqual(
    MESSAGES.filter((pattern) => 'id' in outcomes[pattern]),
  );
}

/** Emits an event (resolves once it is written to the socket). */
async function emit(app: MicroserviceApp, data: unknown): Promise<void> {
  await lastValueFrom(app.client.emit(AUDIT_EVENT, data).pipe(timeout(REPLY_TIMEOUT)), {
    defaultValue: undefined,
  });
}

/** Resolves when `ready()` holds, polling; rejects after the reply timeout. */
function waitFor(ready: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (ready()) return resolve();
      if (Date.now() - started > REPLY_TIMEOUT) return reject(new Error(`no ${what}`));
      setTimeout(check, 5);
    };
    check();
  });
}

/**
 * Proves that refused events did not run their handler: the messages of one client reach the
 * server in order, so once a later request has been answered (and a valid event, when there is one,
 * has run) the refused events were decided.
 */
async function settle(app: MicroserviceApp): Promise<void> {
  const seen = await send(app, 'open', { settle: true });
  expect(seen).toEqual({ reply: { handler: 'open', id: null, data: { settle: true } } });
  await new Promise((resolve) => setTimeout(resolve, 50));
}

const SETUPS: readonly (readonly [string, MicroserviceSetup])[] = [
  ['standalone (createNestMicroservice)', { kind: 'standalone' }],
  [
    'hybrid on express, inheritAppConfig: true',
    { kind: 'hybrid', platform: 'express', inheritAppConfig: true },
  ],
  [
    'hybrid on express, without inheritAppConfig',
    { kind: 'hybrid', platform: 'express', inheritAppConfig: false },
  ],
  [
    'hybrid on fastify, without inheritAppConfig',
    { kind: 'hybrid', platform: 'fastify', inheritAppConfig: false },
  ],
];

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

describe.each(SETUPS)('C-7: TCP microservice, %s', (_name, setup) => {
  describe('with rpc.credentials reading data.authorization', () => {
    let app: MicroserviceApp;

    beforeAll(async () => {
      app = await startMicroservice(setup, microserviceAuthOptions(true));
    });

    afterAll(async () => {
      await app?.close();
    });

    it('C-7: without credentials, @Auth(), the global default and roles refuse credentials_missing; @Public() runs', async () => {
      await expectOutcomes(
        app,
        {},
        {
          secret: refused('credentials_missing'),
          implicit: refused('credentials_missing'),
          open: answered(null),
          admin: refused('credentials_missing'),
        },
      );
    });

    it('C-7: a garbage token is refused token_invalid', async () => {
      await expectOutcomes(
        app,
        { authorization: bearer('not-a-jwt') },
        {
          secret: refused('token_invalid'),
          implicit: refused('token_invalid'),
          open: answered(null),
          admin: refused('token_invalid'),
        },
      );
    });

    it('C-7: a token signed with another key is refused token_invalid', async () => {
      await expectOutcomes(
        app,
        { authorization: bearer(tokens.foreign) },
        {
          secret: refused('token_invalid'),
          implicit: refused('token_invalid'),
          open: answered(null),
          admin: refused('token_invalid'),
        },
      );
    });

    it('C-7: an expired token is refused token_expired', async () => {
      await expectOutcomes(
        app,
        { authorization: bearer(tokens.expired) },
        {
          secret: refused('token_expired'),
          implicit: refused('token_expired'),
          open: answered(null),
          admin: refused('token_expired'),
        },
      );
    });

    it('C-7: a valid user token gets replies with @Principal(); the admin pattern is insufficient_scope', async () => {
      await expectOutcomes(
        app,
        { authorization: bearer(tokens.alice) },
        {
          secret: answered('alice'),
          implicit: answered('alice'),
          open: answered(null),
          admin: refused('insufficient_scope'),
        },
      );
    });

    it('C-7: a valid admin token gets the admin reply', async () => {
      await expectOutcomes(
        app,
        { authorization: bearer(tokens.admin) },
        {
          secret: answered('admin'),
          implicit: answered('admin'),
          open: answered(null),
          admin: answered('admin'),
        },
      );
    });

    it('C-7: refused events do not run the @Auth() event handler; a valid one runs with its principal', async () => {
      const before = app.calls.of(AUDIT_EVENT).length;
      await emit(app, { marker: 'none' });
      await emit(app, { marker: 'garbage', authorization: bearer('not-a-jwt') });
      await emit(app, { marker: 'expired', authorization: bearer(tokens.expired) });
      const valid = { marker: 'valid', authorization: bearer(tokens.alice) };
      await emit(app, valid);
      await waitFor(() => app.calls.of(AUDIT_EVENT).length > before, 'audit event handled');
      await settle(app);
      expect(app.calls.of(AUDIT_EVENT).slice(before)).toEqual([{ id: 'alice', data: valid }]);
    });

    if (setup.kind === 'hybrid') {
      it('C-7: the HTTP side of the hybrid app still answers 401 with its challenge, 200 with a token', async () => {
        const server = app.http!.getHttpServer();
        const res = await request(server).get('/http/secret');
        expect({ status: res.status, challenges: challenges(res), code: res.body.code }).toEqual({
          status: 401,
          challenges: ['Bearer realm="api"'],
          code: 'credentials_missing',
        });
        const ok = await request(server)
          .get('/http/secret')
          .set('Authorization', bearer(tokens.alice));
        expect({ status: ok.status, body: ok.body as unknown }).toEqual({
          status: 200,
          body: { id: 'alice' },
        });
      });
    }
  });

  describe('without the rpc option (messages carry no credentials)', () => {
    let app: MicroserviceApp;

    beforeAll(async () => {
      app = await startMicroservice(setup, microserviceAuthOptions(false));
    });

    afterAll(async () => {
      await app?.close();
    });

    it('C-7: a valid token in the message is not read: every covered pattern is credentials_missing', async () => {
      await expectOutcomes(
        app,
        { authorization: bearer(tokens.admin) },
        {
          secret: refused('credentials_missing'),
          implicit: refused('credentials_missing'),
          open: answered(null),
          admin: refused('credentials_missing'),
        },
      );
    });

    it('C-7: an event with a valid token in it does not run the @Auth() event handler', async () => {
      const before = app.calls.of(AUDIT_EVENT).length;
      await emit(app, { marker: 'valid', authorization: bearer(tokens.alice) });
      await settle(app);
      expect(app.calls.of(AUDIT_EVENT).length).toBe(before);
    });
  });
});
