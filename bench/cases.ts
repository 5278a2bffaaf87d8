/**
 * The bench cases: what each request sends to which route of which bench app, what it must answer,
 * and its targets (issue 16). Shared by the autocannon runner (run.ts) and the in-process
 * measurement (inprocess.ts), so that both exercise exactly the same apps and routes.
 */
import type { Adapter } from './app.js';
import { API_KEY, BASIC_USER, basicAuthorization, signToken } from './fixtures.js';

/** Both HTTP platforms, in the order they are measured. */
export const ADAPTERS: readonly Adapter[] = ['express', 'fastify'];

/** Every case, in the order of the table. `open` and `reference_cache` are always measured. */
export const CASE_NAMES = [
  'open',
  'reference_cache',
  'basic',
  'bearer',
  'apikey',
  'anyof_basic',
  'anyof_bearer',
  'optional_anon',
  'optional_bearer',
  'allof',
  'missing',
  'invalid',
  'invalid_throttled',
  'forbidden',
  'cold_hs256',
  'cold_rs256_jwks',
  'zipf_100k',
  'passport_basic',
  'passport_bearer',
] as const;
/** Open routes doing part of what authentication does (`--explain`): where the cost goes. */
export const EXPLAIN_NAMES = ['reference_header'] as const;
/** A case's name. */
export type CaseName = (typeof CASE_NAMES)[number] | (typeof EXPLAIN_NAMES)[number];

/**
 * Which bench app serves a case: `main` (the default variant), `throttle` (failed-attempt
 * throttling on) or `jwks` (Bearer tokens verified with the RS256 keys of a JWKS). Each app has its
 * own `open` route, and a case's ratio is taken against the open route of its own app.
 */
export type AppName = 'main' | 'throttle' | 'jwks';

/** Where a case's tokens come from when every request sends another one. */
export type FeedName = 'cold_hs256' | 'cold_rs256' | 'zipf';

/** One measured request: where it goes, what it sends, what must come back. */
export interface BenchCase {
  readonly name: CaseName;
  readonly app: AppName;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A new `Authorization: Bearer` token per request from this feed (then `headers` has none). */
  readonly feed?: FeedName;
  readonly status: number;
  /** Minimum ratio to `open`, when the case has one. */
  readonly target?: number;
  /** The only adapter the `target` applies to (the cold cases: Fastify). */
  readonly targetOn?: Adapter;
  /** Minimum ratio to `reference_cache` (warm credentials). */
  readonly ofReference?: number;
  /** The one-scheme case this one must stay within 3 points of (any-of, optional, all-of). */
  readonly near?: CaseName;
  readonly what: string;
}

/** How far (in ratio) a route shape may fall behind its one-scheme case. */
export const NEAR_POINTS = 0.03;

