import { describe, it } from '@jest/globals';
import { validateHeaderValue } from 'node:http';
import fc from 'fast-check';
import { AuthenticationError } from '../errors/auth.error.js';
import { ApiKeyScheme } from '../schemes/api-key/api-key.scheme.js';
import { BasicScheme } from '../schemes/basic/basic.scheme.js';
import { BearerScheme } from '../schemes/bearer/bearer.scheme.js';
import { challenge, errorDescription, quote } from './challenge.js';

/*
 * Property-based tests (fast-check, 10,000 cases each) of the challenge builder (CONTRACT C-2):
 * with any realm or description (quotes, backslashes, controls, CR/LF, non-ASCII, lone surrogates)
 * every challenge is one header-safe line of printable ASCII that an RFC 9110 parser reads back
 * as the value given, with each character outside printable ASCII replaced by `?`.
 */

const RUNS = { numRuns: 10_000 };
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.

/** Any UTF-16 code unit, lone surrogates included, with the characters that need escaping often. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\r', '\n', '\t', '\0', ',', '=', ' ', '£', '\u2028', '😀'),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 64,
});
const TOKEN_CHARS = "!#$%&'*+.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
const token = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });

/** What a value should read back as: each UTF-16 code unit outside %x20-7E becomes `?`. */
function sanitized(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    out += c >= 0x20 && c <= 0x7e ? value[i] : '?';
  }
  return out;
}

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/** Only printable ASCII: no CR, LF, NUL, tab or byte above 0x7E can reach the header. */
const PRINTABLE_LINE = /^[\x20-\x7e]*$/;
const TCHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * A small RFC 9110 §11.6.1 challenge parser (one challenge per line, as CONTRACT C-2 sends them):
 * `auth-scheme [ 1*SP #auth-param ]`, `auth-param = token BWS "=" BWS ( token / quoted-string )`,
 * quoted-string per §5.6.4 (`qdtext` / `quoted-pair`). Throws on anything else.
 */
function parseChallenge(line: string): { scheme: string; params: [string, string][] } {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`not a challenge (${why} at ${i}): ${line}`);
  };
  const readToken = (): string => {
    const start = i;
    while (i < line.length && TCHAR.test(line[i]!)) i++;
    if (i === start) fail('token expected');
    return line.slice(start, i);
  };
  const skipOws = (): void => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  const scheme = readToken();
  const params: [string, string][] = [];
  if (i === line.length) return { scheme, params };
  if (line[i] !== ' ') fail('space expected');
  while (line[i] === ' ') i++;
  for (;;) {
    const name = readToken();
    skipOws();
    if (line[i] !== '=') fail('"=" expected');
    i++;
    skipOws();
    let value = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) fail('unterminated quoted-string');
        const c = line.charCodeAt(i);
        if (c === 0x22) break;
        if (c === 0x5c) {
          const next = line.charCodeAt(i + 1);
          // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
          if (!(next === 0x09 || (next >= 0x20 && next <= 0x7e) || (next >= 0x80 && next <= 0xff)))
            fail('bad quoted-pair');
          value += line[i + 1];
          i += 2;
          continue;
        }
        // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
        if (!(c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff)))
          fail('bad qdtext');
        value += line[i];
        i++;
      }
      i++;
    } else {
      value = readToken();
    }
    params.push([name, value]);
    skipOws();
    if (i === line.length) return { scheme, params };
    if (line[i] !== ',') fail('"," expected');
    i++;
    skipOws();
  }
}

/** A challenge line is header-safe, and parses back to the scheme and the sanitized values. */
function expectChallenge(
  line: string,
  scheme: string,
  params: readonly (readonly [string, string])[],
): void {
  ensure(PRINTABLE_LINE.test(line), `not printable ASCII: ${JSON.stringify(line)}`);
  validateHeaderValue('WWW-Authenticate', line); // what Node itself would refuse to send
  const parsed = parseChallenge(line);
  ensure(parsed.scheme === scheme, `scheme ${parsed.scheme}`);
  ensure(
    JSON.stringify(parsed.params) ===
      JSON.stringify(params.map(([name, value]) => [name, sanitized(value)])),
    `params ${JSON.stringify(parsed.params)} from ${JSON.stringify(params)}`,
  );
}

describe('challenge builder (fuzz)', () => {
  it('C-2: quote() of any string is one valid quoted-string that reads back as the sanitized value', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const quoted = quote(value);
        ensure(PRINTABLE_LINE.test(quoted), 'not printable ASCII');
        const { params } = parseChallenge(`X a=${quoted}`);
        ensure(
          params.length === 1 && params[0]![1] === sanitized(value),
          `read back as ${JSON.stringify(params)}`,
        );
      }),
      RUNS,
    );
  }, 120_000);

  it('C-2: challenge() with any auth-param values is one header-safe line that parses back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Basic', 'Bearer', 'ApiKey'),
        fc.array(fc.tuple(token, nasty), { maxLength: 4 }),
        (scheme, params) => {
          expectChallenge(challenge(scheme, params), scheme, params);
        },
      ),
      RUNS,
    );
  }, 120_000);

  it('C-2 (RFC 6750 §3): errorDescription() keeps only %x20-21 / %x23-5B / %x5D-7E, one for one', () => {
    fc.assert(
      fc.property(nasty, (text) => {
        const description = errorDescription(text);
        ensure(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(description), 'character outside RFC 6750');
        ensure(description.length === text.length, 'length changed');
        for (let i = 0; i < text.length; i++) {
          const kept = /[\x20\x21\x23-\x5b\x5d-\x7e]/.test(text[i]!);
          ensure(description[i] === (kept ? text[i] : ' '), `character ${i}`);
        }
        // So it never needs escaping inside its quotes.
        ensure(!quote(description).slice(1, -1).includes('\\'), 'escaped');
      }),
      RUNS,
    );
  }, 120_000);

  it("C-2: the schemes' own challenges stay valid with any realm and error description", () => {
    fc.assert(
      fc.property(nasty, nasty, token, (realm, description, headerName) => {
        expectChallenge(
          new BasicScheme(realm, { validate: () => null }).challenges()[0]!,
          'Basic',
          [
            ['realm', realm],
            ['charset', 'UTF-8'],
          ],
        );
        const bearer = new BearerScheme(realm, { validate: () => null });
        expectChallenge(bearer.challenges()[0]!, 'Bearer', [['realm', realm]]);
        const rejected = new AuthenticationError('token_invalid', {
          scheme: 'bearer',
          description,
        });
        expectChallenge(bearer.challenges(rejected)[0]!, 'Bearer', [
          ['realm', realm],
          ['error', 'invalid_token'],
          // An empty description is left out.
          ...(description === ''
            ? []
            : [['error_description', errorDescription(description)] as const]),
        ]);
        const apiKey = new ApiKeyScheme(realm, { header: headerName, validate: () => null });
        expectChallenge(apiKey.challenges()[0]!, 'ApiKey', [
          ['realm', realm],
          ['in', 'header'],
          ['name', headerName],
        ]);
      }),
      RUNS,
    );
  }, 120_000);
});
