import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TokenPair } from '../sample/src/tokens/token-pair.js';
import { type AuthPromptWatch, watchAuthPrompts } from './browser/auth-prompts.js';
import { launchChromium } from './browser/chromium.js';
import {
  closeAuthorizeDialog,
  type Execution,
  fillAuthorizeDialog,
  logoutAuthorizeDialog,
  openAuthorizeDialog,
  openSwaggerUi,
  shownResponseBody,
  shownResponseHeaders,
  submitAuthorizeDialog,
  tryItOut,
  unfoldAuthorizeDialog,
} from './browser/swagger-ui-page.js';
import { API_KEY, BOB, CHALLENGE, createTestSample, type Platform } from './sample/sample-app.js';
import { jsonBody } from './support/expectations.js';
import { basic } from './support/http.js';

/**
 * The sample app's Swagger UI (`/docs`) in headless Chromium, as a person uses it (issue 5,
 * CONTRACT C-6): one journey per platform, in one page, each step building on the last.
 *
 * 1. Nothing authorized: `GET /me` shows 401, both challenges intact, no browser sign-in dialog.
 * 2. Basic as bob (non-ASCII password `builder£42`): `GET /me` shows 200, scheme `basic`.
 * 3. `POST /auth/token` (Basic) shows a token pair; its `access_token`, copied from the response
 *    body shown, goes into the Bearer box and Basic is logged out: `GET /me` shows 200, scheme
 *    `bearer`.
 * 4. The demo API key in the header box: `GET /reports` shows 200; `GET /admin/users` with bob's
 *    (non-admin) token shows 403.
 *
 * Screenshots go to test/artifacts/sample-swagger-ui/.
 */

const ARTIFACTS = fileURLToPath(new URL('artifacts/sample-swagger-ui/', import.meta.url));
const TIMEOUT = 30_000;

