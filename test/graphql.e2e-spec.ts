import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createClient } from 'graphql-ws';
import request, { type Response } from 'supertest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { AUTH_ERROR_MESSAGES, type AuthErrorCode } from '../lib/index.js';
import { JWT_SECRET, USERS } from './fixtures/credentials.js';
import {
  createGraphqlApp,
  type GraphqlApp,
  type GraphqlServer,
  type ResolverCall,
  TICKS,
} from './fixtures/graphql-app.js';
import { nowInSeconds, signToken } from './fixtures/tokens.js';
import { type DpopHolder, dpopHolder, dpopNonceOf, dpopProof } from './support/dpop.js';
import { basic, bearer, challenges } from './support/http.js';

/*
 * GraphQL end to end (docs/contract.md C-7, with C-2 for the challenges), on Apollo (Express) and
 * Mercurius (Fastify) alike: which resolvers run for which credentials (a matrix of coverage ×
 * credential), what a refused field looks like (GraphQL error codes and reasons, HTTP status and
 * WWW-Authenticate of a refused operation), Basic on GraphQL, field resolvers, mutations,
 * subscriptions over graphql-ws, introspection, and a fuzz of Authorization headers.
 */

/** A GraphQL error as the servers send it. */
interface GraphqlError {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly reason?: string };
}

/** A GraphQL response body. */
interface GraphqlBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: readonly GraphqlError[];
}

/** What the tests compare of a response. */
interface Answer {
  readonly status: number;
  readonly body: GraphqlBody;
  /** One entry per `WWW-Authenticate` header line. */
  readonly challenges: string[];
  /** The resolvers that ran for this request. */
  readonly calls: ResolverCall[];
}

const BEARER = 'Bearer realm="api"';
const BASIC = 'Basic realm="api", charset="UTF-8"';
const MALFORMED = `${BEARER}, error="invalid_token", error_description="The access token is malformed"`;
const EXPIRED = `${BEARER}, error="invalid_token", error_description="The access token expired"`;

/** The GraphQL code of each of the module's codes (C-7.4). */
function graphqlCode(reason: AuthErrorCode): string {
  switch (reason) {
    case 'insufficient_scope':
      return 'FORBIDDEN';
    case 'invalid_request':
      return 'BAD_REQUEST';
    default:
      return 'UNAUTHENTICATED';
  }
}

/**
 * The `WWW-Authenticate` lines of a refused operation (C-7.5): Apollo sends the challenges in one
 * comma-separated line, Mercurius one line per challenge.
 */
function challengeLines(server: GraphqlServer, lines: readonly string[]): string[] {
  return server === 'apollo' ? [lines.join(', ')] : [...lines];
}

/** The error of a refused field, as C-7.4 defines it. */
function refusal(path: readonly (string | number)[], reason: AuthErrorCode) {
  return {
    path,
    message: AUTH_ERROR_MESSAGES[reason],
    code: graphqlCode(reason),
    reason,
  };
}

/** The errors of a body, reduced to what C-7.4 specifies. */
function errorsOf(body: GraphqlBody) {
  return (body.errors ?? []).map((error) => ({
    path: error.path,
    message: error.message,
    code: error.extensions?.code,
    reason: error.extensions?.reason,
  }));
}

/** Tokens and Basic credentials, signed once for the whole file. */
const creds = {
  alice: '',
  admin: '',
  expired: '',
  forged: '',
  garbage: bearer('not-a-jwt'),
  basicAlice: basic(USERS.alice.username, USERS.alice.password),
  basicWrong: basic(USERS.alice.username, 'not-the-password'),
};

beforeAll(async () => {
  creds.alice = bearer(await signToken({ sub: 'alice', roles: ['user'] }));
  creds.admin = bearer(await signToken({ sub: 'admin', roles: ['admin'] }));
  creds.expired = bearer(await signToken({ sub: 'alice' }, { exp: nowInSeconds() - 60 }));
  creds.forged = bearer(
    await signToken(
      { sub: 'admin', roles: ['admin'] },
      { secret: 'another-secret-0123456789-abcdef' },
    ),
  );
});

/** The credential columns of the matrix. */
type Column = 'no credentials' | 'a garbage token' | 'an expired token' | 'a valid token';

const COLUMNS: readonly Column[] = [
  'no credentials',
  'a garbage token',
  'an expired token',
  'a valid token',
];

function authorizationOf(column: Column): string | undefined {
  switch (column) {
    case 'no credentials':
      return undefined;
    case 'a garbage token':
      return creds.garbage;
    case 'an expired token':
      return creds.expired;
    case 'a valid token':
      return creds.alice;
  }
}

