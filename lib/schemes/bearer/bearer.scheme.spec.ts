import { describe, expect, it } from '@jest/globals';
import { SignJWT, type JWTPayload } from 'jose';
import { AuthenticationError } from '../../errors/auth.error.js';
import type {
  BearerSchemeOptions,
  PlatformRequest,
} from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../../interfaces/auth-principal.interface.js';
import { BearerScheme, principalFromClaims } from './bearer.scheme.js';

const SECRET = 'a-32-byte-long-shared-hs256-key!';
const now = (): number => Math.floor(Date.now() / 1000);

function jwt(claims: JWTPayload, secret = SECRET): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(now() + 300)
    .sign(new TextEncoder().encode(secret));
}

const opaque = (options: Partial<BearerSchemeOptions> = {}): BearerScheme =>
  new BearerScheme('r', {
    validate: (token) => (token === 'good' ? { id: 'opaque-user' } : null),
    ...options,
  });

const request = (headers: Record<string, string> = {}, extra: object = {}): PlatformRequest => ({
  headers,
  ...extra,
});

function readFailure(scheme: BearerScheme, req: PlatformRequest): AuthenticationError {
  try {
    scheme.read(req);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('read() did not throw');
}

async function verifyFailure(promise: Promise<unknown>): Promise<AuthenticationError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthenticationError);
    return err as AuthenticationError;
  }
  throw new Error('verify() did not reject');
}

