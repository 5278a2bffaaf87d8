import { mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type AuthPrompt, watchAuthPrompts } from './browser/auth-prompts.js';
import { launchChromium } from './browser/chromium.js';
import {
  BUILDER,
  POLYGLOT,
  DOCS_PATH,
  PLAIN_DOCS_PATH,
  startSwaggerApp,
  type SwaggerApp,
} from './browser/swagger-app.js';
import {
  closeAuthorizeDialog,
  type Credentials,
  fillAuthorizeDialog,
  openAuthorizeDialog,
  openSwaggerUi,
  submitAuthorizeDialog,
  tryItOut,
  unfoldAuthorizeDialog,
} from './browser/swagger-ui-page.js';
import { API_KEYS } from './fixtures/credentials.js';
import type { Platform, WhoAmI } from './fixtures/test-app.js';
import { signToken } from './fixtures/tokens.js';
import { basic } from './support/http.js';

/**
 * CONTRACT C-6, as a person meets it: Swagger UI served by `setupSwaggerAuth()`, driven in Debian's
 * headless Chromium. The Authorize dialog, filled in by hand, makes **Try it out** succeed for each
 * scheme; before authorizing, a Basic route shows Swagger UI's own 401 (challenge intact, C-2) and
 * never the browser's sign-in dialog; a non-ASCII Basic password reaches the server as UTF-8 (C-3).
 * A plain `SwaggerModule.setup()` of the same document is the control that shows both fixes are
 * needed. Screenshots go to test/artifacts/swagger-ui/ (docs/swagger-authorize.png, in the README,
 * is a copy of express-authorize-dialog.png).
 */

const ARTIFACTS = fileURLToPath(new URL('artifacts/swagger-ui/', import.meta.url));
const BASIC_CHALLENGE = 'Basic realm="api", charset="UTF-8"';
const TIMEOUT = 30_000;

/** `Authorization: Basic` as Swagger UI's `btoa` alone encodes it: one byte per character (Latin-1). */
function latin1Basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'latin1').toString('base64')}`;
}

let browser: Browser;

beforeAll(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
});

describe.each<Platform>(['express', 'fastify'])(
  'Swagger UI in Chromium on %s (C-6)',
  (platform) => {
    let server: SwaggerApp;
    let context: BrowserContext;
    let page: Page;
    const shot = (name: string): string => `${ARTIFACTS}${platform}-${name}.png`;
    /** The sign-in dialog a 401 from `GET /basic` invites. */
    const basicPrompt = (): AuthPrompt => ({
      url: `${server.baseUrl}/basic`,
      scheme: 'basic',
      realm: 'api',
    });

    beforeAll(async () => {
      server = await startSwaggerApp(platform);
    }, TIMEOUT);

    afterAll(async () => {
      await server?.app.close();
    });

    beforeEach(async () => {
      // A fresh context per test: nothing authorized, nothing persisted in localStorage.
      context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
      context.setDefaultTimeout(10_000);
      page = await context.newPage();
    });

    afterEach(async () => {
      await context?.close();
    });

    it(
      'before authorizing, Try it out on a Basic route shows 401 with its challenge and no sign-in prompt',
      async () => {
        const watch = await watchAuthPrompts(page);
        await openSwaggerUi(page, `${server.baseUrl}${DOCS_PATH}`);

        const { shownStatus, response, shown } = await tryItOut(page, 'get', '/basic');
        await shown.screenshot({ path: shot('401-before-authorize') });

        expect(shownStatus).toBe(401);
        expect(response.status()).toBe(401);
        expect(await response.headerValues('www-authenticate')).toEqual([BASIC_CHALLENGE]);
        expect(watch.prompts).toEqual([]);

        // The detector works in this very page: a fetch that includes credentials is prompted.
        const status = await page.evaluate(
          (url) => fetch(url, { credentials: 'include' }).then((r) => r.status),
          `${server.baseUrl}/basic`,
        );
        expect(status).toBe(401);
        expect(watch.prompts).toEqual([basicPrompt()]);
      },
      TIMEOUT,
    );

    it(
      'the Authorize dialog filled in by hand (Basic with a € 密码 £ password, Bearer JWT, API key) makes Try it out 200 for each scheme',
      async () => {
        const watch = await watchAuthPrompts(page);
        const credentials: Credentials = {
          basic: POLYGLOT,
          bearer: await signToken({ sub: 'jwt-user' }),
          apiKey: API_KEYS.valid,
        };
        await openSwaggerUi(page, `${server.baseUrl}${DOCS_PATH}`);

        const dialog = await openAuthorizeDialog(page);
        await fillAuthorizeDialog(page, credentials);
        await unfoldAuthorizeDialog(page);
        await dialog.screenshot({ path: shot('authorize-dialog') });
        await submitAuthorizeDialog(page, credentials);
        await closeAuthorizeDialog(page);

        for (const [path, scheme, id] of [
          ['/basic', 'basic', POLYGLOT.username],
          ['/bearer', 'bearer', 'jwt-user'],
          ['/api-key', 'apiKey', 'key-owner'],
        ] as const) {
          const { shownStatus, response, shown } = await tryItOut(page, 'get', path);
          await shown.screenshot({ path: shot(`200${path.replace('/', '-')}`) });
          const body = (await response.json()) as WhoAmI;
          expect({ path, shownStatus, scheme: body.scheme, id: body.principal?.id }).toEqual({
            path,
            shownStatus: 200,
            scheme,
            id,
          });
          if (scheme === 'basic')
            // UTF-8, thanks to the plugin: `€` is E2 82 AC, `£` C2 A3 (btoa alone throws on `€`).
            expect(await response.request().headerValue('authorization')).toBe(
              basic(POLYGLOT.username, POLYGLOT.password),
            );
        }

        // persistAuthorization: a reload keeps the credentials.
        await openSwaggerUi(page, `${server.baseUrl}${DOCS_PATH}`);
        expect((await tryItOut(page, 'get', '/bearer')).shownStatus).toBe(200);
        expect(watch.prompts).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      'control: plain SwaggerModule.setup() invites the sign-in prompt and sends the £ password as Latin-1 (401)',
      async () => {
        const watch = await watchAuthPrompts(page);
        await openSwaggerUi(page, `${server.baseUrl}${PLAIN_DOCS_PATH}`);

        const before = await tryItOut(page, 'get', '/basic');
        expect(before.shownStatus).toBe(401);
        expect(watch.prompts).toEqual([basicPrompt()]);

        await openAuthorizeDialog(page);
        await fillAuthorizeDialog(page, { basic: BUILDER });
        await submitAuthorizeDialog(page, { basic: BUILDER });
        await closeAuthorizeDialog(page);
        const after = await tryItOut(page, 'get', '/basic');
        await after.shown.screenshot({ path: shot('plain-swagger-ui-latin1-401') });

        expect(await after.response.request().headerValue('authorization')).toBe(
          latin1Basic(BUILDER.username, BUILDER.password),
        );
        expect(after.shownStatus).toBe(401);
      },
      TIMEOUT,
    );

    it('server: the same £ password is 401 in Latin-1 and 200 in UTF-8 (C-3)', async () => {
      const call = (authorization: string): Promise<number> =>
        fetch(`${server.baseUrl}/basic`, { headers: { authorization } }).then((r) => r.status);
      expect({
        latin1: await call(latin1Basic(BUILDER.username, BUILDER.password)),
        utf8: await call(basic(BUILDER.username, BUILDER.password)),
      }).toEqual({ latin1: 401, utf8: 200 });
    });
  },
);
