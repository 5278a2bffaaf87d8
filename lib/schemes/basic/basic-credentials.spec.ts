import { describe, expect, it } from '@jest/globals';
import { AuthenticationError } from '../../errors/auth.error.js';
import { decodeBasicCredentials } from './basic-credentials.js';

const b64 = (bytes: string | Uint8Array): string =>
  (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes)).toString('base64');

function failure(token68: string): unknown {
  try {
    decodeBasicCredentials(token68);
  } catch (err) {
    return err;
  }
  throw new Error(`decodeBasicCredentials(${JSON.stringify(token68)}) did not throw`);
}

describe('decodeBasicCredentials', () => {
  describe('valid credentials (C-3, RFC 7617 §2)', () => {
    it('C-3: decodes the RFC 7617 §2 vector to Aladdin / open sesame', () => {
      expect(decodeBasicCredentials('QWxhZGRpbjpvcGVuIHNlc2FtZQ==')).toEqual({
        username: 'Aladdin',
        password: 'open sesame',
      });
    });

    it('C-3: decodes the RFC 7617 §2.1 UTF-8 vector to test / 123£', () => {
      expect(decodeBasicCredentials('dGVzdDoxMjPCow==')).toEqual({
        username: 'test',
        password: '123£',
      });
    });

    it('C-3: ends the user-id at the first colon and keeps a password with several colons whole', () => {
      expect(decodeBasicCredentials(b64('alice:pa:ss::word:'))).toEqual({
        username: 'alice',
        password: 'pa:ss::word:',
      });
    });

    it('C-3: allows an empty password', () => {
      expect(decodeBasicCredentials(b64('alice:'))).toEqual({ username: 'alice', password: '' });
    });

    it('C-3: keeps non-ASCII user-ids and passwords as UTF-8', () => {
      expect(decodeBasicCredentials(b64('Jürgen:пароль€'))).toEqual({
        username: 'Jürgen',
        password: 'пароль€',
      });
    });

    it('C-3: decodes "+" and "/" of the base64 alphabet', () => {
      expect(decodeBasicCredentials('YTo+Pj4=')).toEqual({ username: 'a', password: '>>>' });
      expect(decodeBasicCredentials('YTo/Pz8=')).toEqual({ username: 'a', password: '???' });
    });

    it('C-3: accepts unpadded base64', () => {
      expect(decodeBasicCredentials('QWxhZGRpbjpvcGVuIHNlc2FtZQ')).toEqual({
        username: 'Aladdin',
        password: 'open sesame',
      });
      expect(decodeBasicCredentials('dGVzdDoxMjPCow')).toEqual({
        username: 'test',
        password: '123£',
      });
    });
  });

  describe('invalid credentials are a 401 credentials_invalid, never a crash (C-3)', () => {
    const cases: readonly (readonly [string, string])[] = [
      ['an empty token', ''],
      ['a space inside the token', 'QWxh ZGRpbjpvcGVuIHNlc2FtZQ=='],
      ['a "!" (not base64)', 'QWxh!ZGRpbjpvcGVuIHNlc2FtZQ=='],
      ['a "%" (not base64)', 'QWxhZGRpbjpvcGVu%20Nlc2FtZQ=='],
      ['a "." (token68 but not base64)', 'QWxh.ZGRpbjpvcGVuIHNlc2FtZQ=='],
      ['a "~" (token68 but not base64)', 'QWxh~ZGRpbjpvcGVuIHNlc2FtZQ=='],
      ['a "-" (base64url for "+", not base64)', 'YTo-Pj4='],
      ['a "_" (base64url for "/", not base64)', 'YTo_Pz8='],
      ['padding in the middle', 'QW=xhZGRpbjpvcGVuIHNlc2FtZQ=='],
      ['three padding characters', 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==='],
      ['only padding', '===='],
      ['a length of 4n+1', 'QWxhZ'],
      ['a length of 4n+1 with padding', 'QWxhZGRpbjpvcGVuIHNlc2FtZQ1=='],
      ['invalid UTF-8 (0xC3 0x28)', b64(new Uint8Array([0x61, 0x3a, 0xc3, 0x28]))],
      ['invalid UTF-8 (lone continuation byte)', b64(new Uint8Array([0x61, 0x3a, 0x80]))],
      ['invalid UTF-8 (encoded surrogate)', b64(new Uint8Array([0x61, 0x3a, 0xed, 0xa0, 0x80]))],
      ['no colon', b64('Aladdin')],
      ['an empty user-id', b64(':open sesame')],
      ['a NUL in the password', b64('alice:pa\x00ss')],
      ['an ESC in the password', b64('alice:pa\x1bss')],
      ['a DEL in the password', b64('alice:pa\x7fss')],
      ['a NEL (U+0085) in the password', b64('alice:pa\u0085ss')],
      ['a CR LF in the password', b64('alice:pa\r\nss')],
      ['a tab in the user-id', b64('al\tice:secret')],
      ['a control character in the user-id', b64('al\x01ice:secret')],
    ];

    it.each(cases)('C-3: rejects %s', (_what, token68) => {
      const err = failure(token68);
      expect(err).toBeInstanceOf(AuthenticationError);
      expect(err).toMatchObject({ code: 'credentials_invalid', scheme: 'basic' });
      expect((err as AuthenticationError).getStatus()).toBe(401);
    });

    it('C-4: the error never echoes the credential', () => {
      const err = failure(b64('alice:s3cr3t\x00')) as AuthenticationError;
      expect(JSON.stringify({ message: err.message, response: err.getResponse() })).not.toContain(
        's3cr3t',
      );
      expect(err.message).not.toContain(b64('alice:s3cr3t\x00'));
    });

    it('C-3: never throws anything but an AuthenticationError for arbitrary input', () => {
      const inputs = [
        '\u0000',
        '\uffff',
        '\ud800',
        'Zm9v\n',
        '=',
        '+/+/',
        'A'.repeat(10_001),
        b64(new Uint8Array(256).map((_, i) => i)),
      ];
      for (const input of inputs) {
        expect(failure(input)).toBeInstanceOf(AuthenticationError);
      }
    });
  });
});
