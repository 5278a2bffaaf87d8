import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_MAX_CREDENTIAL_LENGTH } from '../../auth.constants.js';
import { AUTH_ERROR_MESSAGES } from '../../errors/auth-error-codes.js';
import { AuthenticationError } from '../../errors/auth.error.js';
import { parseAuthorization } from '../../http/authorization-header.js';
import type { PlatformRequest } from '../../interfaces/auth-options.interface.js';
import { BearerScheme } from './bearer.scheme.js';

/*
 * Property-based test (fast-check, 10,000 cases) of how the Bearer scheme finds a token (RFC 6750
 * §2, CONTRACT C-1/C-3) in requests with arbitrary Authorization headers, query strings, form bodies
 * and content types: the outcome is exactly what the RFC's rules give, and nothing but a string,
 * `undefined` or an AuthenticationError (400 invalid_request / 401 token_invalid) ever comes out.
 */

const RUNS = { numRuns: 10_000 };
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const B64TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/';
const DESCRIPTIONS = new Set([
  'The access_token parameter is repeated or malformed',
  'The access token was sent by more than one method',
  'The access token is empty',
  'The access token is malformed',
]);

/** Header bytes as a Node server hands them over (latin1), and any UTF-16 text. */
const latin1 = fc
  .uint8Array({ maxLength: 120 })
  .map((bytes) => Buffer.from(bytes).toString('latin1'));
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

/** Token-ish values: valid b64tokens, padded ones, near misses, empty, and over-long ones. */
const tokenish = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.string({ unit: fc.constantFrom(...B64TOKEN_CHARS), minLength: 1, maxLength: 80 }),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...B64TOKEN_CHARS), minLength: 1, maxLength: 40 }),
        fc.string({ unit: fc.constantFrom('=', ' ', '.', '"', ',', '\t', 'é'), maxLength: 3 }),
      )
      .map(([t, tail]) => `${t}${tail}`),
  },
  { weight: 1, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: DEFAULT_MAX_CREDENTIAL_LENGTH - 2, max: DEFAULT_MAX_CREDENTIAL_LENGTH + 2 })
      .map((n) => 'a'.repeat(n)),
  },
  { weight: 1, arbitrary: anyText },
);

const authorization = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.mixedCase(fc.constantFrom('bearer', 'bearer', 'bearer', 'basic', 'bearerx', 'token')),
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(' ', '  ', '   ') },
          { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 }) },
        ),
        tokenish,
      )
      .map(([scheme, gap, t]) => `${scheme}${gap}${t}`),
  },
  { weight: 1, arbitrary: latin1 },
);

/** A query or form parameter value as parsers produce it: strings, arrays, objects, oddities. */
const paramValue = fc.oneof(
  { weight: 4, arbitrary: tokenish },
  { weight: 1, arbitrary: fc.array(tokenish, { minLength: 1, maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), {
      maxKeys: 2,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, true) },
);

/** A parsed query string or body: missing, not an object, or with `access_token` (or not). */
const parsedParams = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(undefined, null, 'access_token=x', 7, {}) },
  { weight: 1, arbitrary: fc.record({ access_token: paramValue }, { requiredKeys: [] }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.boolean(), paramValue)
      .map(([bare, value]) =>
        Object.assign(bare ? (Object.create(null) as object) : {}, { access_token: value }),
      ),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 1, withNullPrototype: true }) },
);

const contentType = fc.constantFrom(
  undefined,
  'application/x-www-form-urlencoded',
  'Application/X-WWW-Form-Urlencoded; charset=UTF-8',
  'application/json',
  'text/plain',
);

const requests = fc.record({
  authorization: fc.oneof(
    { weight: 6, arbitrary: authorization },
    { weight: 1, arbitrary: fc.array(authorization, { minLength: 1, maxLength: 2 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ),
  'content-type': contentType,
});

type Outcome =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'error'; readonly code: 'invalid_request' | 'token_invalid' };

/** A parameter per RFC 6750 §2.2/2.3 as CONTRACT C-3 reads it: absent, a string, or malformed. */
function lookup(source: unknown, name: string): string | null | undefined {
  if (source === null || typeof source !== 'object' || !Object.hasOwn(source, name))
    return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

/** The rules, written down independently of the scheme's code. */
function expected(
  headers: Record<string, string | string[] | undefined>,
  query: unknown,
  body: unknown,
  allowQuery: boolean,
  allowBody: boolean,
): Outcome {
  const parsed = parseAuthorization(headers.authorization);
  const type = headers['content-type'];
  const form = typeof type === 'string' && /^application\/x-www-form-urlencoded/i.test(type);
  const candidates = [
    parsed?.scheme === 'bearer' ? parsed.credentials : undefined,
    allowQuery ? lookup(query, 'access_token') : undefined,
    allowBody && form ? lookup(body, 'access_token') : undefined,
  ];
  if (candidates.includes(null)) return { kind: 'error', code: 'invalid_request' };
  const present = candidates.filter((c): c is string => c !== undefined);
  if (present.length > 1) return { kind: 'error', code: 'invalid_request' };
  const [token] = present;
  if (token === undefined) return { kind: 'none' };
  if (token === '') return { kind: 'error', code: 'invalid_request' };
  if (token.length > DEFAULT_MAX_CREDENTIAL_LENGTH || !B64TOKEN.test(token))
    return { kind: 'error', code: 'token_invalid' };
  return { kind: 'token', token };
}

function actual(scheme: BearerScheme, request: PlatformRequest): Outcome {
  try {
    const token = scheme.read(request);
    if (token === undefined) return { kind: 'none' };
    if (typeof token !== 'string') throw new Error(`read() returned ${typeof token}`);
    return { kind: 'token', token };
  } catch (err) {
    if (!(err instanceof AuthenticationError)) throw err;
    const { code } = err;
    if (code !== 'invalid_request' && code !== 'token_invalid') throw err;
    const status = code === 'invalid_request' ? 400 : 401;
    if (
      err.getStatus() !== status ||
      err.scheme !== 'bearer' ||
      err.message !== AUTH_ERROR_MESSAGES[code] ||
      !DESCRIPTIONS.has(err.description ?? '')
    ) {
      throw new Error(`unexpected error details: ${err.getStatus()} ${err.description}`, {
        cause: err,
      });
    }
    return { kind: 'error', code };
  }
}

describe('BearerScheme.read (fuzz)', () => {
  const schemes = new Map<string, BearerScheme>();
  const schemeFor = (allowQuery: boolean, allowBody: boolean): BearerScheme => {
    const key = `${allowQuery}/${allowBody}`;
    let scheme = schemes.get(key);
    if (!scheme) {
      scheme = new BearerScheme('api', { validate: () => null, allowQuery, allowBody });
      schemes.set(key, scheme);
    }
    return scheme;
  };

  it('C-1/C-3: any header, query and body give the RFC 6750 outcome, and only a token, nothing or an AuthenticationError', () => {
    fc.assert(
      fc.property(
        requests,
        parsedParams,
        parsedParams,
        fc.boolean(),
        fc.boolean(),
        (headers, query, body, allowQuery, allowBody) => {
          const got = actual(schemeFor(allowQuery, allowBody), { headers, query, body });
          const want = expected(headers, query, body, allowQuery, allowBody);
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            throw new Error(`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
          }
        },
      ),
      RUNS,
    );
  }, 120_000);
});
