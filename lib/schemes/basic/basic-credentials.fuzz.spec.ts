import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { AUTH_ERROR_MESSAGES } from '../../errors/auth-error-codes.js';
import { AuthenticationError } from '../../errors/auth.error.js';
import { decodeBasicCredentials } from './basic-credentials.js';

/*
 * Property-based tests (fast-check, 10,000 cases each) of the Basic user-pass decoder (RFC 7617,
 * CONTRACT C-3): any input either decodes to a user-id and password that are safe to hand to
 * `validate`, or is `credentials_invalid` (a 401), never another error (a 500).
 */

const RUNS = { numRuns: 10_000 };
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const base64Char = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_'.split(''),
);
const bytes = fc.uint8Array({ maxLength: 96 });

/** Inputs of every shape: any string, base64-ish text, and base64 of any bytes (padded or not). */
const token68 = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 120 }),
  fc.string({ unit: base64Char, maxLength: 120 }),
  bytes.map((b) => Buffer.from(b).toString('base64')),
  bytes.map((b) => Buffer.from(b).toString('base64').replace(/=+$/, '')),
  bytes.map((b) => Buffer.from(b).toString('base64url')),
  fc.uint8Array({ minLength: 0, maxLength: 96 }).map((b) =>
    // Mostly well-formed user-pass pairs with a byte or two changed.
    Buffer.from([...Buffer.from('user:pass', 'utf8'), ...b]).toString('base64'),
  ),
);

/** Text in any script: whole code points, a BOM, non-ASCII spaces, astral characters, colons. */
const text = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('£', 'é', '\uFEFF', '\u00A0', '\u2028', '😀', ':', ' ', '='),
  ),
  maxLength: 40,
});
const userId = text.filter((u) => u !== '' && !u.includes(':') && !CONTROL.test(u));
const password = text.filter((p) => !CONTROL.test(p));

/** Fails the property (fast-check then shrinks and reports the input); cheaper than `expect` in a hot loop. */
function ensure(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

/**
 * Runs the decoder; returns its result, or the error it threw after checking it is the one allowed:
 * `credentials_invalid` (401) with a fixed sentence, nothing of the input (CONTRACT C-4).
 */
function decode(input: string): { username: string; password: string } | AuthenticationError {
  try {
    return decodeBasicCredentials(input);
  } catch (err) {
    ensure(err instanceof AuthenticationError, `threw ${String(err)}`);
    const error = err as AuthenticationError;
    ensure(
      error.code === 'credentials_invalid' &&
        error.scheme === 'basic' &&
        error.getStatus() === 401 &&
        error.message === AUTH_ERROR_MESSAGES.credentials_invalid &&
        error.getResponse() === AUTH_ERROR_MESSAGES.credentials_invalid,
      `unexpected error ${error.code} ${error.scheme} ${error.message}`,
    );
    return error;
  }
}

describe('decodeBasicCredentials (fuzz)', () => {
  it('C-3: any input is a safe user-id and password or credentials_invalid, never another error', () => {
    fc.assert(
      fc.property(token68, (input) => {
        const result = decode(input);
        if (result instanceof AuthenticationError) return;
        const { username, password: pass } = result;
        ensure(username !== '', 'empty user-id');
        ensure(!username.includes(':'), 'colon in the user-id');
        ensure(!CONTROL.test(username) && !CONTROL.test(pass), 'control character');
        // It is what the input's bytes say, as UTF-8, split at the first colon.
        ensure(
          Buffer.from(input, 'base64').equals(Buffer.from(`${username}:${pass}`, 'utf8')),
          'not the bytes of the input',
        );
      }),
      RUNS,
    );
  }, 120_000);

  it('C-3 (RFC 7617 §2): any user-id without colon or controls and any password without controls round-trip through base64(UTF-8)', () => {
    fc.assert(
      fc.property(userId, password, fc.boolean(), (username, pass, padded) => {
        const encoded = Buffer.from(`${username}:${pass}`, 'utf8').toString('base64');
        const input = padded ? encoded : encoded.replace(/=+$/, '');
        const decoded = decodeBasicCredentials(input);
        ensure(
          decoded.username === username && decoded.password === pass,
          `decoded ${JSON.stringify(decoded)}`,
        );
      }),
      RUNS,
    );
  }, 120_000);

  it('C-3: bytes that are not UTF-8 are credentials_invalid', () => {
    const notUtf8 = fc.uint8Array({ minLength: 1, maxLength: 64 }).filter((b) => {
      try {
        UTF8.decode(b);
        return false;
      } catch {
        return true;
      }
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), notUtf8, (prefix, invalid) => {
        const input = Buffer.from([...Buffer.from('user:', 'utf8'), ...prefix, ...invalid]);
        // A valid prefix is no excuse: the whole payload must be UTF-8.
        fc.pre(!isUtf8(input));
        ensure(decode(input.toString('base64')) instanceof AuthenticationError, 'accepted');
      }),
      RUNS,
    );
  }, 120_000);

  it('C-3: a payload without a colon, or with a control character, is credentials_invalid', () => {
    const control = fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f);
    fc.assert(
      fc.property(
        userId,
        password,
        control,
        fc.nat(),
        fc.boolean(),
        (username, pass, c, at, dropColon) => {
          const pair = `${username}:${pass}`;
          const plain = dropColon
            ? pair.replace(/:/g, '')
            : `${pair.slice(0, at % (pair.length + 1))}${String.fromCharCode(c)}${pair.slice(at % (pair.length + 1))}`;
          ensure(
            decode(Buffer.from(plain, 'utf8').toString('base64')) instanceof AuthenticationError,
            'accepted',
          );
        },
      ),
      RUNS,
    );
  }, 120_000);
});

function isUtf8(bytes: Uint8Array): boolean {
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
