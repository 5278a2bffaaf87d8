import { describe, expect, it } from '@jest/globals';
import { AuthConfigurationError } from '../errors/auth-configuration.error.js';
import type {
  AuthModuleOptions,
  BearerSchemeOptions,
} from '../interfaces/auth-options.interface.js';
import { resolveAuthOptions } from './resolve-options.js';

/*
 * The `resourceMetadata` option (RFC 9728), docs/contract.md C-1.8 and C-2.11: every mistake is a
 * one-line AuthConfigurationError at start-up; a valid option resolves to the metadata URL that
 * Bearer challenges name, the paths the document is served at and the Bearer methods.
 */

const validate = (): null => null;
const bearer: BearerSchemeOptions = { validate };

function startUpError(options: unknown): string {
  try {
    resolveAuthOptions(options as AuthModuleOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    const { message } = err as Error;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('resolveAuthOptions() did not throw');
}

/** The start-up error of a `resourceMetadata` (with a Bearer scheme of `bearerOptions`). */
function metadataError(resourceMetadata: unknown, bearerOptions = bearer): string {
  return startUpError({ bearer: bearerOptions, resourceMetadata });
}

describe('resourceMetadata option (RFC 9728)', () => {
  describe('C-1.8: start-up validation', () => {
    it('is off unless configured', () => {
      expect(resolveAuthOptions({ bearer }).resourceMetadata).toBeUndefined();
    });

    it('needs an object and the Bearer scheme', () => {
      expect(metadataError(null)).toBe(
        'nest-http-auth: resourceMetadata must be an object: { resource, … }.',
      );
      expect(
        startUpError({
          basic: { validate },
          resourceMetadata: { resource: 'https://api.example.com' },
        }),
      ).toBe(
        'nest-http-auth: resourceMetadata needs the bearer scheme: it tells clients where to get Bearer tokens for this resource (RFC 9728).',
      );
    });

    it.each([
      [undefined],
      [''],
      ['api.example.com'],
      ['/v1'],
      ['ftp://api.example.com'],
      ['https://api.example.com/v1?x=1'],
      ['https://api.example.com/?'],
      ['https://api.example.com/#top'],
      ['https://user:secret@api.example.com'],
      [42],
    ])('rejects the resource %j', (resource) => {
      expect(metadataError({ resource })).toBe(
        `nest-http-auth: resourceMetadata.resource must be an absolute https or http URL without query, fragment or credentials, got ${JSON.stringify(resource)}.`,
      );
    });

    it.each([
      ['https://api.example.com/v:1', '/v:1'],
      ['https://api.example.com/v1/*', '/v1/*'],
      ['https://api.example.com/a//b', '/a//b'],
      ['https://api.example.com/caf%C3%A9', '/caf%C3%A9'],
      ['https://api.example.com/a b', '/a%20b'],
    ])('rejects the resource %j, whose path is not served literally', (resource, path) => {
      expect(metadataError({ resource })).toBe(
        `nest-http-auth: resourceMetadata.resource: its path may only contain letters, digits and - . _ ~ between slashes, got ${JSON.stringify(path)}.`,
      );
    });

    it('rejects authorization servers that are not distinct issuer URLs', () => {
      const what = 'issuer URLs (absolute https or http, without query or fragment)';
      for (const authorizationServers of [
        'https://as.example.com',
        ['as.example.com'],
        ['https://as.example.com?tenant=1'],
        ['https://as.example.com', 'https://as.example.com'],
        [7],
      ]) {
        expect(metadataError({ resource: 'https://api.example.com', authorizationServers })).toBe(
          `nest-http-auth: resourceMetadata.authorizationServers must be an array of distinct ${what}, got ${JSON.stringify(authorizationServers)}.`,
        );
      }
    });

    it('rejects scopes that are not distinct RFC 6749 scope tokens', () => {
      for (const scopesSupported of [
        'read write',
        ['read write'],
        [''],
        ['say"hi'],
        ['caf\u00e9'],
        ['read', 'read'],
      ]) {
        expect(metadataError({ resource: 'https://api.example.com', scopesSupported })).toBe(
          `nest-http-auth: resourceMetadata.scopesSupported must be an array of distinct scope tokens (RFC 6749 §3.3: printable ASCII without space, " or \\), got ${JSON.stringify(scopesSupported)}.`,
        );
      }
    });

    it('rejects Bearer methods that are unknown, repeated, none, or not enabled', () => {
      const resource = 'https://api.example.com';
      for (const bearerMethodsSupported of [['cookie'], ['header', 'header'], 'header']) {
        expect(metadataError({ resource, bearerMethodsSupported })).toBe(
          `nest-http-auth: resourceMetadata.bearerMethodsSupported must be an array of distinct methods 'header', 'body' or 'query', got ${JSON.stringify(bearerMethodsSupported)}.`,
        );
      }
      expect(metadataError({ resource, bearerMethodsSupported: [] })).toBe(
        'nest-http-auth: resourceMetadata.bearerMethodsSupported must not be empty.',
      );
      expect(metadataError({ resource, bearerMethodsSupported: ['header', 'query'] })).toBe(
        "nest-http-auth: resourceMetadata.bearerMethodsSupported lists 'query', which needs bearer.allowQuery.",
      );
      expect(
        metadataError(
          { resource, bearerMethodsSupported: ['body'] },
          { validate, allowQuery: true },
        ),
      ).toBe(
        "nest-http-auth: resourceMetadata.bearerMethodsSupported lists 'body', which needs bearer.allowBody.",
      );
    });

    it('rejects an empty resource name and documentation, policy or terms that are not URLs', () => {
      const resource = 'https://api.example.com';
      expect(metadataError({ resource, resourceName: ' ' })).toBe(
        'nest-http-auth: resourceMetadata.resourceName must be a non-empty string.',
      );
      for (const key of ['resourceDocumentation', 'resourcePolicyUri', 'resourceTosUri']) {
        expect(metadataError({ resource, [key]: 'docs.example.com' })).toBe(
          `nest-http-auth: resourceMetadata.${key} must be an absolute https or http URL, got "docs.example.com".`,
        );
      }
    });
  });

  describe('resolved', () => {
    it('C-2.11: a resource without a path: one well-known path, the metadata URL on its origin', () => {
      for (const resource of ['https://api.example.com', 'https://API.example.com:443/']) {
        const resolved = resolveAuthOptions({
          bearer,
          resourceMetadata: { resource },
        }).resourceMetadata;
        expect(resolved).toEqual({
          options: { resource },
          url: 'https://api.example.com/.well-known/oauth-protected-resource',
          paths: ['/.well-known/oauth-protected-resource'],
          bearerMethods: ['header'],
        });
      }
    });

    it('C-2.11: a resource with a path: the path-suffixed form too (RFC 9728 §3.1)', () => {
      const resolved = resolveAuthOptions({
        bearer,
        resourceMetadata: { resource: 'http://127.0.0.1:3000/api/v1' },
      }).resourceMetadata;
      expect(resolved).toMatchObject({
        url: 'http://127.0.0.1:3000/.well-known/oauth-protected-resource/api/v1',
        paths: [
          '/.well-known/oauth-protected-resource',
          '/.well-known/oauth-protected-resource/api/v1',
        ],
      });
    });

    it('derives the Bearer methods from allowBody and allowQuery, unless configured', () => {
      const resource = 'https://api.example.com';
      const methods = (bearerOptions: BearerSchemeOptions, listed?: ('header' | 'query')[]) =>
        resolveAuthOptions({
          bearer: bearerOptions,
          resourceMetadata: { resource, ...(listed ? { bearerMethodsSupported: listed } : {}) },
        }).resourceMetadata?.bearerMethods;
      expect(methods({ validate, allowBody: true })).toEqual(['header', 'body']);
      expect(methods({ validate, allowQuery: true, allowBody: true })).toEqual([
        'header',
        'body',
        'query',
      ]);
      expect(methods({ validate, allowQuery: true }, ['header'])).toEqual(['header']);
    });

    it('C-2.11: the Bearer scheme names the metadata URL in its challenges; the others do not', () => {
      const config = resolveAuthOptions({
        realm: 'api',
        basic: { validate },
        bearer,
        resourceMetadata: { resource: 'https://api.example.com/v1' },
      });
      expect(config.schemes.get('bearer')?.challenges()).toEqual([
        'Bearer realm="api", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"',
      ]);
      expect(config.schemes.get('basic')?.challenges()).toEqual([
        'Basic realm="api", charset="UTF-8"',
      ]);
    });
  });
});