interface Me {
  readonly username: string;
  readonly roles: readonly string[];
  readonly scheme: string;
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

describe.each<Platform>(['express', 'fastify'])("the sample's Swagger UI on %s", (platform) => {
  let app: INestApplication;
  let baseUrl: string;
  let context: BrowserContext;
  let page: Page;
  let watch: AuthPromptWatch;
  /** bob's access token, as Swagger UI showed it in step 3. */
  let accessToken: string;
  const shot = (name: string): string => `${ARTIFACTS}${platform}-${name}.png`;
  const saveShot = async (execution: Execution, name: string): Promise<void> => {
    await execution.shown.screenshot({ path: shot(name) });
  };

  beforeAll(async () => {
    // createSampleApp sets up /docs and initialises the app; listen() only binds the port.
    app = await createTestSample(platform);
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
    // One context for the whole journey: authorizations carry over from step to step.
    context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    watch = await watchAuthPrompts(page);
    await openSwaggerUi(page, `${baseUrl}/docs`);
  }, TIMEOUT);

  afterAll(async () => {
    await context?.close();
    await app?.close();
  });

  it(
    '1. before authorizing, Try it out on GET /me shows 401 with both challenges and no sign-in prompt',
    async () => {
      const me = await tryItOut(page, 'get', '/me');
      await saveShot(me, '1-me-401-before-authorize');

      expect(me.shownStatus).toBe(401);
      expect(me.response.status()).toBe(401);
      expect(await me.response.headerValues('www-authenticate')).toEqual([
        CHALLENGE.bearer,
        CHALLENGE.basic,
      ]);
      expect(await me.response.request().headerValue('authorization')).toBeNull();
      // What the UI shows: both challenges in one line (Swagger UI drops the space after commas).
      expect((await shownResponseHeaders(me))['www-authenticate']).toBe(
        [CHALLENGE.bearer, CHALLENGE.basic].join(',').replaceAll(', ', ','),
      );
      expect(JSON.parse(await shownResponseBody(me).innerText())).toEqual(
        jsonBody('credentials_missing'),
      );
      expect(watch.prompts).toEqual([]);

      // Control, in a page of its own: the detector does see the prompt this 401 invites when a
      // fetch includes credentials (Chromium answers the Basic challenge, though Bearer is first).
      const control = await context.newPage();
      try {
        const controlWatch = await watchAuthPrompts(control);
        await control.goto(`${baseUrl}/health`);
        const status = await control.evaluate(
          (url) => fetch(url, { credentials: 'include' }).then((r) => r.status),
          `${baseUrl}/me`,
        );
        expect({ status, prompts: controlWatch.prompts }).toEqual({
          status: 401,
          prompts: [{ url: `${baseUrl}/me`, scheme: 'basic', realm: 'sample' }],
        });
      } finally {
        await control.close();
      }
    },
    TIMEOUT,
  );

  it(
    '2. Authorize Basic as bob (builder£42): GET /me shows 200, scheme basic, the password sent as UTF-8',
    async () => {
      const credentials = { basic: BOB };
      const dialog = await openAuthorizeDialog(page);
      await fillAuthorizeDialog(page, credentials);
      await unfoldAuthorizeDialog(page);
      await dialog.screenshot({ path: shot('2-authorize-dialog-basic-filled') });
      await submitAuthorizeDialog(page, credentials);
      await closeAuthorizeDialog(page);

      const me = await tryItOut(page, 'get', '/me');
      await saveShot(me, '2-me-200-basic');

      expect(me.shownStatus).toBe(200);
      expect(await me.response.request().headerValue('authorization')).toBe(
        basic(BOB.username, BOB.password),
      );
      expect((await me.response.json()) as Me).toEqual({
        username: 'bob',
        roles: ['user'],
        scheme: 'basic',
      });
      expect(watch.prompts).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    '3. POST /auth/token (Basic) shows a token; Authorize Bearer with it, log Basic out: GET /me shows 200, scheme bearer',
    async () => {
      const token = await tryItOut(page, 'post', '/auth/token');
      await saveShot(token, '3-token-200');
      expect(token.shownStatus).toBe(200);
      // What a person copies: the access token in the response body Swagger UI shows.
      const shown = JSON.parse(await shownResponseBody(token).innerText()) as TokenPair;
      expect(shown).toEqual(await token.response.json());
      expect(shown).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
      expect(typeof shown.access_token).toBe('string');
      accessToken = shown.access_token;

      // /me accepts Bearer OR Basic; with both authorized Swagger UI sends one Authorization
      // header only (the last requirement's, Basic), so Basic is logged out for bearer to be used.
      const dialog = await openAuthorizeDialog(page);
      await logoutAuthorizeDialog(page, 'basic');
      await fillAuthorizeDialog(page, { bearer: accessToken });
      await submitAuthorizeDialog(page, { bearer: accessToken });
      await unfoldAuthorizeDialog(page);
      await dialog.screenshot({ path: shot('3-authorize-dialog-bearer-authorized') });
      await closeAuthorizeDialog(page);

      const me = await tryItOut(page, 'get', '/me');
      await saveShot(me, '3-me-200-bearer');

      expect(me.shownStatus).toBe(200);
      expect(await me.response.request().headerValue('authorization')).toBe(
        `Bearer ${accessToken}`,
      );
      expect((await me.response.json()) as Me).toEqual({
        username: 'bob',
        roles: ['user'],
        scheme: 'bearer',
      });
      expect(watch.prompts).toEqual([]);
    },
    TIMEOUT,
  );

  it(
    '4. Authorize the API key (header): GET /reports shows 200; GET /admin/users with bob’s token shows 403',
    async () => {
      const dialog = await openAuthorizeDialog(page);
      await fillAuthorizeDialog(page, { apiKey: API_KEY });
      await submitAuthorizeDialog(page, { apiKey: API_KEY });
      await unfoldAuthorizeDialog(page);
      await dialog.screenshot({ path: shot('4-authorize-dialog-all-authorized') });
      await closeAuthorizeDialog(page);

      const reports = await tryItOut(page, 'get', '/reports');
      await saveShot(reports, '4-reports-200');
      expect(reports.shownStatus).toBe(200);
      expect(await reports.response.request().headerValue('x-api-key')).toBe(API_KEY);
      expect(new URL(reports.response.url()).search).toBe('');
      expect(Array.isArray(await reports.response.json())).toBe(true);

      const admin = await tryItOut(page, 'get', '/admin/users');
      await saveShot(admin, '4-admin-users-403');
      expect(admin.shownStatus).toBe(403);
      expect(await admin.response.request().headerValue('authorization')).toBe(
        `Bearer ${accessToken}`,
      );
      expect(await admin.response.headerValues('www-authenticate')).toEqual([CHALLENGE.forbidden]);
      expect(JSON.parse(await shownResponseBody(admin).innerText())).toEqual(
        jsonBody('insufficient_scope'),
      );
      expect(watch.prompts).toEqual([]);
    },
    TIMEOUT,
  );
});
