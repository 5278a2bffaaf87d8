import { describe, expect, it } from '@jest/globals';
import { challenge, errorDescription, quote } from './challenge.js';

describe('quote', () => {
  it('C-2: wraps a plain value in double quotes', () => {
    expect(quote('api')).toBe('"api"');
    expect(quote('')).toBe('""');
  });

  it('C-2: escapes a double quote and a backslash (RFC 9110 §5.6.4)', () => {
    expect(quote('a"b')).toBe('"a\\"b"');
    expect(quote('a\\b')).toBe('"a\\\\b"');
    expect(quote('\\"')).toBe('"\\\\\\""');
  });

  it('C-2: replaces control characters, CR and LF with "?" so that no header can be injected', () => {
    expect(quote('a\r\nSet-Cookie: x=1')).toBe('"a??Set-Cookie: x=1"');
    expect(quote('a\x00b\tc\x7fd')).toBe('"a?b?c?d"');
  });

  it('C-2: replaces non-ASCII characters with "?"', () => {
    expect(quote('café')).toBe('"caf?"');
    expect(quote('\u0085')).toBe('"?"');
    expect(quote('€')).toBe('"?"');
  });

  it('C-2: keeps every printable ASCII character apart from escaping', () => {
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) =>
      String.fromCharCode(0x20 + i),
    ).join('');
    const expected = `" !\\"${printable.slice(3, 0x5c - 0x20)}\\\\${printable.slice(0x5c - 0x20 + 1)}"`;
    expect(quote(printable)).toBe(expected);
  });
});

describe('challenge', () => {
  it('C-2: formats the Basic challenge with an escaped realm and charset', () => {
    expect(
      challenge('Basic', [
        ['realm', 'a"b'],
        ['charset', 'UTF-8'],
      ]),
    ).toBe('Basic realm="a\\"b", charset="UTF-8"');
  });

  it('C-2: is just the scheme when there are no auth-params', () => {
    expect(challenge('Negotiate', [])).toBe('Negotiate');
  });

  it('C-2: joins parameters with ", " in the given order', () => {
    expect(
      challenge('ApiKey', [
        ['realm', 'r'],
        ['in', 'header'],
        ['name', 'X-API-Key'],
      ]),
    ).toBe('ApiKey realm="r", in="header", name="X-API-Key"');
  });
});

describe('errorDescription', () => {
  it('C-2: keeps the characters RFC 6750 §3 allows', () => {
    const allowed = [0x20, 0x21, ...range(0x23, 0x5b), ...range(0x5d, 0x7e)]
      .map((c) => String.fromCharCode(c))
      .join('');
    expect(errorDescription(allowed)).toBe(allowed);
    expect(errorDescription('The access token expired')).toBe('The access token expired');
  });

  it('C-2: replaces a double quote, a backslash, controls and non-ASCII with a space', () => {
    expect(errorDescription('a"b\\c')).toBe('a b c');
    expect(errorDescription('x\r\ny\tz\x7f')).toBe('x  y z ');
    expect(errorDescription('caf\u00e9 \u0085')).toBe('caf   ');
  });

  it('C-2: the result never contains a character outside %x20-21 / %x23-5B / %x5D-7E', () => {
    const every =
      Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)).join('') +
      '\u2028\ud83d\ude00';
    expect(errorDescription(every)).toMatch(/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/);
    expect(errorDescription(every)).toHaveLength(every.length);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
