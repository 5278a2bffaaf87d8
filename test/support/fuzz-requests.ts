import { request as httpRequest, STATUS_CODES } from 'node:http';
import fc from 'fast-check';
import { AUTH_ERROR_MESSAGES } from '../../lib/index.js';
import { API_KEYS, USERS } from '../fixtures/credentials.js';

/*
 * Generators of hostile requests for the e2e fuzz (CONTRACT C-1..C-4) and the log test: every
 * credential a client controls (Authorization with any scheme, casing, spacing and bytes; Basic
 * payloads that are not base64, have no colon, carry control characters or invalid UTF-8; Bearer
 * tokens; API keys in the header, the query string and a cookie), sent as raw bytes with
 * `http.request` so that nothing normalises them on the way, and the model of what may come back.
 */

/** Node's default limit for the request line and headers together (--max-http-header-size). */
export const HEADER_LIMIT = 16 * 1024;

export type SchemeName = 'basic' | 'bearer' | 'apiKey';

/** A route of the test application (test/fixtures/test-app.ts) and what it accepts. */
export interface FuzzRoute {
  readonly path: string;
  readonly schemes: readonly SchemeName[];
  /** All-of: every scheme must pass. */
  readonly all?: boolean;
  /** Requires the admin role. */
  readonly admin?: boolean;
  /** Anonymous callers pass. */
  readonly optional?: boolean;
}

export const FUZZ_ROUTES: readonly FuzzRoute[] = [
  { path: '/basic', schemes: ['basic'] },
  { path: '/bearer', schemes: ['bearer'] },
  { path: '/api-key', schemes: ['apiKey'] },
  { path: '/any/bearer-basic', schemes: ['bearer', 'basic'] },
  { path: '/any/api-key-bearer', schemes: ['apiKey', 'bearer'] },
  { path: '/all/api-key-bearer', schemes: ['apiKey', 'bearer'], all: true },
  { path: '/authz/admin', schemes: ['bearer', 'basic', 'apiKey'], admin: true },
  { path: '/optional', schemes: ['bearer', 'basic'], optional: true },
];

/** Tokens signed for the test application (test/fixtures/tokens.ts). */
export interface FuzzTokens {
  /** Valid, roles ['user']. */
  readonly user: string;
  /** Valid, roles ['admin']. */
  readonly admin: string;
  readonly expired: string;
  /** Signed with another secret. */
  readonly foreign: string;
}

/**
 * A credential a request carries, for the model: which scheme it is for (`unknown`: bytes that
 * might parse as Basic or Bearer), whether it is valid, and the secrets in it (never to be echoed).
 */
export interface Presented {
  readonly scheme: SchemeName | 'unknown';
  readonly valid: boolean;
  readonly admin: boolean;
  readonly secrets: readonly string[];
}

/** One generated request. */
export interface FuzzRequest {
  readonly route: FuzzRoute;
  /** Raw header pairs, sent as they are (values may hold any byte Node's client sends). */
  readonly headers: readonly (readonly [string, string])[];
  /** The query string, already percent-encoded, without `?`. */
  readonly query: string;
  readonly presented: readonly Presented[];
  /** Exactly one valid credential, in its canonical form: the status is then exactly predictable. */
  readonly clean: boolean;
}

/** A request part: header lines and query parameters it adds, and what it presents. */
interface Part {
  readonly headers?: readonly (readonly [string, string])[];
  readonly query?: readonly string[];
  readonly presented: readonly Presented[];
  readonly clean: boolean;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
/** Optional whitespace a server strips around a header value. */
const trimOws = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '');
/** Percent-encodes every byte but the unreserved characters (RFC 3986 §2.3). */
const percentEncode = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) =>
    /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
const encodeText = (text: string): string => percentEncode(Buffer.from(text, 'utf8'));

