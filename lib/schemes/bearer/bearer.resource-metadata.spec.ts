import { describe, expect, it } from '@jest/globals';
import { AuthenticationError } from '../../errors/auth.error.js';
import { BearerScheme } from './bearer.scheme.js';

/*
 * docs/contract.md C-2.11: with protected resource metadata configured, every Bearer challenge
 * ends with resource_metadata="<metadata URL>" (RFC 9728 §5.1), a quoted-string (C-2.8).
 */

const URL = 'https://api.example.com/.well-known/oauth-protected-resource/v1';
const PARAM = `resource_metadata="${URL}"`;

function scheme(options: { discloseScopes?: boolean } = {}, url: string | null = URL) {
  return new BearerScheme('r', { validate: () => null, ...options }, undefined, url ?? undefined);
}

describe('BearerScheme with resource metadata', () => {
  it('C-2.11: a 401 without a token: realm, then resource_metadata', () => {
    expect(scheme().challenges()).toEqual([`Bearer realm="r", ${PARAM}`]);
    expect(
      scheme().challenges(new AuthenticationError('credentials_missing', { scheme: 'bearer' })),
    ).toEqual([`Bearer realm="r", ${PARAM}`]);
  });

  it('C-2.11: a refused token (401) and a 400: after the error attributes', () => {
    const expired = new AuthenticationError('token_expired', {
      scheme: 'bearer',
      description: 'The access token expired',
    });
    expect(scheme().challenges(expired)).toEqual([
      `Bearer realm="r", error="invalid_token", error_description="The access token expired", ${PARAM}`,
    ]);
    const twice = new AuthenticationError('invalid_request', { scheme: 'bearer' });
    expect(scheme().challenges(twice)).toEqual([
      `Bearer realm="r", error="invalid_request", ${PARAM}`,
    ]);
  });

  it('C-2.11: a 403: after insufficient_scope, and after scope when scopes are disclosed', () => {
    expect(scheme().forbiddenChallenge(['read'])).toBe(
      `Bearer realm="r", error="insufficient_scope", ${PARAM}`,
    );
    expect(scheme({ discloseScopes: true }).forbiddenChallenge(['read', 'write'])).toBe(
      `Bearer realm="r", error="insufficient_scope", scope="read write", ${PARAM}`,
    );
  });

  it('C-2.8, C-2.11: the URL is a quoted-string, escaped like every auth-param', () => {
    expect(scheme({}, 'https://x.example/"\\').challenges()).toEqual([
      'Bearer realm="r", resource_metadata="https://x.example/\\"\\\\"',
    ]);
  });

  it('C-2.3: without it, the challenges are unchanged', () => {
    expect(scheme({}, null).challenges()).toEqual(['Bearer realm="r"']);
    expect(scheme({}, null).forbiddenChallenge([])).toBe(
      'Bearer realm="r", error="insufficient_scope"',
    );
  });
});
