import { describe, expect, it } from '@jest/globals';
import { parseAuthorization } from './authorization-header.js';

describe('parseAuthorization', () => {
  it('returns undefined when the header is absent', () => {
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization([])).toBeUndefined();
  });

  it.each(['Basic', 'basic', 'BASIC', 'bAsIc'])(
    'C-3: reads the scheme %s case-insensitively, lower-cased',
    (scheme) => {
      expect(parseAuthorization(`${scheme} QWxhZGRpbjpvcGVuIHNlc2FtZQ==`)).toEqual({
        scheme: 'basic',
        credentials: 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==',
      });
    },
  );

  it('C-3: accepts one or more spaces between scheme and credentials', () => {
    expect(parseAuthorization('Bearer    abc.def')).toEqual({
      scheme: 'bearer',
      credentials: 'abc.def',
    });
    expect(parseAuthorization('Bearer abc')).toEqual({ scheme: 'bearer', credentials: 'abc' });
  });

  it('C-3: ignores leading and trailing whitespace', () => {
    expect(parseAuthorization('  Bearer abc  ')).toEqual({ scheme: 'bearer', credentials: 'abc' });
  });

  it('C-3: keeps what follows the scheme as is (auth-params of other schemes)', () => {
    expect(parseAuthorization('Digest username="a b", realm="r"')).toEqual({
      scheme: 'digest',
      credentials: 'username="a b", realm="r"',
    });
  });

  it('C-3: yields empty credentials when only the scheme is sent', () => {
    expect(parseAuthorization('Bearer')).toEqual({ scheme: 'bearer', credentials: '' });
    expect(parseAuthorization('Basic   ')).toEqual({ scheme: 'basic', credentials: '' });
  });

  it.each([
    ['an empty header', ''],
    ['only spaces', '   '],
    ['a scheme with a non-token character', 'Bea(rer abc'],
    ['a quoted scheme', '"Bearer" abc'],
    ['a scheme with a slash', 'Bearer/1 abc'],
    ['a non-ASCII scheme', 'Bëarer abc'],
    ['a leading comma', ', Bearer abc'],
  ])('C-3: returns undefined for %s', (_what, value) => {
    expect(parseAuthorization(value)).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    expect(parseAuthorization(['Bearer first', 'Basic second'])).toEqual({
      scheme: 'bearer',
      credentials: 'first',
    });
  });
});