/** Characters Node's HTTP client sends in a header value: HTAB, printable ASCII and obs-text. */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.constant(0x09) },
);
const headerText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: headerChar.map((c) => String.fromCharCode(c)), maxLength });
/** Any text a person might type: every plane, controls included (lone surrogates excluded: not UTF-8). */
const anyText = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\0', '\t', '\n', '\x7f', '\x85', ':', ' ', '£', '😀', '"', '\\'),
  ),
  maxLength: 24,
});
const B64TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const b64tokenText = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...B64TOKEN_CHARS), minLength, maxLength });

/** Long values up to past the header limit, made cheaply by repeating a short piece. */
const longText = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...B64TOKEN_CHARS, ' ', '='), minLength: 1, maxLength: 4 }),
    fc.oneof(
      { weight: 7, arbitrary: fc.integer({ min: 1000, max: 9000 }) },
      { weight: 1, arbitrary: fc.integer({ min: HEADER_LIMIT - 1024, max: HEADER_LIMIT + 1024 }) },
    ),
  )
  .map(([piece, length]) => piece.repeat(Math.ceil(length / piece.length)).slice(0, length));

/** The scheme name in any case, and the spaces (or not) after it. */
const casing = (name: string) => fc.mixedCase(fc.constant(name));
const gap = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(' ', ' ', '  ', '   ') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 }) },
);

const secretsOf = (...values: string[]): string[] => values.filter((v) => v.length >= 6);
const invalid = (scheme: Presented['scheme'], ...secrets: string[]): Presented => ({
  scheme,
  valid: false,
  admin: false,
  secrets: secretsOf(...secrets),
});

/** Basic payloads (RFC 7617): valid pairs, wrong passwords, and every kind of malformed token68. */
const basicPayload: fc.Arbitrary<{ payload: string; presented: Presented }> = fc.oneof(
  fc.constantFrom(...Object.values(USERS)).map((u) => ({
    payload: b64(`${u.username}:${u.password}`),
    presented: {
      scheme: 'basic' as const,
      valid: true,
      admin: u.username === 'admin',
      secrets: secretsOf(u.password, b64(`${u.username}:${u.password}`)),
    },
  })),
  fc.tuple(fc.constantFrom('alice', 'admin', 'mallory'), anyText).map(([user, password]) => ({
    payload: b64(`${user}:${password}`),
    presented: invalid('basic', password, b64(`${user}:${password}`)),
  })),
  // User-ids and passwords with anything in them: controls, no colon, non-ASCII.
  anyText.map((pair) => ({ payload: b64(pair), presented: invalid('basic', pair, b64(pair)) })),
  // Bytes that are not UTF-8, or not text at all.
  fc.uint8Array({ maxLength: 48 }).map((bytes) => {
    const payload = Buffer.from(bytes).toString('base64');
    return { payload, presented: invalid('basic', payload) };
  }),
  // Not base64: wrong alphabet, misplaced padding, bad length, any bytes.
  fc
    .oneof(
      fc.string({
        unit: fc.constantFrom(...B64TOKEN_CHARS, '=', '-', '_', '.', ':'),
        maxLength: 40,
      }),
      headerText(40),
    )
    .map((payload) => ({ payload, presented: invalid('basic', payload) })),
);

/** Bearer tokens: valid, expired, foreign, tampered, random b64tokens, any bytes, empty, huge. */
const bearerToken = (tokens: FuzzTokens): fc.Arbitrary<{ token: string; presented: Presented }> =>
  fc.oneof(
    fc
      .constantFrom({ token: tokens.user, admin: false }, { token: tokens.admin, admin: true })
      .map(({ token, admin }) => ({
        token,
        presented: { scheme: 'bearer' as const, valid: true, admin, secrets: [token] },
      })),
    fc.constantFrom(tokens.expired, tokens.foreign).map((token) => ({
      token,
      presented: invalid('bearer', token),
    })),
    fc.tuple(fc.nat(), fc.constantFrom(...B64TOKEN_CHARS, '=')).map(([at, c]) => {
      const i = at % tokens.user.length;
      const token = `${tokens.user.slice(0, i)}${c}${tokens.user.slice(i + 1)}`;
      // Changing a character to itself leaves the token valid.
      return {
        token,
        presented:
          token === tokens.user
            ? { scheme: 'bearer' as const, valid: true, admin: false, secrets: [token] }
            : invalid('bearer', token),
      };
    }),
    fc
      .oneof(b64tokenText(1, 200), headerText(80), fc.constant(''), longText)
      .map((token) => ({ token, presented: invalid('bearer', token) })),
  );

