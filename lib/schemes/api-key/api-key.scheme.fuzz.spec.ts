import { describe, it } from '@jest/globals';
import { parse as parseCookie } from 'cookie';
import fc from 'fast-check';
import { DEFAULT_MAX_CREDENTIAL_LENGTH } from '../../auth.constants.js';
import { AUTH_ERROR_MESSAGES } from '../../errors/auth-error-codes.js';
import { AuthenticationError } from '../../errors/auth.error.js';
import type {
  ApiKeyLocation,
  ApiKeySchemeOptions,
  PlatformRequest,
} from '../../interfaces/auth-options.interface.js';
import { ApiKeyScheme } from './api-key.scheme.js';

/*
 * Property-based test (fast-check, 10,000 cases) of how the API-key scheme finds a key (CONTRACT
 * C-3) in requests with arbitrary headers, query strings, Cookie headers and parsed cookies, for
 * every combination of configured locations: the first configured location that holds a value
 * decides; a printable key is returned as sent; anything else is credentials_invalid (401); and
 * nothing but a string, `undefined` or that AuthenticationError ever comes out.
 */

const RUNS = { numRuns: 10_000 };
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.
const KEY = /^[\x21-\x7e]+$/;
const NAMES = { header: 'X-API-Key', query: 'api_key', cookie: 'session_key' } as const;

const latin1 = fc
  .uint8Array({ maxLength: 80 })
  .map((bytes) => Buffer.from(bytes).toString('latin1'));
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const printable = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 60,
});

/** Key-ish values: printable keys, keys with spaces or controls, empty, and over-long ones. */
const keyish = fc.oneof(
  { weight: 4, arbitrary: printable },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: latin1 },
  { weight: 1, arbitrary: anyText },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: DEFAULT_MAX_CREDENTIAL_LENGTH - 2, max: DEFAULT_MAX_CREDENTIAL_LENGTH + 2 })
      .map((n) => 'k'.repeat(n)),
  },
);

/** Every byte as `%XX`: any value, and (from raw bytes) sequences that are not UTF-8. */
const percentEncoded = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** A Cookie header: our cookie among others, plain, percent-encoded (UTF-8 or not), or any bytes. */
const cookieHeader = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.constantFrom('a', 'sid', 'session_key', 'SESSION_KEY', ' session_key'),
        fc.oneof(
          keyish,
          keyish.map((value) => percentEncoded(Buffer.from(value, 'utf8'))),
          fc.uint8Array({ maxLength: 12 }).map(percentEncoded),
        ),
      ),
      { maxLength: 3 },
    )
    .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('; ')),
  latin1,
);

const paramValue = fc.oneof(
  { weight: 4, arbitrary: keyish },
  { weight: 1, arbitrary: fc.array(keyish, { minLength: 1, maxLength: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, { a: '1' }) },
);

/** A parsed query string: missing, not an object, plain or null-prototype with `api_key` or not. */
const query = fc.oneof(
  fc.constantFrom(undefined, null, 'api_key=x', {}),
  fc
    .tuple(fc.boolean(), paramValue)
    .map(([bare, value]) =>
      Object.assign(bare ? (Object.create(null) as object) : {}, { api_key: value }),
    ),
  fc.anything({ maxDepth: 1, withNullPrototype: true }),
);

/** A cookie parser's result (e.g. cookie-parser), when one ran: strings, JSON cookies, or none. */
const parsedCookies = fc.oneof(
  fc.constantFrom(undefined, null),
  fc.record({ session_key: paramValue }, { requiredKeys: [] }),
);

const headerValue = fc.oneof(
  { weight: 5, arbitrary: keyish },
  { weight: 1, arbitrary: fc.array(keyish, { minLength: 1, maxLength: 2 }) },
  { weight: 2, arbitrary: fc.constant(undefined) },
);

const requests = fc.record({
  headers: fc.record({
    'x-api-key': headerValue,
    cookie: fc.option(cookieHeader, { freq: 2 }).map((c) => c ?? undefined),
  }),
  query,
  cookies: parsedCookies,
});

/** Which locations are configured (none: the X-API-Key header by default). */
const locations = fc.subarray<ApiKeyLocation>(['header', 'query', 'cookie']);

type Outcome = { kind: 'key'; key: string } | { kind: 'none' } | { kind: 'invalid' };

/** Where each location's value is, written down independently of the scheme's code. */
function valueAt(
  request: {
    headers: Record<string, string | string[] | undefined>;
    query: unknown;
    cookies: unknown;
  },
  location: ApiKeyLocation,
): string | null | undefined {
  switch (location) {
    case 'header': {
      const value = request.headers['x-api-key'];
      return Array.isArray(value) ? value[0] : value;
    }
    case 'query': {
      const { query: source } = request;
      if (source === null || typeof source !== 'object' || !Object.hasOwn(source, NAMES.query))
        return undefined;
      const value = (source as Record<string, unknown>)[NAMES.query];
      return typeof value === 'string' ? value : null;
    }
    case 'cookie': {
      const parsed = request.cookies as Record<string, unknown> | null | undefined;
      const value = parsed?.[NAMES.cookie];
      if (typeof value === 'string') return value;
      const raw = request.headers.cookie;
      return typeof raw === 'string' ? parseCookie(raw)[NAMES.cookie] : undefined;
    }
  }
}

function expected(request: Parameters<typeof valueAt>[0], configured: ApiKeyLocation[]): Outcome {
  for (const location of configured.length > 0 ? configured : ['header' as const]) {
    const value = valueAt(request, location);
    if (value === undefined) continue;
    if (value === null || value.length > DEFAULT_MAX_CREDENTIAL_LENGTH || !KEY.test(value))
      return { kind: 'invalid' };
    return { kind: 'key', key: value };
  }
  return { kind: 'none' };
}

function actual(scheme: ApiKeyScheme, request: PlatformRequest): Outcome {
  try {
    const key = scheme.read(request);
    if (key === undefined) return { kind: 'none' };
    if (typeof key !== 'string') throw new Error(`read() returned ${typeof key}`);
    return { kind: 'key', key };
  } catch (err) {
    if (
      !(err instanceof AuthenticationError) ||
      err.code !== 'credentials_invalid' ||
      err.scheme !== 'apiKey' ||
      err.getStatus() !== 401 ||
      err.message !== AUTH_ERROR_MESSAGES.credentials_invalid
    ) {
      throw err;
    }
    return { kind: 'invalid' };
  }
}

describe('ApiKeyScheme.read (fuzz)', () => {
  const validate: ApiKeySchemeOptions['validate'] = () => null;
  const schemes = new Map<string, ApiKeyScheme>();
  const schemeFor = (configured: ApiKeyLocation[]): ApiKeyScheme => {
    const key = configured.join();
    let scheme = schemes.get(key);
    if (!scheme) {
      const options: Record<string, string> = {};
      for (const location of configured) options[location] = NAMES[location];
      scheme = new ApiKeyScheme('api', { ...options, validate });
      schemes.set(key, scheme);
    }
    return scheme;
  };

  it('C-3: any header, query, Cookie header and parsed cookies give the first configured location’s key, or credentials_invalid', () => {
    fc.assert(
      fc.property(requests, locations, (request, configured) => {
        const got = actual(schemeFor(configured), request);
        const want = expected(request, configured);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          throw new Error(`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        }
      }),
      RUNS,
    );
  }, 120_000);
});
