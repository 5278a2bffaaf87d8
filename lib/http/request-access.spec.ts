import { describe, expect, it } from '@jest/globals';
import { cookie, formParam, header, param, queryParam } from './request-access.js';

describe('header', () => {
  it('reads a header by its lower-case name', () => {
    expect(header({ headers: { 'x-api-key': 'k1' } }, 'x-api-key')).toBe('k1');
  });

  it('returns undefined for an absent header', () => {
    expect(header({ headers: {} }, 'authorization')).toBeUndefined();
  });

  it('takes the first value of a repeated header', () => {
    expect(header({ headers: { 'x-api-key': ['k1', 'k2'] } }, 'x-api-key')).toBe('k1');
  });
});

describe('param and queryParam', () => {
  it('reads a single string parameter', () => {
    expect(queryParam({ headers: {}, query: { access_token: 't1' } }, 'access_token')).toBe('t1');
  });

  it('returns undefined when the parameter or the query is absent', () => {
    expect(queryParam({ headers: {}, query: { other: 'x' } }, 'access_token')).toBeUndefined();
    expect(queryParam({ headers: {} }, 'access_token')).toBeUndefined();
    expect(param(null, 'a')).toBeUndefined();
    expect(param('a=1', 'a')).toBeUndefined();
  });

  it('C-3: returns null for a repeated parameter (?k=a&k=b)', () => {
    expect(
      queryParam({ headers: {}, query: { access_token: ['a', 'b'] } }, 'access_token'),
    ).toBeNull();
  });

  it('C-3: returns null for an object parameter (?k[x]=1)', () => {
    expect(
      queryParam({ headers: {}, query: { access_token: { x: '1' } } }, 'access_token'),
    ).toBeNull();
  });

  it('does not read inherited properties', () => {
    expect(queryParam({ headers: {}, query: {} }, 'toString')).toBeUndefined();
    expect(
      queryParam(
        { headers: {}, query: Object.create({ access_token: 'inherited' }) as object },
        'access_token',
      ),
    ).toBeUndefined();
  });

  it('reads from a query object without a prototype (Fastify)', () => {
    const query = Object.assign(Object.create(null) as object, { api_key: 'k' });
    expect(queryParam({ headers: {}, query }, 'api_key')).toBe('k');
  });
});

describe('formParam', () => {
  const form = 'application/x-www-form-urlencoded';

  it('C-3: reads a parameter of an x-www-form-urlencoded body', () => {
    expect(
      formParam({ headers: { 'content-type': form }, body: { access_token: 't' } }, 'access_token'),
    ).toBe('t');
  });

  it('C-3: accepts the media type case-insensitively and with parameters', () => {
    const request = {
      headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded; charset=UTF-8' },
      body: { access_token: 't' },
    };
    expect(formParam(request, 'access_token')).toBe('t');
  });

  it('C-3: ignores the body of any other media type', () => {
    const body = { access_token: 't' };
    expect(
      formParam({ headers: { 'content-type': 'application/json' }, body }, 'access_token'),
    ).toBeUndefined();
    expect(
      formParam(
        { headers: { 'content-type': 'multipart/form-data; boundary=x' }, body },
        'access_token',
      ),
    ).toBeUndefined();
    expect(formParam({ headers: {}, body }, 'access_token')).toBeUndefined();
  });

  it('C-3: returns null for a repeated form parameter', () => {
    expect(
      formParam(
        { headers: { 'content-type': form }, body: { access_token: ['a', 'b'] } },
        'access_token',
      ),
    ).toBeNull();
  });
});

describe('cookie', () => {
  it('C-3: reads from the cookies a cookie parser produced', () => {
    expect(cookie({ headers: {}, cookies: { session: 'k1' } }, 'session')).toBe('k1');
  });

  it('C-3: prefers the parsed cookies to the Cookie header', () => {
    expect(
      cookie({ headers: { cookie: 'session=raw' }, cookies: { session: 'parsed' } }, 'session'),
    ).toBe('parsed');
  });

  it('C-3: falls back to the Cookie header when no parser ran', () => {
    expect(cookie({ headers: { cookie: 'a=1; session=k2; b=2' } }, 'session')).toBe('k2');
  });

  it('C-3: falls back to the Cookie header when the parsed cookies lack the name', () => {
    expect(cookie({ headers: { cookie: 'session=k3' }, cookies: {} }, 'session')).toBe('k3');
  });

  it('C-3: decodes a percent-encoded cookie value', () => {
    expect(cookie({ headers: { cookie: 'session=a%2Fb' } }, 'session')).toBe('a/b');
  });

  it('returns undefined when the cookie is absent', () => {
    expect(cookie({ headers: { cookie: 'other=1' } }, 'session')).toBeUndefined();
    expect(cookie({ headers: {} }, 'session')).toBeUndefined();
  });

  it('C-3: does not crash on a malformed Cookie header', () => {
    expect(() =>
      cookie({ headers: { cookie: 'session=%E0%A4%A; ;=; x' } }, 'session'),
    ).not.toThrow();
  });
});