const authorization = (tokens: FuzzTokens): fc.Arbitrary<Part> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(casing('basic'), gap, basicPayload).map(([scheme, space, p]) => ({
        headers: [['Authorization', `${scheme}${space}${p.payload}`]] as const,
        presented: [/^ +$/.test(space) ? p.presented : invalid('unknown', p.payload)],
        clean: p.presented.valid && /^ +$/.test(space),
      })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(casing('bearer'), gap, bearerToken(tokens)).map(([scheme, space, t]) => ({
        headers: [['Authorization', `${scheme}${space}${t.token}`]] as const,
        presented: [/^ +$/.test(space) ? t.presented : invalid('unknown', t.token)],
        clean: t.presented.valid && /^ +$/.test(space),
      })),
    },
    {
      // Other schemes, and near misses of ours.
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('Digest', 'Negotiate', 'ApiKey', 'Token', 'Basicx', 'Bearer:', 'B earer'),
          headerText(60),
        )
        .map(([scheme, rest]) => ({
          headers: [['Authorization', `${scheme} ${rest}`]] as const,
          presented: [invalid('unknown', rest)],
          clean: false,
        })),
    },
    {
      // Any bytes at all, long ones included.
      weight: 1,
      arbitrary: fc.oneof(headerText(200), longText).map((value) => ({
        headers: [['Authorization', value]] as const,
        presented: [invalid('unknown', trimOws(value))],
        clean: false,
      })),
    },
  );

/** API-key values: the valid keys, near misses, any bytes, spaces, long ones. */
const apiKeyValue: fc.Arbitrary<{ value: string; presented: Presented }> = fc.oneof(
  fc.constantFrom(API_KEYS.valid, API_KEYS.admin).map((key) => ({
    value: key,
    presented: {
      scheme: 'apiKey' as const,
      valid: true,
      admin: key === API_KEYS.admin,
      secrets: [key],
    },
  })),
  fc
    .oneof(
      fc.constantFrom(`${API_KEYS.valid}x`, API_KEYS.valid.toUpperCase(), ` ${API_KEYS.valid} x`),
      headerText(60),
      longText,
    )
    .map((value) => ({ value, presented: invalid('apiKey', value) })),
);

const apiKeyHeader: fc.Arbitrary<Part> = apiKeyValue.map(({ value, presented }) => {
  // The server strips optional whitespace around a header value.
  const valid = trimOws(value) === API_KEYS.valid || trimOws(value) === API_KEYS.admin;
  return {
    headers: [['X-API-Key', value]] as const,
    presented: [
      valid ? { ...presented, valid, admin: trimOws(value) === API_KEYS.admin } : presented,
    ],
    clean: valid && value === trimOws(value),
  };
});

