import { describe, expect, it } from '@jest/globals';
import { resolveAuthOptions } from '../options/resolve-options.js';
import { fillPath } from './app-routes.js';
import { echoOf, hostileProbes } from './conformance-probes.js';

/* The pure parts of the conformance kit: what counts as an echo, the probes, path parameters. */

describe('echoOf()', () => {
  const secret = 'Zq7-Hx2_pLm9RtW4';

  it('C-4.5: finds a credential whole, or any 6 characters of it, and nothing shorter', () => {
    expect(echoOf(`{"message":"bad key ${secret}"}`, secret)).toBe('whole');
    expect(echoOf(`{"message":"bad key ${secret.slice(3, 9)}…"}`, secret)).toBe('part');
    expect(echoOf(`{"message":"bad key ${secret.slice(3, 8)}…"}`, secret)).toBeUndefined();
    expect(echoOf('{"message":"bad key"}', secret)).toBeUndefined();
    expect(echoOf('anything !!! here', '!!!')).toBeUndefined();
  });

  it('C-4.5: of a long credential, searches the parts at both ends', () => {
    const long = `${'A1b2C3d4'.repeat(40)}${'m'.repeat(2000)}${'Z9y8X7w6'.repeat(40)}`;
    expect(echoOf('token A1b2C3d4A…', long)).toBe('part');
    expect(echoOf('token …Z9y8X7w6', long)).toBe('part');
    expect(echoOf('mmmmmmmm', long)).toBeUndefined();
  });
});

describe('hostileProbes()', () => {
  it('sends API keys to every configured location, and names the schemes each probe presents', async () => {
    const { schemes } = resolveAuthOptions({
      basic: { validate: () => null },
      bearer: { validate: () => null },
      apiKey: { header: 'X-Key', query: 'key', cookie: 'session', validate: () => null },
    });
    const probes = await hostileProbes(schemes);
    expect(probes.map((p) => [p.label, [...p.presents]])).toEqual([
      ['no credentials', []],
      ['Authorization: Basic !!!', ['basic']],
      ['Authorization: Basic of a user-pass without a colon', ['basic']],
      ['Authorization: Basic of random bytes', ['basic']],
      ['Authorization: Basic with a wrong password for a made-up user', ['basic']],
      ['Authorization: Bearer (no token)', ['bearer']],
      ['Authorization: Bearer a b', ['bearer']],
      ['Authorization: Bearer with a 10 KB token', ['bearer']],
      ['Authorization: Bearer with a forged JWT', ['bearer']],
      ['a random API key in header X-Key', ['apiKey']],
      ['a random API key in query key', ['apiKey']],
      ['a random API key in cookie session', ['apiKey']],
    ]);
    const long = probes.find((p) => p.label.includes('10 KB'))!;
    expect(long.headers['authorization']!.length).toBeGreaterThan(10_000);
    expect(long.headers['authorization']!.length).toBeLessThan(16 * 1024);
    expect(probes.find((p) => p.label.includes('cookie'))!.headers['cookie']).toMatch(/^session=k/);
    expect(probes.find((p) => p.label.includes('query'))!.query).toMatch(/^key=k/);
  });
});

describe('fillPath()', () => {
  it('fills every parameter syntax with x, or the value given', () => {
    expect(fillPath('/users/:id/orders/:orderId', { orderId: '42' })).toBe('/users/x/orders/42');
    expect(fillPath('/files/*path')).toBe('/files/x');
    expect(fillPath('/files/{*path}')).toBe('/files/x');
    expect(fillPath('/users{/:id}')).toBe('/users/x');
    expect(fillPath('/legacy/*')).toBe('/legacy/x');
    expect(fillPath('/search/:q', { q: 'a b/c' })).toBe('/search/a%20b%2Fc');
  });
});
