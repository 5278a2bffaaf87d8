import { describe, expect, it } from '@jest/globals';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { checkBearerOAuth, oauthSecuritySchemes } from './oauth-documentation.js';

const AS = 'https://login.example.com';

describe('checkBearerOAuth', () => {
  it.each([
    [{ tokenUrl: 'login' }, 'bearer.oauth.tokenUrl must be an absolute http(s) URL.'],
    [
      { openIdConnectUrl: 'ftp://x/' },
      'bearer.oauth.openIdConnectUrl must be an absolute http(s) URL.',
    ],
    [
      { flows: ['authorizationCode'], tokenUrl: `${AS}/token` },
      "bearer.oauth.flows 'authorizationCode' needs bearer.oauth.authorizationUrl.",
    ],
    [
      { flows: ['clientCredentials'] },
      "bearer.oauth.flows 'clientCredentials' needs bearer.oauth.tokenUrl.",
    ],
    [
      { flows: ['implicit'], tokenUrl: `${AS}/token` },
      "bearer.oauth.flows: 'implicit' is not one of authorizationCode, clientCredentials.",
    ],
    [
      { tokenUrl: `${AS}/token`, scopes: { 'a b': 'x' } },
      "bearer.oauth.scopes: 'a b' is not a scope token.",
    ],
    [
      { authorizationUrl: `${AS}/authorize` },
      'bearer.oauth needs a tokenUrl (oauth2 flows) or an openIdConnectUrl.',
    ],
  ])('C-1.8: %j is refused with one line', (oauth, message) => {
    expect(() => checkBearerOAuth(oauth as never)).toThrow(new AuthConfigurationError(message));
  });

  it('accepts explicit URLs, or an openIdConnectUrl alone', () => {
    expect(() =>
      checkBearerOAuth({ authorizationUrl: `${AS}/a`, tokenUrl: `${AS}/t` }),
    ).not.toThrow();
    expect(() =>
      checkBearerOAuth({ openIdConnectUrl: `${AS}/.well-known/openid-configuration` }),
    ).not.toThrow();
  });
});

describe('oauthSecuritySchemes', () => {
  it('C-6: derives the flows from the URLs given', () => {
    expect(oauthSecuritySchemes('bearer', { tokenUrl: `${AS}/t` })).toEqual({
      bearerOAuth2: {
        type: 'oauth2',
        flows: { clientCredentials: { tokenUrl: `${AS}/t`, scopes: {} } },
      },
    });
    expect(
      oauthSecuritySchemes('bearer', {
        authorizationUrl: `${AS}/a`,
        tokenUrl: `${AS}/t`,
        flows: ['authorizationCode'],
        scopes: { read: 'Read' },
      }),
    ).toEqual({
      bearerOAuth2: {
        type: 'oauth2',
        flows: {
          authorizationCode: {
            authorizationUrl: `${AS}/a`,
            tokenUrl: `${AS}/t`,
            scopes: { read: 'Read' },
          },
        },
      },
    });
    expect(oauthSecuritySchemes('bearer', undefined)).toEqual({});
  });
});