/** A query parameter: one value (UTF-8 or any bytes, percent-encoded), repeated, or nested. */
const queryParam = (
  name: string,
  value: fc.Arbitrary<{ value: string; presented: Presented }>,
  scheme: SchemeName,
): fc.Arbitrary<Part> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: value.map((v) => ({
        query: [`${name}=${encodeText(v.value)}`],
        presented: [v.presented],
        clean: v.presented.valid,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 24 }).map((bytes) => ({
        query: [`${name}=${percentEncode(bytes)}`],
        presented: [invalid(scheme, Buffer.from(bytes).toString('latin1'))],
        clean: false,
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(value, value).map(([a, b]) => ({
        query: [`${name}=${encodeText(a.value)}`, `${name}=${encodeText(b.value)}`],
        presented: [invalid(scheme, ...a.presented.secrets, ...b.presented.secrets)],
        clean: false,
      })),
    },
    {
      weight: 1,
      arbitrary: value.map((v) => ({
        query: [`${name}%5Bx%5D=${encodeText(v.value)}`, `${name}[]=${encodeText(v.value)}`],
        presented: [invalid(scheme, ...v.presented.secrets)],
        clean: false,
      })),
    },
  );

const apiKeyCookie: fc.Arbitrary<Part> = fc
  .tuple(apiKeyValue, fc.boolean(), fc.constantFrom('', 'sid=abc; ', 'session_key=; ', 'a=1;'))
  .map(([{ value, presented }, encode, before]) => {
    const cookieValue = encode ? encodeText(value) : value.replace(/[;\s]/g, '');
    const sent = encode ? value : cookieValue;
    const valid = sent === API_KEYS.valid || sent === API_KEYS.admin;
    const shadowed = before.startsWith('session_key=');
    return {
      headers: [['Cookie', `${before}session_key=${cookieValue}`]] as const,
      presented: [
        valid && !shadowed
          ? { scheme: 'apiKey' as const, valid, admin: sent === API_KEYS.admin, secrets: [sent] }
          : invalid('apiKey', ...presented.secrets, sent),
      ],
      clean: valid && !shadowed && before === '',
    };
  });

/** A header that only takes room, to bring requests near and past the header limit. */
const padding: fc.Arbitrary<Part> = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 12_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: HEADER_LIMIT - 1024, max: HEADER_LIMIT + 512 }) },
  )
  .map((n) => ({ headers: [['X-Padding', 'p'.repeat(n)]] as const, presented: [], clean: true }));

/** One valid credential, in its canonical form, in any of the places it may be sent. */
function validPart(tokens: FuzzTokens): fc.Arbitrary<Part> {
  const valid = (scheme: SchemeName, admin: boolean, secret: string): Presented => ({
    scheme,
    valid: true,
    admin,
    secrets: secretsOf(secret),
  });
  const spaces = fc.constantFrom(' ', '  ');
  return fc.oneof(
    fc
      .tuple(casing('basic'), spaces, fc.constantFrom(...Object.values(USERS)))
      .map(([scheme, space, u]) => ({
        headers: [
          ['Authorization', `${scheme}${space}${b64(`${u.username}:${u.password}`)}`],
        ] as const,
        presented: [valid('basic', u.username === 'admin', u.password)],
        clean: true,
      })),
    fc.tuple(casing('bearer'), spaces, fc.boolean()).map(([scheme, space, admin]) => ({
      headers: [
        ['Authorization', `${scheme}${space}${admin ? tokens.admin : tokens.user}`],
      ] as const,
      presented: [valid('bearer', admin, admin ? tokens.admin : tokens.user)],
      clean: true,
    })),
    fc.boolean().map((admin) => ({
      query: [`access_token=${admin ? tokens.admin : tokens.user}`],
      presented: [valid('bearer', admin, admin ? tokens.admin : tokens.user)],
      clean: true,
    })),
    fc
      .tuple(fc.constantFrom('header', 'query', 'cookie'), fc.boolean())
      .map(([where, admin]): Part => {
        const key = admin ? API_KEYS.admin : API_KEYS.valid;
        const presented = [valid('apiKey', admin, key)];
        if (where === 'query') return { query: [`api_key=${key}`], presented, clean: true };
        const header = where === 'header' ? ['X-API-Key', key] : ['Cookie', `session_key=${key}`];
        return { headers: [header as [string, string]], presented, clean: true };
      }),
  );
}

