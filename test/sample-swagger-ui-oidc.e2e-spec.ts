import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { Browser } from 'playwright-core';
import { DEMO_CLIENT, startIdp, type Idp } from '../sample/idp/idp-server.js';
import { launchChromium } from './browser/chromium.js';
import { openAuthorizeDialog, openSwaggerUi, tryItOut } from './browser/swagger-ui-page.js';
import { createTestSample, type Platform } from './sample/sample-app.js';
import { freePort } from '../sample/client/sample-process.js';

/*
 * The sample with OIDC_ISSUER (the local issuer of `npm run sample:idp`) in headless Chromium:
 * Swagger UI's Authorize dialog signs in by the authorization code flow with PKCE (the
 * `openIdConnect` scheme `bearerOidc`, its discovery document, the issuer's development sign-in
 * and consent pages in the pop-up, Swagger UI's oauth2-redirect.html), then Try it out on GET /me
 * sends the issuer's access token: 200.
 */

const TIMEOUT = 60_000;

/** A free port on 127.0.0.1 (the sample's URL must be known before the issuer starts). */

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, TIMEOUT);
afterAll(() => browser?.close());

describe.each<[Platform]>([['express'], ['fastify']])(
  "the sample's Swagger UI with OIDC_ISSUER on %s",
  (platform) => {
    let idp: Idp;
    let app: INestApplication;
    let baseUrl: string;

    beforeAll(async () => {
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      idp = await startIdp({ port: 0, sampleUrl: baseUrl });
      app = await createTestSample(platform, { OIDC_ISSUER: idp.issuer, PUBLIC_URL: baseUrl });
      await app.listen(port, '127.0.0.1');
    }, TIMEOUT);
    afterAll(async () => {
      await app?.close();
      await idp?.close();
    });

    it(
      'C-6: Authorize by authorization code with PKCE, then Try it out on GET /me shows 200 with the issuer token',
      async () => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 1200 } });
        context.setDefaultTimeout(15_000);
        try {
          const requested: string[] = [];
          context.on('request', (sent) => void requested.push(sent.url()));
          const page = await context.newPage();
          await openSwaggerUi(page, `${baseUrl}/docs`);
          const dialog = await openAuthorizeDialog(page);
          const box = dialog
            .locator('.auth-container')
            .filter({ hasText: 'bearerOidc (OAuth2, authorization_code with PKCE)' });
          await box.locator('#client_id_authorization_code').fill(DEMO_CLIENT.id);
          await box.locator('#client_secret_authorization_code').fill(DEMO_CLIENT.secret);
          for (const scope of ['openid', 'sample:read'])
            await box
              .locator(`label[for="${scope}-authorization_code-checkbox-bearerOidc"]`)
              .click();
          const [popup] = await Promise.all([
            context.waitForEvent('page'),
            box.locator('button.authorize').click(),
          ]);
          await popup.locator('input[name="login"]').fill('alice');
          await popup.locator('input[name="password"]').fill('any');
          await popup.locator('button[type="submit"]').click();
          await popup.locator('button[type="submit"]', { hasText: /continue/i }).click();
          await popup.waitForEvent('close');
          // The authorization request carried a PKCE challenge (S256).
          const authorize = requested
            .map((url) => new URL(url))
            .find((url) => url.href.startsWith(`${idp.issuer}/auth?`));
          expect(authorize?.searchParams.get('code_challenge_method')).toBe('S256');
          expect(authorize?.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
          await box.locator('h6', { hasText: 'Authorized' }).waitFor();
          await dialog.locator('button.close-modal').click();

          const me = await tryItOut(page, 'get', '/me');
          const sent = await me.response.request().headerValue('authorization');
          expect(sent?.startsWith('Bearer ')).toBe(true);
          // The issuer's RFC 9068 access token, for the sample.
          expect(decodeProtectedHeader(sent!.slice(7)).typ).toBe('at+jwt');
          expect(decodeJwt(sent!.slice(7))).toMatchObject({ iss: idp.issuer, aud: baseUrl });
          expect({ shown: me.shownStatus, status: me.response.status() }).toEqual({
            shown: 200,
            status: 200,
          });
          expect(await me.response.json()).toEqual({
            username: 'alice',
            roles: [],
            scheme: 'bearer',
          });
        } finally {
          await context.close();
        }
      },
      TIMEOUT,
    );
  },
);
