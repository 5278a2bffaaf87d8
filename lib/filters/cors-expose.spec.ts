import { describe, expect, it } from '@jest/globals';
import {
  CHALLENGE_HEADERS,
  challengeHeadersWith,
  exposeHeadersValue,
  mergeExposeHeaders,
  RETRY_HEADERS,
} from './cors-expose.js';

/* docs/contract.md C-2: a cross-origin script can read the challenge (docs/errors.md "Browser clients (CORS)"). */

/** A response whose headers are `headers` (lower-case names, as Node and Fastify keep them). */
function responseWith(headers: Record<string, unknown>): {
  getHeader(name: string): unknown;
  readonly reads: string[];
} {
  const reads: string[] = [];
  return {
    reads,
    getHeader(name: string): unknown {
      reads.push(name);
      return headers[name.toLowerCase()];
    },
  };
}

describe('mergeExposeHeaders', () => {
  it('C-2: adds the names to an empty list', () => {
    expect(mergeExposeHeaders('', CHALLENGE_HEADERS)).toBe('WWW-Authenticate');
    expect(mergeExposeHeaders('', ['WWW-Authenticate', 'Retry-After'])).toBe(
      'WWW-Authenticate, Retry-After',
    );
  });

  it("C-2: keeps the application's names first, as spelled, and appends the missing ones", () => {
    expect(mergeExposeHeaders('X-Request-Id', CHALLENGE_HEADERS)).toBe(
      'X-Request-Id, WWW-Authenticate',
    );
    expect(mergeExposeHeaders('X-Request-Id,ETag', RETRY_HEADERS)).toBe(
      'X-Request-Id, ETag, Retry-After',
    );
  });

  it('C-2: compares names without regard to case and drops duplicates and empty elements', () => {
    expect(mergeExposeHeaders('www-authenticate', CHALLENGE_HEADERS)).toBe('www-authenticate');
    expect(mergeExposeHeaders(' X-A , ,x-a,WWW-AUTHENTICATE ,', CHALLENGE_HEADERS)).toBe(
      'X-A, WWW-AUTHENTICATE',
    );
  });

  it('C-2: keeps a * and still names the headers (no wildcard for credentialed requests)', () => {
    expect(mergeExposeHeaders('*', CHALLENGE_HEADERS)).toBe('*, WWW-Authenticate');
  });
});

describe('exposeHeadersValue', () => {
  it('C-2: reads nothing more when the response has no Access-Control-Allow-Origin', () => {
    const response = responseWith({ 'access-control-expose-headers': 'X-Request-Id' });
    expect(exposeHeadersValue(response, CHALLENGE_HEADERS)).toBeUndefined();
    expect(response.reads).toEqual(['access-control-allow-origin']);
  });

  it('C-2: is undefined for a response object without getHeader', () => {
    expect(exposeHeadersValue({}, CHALLENGE_HEADERS)).toBeUndefined();
    expect(exposeHeadersValue(undefined, CHALLENGE_HEADERS)).toBeUndefined();
  });

  it('C-2: exposes the challenge on a CORS response, merged with what the app exposes', () => {
    const origin = { 'access-control-allow-origin': 'http://127.0.0.1:5173' };
    expect(exposeHeadersValue(responseWith(origin), CHALLENGE_HEADERS)).toBe('WWW-Authenticate');
    expect(
      exposeHeadersValue(
        responseWith({ ...origin, 'access-control-expose-headers': 'X-Request-Id' }),
        CHALLENGE_HEADERS,
      ),
    ).toBe('X-Request-Id, WWW-Authenticate');
    expect(
      exposeHeadersValue(
        responseWith({ 'access-control-allow-origin': '*', 'access-control-expose-headers': '' }),
        RETRY_HEADERS,
      ),
    ).toBe('Retry-After');
  });

  it('C-2: reads a list set as several header lines, or as a number-like value', () => {
    const origin = { 'access-control-allow-origin': '*' };
    expect(
      exposeHeadersValue(
        responseWith({ ...origin, 'access-control-expose-headers': ['X-A', 'x-b, Retry-After'] }),
        RETRY_HEADERS,
      ),
    ).toBe('X-A, x-b, Retry-After');
    expect(
      exposeHeadersValue(
        responseWith({ ...origin, 'access-control-expose-headers': 42 }),
        CHALLENGE_HEADERS,
      ),
    ).toBe('42, WWW-Authenticate');
  });

  it('C-2: gives the same merged value for the same inputs (remembered, per list of names)', () => {
    const headers = {
      'access-control-allow-origin': 'http://a.test',
      'access-control-expose-headers': 'X-Trace',
    };
    const first = exposeHeadersValue(responseWith(headers), CHALLENGE_HEADERS);
    expect(exposeHeadersValue(responseWith(headers), CHALLENGE_HEADERS)).toBe(first);
    expect(exposeHeadersValue(responseWith(headers), RETRY_HEADERS)).toBe('X-Trace, Retry-After');
    expect(first).toBe('X-Trace, WWW-Authenticate');
  });

  it('C-2: the lists of names are frozen constants', () => {
    expect(Object.isFrozen(CHALLENGE_HEADERS)).toBe(true);
    expect(Object.isFrozen(RETRY_HEADERS)).toBe(true);
  });

  it("C-2.13: a scheme's own header is exposed with the challenges, one frozen list per name", () => {
    const list = challengeHeadersWith('DPoP-Nonce');
    expect(list).toEqual(['WWW-Authenticate', 'DPoP-Nonce']);
    expect(Object.isFrozen(list)).toBe(true);
    expect(challengeHeadersWith('DPoP-Nonce')).toBe(list);
    const headers = {
      'access-control-allow-origin': 'http://a.test',
      'access-control-expose-headers': 'dpop-nonce, X-Trace',
    };
    expect(exposeHeadersValue(responseWith(headers), list)).toBe(
      'dpop-nonce, X-Trace, WWW-Authenticate',
    );
  });
});