/** How a matrix row's resolver is covered. */
type Coverage = 'required' | 'public' | 'optional' | 'admin';

interface Row {
  readonly name: string;
  readonly field: string;
  readonly selection: string;
  readonly coverage: Coverage;
}

const ROWS: readonly Row[] = [
  {
    name: "the module's default (no decorator)",
    field: 'implicit',
    selection: '{ id scheme roles }',
    coverage: 'required',
  },
  {
    name: "an explicit @Auth('bearer')",
    field: 'secret',
    selection: '{ id scheme roles }',
    coverage: 'required',
  },
  { name: '@Public()', field: 'open', selection: '', coverage: 'public' },
  {
    name: "@Auth.optional('bearer')",
    field: 'maybe',
    selection: '{ seen id }',
    coverage: 'optional',
  },
  {
    name: "@Auth('bearer', { roles: ['admin'] })",
    field: 'adminOnly',
    selection: '{ id scheme roles }',
    coverage: 'admin',
  },
];

/** What a cell of the matrix answers: the field's value, or a refusal. */
type Expected =
  | { readonly value: unknown; readonly principalId: string | null }
  | { readonly reason: AuthErrorCode; readonly challenges: readonly string[] };

const ALICE = { id: 'alice', scheme: 'bearer', roles: ['user'] };

function expectation(coverage: Coverage, column: Column): Expected {
  if (coverage === 'public') return { value: 'open', principalId: null };
  switch (column) {
    case 'no credentials':
      return coverage === 'optional'
        ? { value: { seen: false, id: null }, principalId: null }
        : { reason: 'credentials_missing', challenges: [BEARER] };
    case 'a garbage token':
      return { reason: 'token_invalid', challenges: [MALFORMED] };
    case 'an expired token':
      return { reason: 'token_expired', challenges: [EXPIRED] };
    case 'a valid token':
      if (coverage === 'admin') return { reason: 'insufficient_scope', challenges: [] };
      return coverage === 'optional'
        ? { value: { seen: true, id: 'alice' }, principalId: 'alice' }
        : { value: ALICE, principalId: 'alice' };
  }
}

const CELLS = ROWS.flatMap((row) => COLUMNS.map((column) => [row.name, column, row] as const));

/** The outcome of a subscription over graphql-ws. */
interface SubscriptionOutcome {
  /** The `data` of every `next` message that had some. */
  readonly data: unknown[];
  /** GraphQL errors received, in `next` or `error` messages. */
  readonly errors: GraphqlError[];
  readonly completed: boolean;
}

