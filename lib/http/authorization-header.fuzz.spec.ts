import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { authorizationCredentials, parseAuthorization } from './authorization-header.js';

/*
 * Property-based tests (fast-check, 10,000 cases each) of the Authorization header parser, which
 * every Basic and Bearer request goes through (CONTRACT C-3): whatever a client sends, it never
 * throws and returns either nothing or a lower-cased scheme token and the rest.
 */

const RUNS = { numRuns: 10_000 };
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.
/** Node's default limit for all request headers together (--max-http-header-size). */
const HEADER_LIMIT = 16 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** Strings a Node server can hand the app: header bytes decoded as latin1. */
const latin1 = fc
  .uint8Array({ maxLength: 300 })
  .map((bytes) => Buffer.from(bytes).toString('latin1'));

/** Header-ish text: scheme names, spaces, tabs and base64 around arbitrary characters. */
const headerish = fc.string({
  unit: fc.oneof(
    fc.constantFrom(' ', '\t', 'B', 'b', 'a', 's', 'i', 'c', 'e', 'r', '=', ':', '.', '"', ','),
    codeUnit,
  ),
  maxLength: 60,
});

/** Values up to the header limit, made cheaply by repeating a short piece. */
const huge = fc
  .tuple(
    headerish,
    fc.string({ unit: codeUnit, minLength: 1, maxLength: 8 }),
    fc.integer({ min: 0, max: HEADER_LIMIT }),
    headerish,
  )
  .map(([head, piece, times, tail]) =>
    `${head}${piece.repeat(Math.ceil(times / piece.length))}${tail}`.slice(0, HEADER_LIMIT),
  );

const anyValue = fc.oneof(fc.string({ unit: codeUnit, maxLength: 200 }), latin1, headerish, huge);

const TOKEN_CHARS = "!#$%&'*+.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
/** Printable ASCII without the space. */
const VISIBLE = Array.from({ length: 0x5e }, (_, i) => String.fromCharCode(0x21 + i));

/** An RFC 9110 token, any case. */
const scheme = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 20 });
/** Credentials without surrounding whitespace (what the parser keeps intact), spaces inside. */
const credentials = fc.oneof(
  fc.constant(''),
  fc
    .tuple(
      fc.constantFrom(...VISIBLE),
      fc.string({ unit: fc.constantFrom(' ', ...VISIBLE), maxLength: 80 }),
      fc.constantFrom(...VISIBLE),
    )
    .map(([first, middle, last]) => `${first}${middle}${last}`),
);
const ows = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 });

/** Fails the property (fast-check then shrinks and reports the input); cheaper than `expect` in a hot loop. */
function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

describe('parseAuthorization (fuzz)', () => {
  it('C-3: never throws; returns undefined or a lower-cased token scheme and the rest of the value', () => {
    fc.assert(
      fc.property(anyValue, (value) => {
        const parsed = parseAuthorization(value);
        if (parsed === undefined) return;
        ensure(TOKEN.test(parsed.scheme), 'scheme is not a lower-case token');
        const trimmed = value.trim();
        // The scheme is the value's first word, the credentials its end, spaces in between.
        ensure(
          trimmed.slice(0, parsed.scheme.length).toLowerCase() === parsed.scheme,
          'scheme is not the first word',
        );
        ensure(trimmed.endsWith(parsed.credentials), 'credentials are not the end of the value');
        const between = trimmed.slice(
          parsed.scheme.length,
          trimmed.length - parsed.credentials.length,
        );
        ensure(
          (parsed.credentials === '' ? /^$/ : /^ +$/).test(between),
          `"${between}" between scheme and credentials`,
        );
        ensure(!parsed.credentials.startsWith(' '), 'credentials start with a space');
      }),
      RUNS,
    );
  }, 120_000);

  it('C-3: reads any scheme casing and any number of spaces: `<scheme> 1*SP <credentials>`', () => {
    fc.assert(
      fc.property(
        ows,
        scheme,
        fc.integer({ min: 1, max: 5 }),
        credentials,
        ows,
        (lead, name, spaces, rest, trail) => {
          expect(parseAuthorization(`${lead}${name}${' '.repeat(spaces)}${rest}${trail}`)).toEqual({
            scheme: name.toLowerCase(),
            credentials: rest,
          });
        },
      ),
      RUNS,
    );
  }, 120_000);

  it('C-3: a repeated header is read by its first value, like a single one', () => {
    fc.assert(
      fc.property(fc.array(anyValue, { minLength: 1, maxLength: 3 }), (values) => {
        const first = parseAuthorization(values[0]);
        const all = parseAuthorization(values);
        ensure(
          all?.scheme === first?.scheme && all?.credentials === first?.credentials,
          'not read by its first value',
        );
      }),
      RUNS,
    );
  }, 120_000);

  it('C-3: authorizationCredentials (the hot path) answers exactly what parseAuthorization reads', () => {
    const wellFormed = fc
      .tuple(ows, scheme, fc.integer({ min: 1, max: 3 }), credentials, ows)
      .map(
        ([lead, name, spaces, rest, trail]) => `${lead}${name}${' '.repeat(spaces)}${rest}${trail}`,
      );
    const schemeCasings = fc
      .tuple(fc.constantFrom('basic', 'bearer'), fc.array(fc.boolean(), { maxLength: 6 }))
      .map(([name, upper]) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
    const likely = fc
      .tuple(schemeCasings, fc.constantFrom(' ', '  ', '\t', ''), anyValue)
      .map(([name, gap, rest]) => `${name}${gap}${rest}`);
    fc.assert(
      fc.property(
        fc.oneof(anyValue, wellFormed, likely),
        fc.constantFrom('basic', 'bearer'),
        (value, name) => {
          const parsed = parseAuthorization(value);
          const expected = parsed?.scheme === name ? parsed.credentials : undefined;
          ensure(authorizationCredentials(value, name) === expected, `differs for ${name}`);
          ensure(authorizationCredentials([value], name) === expected, `differs for a list`);
        },
      ),
      RUNS,
    );
  }, 120_000);
});