/** Requests with one valid credential (1 in 5), or any mix of the parts above, to any route. */
export function fuzzRequests(tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  const clean = fc
    .tuple(fc.constantFrom(...FUZZ_ROUTES), validPart(tokens))
    .map(([route, part]): FuzzRequest => ({
      route,
      headers: part.headers ?? [],
      query: (part.query ?? []).join('&'),
      presented: part.presented,
      clean: true,
    }));
  return fc.oneof({ weight: 1, arbitrary: clean }, { weight: 4, arbitrary: mixedRequests(tokens) });
}

function mixedRequests(tokens: FuzzTokens): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: fc.constantFrom(...FUZZ_ROUTES),
      authorization: fc.option(authorization(tokens), { freq: 4 }),
      apiKeyHeader: fc.option(apiKeyHeader, { freq: 2 }),
      apiKeyQuery: fc.option(queryParam('api_key', apiKeyValue, 'apiKey'), { freq: 2 }),
      accessToken: fc.option(
        queryParam(
          'access_token',
          bearerToken(tokens).map(({ token, presented }) => ({ value: token, presented })),
          'bearer',
        ),
        { freq: 2 },
      ),
      cookie: fc.option(apiKeyCookie, { freq: 2 }),
      padding: fc.option(padding, { freq: 8 }),
    })
    .map(({ route, padding: pad, ...credentials }) => {
      const parts = Object.values(credentials).filter((p): p is Part => p !== null);
      const all = pad === null ? parts : [...parts, pad];
      return {
        route,
        headers: all.flatMap((p) => p.headers ?? []),
        query: all.flatMap((p) => p.query ?? []).join('&'),
        presented: parts.flatMap((p) => p.presented),
        clean:
          parts.length === 1 &&
          parts[0]!.clean &&
          (pad === null || pad.headers![0]![1].length < 4000),
      };
    });
}

/** What came back: a response, a request Node's client refused to send, or a dropped connection. */
export type RawOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly rawHeaders: readonly string[];
      readonly body: string;
    }
  | { readonly kind: 'refused'; readonly error: unknown }
  | { readonly kind: 'dropped'; readonly error: unknown };

/** The path and query of a request. */
export function pathOf(req: FuzzRequest): string {
  return req.query === '' ? req.route.path : `${req.route.path}?${req.query}`;
}