/** Every case, with the credentials it sends (tokens are signed now, valid for two hours). */
export async function benchCases(): Promise<readonly BenchCase[]> {
  const userToken = await signToken('bench-user', ['user']);
  const forgedToken = await signToken(
    'bench-user',
    ['user'],
    'a-different-secret-0123456789abcdef',
  );
  const basic = basicAuthorization(BASIC_USER.username, BASIC_USER.password);
  const bearer = `Bearer ${userToken}`;
  const forged = `Bearer ${forgedToken}`;
  const warm = { status: 200, ofReference: 0.97 } as const;
  const main = 'main' as const;
  return [
    { name: 'open', app: main, path: '/open', headers: {}, status: 200, what: 'public route' },
    {
      name: 'reference_cache',
      app: main,
      path: '/reference/cache',
      headers: { authorization: basic },
      status: 200,
      what: 'reference: open route that reads Basic and looks it up in the cache (HMAC + LRU)',
    },
    {
      ...warm,
      name: 'basic',
      app: main,
      path: '/basic',
      headers: { authorization: basic },
      what: 'valid Basic, scrypt hash, warm cache',
    },
    {
      ...warm,
      name: 'bearer',
      app: main,
      path: '/bearer',
      headers: { authorization: bearer },
      what: 'valid HS256 JWT (jose), warm cache',
    },
    {
      ...warm,
      name: 'apikey',
      app: main,
      path: '/apikey',
      headers: { 'x-api-key': API_KEY },
      what: 'valid API key, SHA-256 stored, warm cache',
    },
    {
      ...warm,
      name: 'anyof_basic',
      app: main,
      path: '/anyof',
      headers: { authorization: basic },
      near: 'basic',
      what: "@Auth('bearer', 'basic'), warm Basic",
    },
    {
      ...warm,
      name: 'anyof_bearer',
      app: main,
      path: '/anyof',
      headers: { authorization: bearer },
      near: 'bearer',
      what: "@Auth('bearer', 'basic'), warm Bearer",
    },
    {
      name: 'optional_anon',
      app: main,
      path: '/optional',
      headers: {},
      status: 200,
      target: 0.95,
      what: "@Auth.optional('bearer', 'basic'), nothing sent",
    },
    {
      ...warm,
      name: 'optional_bearer',
      app: main,
      path: '/optional',
      headers: { authorization: bearer },
      near: 'bearer',
      what: "@Auth.optional('bearer', 'basic'), warm Bearer",
    },
    {
      ...warm,
      name: 'allof',
      app: main,
      path: '/allof',
      headers: { 'x-api-key': API_KEY, authorization: bearer },
      near: 'bearer',
      what: "@Auth({ all: ['apiKey', 'bearer'] }), both warm",
    },
    {
      name: 'missing',
      app: main,
      path: '/bearer',
      headers: {},
      status: 401,
      target: 0.75,
      what: '401, no credentials',
    },
    {
      name: 'invalid',
      app: main,
      path: '/bearer',
      headers: { authorization: forged },
      status: 401,
      target: 0.75,
      what: '401, forged token (rejection cached)',
    },
    {
      name: 'invalid_throttled',
      app: 'throttle',
      path: '/bearer',
      headers: { authorization: forged },
      status: 401,
      target: 0.75,
      what: '401, forged token, throttling on: every failure counted (limits never reached)',
    },
    {
      name: 'forbidden',
      app: main,
      path: '/admin',
      headers: { authorization: bearer },
      status: 403,
      what: '403, token lacks the admin role',
    },
    {
      name: 'cold_hs256',
      app: main,
      path: '/bearer',
      headers: {},
      feed: 'cold_hs256',
      status: 200,
      target: 0.6,
      targetOn: 'fastify',
      what: 'every request a new valid HS256 token (jose verifies each)',
    },
    {
      name: 'cold_rs256_jwks',
      app: 'jwks',
      path: '/bearer',
      headers: {},
      feed: 'cold_rs256',
      status: 200,
      target: 0.35,
      targetOn: 'fastify',
      what: 'every request a new valid RS256 token, key from a local JWKS',
    },
    {
      name: 'zipf_100k',
      app: main,
      path: '/bearer',
      headers: {},
      feed: 'zipf',
      status: 200,
      what: '100,000 distinct tokens drawn Zipf (s=1), default cache (10,000)',
    },
    {
      name: 'passport_basic',
      app: main,
      path: '/passport/basic',
      headers: { authorization: basic },
      status: 200,
      what: "stock AuthGuard('stock-basic'), same cache",
    },
    {
      name: 'passport_bearer',
      app: main,
      path: '/passport/bearer',
      headers: { authorization: bearer },
      status: 200,
      what: "stock AuthGuard('stock-bearer'), same cache",
    },
    {
      name: 'reference_header',
      app: main,
      path: '/reference/header',
      headers: { authorization: basic },
      status: 200,
      what: 'reference: open route that reads the Basic credential',
    },
  ];
}

/** The `open` case of an app (each app's ratios are taken against its own open route). */
export function openOf(app: AppName): BenchCase {
  return {
    name: 'open',
    app,
    path: '/open',
    headers: {},
    status: 200,
    what: `public route (${app} app)`,
  };
}