/** Subscribes to `ticks` and collects what the server sends until it errors or completes. */
async function subscribeTicks(url: string, connectionParams?: Record<string, string>) {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazyCloseTimeout: 0,
    ...(connectionParams === undefined ? {} : { connectionParams }),
  });
  try {
    return await new Promise<SubscriptionOutcome>((resolve, reject) => {
      const data: unknown[] = [];
      const errors: GraphqlError[] = [];
      const timer = setTimeout(() => {
        reject(new Error(`no error and no completion within 5 s: ${JSON.stringify(data)}`));
      }, 5000);
      client.subscribe<{ ticks: number }>(
        { query: 'subscription { ticks }' },
        {
          next: (result) => {
            if (result.data !== undefined && result.data !== null) data.push(result.data);
            errors.push(...((result.errors ?? []) as GraphqlError[]));
          },
          error: (error: unknown) => {
            clearTimeout(timer);
            if (Array.isArray(error)) {
              errors.push(...(error as GraphqlError[]));
              resolve({ data, errors, completed: false });
            } else {
              // A socket-level failure (e.g. a close event): not an answer, so the test fails.
              const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
              reject(
                error instanceof Error
                  ? error
                  : new Error(`transport error: ${JSON.stringify({ code, reason })}`),
              );
            }
          },
          complete: () => {
            clearTimeout(timer);
            resolve({ data, errors, completed: true });
          },
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

describe.each<[string, GraphqlServer]>([
  ['apollo on express', 'apollo'],
  ['mercurius on fastify', 'mercurius'],
])('GraphQL on %s (C-7)', (_name, server) => {
  /** The application with the module's `default: ['bearer']` and the HTTP status configured. */
  let gql: GraphqlApp;
  /** Without a module default, and without the servers' HTTP status options. */
  let plain: GraphqlApp;

  beforeAll(async () => {
    gql = await createGraphqlApp(server, { default: ['bearer'] });
    plain = await createGraphqlApp(server, { httpStatus: false });
  });

  afterAll(async () => {
    await gql?.app.close();
    await plain?.app.close();
  });

  /** Posts an operation (with an `Authorization` header when given) and records what ran. */
  async function post(query: string, authorization?: string, app = gql): Promise<Answer> {
    app.calls.clear();
    let req = request(app.app.getHttpServer()).post('/graphql').send({ query });
    if (authorization !== undefined) req = req.set('Authorization', authorization);
    const res: Response = await req;
    return {
      status: res.status,
      body: res.body as GraphqlBody,
      challenges: challenges(res),
      calls: [...app.calls.calls],
    };
  }

  describe('the matrix: coverage × credentials', () => {
    it.each(CELLS)('C-7.1, C-7.4, C-7.5, C-2: %s with %s', async (_row, column, row) => {
      const answer = await post(`{ ${row.field} ${row.selection} }`, authorizationOf(column));
      const expected = expectation(row.coverage, column);
      if ('value' in expected) {
        // C-7.1: the resolver ran, once, with the principal the credential stands for.
        expect(answer).toEqual({
          status: 200,
          body: { data: { [row.field]: expected.value } },
          challenges: [],
          calls: [{ field: row.field, principalId: expected.principalId }],
        });
        return;
      }
      // C-7.1: refused, the resolver never ran. C-7.4: the field is null, with the module's error.
      // C-7.5: the only root field refused for want of credentials is a 401 with its challenges;
      // a 403 keeps GraphQL's usual 200 and travels in the body only.
      const unauthenticated = expected.reason !== 'insufficient_scope';
      expect({
        status: answer.status,
        value: answer.body.data?.[row.field],
        errors: errorsOf(answer.body),
        challenges: answer.challenges,
        calls: answer.calls,
      }).toEqual({
        status: unauthenticated ? 401 : 200,
        value: null,
        errors: [refusal([row.field], expected.reason)],
        challenges: unauthenticated ? challengeLines(server, expected.challenges) : [],
        calls: [],
      });
    });

    it("C-7.1: @Auth('bearer', { roles: ['admin'] }) runs for a principal with the role", async () => {
      const answer = await post('{ adminOnly { id scheme roles } }', creds.admin);
      expect(answer).toEqual({
        status: 200,
        body: { data: { adminOnly: { id: 'admin', scheme: 'bearer', roles: ['admin'] } } },
        challenges: [],
        calls: [{ field: 'adminOnly', principalId: 'admin' }],
      });
    });

    it('C-7.1: a forged token (another secret) is refused like a garbage one', async () => {
      const answer = await post('{ secret { id } }', creds.forged);
      expect({ status: answer.status, errors: errorsOf(answer.body), calls: answer.calls }).toEqual(
        { status: 401, errors: [refusal(['secret'], 'token_invalid')], calls: [] },
      );
    });
  });

  describe('Basic on GraphQL', () => {
    it("C-7.2: valid Basic credentials reach @Auth('bearer', 'basic') as their principal", async () => {
      const answer = await post('{ either { id scheme roles } }', creds.basicAlice);
      expect(answer).toEqual({
        status: 200,
        body: { data: { either: { id: 'alice', scheme: 'basic', roles: ['user'] } } },
        challenges: [],
        calls: [{ field: 'either', principalId: 'alice' }],
      });
    });

    it('C-7.2: a valid Bearer token reaches it too, as the bearer principal', async () => {
      const answer = await post('{ either { id scheme } }', creds.alice);
      expect(answer.body).toEqual({ data: { either: { id: 'alice', scheme: 'bearer' } } });
      expect(answer.calls).toEqual([{ field: 'either', principalId: 'alice' }]);
    });

    it('C-7.5, C-2.1: without credentials the 401 challenges both schemes, in declared order', async () => {
      const answer = await post('{ either { id } }');
      expect({
        status: answer.status,
        value: answer.body.data?.either,
        errors: errorsOf(answer.body),
        challenges: answer.challenges,
        calls: answer.calls,
      }).toEqual({
        status: 401,
        value: null,
        errors: [refusal(['either'], 'credentials_missing')],
        challenges: challengeLines(server, [BEARER, BASIC]),
        calls: [],
      });
    });

    it('C-7.4, C-7.5, C-2.2: a wrong Basic password is credentials_invalid, Basic challenged plainly', async () => {
      const answer = await post('{ either { id } }', creds.basicWrong);
      expect({
        status: answer.status,
        errors: errorsOf(answer.body),
        challenges: answer.challenges,
        calls: answer.calls,
      }).toEqual({
        status: 401,
        errors: [refusal(['either'], 'credentials_invalid')],
        challenges: challengeLines(server, [BEARER, BASIC]),
        calls: [],
      });
    });
  });

  describe('operations of several fields, field resolvers, mutations', () => {
    it('C-7.4, C-7.5: { open secret } without credentials is 200 with partial data, no challenge', async () => {
      const answer = await post('{ open secret { id } }');
      expect({
        status: answer.status,
        data: answer.body.data,
        errors: errorsOf(answer.body),
        challenges: answer.challenges,
        calls: answer.calls,
      }).toEqual({
        status: 200,
        data: { open: 'open', secret: null },
        errors: [refusal(['secret'], 'credentials_missing')],
        challenges: [],
        calls: [{ field: 'open', principalId: null }],
      });
    });

    it('C-7.1, C-7.4: a guarded field resolver is refused while its public parent query answers', async () => {
      const answer = await post('{ catalog { name audit } }');
      expect({
        status: answer.status,
        data: answer.body.data,
        errors: errorsOf(answer.body),
        challenges: answer.challenges,
        calls: answer.calls,
      }).toEqual({
        status: 200,
        data: { catalog: { name: 'main', audit: null } },
        errors: [refusal(['catalog', 'audit'], 'credentials_missing')],
        challenges: [],
        calls: [{ field: 'catalog', principalId: null }],
      });
    });

    it('C-7.1, C-7.4: the field resolver is FORBIDDEN for a principal without the role', async () => {
      const answer = await post('{ catalog { name audit } }', creds.alice);
      expect({
        status: answer.status,
        data: answer.body.data,
        errors: errorsOf(answer.body),
        calls: answer.calls,
      }).toEqual({
        status: 200,
        data: { catalog: { name: 'main', audit: null } },
        errors: [refusal(['catalog', 'audit'], 'insufficient_scope')],
        calls: [{ field: 'catalog', principalId: null }],
      });
    });

    it('C-7.1: the field resolver runs for an admin, with @Principal(id)', async () => {
      const answer = await post('{ catalog { name audit } }', creds.admin);
      expect(answer).toEqual({
        status: 200,
        body: { data: { catalog: { name: 'main', audit: 'main audited by admin' } } },
        challenges: [],
        calls: [
          { field: 'catalog', principalId: null },
          { field: 'audit', principalId: 'admin' },
        ],
      });
    });

    it.each<[Column, AuthErrorCode, string]>([
      ['no credentials', 'credentials_missing', BEARER],
      ['a garbage token', 'token_invalid', MALFORMED],
      ['an expired token', 'token_expired', EXPIRED],
    ])(
      'C-7.1, C-7.5, C-2: mutation touch with %s is refused with a 401, not run',
      async (column, reason, challenge) => {
        const answer = await post('mutation { touch { id } }', authorizationOf(column));
        expect({
          status: answer.status,
          value: answer.body.data?.touch,
          errors: errorsOf(answer.body),
          challenges: answer.challenges,
          calls: answer.calls,
        }).toEqual({
          status: 401,
          value: null,
          errors: [refusal(['touch'], reason)],
          challenges: challengeLines(server, [challenge]),
          calls: [],
        });
      },
    );

    it('C-7.1: mutation touch runs with a valid token, @Principal and @AuthContext filled', async () => {
      const answer = await post('mutation { touch { id scheme roles } }', creds.alice);
      expect(answer).toEqual({
        status: 200,
        body: { data: { touch: ALICE } },
        challenges: [],
        calls: [{ field: 'touch', principalId: 'alice' }],
      });
    });
  });

  describe('subscriptions over graphql-ws', () => {
    it.each<[string, 'none' | 'garbage' | 'expired', AuthErrorCode]>([
      ['without connectionParams', 'none', 'credentials_missing'],
      ['with a garbage token', 'garbage', 'token_invalid'],
      ['with an expired token', 'expired', 'token_expired'],
    ])(
      'C-7.1, C-7.2, C-7.4: subscribing %s gets an error and no data event; the resolver never runs',
      async (_case, key, reason) => {
        gql.calls.clear();
        const params =
          key === 'none'
            ? undefined
            : { authorization: key === 'garbage' ? creds.garbage : creds.expired };
        const outcome = await subscribeTicks(gql.wsUrl, params);
        expect({
          data: outcome.data,
          errors: outcome.errors.map((error) => ({
            message: error.message,
            code: error.extensions?.code,
            reason: error.extensions?.reason,
          })),
          calls: gql.calls.calls,
        }).toEqual({
          data: [],
          errors: [{ message: AUTH_ERROR_MESSAGES[reason], code: 'UNAUTHENTICATED', reason }],
          calls: [],
        });
      },
    );

    it('C-7.1, C-7.2: with connectionParams { authorization: Bearer <valid> } every tick arrives', async () => {
      gql.calls.clear();
      const outcome = await subscribeTicks(gql.wsUrl, { authorization: creds.alice });
      expect({ ...outcome, calls: gql.calls.calls }).toEqual({
        data: TICKS.map((ticks) => ({ ticks })),
        errors: [],
        completed: true,
        calls: [{ field: 'ticks', principalId: 'alice' }],
      });
    });
  });

  describe('introspection and uncovered resolvers', () => {
    it('C-7.1: introspection answers without credentials, even with a module default (Nest does not guard it)', async () => {
      const answer = await post('{ __schema { queryType { name } } __typename }');
      expect(answer).toEqual({
        status: 200,
        body: { data: { __schema: { queryType: { name: 'Query' } }, __typename: 'Query' } },
        challenges: [],
        calls: [],
      });
    });

    it('C-7.1: without a module default, a resolver without a decorator runs anonymously', async () => {
      const answer = await post('{ implicit { id scheme roles } }', undefined, plain);
      expect(answer).toEqual({
        status: 200,
        body: { data: { implicit: { id: null, scheme: null, roles: [] } } },
        challenges: [],
        calls: [{ field: 'implicit', principalId: null }],
      });
    });

    it("C-7.4, C-7.5: without the server's status option the refusal holds, with GraphQL's 200", async () => {
      // Apollo: `preserveHttpStatusForExecutionErrors: false`; Mercurius: `withAuthStatus()`.
      const answer = await post('{ secret { id } }', undefined, plain);
      expect({
        status: answer.status,
        value: answer.body.data?.secret,
        errors: errorsOf(answer.body),
        challenges: answer.challenges,
        calls: answer.calls,
      }).toEqual({
        status: 200,
        value: null,
        errors: [refusal(['secret'], 'credentials_missing')],
        challenges: challengeLines(server, [BEARER]),
        calls: [],
      });
    });
  });

  describe('field resolvers that Nest would leave unguarded', () => {
    it.each<[('guards' | 'filters')[]]>([[[]], [['guards']]])(
      'C-7.10: a covered field resolver with fieldResolverEnhancers %j stops the start-up',
      async (enhancers) => {
        await expect(
          createGraphqlApp(server, { fieldResolverEnhancers: enhancers }),
        ).rejects.toThrow(
          'CatalogResolver.audit is a field resolver covered by @Auth() or the `default` option, but @nestjs/graphql runs no',
        );
      },
    );
  });

  describe('fuzz', () => {
    it('C-7.1, C-7.4, C-7.5, C-7.9: random operations with random Authorization headers never leak, never 5xx, never crash', async () => {
      await fc.assert(
        fc.asyncProperty(operationArbitrary, credentialArbitrary, async (operation, credential) => {
          const authorization = headerOf(credential);
          const answer = await post(operation.query, authorization);
          checkFuzzAnswer(operation, credential, answer);
        }),
        { numRuns: 200 },
      );
      const health = await post('{ health }');
      expect({ status: health.status, body: health.body }).toEqual({
        status: 200,
        body: { data: { health: 'ok' } },
      });
    }, 120_000);
  });
});

/* ----------------------------------------------------------------------------------------------
 * The fuzz: a model of what each root field answers for a credential.
 */

/** The root fields the fuzz selects, with their sub-selection. */
const FUZZ_FIELDS = {
  secret: '{ id }',
  either: '{ id }',
  implicit: '{ id }',
  adminOnly: '{ id }',
  maybe: '{ seen id }',
  catalog: '{ name audit }',
  open: '',
} as const;

type FuzzField = keyof typeof FUZZ_FIELDS | 'touch';

interface FuzzOperation {
  readonly fields: readonly FuzzField[];
  readonly query: string;
}

const operationArbitrary: fc.Arbitrary<FuzzOperation> = fc.oneof(
  fc.constant<FuzzOperation>({ fields: ['touch'], query: 'mutation { touch { id } }' }),
  fc
    .subarray(Object.keys(FUZZ_FIELDS) as (keyof typeof FUZZ_FIELDS)[], { minLength: 1 })
    .map((fields) => ({
      fields,
      query: `{ ${fields.map((field) => `${field} ${FUZZ_FIELDS[field]}`).join(' ')} }`,
    })),
);

/** A credential the fuzz sends: a valid one (known principal), or anything else. */
type FuzzCredential =
  | { readonly kind: 'valid'; readonly which: 'alice' | 'admin' | 'basicAlice' }
  | { readonly kind: 'junk'; readonly header: string | undefined };

/**
 * Header text: visible ASCII and space, and, when `latin1`, the Latin-1 letters (which the client
 * sends as two UTF-8 bytes each).
 */
const headerText = (maxLength: number, latin1 = true): fc.Arbitrary<string> =>
  fc.string({
    unit: (latin1
      ? fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
      : fc.integer({ min: 0x20, max: 0x7e })
    ).map((code) => String.fromCharCode(code)),
    maxLength,
  });

const junkHeader: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(''),
  headerText(80),
  headerText(80).map((text) => `Bearer ${text}`),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER'),
      fc.stringMatching(/^[A-Za-z0-9._~+/-]{1,120}=*$/),
    )
    .map(([scheme, token]) => `${scheme} ${token}`),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => `Basic ${Buffer.from(bytes).toString('base64')}`),
  fc
    .tuple(
      fc.constantFrom('Bearer ', 'Basic ', ''),
      // ASCII only: at most 12 000 bytes, well under Node's 16 KiB limit of a request head.
      headerText(16, false),
      fc.integer({ min: 1000, max: 12_000 }),
    )
    .map(([prefix, chunk, length]) => prefix + (chunk || 'A').repeat(length).slice(0, length)),
  fc.constantFrom('garbage', 'expired', 'forged', 'basicWrong').map((key) => `@${key}`),
  fc.constantFrom('alice', 'admin').map((key) => `@${key}:tampered`),
);

const credentialArbitrary: fc.Arbitrary<FuzzCredential> = fc.oneof(
  { weight: 4, arbitrary: junkHeader.map((header) => ({ kind: 'junk' as const, header })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('alice' as const, 'admin' as const, 'basicAlice' as const)
      .map((which) => ({ kind: 'valid' as const, which })),
  },
);

/** The header a fuzz credential sends (`@name` stands for a credential signed in beforeAll). */
function headerOf(credential: FuzzCredential): string | undefined {
  if (credential.kind === 'valid') return creds[credential.which];
  const header = credential.header;
  if (header === undefined || !header.startsWith('@')) return header;
  const [key, tampered] = header.slice(1).split(':') as [keyof typeof creds, string | undefined];
  // A valid token with its signature changed: it must not verify.
  return tampered === undefined ? creds[key] : `${creds[key].slice(0, -4)}AAAA`;
}

/** What a root field answers for a credential: its principal, anonymous, forbidden or refused. */
type FieldOutcome =
  | { readonly kind: 'principal'; readonly id: string }
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'forbidden' }
  /** Refused for want of valid credentials; `maybe` may also answer anonymously for junk. */
  | { readonly kind: 'refused'; readonly orAnonymous: boolean };

/** The model: what a field (for `catalog`, its guarded `audit`) answers for a credential. */
function modelOf(field: FuzzField, credential: FuzzCredential): FieldOutcome {
  if (field === 'open') return { kind: 'anonymous' };
  if (credential.kind === 'junk') {
    // A junk header that is not a Bearer credential leaves an optional route anonymous.
    return { kind: 'refused', orAnonymous: field === 'maybe' };
  }
  const principal = credential.which === 'basicAlice' ? 'alice' : credential.which;
  const isBearer = credential.which !== 'basicAlice';
  switch (field) {
    case 'either':
      return { kind: 'principal', id: principal };
    case 'maybe':
      return isBearer ? { kind: 'principal', id: principal } : { kind: 'anonymous' };
    case 'adminOnly':
    case 'catalog':
      if (!isBearer) return { kind: 'refused', orAnonymous: false };
      return principal === 'admin' ? { kind: 'principal', id: principal } : { kind: 'forbidden' };
    case 'secret':
    case 'implicit':
    case 'touch':
      return isBearer
        ? { kind: 'principal', id: principal }
        : { kind: 'refused', orAnonymous: false };
  }
}

/** The reasons a refusal for want of valid credentials may carry (C-1.1..C-1.3, C-7.4). */
const AUTHENTICATION_REASONS = new Set<string>([
  'credentials_missing',
  'credentials_invalid',
  'token_invalid',
  'token_expired',
  'invalid_request',
]);

/** Checks one fuzz answer against the model; throws (fast-check then shrinks the input). */
function checkFuzzAnswer(
  operation: FuzzOperation,
  credential: FuzzCredential,
  answer: Answer,
): void {
  const context = `${operation.query} with ${JSON.stringify(credential).slice(0, 200)} (${headerOf(credential)?.length ?? 'no'} characters): ${answer.status} ${JSON.stringify(answer.body).slice(0, 600)} ran ${JSON.stringify(answer.calls)}`;
  const fail = (why: string): never => {
    throw new Error(`${why}\n  ${context}`);
  };
  // Never a 5xx (C-7.9), nor any status but GraphQL's 200 and the 401/400 of C-7.5.
  if (![200, 400, 401].includes(answer.status)) fail(`HTTP ${answer.status}`);
  const data = answer.body.data ?? {};
  const errors = answer.body.errors ?? [];
  const errorAt = (path: string): GraphqlError | undefined =>
    errors.find((error) => (error.path ?? []).join('.') === path);
  const ran = (field: string): ResolverCall | undefined =>
    answer.calls.find((call) => call.field === field);
  const expectRefused = (path: string, value: unknown, field: string, forbidden: boolean): void => {
    if (value !== null) fail(`${path} has data without valid credentials`);
    if (ran(field)) fail(`the resolver of ${path} ran`);
    const error = errorAt(path);
    const reason = error?.extensions?.reason ?? '';
    if (forbidden) {
      if (error?.extensions?.code !== 'FORBIDDEN' || reason !== 'insufficient_scope')
        fail(`${path} is not FORBIDDEN`);
    } else if (
      !AUTHENTICATION_REASONS.has(reason) ||
      error?.extensions?.code !== graphqlCode(reason as AuthErrorCode)
    ) {
      fail(`${path} is not refused with an authentication error`);
    }
  };
  let wholeRefusal: number | undefined;
  for (const field of operation.fields) {
    const outcome = modelOf(field, credential);
    const value = data[field];
    if (field === 'catalog') {
      // The public parent always answers; only its guarded `audit` follows the model.
      const catalog = value as { name?: unknown; audit?: unknown } | null | undefined;
      if (catalog?.name !== 'main' || !ran('catalog')) fail('the public catalog did not answer');
      const audit = catalog?.audit;
      if (outcome.kind === 'principal') {
        if (audit !== `main audited by ${outcome.id}` || ran('audit')?.principalId !== outcome.id)
          fail('catalog.audit did not answer its principal');
      } else {
        expectRefused('catalog.audit', audit, 'audit', outcome.kind === 'forbidden');
      }
      continue;
    }
    switch (outcome.kind) {
      case 'principal': {
        const expectedValue =
          field === 'maybe' ? { seen: true, id: outcome.id } : { id: outcome.id };
        if (JSON.stringify(value) !== JSON.stringify(expectedValue))
          fail(`${field} did not answer ${outcome.id}`);
        if (ran(field)?.principalId !== outcome.id) fail(`${field} did not run as ${outcome.id}`);
        break;
      }
      case 'anonymous':
        if (
          field === 'open' ? value !== 'open' : JSON.stringify(value) !== '{"seen":false,"id":null}'
        )
          fail(`${field} did not answer anonymously`);
        if (!ran(field) || ran(field)?.principalId !== null)
          fail(`${field} did not run anonymously`);
        break;
      case 'forbidden':
        expectRefused(field, value, field, true);
        break;
      case 'refused': {
        if (outcome.orAnonymous && value !== null) {
          // `maybe` answered: only anonymously, never with a principal.
          if (JSON.stringify(value) !== '{"seen":false,"id":null}')
            fail('maybe saw a principal for junk credentials');
          break;
        }
        expectRefused(field, value, field, false);
        const reason = errorAt(field)?.extensions?.reason as AuthErrorCode;
        if (operation.fields.length === 1) wholeRefusal = reason === 'invalid_request' ? 400 : 401;
        break;
      }
    }
  }
  // C-7.5: an operation refused as a whole answers its status with challenges; else GraphQL's 200.
  if (answer.status !== (wholeRefusal ?? 200))
    fail(`HTTP ${answer.status}, not ${wholeRefusal ?? 200}`);
  if (wholeRefusal !== undefined && answer.challenges.length === 0) fail('a 401 without challenge');
  // No resolver ran beyond those the model lets run.
  for (const call of answer.calls) {
    const owner = call.field === 'audit' ? 'catalog' : call.field;
    if (!operation.fields.includes(owner as FuzzField)) fail(`${call.field} ran unasked`);
  }
}

describe.each<[string, GraphqlServer]>([
  ['apollo on express', 'apollo'],
  ['mercurius on fastify', 'mercurius'],
])('DPoP server nonces on GraphQL over %s (C-2.13, C-7.5)', (_name, server) => {
  const ORIGIN = 'https://app.example.com';
  const USE_NONCE =
    'DPoP algs="ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"';
  let gql: GraphqlApp;
  let url: string;
  let key: DpopHolder;
  let token: string;

  beforeAll(async () => {
    key = await dpopHolder();
    token = await signToken({ sub: 'carol', exp: nowInSeconds() + 300, cnf: { jkt: key.jkt } });
    gql = await createGraphqlApp(server, {
      default: ['dpop'],
      auth: {
        dpop: {
          jwt: { secret: JWT_SECRET },
          algorithms: ['ES256'],
          nonce: { secret: 'the-nonce-secret-every-instance-shares', rotation: 60 },
        },
      },
      cors: { origin: ORIGIN },
    });
    const listening = gql.app.getHttpServer() as Server;
    url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    await gql?.app.close();
  });

  const proof = (nonce?: string): Promise<string> =>
    dpopProof(key, token, {
      htm: 'POST',
      htu: url,
      ...(nonce === undefined ? {} : { nonce }),
    });

  const post = async (dpop: string) => {
    gql.calls.clear();
    const res = await request(gql.app.getHttpServer())
      .post('/graphql')
      .set('Origin', ORIGIN)
      .set('Authorization', `DPoP ${token}`)
      .set('DPoP', dpop)
      .send({ query: '{ implicit { id scheme } }' });
    return { res, calls: gql.calls.fields() };
  };

  it('C-2.13, C-7.5: a proof without the nonce: 401 UNAUTHENTICATED with use_dpop_nonce and DPoP-Nonce (exposed to CORS), the resolver not run; the retry with it: 200', async () => {
    const first = await post(await proof());
    expect(first.res.status).toBe(401);
    expect(challenges(first.res)).toEqual([USE_NONCE]);
    expect((first.res.body as GraphqlBody).errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'token_invalid',
    });
    expect(first.calls).toEqual([]);
    const nonce = dpopNonceOf(first.res);
    expect(
      String(first.res.headers['access-control-expose-headers'])
        .split(/\s*,\s*/)
        .map((name) => name.toLowerCase()),
    ).toEqual(expect.arrayContaining(['www-authenticate', 'dpop-nonce']));

    const retry = await post(await proof(nonce));
    expect(retry.res.status).toBe(200);
    expect((retry.res.body as GraphqlBody).data).toEqual({
      implicit: { id: 'carol', scheme: 'dpop' },
    });
    expect(retry.calls).toEqual(['implicit']);
  });
});

describe.each<[string, GraphqlServer]>([
  ['apollo on express', 'apollo'],
  ['mercurius on fastify', 'mercurius'],
])('failed-attempt throttling on GraphQL over %s (C-1.5, C-7)', (_name, server) => {
  let gql: GraphqlApp;

  beforeAll(async () => {
    gql = await createGraphqlApp(server, { auth: { throttle: { maxFailures: 3, window: 60 } } });
  });

  afterAll(async () => {
    await gql?.app.close();
  });

  /** The reasons of an operation of three root fields that each need Bearer OR Basic. */
  const reasons = async (authorization: string) => {
    gql.calls.clear();
    const res = await request(gql.app.getHttpServer())
      .post('/graphql')
      .set('Authorization', authorization)
      .send({ query: '{ a: either { id } b: either { id } c: either { id } }' });
    expect(gql.calls.fields()).toEqual([]);
    return ((res.body as GraphqlBody).errors ?? []).map((error) => error.extensions?.reason);
  };

  it('C-1.5: an operation whose three fields refuse one wrong password counts one failure, not three: locked out after maxFailures operations', async () => {
    const wrong = basic(USERS.aladdin.username, 'wrong-password');
    for (let i = 0; i < 3; i++)
      expect(await reasons(wrong)).toEqual(Array(3).fill('credentials_invalid'));
    expect(await reasons(wrong)).toEqual(Array(3).fill('too_many_attempts'));
    // The right password too: the lockout is decided before anything is verified.
    expect(await reasons(basic(USERS.aladdin.username, USERS.aladdin.password))).toEqual(
      Array(3).fill('too_many_attempts'),
    );
  });
});
