import { beforeAll, describe, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { type CryptoKey, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { AuthenticationError } from '../../errors/auth.error.js';
import { JwtVerifier } from './jwt-verifier.js';

/*
 * Property-based tests (fast-check, 10,000 cases each) of JWT verification (RFC 8725, CONTRACT
 * C-1/C-3): any string a client sends as a token, any header and claims an issuer could sign, and
 * any small change to a valid token end in a 401 (`token_invalid` / `token_expired`) and never in
 * another error (a 500, or a 503 that a client could cause with a static key), and a changed token
 * is never accepted.
 */

const RUNS = { numRuns: 10_000 };
// Every property test has a 120 s timeout: jest's 5 s is too short on two busy cores.
const SECRET = 'a-32-byte-long-shared-hs256-key!';
const secretBytes = new TextEncoder().encode(SECRET);
const now = (): number => Math.floor(Date.now() / 1000);
const DESCRIPTIONS = new Set([
  'The access token expired',
  'The access token is not valid yet',
  'The access token signature is invalid',
  'The access token algorithm is not allowed',
  'The access token signing key is unknown',
  'The access token uses an unsupported feature',
  'The access token is malformed',
]);
/** Why a claim failed: `has no <claim> claim` or `<claim> claim is not accepted`. */
const CLAIM_DESCRIPTION = /^The access token (has no \w+ claim|\w+ claim is not accepted)$/;
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const b64url = (value: string | Uint8Array): string => Buffer.from(value).toString('base64url');

/**
 * Awaits a verification that must fail, and checks it failed as a 401 with a known description:
 * `token_expired` (with a valid `expiresAt` date, which the body sends as ISO 8601) or
 * `token_invalid`. Anything else fails the property.
 */
async function expectRejected(verifier: JwtVerifier, token: string): Promise<void> {
  let error: unknown;
  try {
    await verifier.verify(token);
  } catch (err) {
    error = err;
  }
  if (error === undefined) throw new Error(`accepted ${token}`);
  if (!(error instanceof AuthenticationError))
    throw new Error('rejected with something else than an AuthenticationError', { cause: error });
  checkAuthenticationError(error);
}

function checkAuthenticationError(error: AuthenticationError): void {
  const { code, description, expiresAt } = error;
  if (
    (code !== 'token_invalid' && code !== 'token_expired') ||
    error.getStatus() !== 401 ||
    error.scheme !== 'bearer' ||
    !(DESCRIPTIONS.has(description ?? '') || CLAIM_DESCRIPTION.test(description ?? '')) ||
    (code === 'token_expired') !== (description === 'The access token expired')
  ) {
    throw new Error(`unexpected rejection ${code}: ${description}`);
  }
  // The body sends it as ISO 8601: an invalid date would make that throw (a 500).
  if (expiresAt !== undefined && !Number.isFinite(expiresAt.getTime()))
    throw new Error('expiresAt is an invalid date');
}

/** Any UTF-16 text, and text made of the characters tokens are made of. */
const anyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  maxLength: 120,
});
const tokenText = fc.string({
  unit: fc.constantFrom(...`${B64URL}.=+/~`),
  maxLength: 200,
});

/** Header parameters an attacker might try (RFC 8725 §2). */
const header = fc.record(
  {
    alg: fc.oneof(
      fc.constantFrom('HS256', 'HS384', 'none', 'None', 'RS256', 'ES256', 'PS256', 'EdDSA', ''),
      fc.string({ maxLength: 8 }),
      fc.constantFrom(null, 1, ['HS256']),
    ),
    typ: fc.constantFrom('JWT', 'at+jwt', 'JWE'),
    kid: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('../../etc/passwd', "' OR 1=1")),
    crit: fc.oneof(
      fc.constantFrom(['b64'], ['exp'], [], 'b64', ['x-unknown']),
      fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
    ),
    b64: fc.constantFrom(true, false, 'false'),
    jku: fc.constant('https://attacker.example/jwks.json'),
    jwk: fc.constant({ kty: 'oct', k: b64url(secretBytes) }),
    enc: fc.constant('A256GCM'),
    zip: fc.constant('DEF'),
  },
  { requiredKeys: [] },
);

/** Claims, well-formed or not: numbers of every size for the time claims, wrong types, non-objects. */
const timeClaim = fc.oneof(
  fc.integer({ min: -600, max: 600 }).map((offset) => now() + offset),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1e300, -1e300, 8.64e12, -8.64e12, 9e15, -9e15, Number.MAX_SAFE_INTEGER),
  fc.constantFrom('9999999999', null, true, [], {}),
);
const claims = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        sub: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(1, null)),
        exp: timeClaim,
        nbf: timeClaim,
        iat: timeClaim,
        iss: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(1)),
        aud: fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 4 }))),
        jti: fc.string({ maxLength: 8 }),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** HS256 with the verifier's secret, over whatever header and payload bytes are given. */
function hs256(headerPart: string, payloadPart: string): string {
  const signature = createHmac('sha256', secretBytes)
    .update(`${headerPart}.${payloadPart}`)
    .digest('base64url');
  return `${headerPart}.${payloadPart}.${signature}`;
}

