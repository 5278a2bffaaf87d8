import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import { swaggerRequestInterceptor, swaggerUtf8BasicPlugin } from './swagger-ui.js';

type Authorize = (payload: Record<string, unknown>) => unknown;

/** The plugin's `authorize` wrapper around a recorder of what Swagger UI would store. */
function wrappedAuthorize(plugin: typeof swaggerUtf8BasicPlugin): {
  authorize: Authorize;
  stored: Record<string, unknown>[];
} {
  const stored: Record<string, unknown>[] = [];
  const spec = plugin() as {
    statePlugins: { auth: { wrapActions: { authorize: (original: Authorize) => Authorize } } };
  };
  const authorize = spec.statePlugins.auth.wrapActions.authorize((payload) => stored.push(payload));
  return { authorize, stored };
}

/** The Basic header Swagger UI builds from what it stored: `btoa(username + ':' + password)`. */
function swaggerUiBasic(stored: Record<string, unknown>, name: string): string {
  const { username, password } = (stored[name] as { value: { username: string; password: string } })
    .value;
  return `Basic ${btoa(`${username}:${password}`)}`;
}

const utf8Basic = (userPass: string): string =>
  `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;

describe('swaggerRequestInterceptor', () => {
  it('C-6: omits credentials so that the browser never shows its own sign-in dialog', () => {
    expect(swaggerRequestInterceptor({})).toEqual({ credentials: 'omit' });
    expect(swaggerRequestInterceptor({ credentials: 'same-origin' }).credentials).toBe('omit');
  });
});

describe('swaggerUtf8BasicPlugin', () => {
  it.each([
    ['bob', 'builder£42', 'Basic Ym9iOmJ1aWxkZXLCozQy'],
    ['alice', 'wonder:land-2026', utf8Basic('alice:wonder:land-2026')],
    ['zoë', 'b€42-密码', utf8Basic('zoë:b€42-密码')],
  ])('C-3, C-6: %s / %s reaches the server as UTF-8', (username, password, header) => {
    const { authorize, stored } = wrappedAuthorize(swaggerUtf8BasicPlugin);
    authorize({ basic: { name: 'basic', schema: {}, value: { username, password } } });
    expect(swaggerUiBasic(stored[0]!, 'basic')).toBe(header);
  });

  it('leaves Bearer and API-key entries untouched', () => {
    const { authorize, stored } = wrappedAuthorize(swaggerUtf8BasicPlugin);
    const payload = {
      bearer: { name: 'bearer', value: 'token-€' },
      apiKey: { name: 'apiKey', value: 'key' },
    };
    authorize(payload);
    expect(stored[0]).toEqual(payload);
  });

  it('is self-contained: its source runs alone, as Swagger UI runs it in the page', () => {
    // A fresh context with only the browser global it may use: no imports, no closure.
    const revived = runInNewContext(`(${swaggerUtf8BasicPlugin.toString()})`, {
      TextEncoder,
    }) as typeof swaggerUtf8BasicPlugin;
    const { authorize, stored } = wrappedAuthorize(revived);
    authorize({ basic: { value: { username: 'zoë', password: 'b€42' } } });
    expect(swaggerUiBasic(stored[0]!, 'basic')).toBe(utf8Basic('zoë:b€42'));
    const interceptor = runInNewContext(
      `(${swaggerRequestInterceptor.toString()})`,
      {},
    ) as typeof swaggerRequestInterceptor;
    expect(interceptor({}).credentials).toBe('omit');
  });
});