describe('BearerScheme', () => {
  describe('credential() (the cache looks it up before read() checks the token)', () => {
    it('C-3: is the header token as sent, not checked', () => {
      const scheme = opaque();
      expect(scheme.credential(request({ authorization: 'bearer abc.def' }))).toBe('abc.def');
      expect(scheme.credential(request({ authorization: 'Bearer not a b64token' }))).toBe(
        'not a b64token',
      );
      expect(scheme.credential(request())).toBeUndefined();
      expect(scheme.credential(request({ authorization: 'Basic abc' }))).toBeUndefined();
    });

    it('C-3: with the query method enabled, is the one token read() accepts, if any', () => {
      const scheme = opaque({ allowQuery: true });
      expect(scheme.credential(request({}, { query: { access_token: 'q' } }))).toBe('q');
      expect(scheme.credential(request({ authorization: 'Bearer h' }, { query: {} }))).toBe('h');
      // Sent twice: no credential to remember (null: something is there), read() answers 400.
      const twice = request({ authorization: 'Bearer h' }, { query: { access_token: 'q' } });
      expect(scheme.credential(twice)).toBeNull();
      expect(readFailure(scheme, twice).code).toBe('invalid_request');
      const repeated = request({}, { query: { access_token: ['a', 'b'] } });
      expect(scheme.credential(repeated)).toBeNull();
      expect(readFailure(scheme, repeated).code).toBe('invalid_request');
    });
  });

  describe('read()', () => {
    it('C-3: reads the token of an Authorization: Bearer header, scheme case-insensitive', () => {
      const scheme = opaque();
      expect(scheme.read(request({ authorization: 'Bearer abc.DEF-123_~+/=' }))).toBe(
        'abc.DEF-123_~+/=',
      );
      expect(scheme.read(request({ authorization: 'bearer tok' }))).toBe('tok');
      expect(scheme.read(request({ authorization: 'BEARER   tok' }))).toBe('tok');
    });

    it('C-3: finds no credentials without a header or with another scheme', () => {
      const scheme = opaque();
      expect(scheme.read(request())).toBeUndefined();
      expect(
        scheme.read(request({ authorization: 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' })),
      ).toBeUndefined();
      expect(scheme.read(request({ authorization: 'Bearertok' }))).toBeUndefined();
    });

    it('C-3: ignores the access_token query and body parameters unless enabled', () => {
      const scheme = opaque();
      const params = { query: { access_token: 'q' }, body: { access_token: 'b' } };
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      expect(scheme.read(request(form, params))).toBeUndefined();
      expect(scheme.read(request({ ...form, authorization: 'Bearer h' }, params))).toBe('h');
    });

    it('C-3: reads the access_token query parameter when allowQuery is set', () => {
      expect(opaque({ allowQuery: true }).read(request({}, { query: { access_token: 'q' } }))).toBe(
        'q',
      );
    });

    it('C-3: reads the access_token form parameter when allowBody is set, only from a form-encoded body', () => {
      const scheme = opaque({ allowBody: true });
      expect(
        scheme.read(
          request(
            { 'content-type': 'application/x-www-form-urlencoded' },
            { body: { access_token: 'b' } },
          ),
        ),
      ).toBe('b');
      expect(
        scheme.read(
          request({ 'content-type': 'application/json' }, { body: { access_token: 'b' } }),
        ),
      ).toBeUndefined();
    });

    it.each([
      ['header and query', { authorization: 'Bearer h' }, { query: { access_token: 'q' } }],
      [
        'header and body',
        { authorization: 'Bearer h', 'content-type': 'application/x-www-form-urlencoded' },
        { body: { access_token: 'b' } },
      ],
      [
        'query and body',
        { 'content-type': 'application/x-www-form-urlencoded' },
        { query: { access_token: 'q' }, body: { access_token: 'b' } },
      ],
    ])('C-1: a token sent by %s is invalid_request (400)', (_what, headers, extra) => {
      const err = readFailure(
        opaque({ allowQuery: true, allowBody: true }),
        request(headers, extra),
      );
      expect(err).toMatchObject({
        code: 'invalid_request',
        scheme: 'bearer',
        description: 'The access token was sent by more than one method',
      });
      expect(err.getStatus()).toBe(400);
    });

    it('C-1: a repeated or structured access_token parameter is invalid_request (400)', () => {
      const query = opaque({ allowQuery: true });
      const body = opaque({ allowBody: true });
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      for (const err of [
        readFailure(query, request({}, { query: { access_token: ['a', 'b'] } })),
        readFailure(query, request({}, { query: { access_token: { x: 'a' } } })),
        readFailure(body, request(form, { body: { access_token: ['a', 'b'] } })),
      ]) {
        expect(err).toMatchObject({
          code: 'invalid_request',
          description: 'The access_token parameter is repeated or malformed',
        });
        expect(err.getStatus()).toBe(400);
      }
    });

    it('C-1: an empty token is invalid_request (400)', () => {
      for (const err of [
        readFailure(opaque(), request({ authorization: 'Bearer' })),
        readFailure(opaque(), request({ authorization: 'Bearer    ' })),
        readFailure(opaque({ allowQuery: true }), request({}, { query: { access_token: '' } })),
      ]) {
        expect(err).toMatchObject({
          code: 'invalid_request',
          description: 'The access token is empty',
        });
        expect(err.getStatus()).toBe(400);
      }
    });

    it.each([
      ['a space inside', 'Bearer abc def'],
      ['a character outside b64token', 'Bearer abc!def'],
      ['a quote', 'Bearer "abc"'],
      ['padding in the middle', 'Bearer ab=c'],
      ['non-ASCII', 'Bearer tøken'],
      ['auth-params instead of a token', 'Bearer realm="x"'],
      ['more than 8192 characters', `Bearer ${'a'.repeat(8193)}`],
    ])('C-3: a malformed token (%s) is token_invalid (401)', (_what, authorization) => {
      const err = readFailure(opaque(), request({ authorization }));
      expect(err).toMatchObject({
        code: 'token_invalid',
        scheme: 'bearer',
        description: 'The access token is malformed',
      });
      expect(err.getStatus()).toBe(401);
    });

    it('C-3: accepts a token of exactly 8192 characters', () => {
      expect(opaque().read(request({ authorization: `Bearer ${'a'.repeat(8192)}` }))).toHaveLength(
        8192,
      );
    });
  });

  describe('verify()', () => {
    it('verifies a JWT and maps its claims to the default principal', async () => {
      const scheme = new BearerScheme('r', { jwt: { secret: SECRET } });
      const token = await jwt({
        sub: 'u1',
        roles: ['admin', 'user'],
        scope: 'read  write',
        extra: true,
      });
      const principal = await scheme.verify(token, request());
      expect(principal).toMatchObject({
        id: 'u1',
        roles: ['admin', 'user'],
        scopes: ['read', 'write'],
      });
      expect(principal['claims']).toMatchObject({ sub: 'u1', extra: true });
    });

    it('maps an scp array to scopes', async () => {
      const scheme = new BearerScheme('r', { jwt: { secret: SECRET } });
      await expect(
        scheme.verify(await jwt({ sub: 'u1', scp: ['a', 'b'] }), request()),
      ).resolves.toMatchObject({ scopes: ['a', 'b'] });
    });

    it('C-1: a JWT without sub is token_invalid', async () => {
      const scheme = new BearerScheme('r', { jwt: { secret: SECRET } });
      const err = await verifyFailure(scheme.verify(await jwt({ scope: 'read' }), request()));
      expect(err).toMatchObject({
        code: 'token_invalid',
        description: 'The access token is invalid',
      });
    });

    it('C-1: passes on the verifier errors (expired, wrong signature)', async () => {
      const scheme = new BearerScheme('r', { jwt: { secret: SECRET } });
      const expired = await new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime(now() - 60)
        .sign(new TextEncoder().encode(SECRET));
      await expect(verifyFailure(scheme.verify(expired, request()))).resolves.toMatchObject({
        code: 'token_expired',
      });
      const forged = await jwt({ sub: 'u' }, 'another-32-byte-long-secret-key!');
      await expect(verifyFailure(scheme.verify(forged, request()))).resolves.toMatchObject({
        code: 'token_invalid',
      });
    });

    it('uses jwt.validate instead of the default mapping, with payload, token and request', async () => {
      const calls: unknown[][] = [];
      const scheme = new BearerScheme('r', {
        jwt: {
          secret: SECRET,
          validate: (payload, token, req) => {
            calls.push([payload.sub, token, req]);
            return payload['jti'] === 'revoked' ? false : { id: `custom-${String(payload.sub)}` };
          },
        },
      });
      const token = await jwt({ sub: 'u1' });
      const req = request({ authorization: `Bearer ${token}` });
      await expect(scheme.verify(token, req)).resolves.toEqual({ id: 'custom-u1' });
      expect(calls).toEqual([['u1', token, req]]);
      const revoked = await verifyFailure(
        scheme.verify(await jwt({ sub: 'u1', jti: 'revoked' }), req),
      );
      expect(revoked).toMatchObject({ code: 'token_invalid' });
    });

    it('checks an opaque token with validate(token, request)', async () => {
      const seen: unknown[][] = [];
      const scheme = new BearerScheme('r', {
        validate: async (token, req) => {
          seen.push([token, req]);
          return token === 'good' ? { id: 'u9', scopes: ['s'] } : undefined;
        },
      });
      const req = request();
      await expect(scheme.verify('good', req)).resolves.toEqual({ id: 'u9', scopes: ['s'] });
      await expect(verifyFailure(scheme.verify('bad', req))).resolves.toMatchObject({
        code: 'token_invalid',
      });
      expect(seen).toEqual([
        ['good', req],
        ['bad', req],
      ]);
    });

    it('lets an AuthenticationError thrown by validate through unchanged', async () => {
      const own = new AuthenticationError('token_expired', { scheme: 'bearer' });
      const scheme = new BearerScheme('r', {
        validate: () => {
          throw own;
        },
      });
      await expect(scheme.verify('tok', request())).rejects.toBe(own);
    });

    it("with several bearer.jwt entries, maps the claims with the token's issuer's validate", async () => {
      const OTHER = 'another-32-byte-long-hs256-key!!';
      const scheme = new BearerScheme('r', {
        jwt: [
          { secret: SECRET, issuer: 'own', validate: (p) => ({ id: `own:${String(p.sub)}` }) },
          {
            secret: OTHER,
            issuer: 'partner',
            validate: (p) => ({ id: `partner:${String(p.sub)}` }),
          },
        ],
      });
      await expect(
        scheme.verify(await jwt({ sub: 'a', iss: 'own' }), request()),
      ).resolves.toMatchObject({ id: 'own:a' });
      await expect(
        scheme.verify(await jwt({ sub: 'b', iss: 'partner' }, OTHER), request()),
      ).resolves.toMatchObject({ id: 'partner:b' });
    });

    it('jwtOptions (for mintToken): the entry with a secret, else the first', () => {
      const own = { secret: SECRET, issuer: 'own' };
      const idp = { jwksUrl: 'https://idp.example/jwks', issuer: 'https://idp.example' };
      expect(new BearerScheme('r', { jwt: [idp, own] }).jwtOptions).toBe(own);
      expect(new BearerScheme('r', { jwt: own }).jwtOptions).toBe(own);
      expect(new BearerScheme('r', { jwt: [idp] }).jwtOptions).toBe(idp);
      expect(opaque().jwtOptions).toBeUndefined();
    });
  });

  describe('challenges()', () => {
    const scheme = opaque();

    it('C-2: is Bearer realm="…" with no error attributes when no token was presented', () => {
      expect(scheme.challenges()).toEqual(['Bearer realm="r"']);
      expect(
        scheme.challenges(new AuthenticationError('credentials_missing', { scheme: 'bearer' })),
      ).toEqual(['Bearer realm="r"']);
    });

    it('C-2: adds error="invalid_token" and error_description for a rejected token', () => {
      const expired = new AuthenticationError('token_expired', {
        scheme: 'bearer',
        description: 'The access token expired',
      });
      expect(scheme.challenges(expired)).toEqual([
        'Bearer realm="r", error="invalid_token", error_description="The access token expired"',
      ]);
      const invalid = new AuthenticationError('token_invalid', {
        scheme: 'bearer',
        description: 'The access token is malformed',
      });
      expect(scheme.challenges(invalid)).toEqual([
        'Bearer realm="r", error="invalid_token", error_description="The access token is malformed"',
      ]);
    });

    it('C-2: leaves error_description out when there is no description', () => {
      expect(
        scheme.challenges(new AuthenticationError('token_invalid', { scheme: 'bearer' })),
      ).toEqual(['Bearer realm="r", error="invalid_token"']);
    });

    it('C-2: uses error="invalid_request" for a 400', () => {
      const err = new AuthenticationError('invalid_request', {
        scheme: 'bearer',
        description: 'The access token is empty',
      });
      expect(scheme.challenges(err)).toEqual([
        'Bearer realm="r", error="invalid_request", error_description="The access token is empty"',
      ]);
    });

    it('C-2: restricts error_description to the RFC 6750 characters', () => {
      const err = new AuthenticationError('token_invalid', {
        scheme: 'bearer',
        description: 'bad "x" \\ é\r\n',
      });
      const description = `bad  x${' '.repeat(7)}`;
      expect(scheme.challenges(err)).toEqual([
        `Bearer realm="r", error="invalid_token", error_description="${description}"`,
      ]);
    });

    it('C-2: escapes a realm with a quote', () => {
      expect(new BearerScheme('a"b', { validate: () => null }).challenges()).toEqual([
        'Bearer realm="a\\"b"',
      ]);
    });
  });

  describe('forbiddenChallenge()', () => {
    it('C-2: is insufficient_scope without the scopes by default', () => {
      expect(opaque().forbiddenChallenge(['read', 'write'])).toBe(
        'Bearer realm="r", error="insufficient_scope"',
      );
    });

    it('C-2: discloses the needed scopes when discloseScopes is set', () => {
      const scheme = opaque({ discloseScopes: true });
      expect(scheme.forbiddenChallenge(['read', 'write'])).toBe(
        'Bearer realm="r", error="insufficient_scope", scope="read write"',
      );
      expect(scheme.forbiddenChallenge([])).toBe('Bearer realm="r", error="insufficient_scope"');
    });
  });

  describe('securitySchemes()', () => {
    it('C-6: is http bearer with bearerFormat JWT when jwt is configured', () => {
      expect(new BearerScheme('r', { jwt: { secret: SECRET } }).securitySchemes()).toEqual({
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      });
    });

    it('C-6: has no bearerFormat for opaque tokens unless configured', () => {
      expect(opaque().securitySchemes()).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
      expect(opaque({ bearerFormat: 'opaque' }).securitySchemes()).toEqual({
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'opaque' },
      });
    });
  });
});

describe('principalFromClaims', () => {
  it('maps sub, roles, scope and keeps the claims', () => {
    const payload = { sub: 's', roles: ['r1'], scope: 'a b', x: 1 };
    expect(principalFromClaims(payload)).toEqual({
      id: 's',
      roles: ['r1'],
      scopes: ['a', 'b'],
      claims: payload,
    });
  });

  it('splits scope on spaces and drops empty entries', () => {
    expect((principalFromClaims({ sub: 's', scope: ' a  b ' }) as AuthPrincipal).scopes).toEqual([
      'a',
      'b',
    ]);
  });

  it('prefers scope to scp and reads scp as an array', () => {
    expect(
      (principalFromClaims({ sub: 's', scope: 'a', scp: ['b'] }) as AuthPrincipal).scopes,
    ).toEqual(['a']);
    expect((principalFromClaims({ sub: 's', scp: ['b', 'c'] }) as AuthPrincipal).scopes).toEqual([
      'b',
      'c',
    ]);
  });

  it('ignores roles and scopes of the wrong type', () => {
    expect(principalFromClaims({ sub: 's', roles: [1, 'a'], scp: 'x' })).toMatchObject({
      roles: [],
      scopes: ['x'],
    });
    expect(principalFromClaims({ sub: 's', roles: { admin: true }, scope: 5 })).toMatchObject({
      roles: [],
      scopes: [],
    });
  });

  it('returns undefined without a non-empty string sub', () => {
    expect(principalFromClaims({})).toBeUndefined();
    expect(principalFromClaims({ sub: '' })).toBeUndefined();
    expect(principalFromClaims({ sub: 42 } as unknown as JWTPayload)).toBeUndefined();
  });
});
