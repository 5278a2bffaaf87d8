import { describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { rejection } from '../../../test/support/rejection.js';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { AuthenticationError } from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { JwtIssuers } from './jwt-issuers.js';

const OWN = new TextEncoder().encode('the-api-own-32-byte-hs256-secret');
const PARTNER = new TextEncoder().encode('a-partner-32-byte-hs256-secret!!');
const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });

function sign(
  claims: JWTPayload,
  key: Uint8Array | typeof idp.privateKey,
  alg = 'HS256',
): Promise<string> {
  return new SignJWT({ sub: 'user-1', ...claims })
    .setProtectedHeader({ alg })
    .setExpirationTime('5m')
    .sign(key);
}

function startUpError(jwt: unknown): string {
  try {
    new JwtIssuers(jwt as JwtVerificationOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    return (err as Error).message;
  }
  throw new Error('new JwtIssuers() did not throw');
}

async function refusal(issuers: JwtIssuers, token: string): Promise<string | undefined> {
  const err = await rejection(issuers.verify(token));
  expect(err).toBeInstanceOf(AuthenticationError);
  expect((err as AuthenticationError).code).toBe('token_invalid');
  return (err as AuthenticationError).description;
}

describe('JwtIssuers: several key sources on one Bearer scheme (bearer.jwt as a list)', () => {
  const own: JwtVerificationOptions = { secret: OWN, issuer: 'my-api' };
  const partner: JwtVerificationOptions = { secret: PARTNER, issuer: ['partner-eu', 'partner-us'] };
  const provider: JwtVerificationOptions = {
    publicKey: idp.publicKey,
    issuer: 'https://idp.example',
    audience: 'https://api.example',
  };
  const issuers = new JwtIssuers([own, partner, provider]);

  it('verifies each token with the one entry whose issuer equals its iss, and says which', async () => {
    const mine = await issuers.verify(await sign({ iss: 'my-api' }, OWN));
    expect(mine.issuer.options).toBe(own);
    expect(mine.payload).toMatchObject({ sub: 'user-1', iss: 'my-api' });
    for (const iss of ['partner-eu', 'partner-us']) {
      expect((await issuers.verify(await sign({ iss }, PARTNER))).issuer.options).toBe(partner);
    }
    const fromIdp = await issuers.verify(
      await sign(
        { iss: 'https://idp.example', aud: 'https://api.example' },
        idp.privateKey,
        'RS256',
      ),
    );
    expect(fromIdp.issuer.options).toBe(provider);
  });

  it('C-1: a token of no configured issuer, or without iss, is refused without trying a key', async () => {
    for (const claims of [{ iss: 'someone-else' }, {}, { iss: 'MY-API' }, { iss: 'my-api/' }]) {
      expect(await refusal(issuers, await sign(claims, OWN))).toBe(
        'The access token issuer is not accepted',
      );
    }
    expect(await refusal(issuers, await sign({ iss: ['my-api'] as unknown as string }, OWN))).toBe(
      'The access token issuer is not accepted',
    );
  });

  it("C-1: never tries one issuer's key for another: an iss with another entry's key is refused", async () => {
    // Signed with the API's own secret, claiming the partner's issuer: checked with the partner's secret.
    expect(await refusal(issuers, await sign({ iss: 'partner-eu' }, OWN))).toBe(
      'The access token signature is invalid',
    );
    // HS256 with the own secret, claiming the identity provider: its entry pins RS256.
    expect(await refusal(issuers, await sign({ iss: 'https://idp.example' }, OWN))).toBe(
      'The access token algorithm is not allowed',
    );
    // The provider's entry still checks its own audience.
    expect(
      await refusal(issuers, await sign({ iss: 'https://idp.example' }, idp.privateKey, 'RS256')),
    ).toBe('The access token has no aud claim');
  });

  it('C-3: a token that is not a JWT is malformed (401), not a crash', async () => {
    for (const token of ['abc', 'a.b.c', 'a.b.c.d.e']) {
      expect(await refusal(issuers, token)).toBe('The access token is malformed');
    }
  });

  it('one entry, as an object or a list of one, needs no issuer and verifies every token', async () => {
    for (const jwt of [{ secret: OWN }, [{ secret: OWN }]]) {
      const single = new JwtIssuers(jwt);
      await expect(single.verify(await sign({ iss: 'anyone' }, OWN))).resolves.toMatchObject({
        payload: { iss: 'anyone' },
      });
    }
  });

  it('is remote when one entry fetches keys', () => {
    expect(issuers.remote).toBe(false);
    const withDiscovery = new JwtIssuers([own, { discovery: true, issuer: 'https://idp.example' }]);
    expect(withDiscovery.remote).toBe(true);
  });

  describe('checked at start-up (C-1.8)', () => {
    it('refuses an empty list and an entry that is not an object', () => {
      expect(startUpError([])).toBe(
        'nest-http-auth: bearer.jwt must not be an empty list: give one set of JWT options, or one per issuer.',
      );
      expect(startUpError([own, null])).toBe(
        'nest-http-auth: bearer.jwt[1] must be an object of JWT options.',
      );
    });

    it.each([
      [{ secret: PARTNER }],
      [{ secret: PARTNER, issuer: '' }],
      [{ secret: PARTNER, issuer: [] }],
    ])('with several entries, refuses an entry without issuer: %j', (entry) => {
      expect(startUpError([own, entry])).toBe(
        "nest-http-auth: bearer.jwt[1] needs an issuer: with several bearer.jwt entries, the token's iss picks the one entry whose issuer equals it exactly (an entry without issuer is only allowed alone).",
      );
    });

    it('refuses an issuer named by two entries', () => {
      expect(startUpError([own, partner, { secret: PARTNER, issuer: ['x', 'partner-us'] }])).toBe(
        'nest-http-auth: bearer.jwt[1] and bearer.jwt[2] both accept the issuer "partner-us": each issuer must pick exactly one entry.',
      );
    });

    it('names the entry in its own configuration errors', () => {
      expect(startUpError([own, { secret: 'short', issuer: 'b' }])).toBe(
        'nest-http-auth: bearer.jwt[1].secret is 5 bytes; HS256 needs at least 32 (RFC 7518 §3.2).',
      );
      expect(startUpError([{ issuer: 'a' }])).toContain(
        'bearer.jwt[0] needs exactly one of secret, publicKey or jwksUrl',
      );
    });
  });
});