describe('JwtVerifier (fuzz)', () => {
  const verifier = new JwtVerifier({ secret: SECRET });

  it('C-3: any string sent as a token is a 401 token_invalid, never accepted and never another error', async () => {
    const threeParts = fc
      .tuple(
        fc.oneof(
          header.map((h) => b64url(JSON.stringify(h))),
          tokenText,
        ),
        fc.oneof(
          claims.map((c) => b64url(JSON.stringify(c))),
          tokenText,
        ),
        fc.oneof(fc.uint8Array({ maxLength: 64 }).map(b64url), tokenText),
      )
      .map((parts) => parts.join('.'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyText, tokenText, threeParts), async (token) => {
        await expectRejected(verifier, token);
      }),
      RUNS,
    );
  }, 120_000);

  it('C-1: any header and claims signed with the key either verify as a valid JWT or are a 401, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(header, claims, async (protectedHeader, payload) => {
        const token = hs256(
          b64url(JSON.stringify({ ...protectedHeader, alg: 'HS256' })),
          b64url(JSON.stringify(payload)),
        );
        const before = now();
        let verified: Awaited<ReturnType<JwtVerifier['verify']>>;
        try {
          verified = await verifier.verify(token);
        } catch (err) {
          if (!(err instanceof AuthenticationError)) throw err;
          checkAuthenticationError(err);
          return;
        }
        const after = now();
        // Accepted: then exp (required) is still ahead, nbf is reached, and every critical
        // header parameter is one jose implements (only b64, RFC 7797, and only encoded).
        const { crit, b64 } = protectedHeader;
        const ok =
          typeof verified.exp === 'number' &&
          verified.exp > before &&
          (verified.nbf === undefined ||
            (typeof verified.nbf === 'number' && verified.nbf <= after)) &&
          (crit === undefined ||
            (Array.isArray(crit) &&
              crit.length > 0 &&
              crit.every((name) => name === 'b64') &&
              b64 === true));
        if (!ok) throw new Error(`accepted ${JSON.stringify({ protectedHeader, payload })}`);
      }),
      RUNS,
    );
  }, 120_000);

  describe('a valid token, changed in any small way, is never accepted', () => {
    let tokens: string[];
    let rsaVerifier: JwtVerifier;

    beforeAll(async () => {
      const rsa = await generateKeyPair('RS256', { extractable: true });
      rsaVerifier = new JwtVerifier({ publicKey: await exportSPKI(rsa.publicKey) });
      const sign = (alg: string, key: CryptoKey | Uint8Array, sub: string): Promise<string> =>
        new SignJWT({ sub, roles: ['user'] })
          .setProtectedHeader({ alg, typ: 'JWT' })
          .setIssuedAt()
          .setExpirationTime(now() + 3600)
          .sign(key);
      tokens = await Promise.all([
        sign('HS256', secretBytes, 'user-1'),
        sign('HS256', secretBytes, 'admin-22'),
        sign('RS256', rsa.privateKey, 'user-1'),
        sign('RS256', rsa.privateKey, 'admin-22'),
      ]);
      // Each verifies as signed: only the changes make them fail.
      for (const token of tokens) await verifierOf(token).verify(token);
    });

    function verifierOf(token: string): JwtVerifier {
      return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).alg === 'RS256'
        ? rsaVerifier
        : verifier;
    }

    type Mutation = (token: string, other: string) => string;
    const at = (token: string, position: number): number => position % (token.length + 1);
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.tuple(fc.nat(), fc.constantFrom(...`${B64URL}.=+/`)).map(
        ([p, c]): Mutation =>
          (t) =>
            `${t.slice(0, at(t, p))}${c}${t.slice(at(t, p) + 1)}`,
      ),
      fc.tuple(fc.nat(), fc.constantFrom(...`${B64URL}.=`)).map(
        ([p, c]): Mutation =>
          (t) =>
            `${t.slice(0, at(t, p))}${c}${t.slice(at(t, p))}`,
      ),
      fc.nat().map(
        (p): Mutation =>
          (t) =>
            `${t.slice(0, at(t, p))}${t.slice(at(t, p) + 1)}`,
      ),
      fc.nat().map(
        (p): Mutation =>
          (t) =>
            t.slice(0, at(t, p)),
      ),
      fc.string({ unit: fc.constantFrom(...`${B64URL}.=`), minLength: 1, maxLength: 4 }).map(
        (s): Mutation =>
          (t) =>
            `${t}${s}`,
      ),
      // The last character of each segment: the one whose unused bits jose would ignore.
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom(...B64URL))
        .map(([segment, c]): Mutation => (t) => {
          const parts = t.split('.');
          parts[segment] = `${(parts[segment] ?? '').slice(0, -1)}${c}`;
          return parts.join('.');
        }),
      // Segments of another token spliced in (same key: only the signature can tell).
      fc.integer({ min: 0, max: 2 }).map((segment): Mutation => (t, other) => {
        const parts = t.split('.');
        parts[segment] = other.split('.')[segment]!;
        return parts.join('.');
      }),
      // A payload re-encoded with changed claims, the signature kept.
      fc
        .constantFrom({ roles: ['admin'] }, { sub: 'admin-22' }, { exp: 9_999_999_999 }, {})
        .map((change): Mutation => (t) => {
          const [h, p, s] = t.split('.') as [string, string, string];
          let claimsSet: object = {};
          try {
            claimsSet = JSON.parse(Buffer.from(p, 'base64url').toString()) as object;
          } catch {
            // An earlier change broke the payload: the new claims replace it.
          }
          return `${h}.${b64url(JSON.stringify({ ...claimsSet, ...change }))}.${s}`;
        }),
    );

    it('RFC 8725: any small change to an HS256 or RS256 token is a 401, never accepted', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: 3 }),
          fc.nat({ max: 3 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (which, otherWhich, changes) => {
            const original = tokens[which]!;
            const changed = changes.reduce(
              (token, change) => change(token, tokens[otherWhich]!),
              original,
            );
            // Splicing every segment of another token rebuilds that (valid) token: not a change.
            if (tokens.includes(changed)) return;
            await expectRejected(verifierOf(original), changed);
          },
        ),
        RUNS,
      );
    }, 120_000);
  });
});
