import { describe, expect, it } from '@jest/globals';
import { protectedResourceMetadataPath, protectedResourceMetadataUrl } from './well-known.js';

describe('protected resource metadata URL (RFC 9728 §3.1)', () => {
  it.each([
    [
      'https://api.example.com',
      '/.well-known/oauth-protected-resource',
      'https://api.example.com/.well-known/oauth-protected-resource',
    ],
    [
      'https://api.example.com/',
      '/.well-known/oauth-protected-resource',
      'https://api.example.com/.well-known/oauth-protected-resource',
    ],
    [
      'https://api.example.com/v1',
      '/.well-known/oauth-protected-resource/v1',
      'https://api.example.com/.well-known/oauth-protected-resource/v1',
    ],
    [
      'https://api.example.com/tenant/a/',
      '/.well-known/oauth-protected-resource/tenant/a/',
      'https://api.example.com/.well-known/oauth-protected-resource/tenant/a/',
    ],
    [
      'http://[::1]:8080/api',
      '/.well-known/oauth-protected-resource/api',
      'http://[::1]:8080/.well-known/oauth-protected-resource/api',
    ],
  ])('C-2.11: %s is described at %s', (resource, path, url) => {
    expect(protectedResourceMetadataPath(new URL(resource))).toBe(path);
    expect(protectedResourceMetadataUrl(new URL(resource))).toBe(url);
  });
});