/** Bytes of the request line and headers as sent (what the server's header limit counts). */
export function headSize(req: FuzzRequest, port: number): number {
  const lines = [
    `GET ${pathOf(req)} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Connection: close',
    ...req.headers.map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.byteLength(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/** Sends a request byte for byte (header values as latin1, as Node's client writes them). */
export function send(port: number, req: FuzzRequest): Promise<RawOutcome> {
  return new Promise((resolve) => {
    let client: ReturnType<typeof httpRequest>;
    try {
      client = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'GET',
        path: pathOf(req),
        agent: false,
        headers: ['Host', `127.0.0.1:${port}`, ...req.headers.flat()],
      });
    } catch (error) {
      resolve({ kind: 'refused', error });
      return;
    }
    client.setTimeout(10_000, () => client.destroy(new Error('no answer within 10 s')));
    client.on('error', (error) => resolve({ kind: 'dropped', error }));
    client.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve({ kind: 'dropped', error }));
      res.on('end', () =>
        resolve({
          kind: 'response',
          status: res.statusCode ?? 0,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    client.end();
  });
}

/** Every `WWW-Authenticate` line of a response, in order. */
export function challengeLines(outcome: { rawHeaders: readonly string[] }): string[] {
  const lines: string[] = [];
  for (let i = 0; i + 1 < outcome.rawHeaders.length; i += 2) {
    if (outcome.rawHeaders[i]!.toLowerCase() === 'www-authenticate')
      lines.push(outcome.rawHeaders[i + 1]!);
  }
  return lines;
}

/** The statuses CONTRACT C-1 allows for a request, given what it presents. */
export function allowedStatuses(req: FuzzRequest, size: number): Set<number> {
  const { route, presented } = req;
  const allowed = new Set([401]);
  const accepts = (p: Presented): boolean =>
    p.scheme === 'unknown'
      ? route.schemes.includes('basic') || route.schemes.includes('bearer')
      : route.schemes.includes(p.scheme);
  const relevant = presented.filter(accepts);
  // 400 invalid_request is Bearer's alone (RFC 6750 §3.1).
  if (
    route.schemes.includes('bearer') &&
    relevant.some((p) => p.scheme === 'bearer' || p.scheme === 'unknown')
  )
    allowed.add(400);
  const validFor = (name: SchemeName) => relevant.filter((p) => p.scheme === name && p.valid);
  const valid = route.all
    ? route.schemes.every((name) => validFor(name).length > 0)
      ? route.schemes.flatMap(validFor)
      : []
    : route.schemes.flatMap(validFor);
  if (route.optional) allowed.add(200);
  if (valid.length > 0) {
    if (!route.admin || valid.some((p) => p.admin)) allowed.add(200);
    if (route.admin && valid.some((p) => !p.admin)) allowed.add(403);
  }
  // The server's own 431 (CONTRACT C-3) near and past its limit.
  if (size >= HEADER_LIMIT - 1024) allowed.add(431);
  return allowed;
}

/** The one status a clean request (one valid credential, canonical form) must get. */
export function cleanStatus(req: FuzzRequest): number {
  const [credential] = req.presented;
  const { route } = req;
  if (credential === undefined || credential.scheme === 'unknown') throw new Error('not clean');
  if (!route.schemes.includes(credential.scheme) || route.all) return route.optional ? 200 : 401;
  return route.admin && !credential.admin ? 403 : 200;
}

/** The challenge scheme of each line CONTRACT C-2 sends for a route (API keys: one per location). */
export function expectedChallengeSchemes(route: FuzzRoute): string[] {
  return route.schemes.flatMap((name) =>
    name === 'basic' ? ['Basic'] : name === 'bearer' ? ['Bearer'] : ['ApiKey', 'ApiKey', 'ApiKey'],
  );
}

/**
 * Fixed text a response may contain whatever was sent (messages, status phrases, challenge lines):
 * a "secret" that happens to be part of it (e.g. a generated password `access`) is not an echo.
 */
export const FIXED_TEXT = [
  ...Object.values(AUTH_ERROR_MESSAGES),
  ...Object.values(STATUS_CODES),
  'Basic realm="api", charset="UTF-8"',
  'Bearer realm="api", error="invalid_token", error="invalid_request", error_description=',
  'ApiKey realm="api", in="header", name="X-API-Key", in="query", name="api_key", in="cookie", name="session_key"',
  '{"statusCode":,"error":"","message":"","code":"","expires_at":"","scheme":"","principal":{"id":"","roles":[],"scopes":[],"claims":{"sub":"","roles":[],"iat":,"exp":}},"schemes":[]}',
  'credentials_missing credentials_invalid token_expired token_invalid invalid_request insufficient_scope',
  // Response header names (Express keeps their case, Fastify lower-cases them) and fixed values.
  'Content-Type Content-Length Connection Keep-Alive Date WWW-Authenticate Retry-After ETag X-Powered-By Express',
  'content-type content-length connection keep-alive date www-authenticate retry-after etag x-powered-by',
  'application/json; charset=utf-8 application/problem+json; charset=utf-8 timeout=5 close',
  'The access token The access_token parameter is repeated or malformed was sent by more than one method is empty is malformed signature is invalid algorithm is not allowed signing key is unknown uses an unsupported feature is not valid yet has no claim is not accepted expired is invalid was revoked',
].join('\n');

/** The secrets a request carries that must never come back (6 characters or more, not fixed text). */
export function secretsToCheck(req: FuzzRequest): string[] {
  return req.presented
    .flatMap((p) => p.secrets)
    .filter((s) => s.length >= 6 && !FIXED_TEXT.includes(s));
}
