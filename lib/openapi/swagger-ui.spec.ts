import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import { swaggerRequestInterceptor } from './swagger-ui.js';

/** What Swagger UI sends: `btoa`, i.e. one byte per character (Latin-1). */
const latin1Basic = (userPass: string): string => `Basic ${btoa(userPass)}`;
const utf8Basic = (userPass: string): string =>
  `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('swaggerRequestInterceptor', () => {
  it('C-6: omits credentials so that the browser never shows its own sign-in dialog', () => {
    expect(swaggerRequestInterceptor({ headers: {} }).credentials).toBe('omit');
    expect(swaggerRequestInterceptor({}).credentials).toBe('omit');
  });

  it('C-3, C-6: re-encodes a Latin-1 Basic header as UTF-8 (bob / builder£42)', () => {
    const request = swaggerRequestInterceptor({
      headers: { Authorization: latin1Basic('bob:builder£42') },
    });
    expect(request.headers?.['Authorization']).toBe(utf8Basic('bob:builder£42'));
    expect(request.headers?.['Authorization']).toBe('Basic Ym9iOmJ1aWxkZXLCozQy');
  });

  it('leaves ASCII Basic credentials, other schemes and other headers as they are', () => {
    const headers = {
      authorization: latin1Basic('alice:wonder:land-2026'),
      'X-API-Key': 'ak_demo',
      Accept: 'application/json',
    };
    expect(swaggerRequestInterceptor({ headers: { ...headers } }).headers).toEqual(headers);
    const bearer = { Authorization: 'Bearer abc.def.ghi' };
    expect(swaggerRequestInterceptor({ headers: { ...bearer } }).headers).toEqual(bearer);
  });

  it('leaves a header that is not base64 alone instead of throwing', () => {
    const request = swaggerRequestInterceptor({ headers: { Authorization: 'Basic !!!' } });
    expect(request.headers?.['Authorization']).toBe('Basic !!!');
  });

  it('is self-contained: its source runs on its own, as Swagger UI runs it in the page', () => {
    // A fresh context with only the browser globals it may use: no imports, no closure.
    const revived = runInNewContext(`(${swaggerRequestInterceptor.toString()})`, {
      atob,
      btoa,
      TextEncoder,
    }) as typeof swaggerRequestInterceptor;
    expect(revived({ headers: { Authorization: latin1Basic('bob:builder£42') } })).toEqual({
      credentials: 'omit',
      headers: { Authorization: utf8Basic('bob:builder£42') },
    });
  });
});
