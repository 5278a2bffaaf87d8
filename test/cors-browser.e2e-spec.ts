import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import type { Browser, BrowserContext, Response as PageResponse } from 'playwright-core';
import { ConfigError } from '../sample/src/config/config.error.js';
import { loadConfig } from '../sample/src/config/load-config.js';
import { type AuthPromptWatch, watchAuthPrompts } from './browser/auth-prompts.js';
import { launchChromium } from './browser/chromium.js';
import { ALICE, CHALLENGE, createTestSample, type Platform } from './sample/sample-app.js';

/*
 * A single-page app on another origin, in headless Chromium, against the sample started with
 * CORS_ORIGIN (docs/errors.md "Browser clients (CORS)", sample/README.md): the page logs in with
 * Basic, calls GET /me with an access token that has expired, reads `error="invalid_token"` from
 * `response.headers.get('WWW-Authenticate')` (which the browser hides unless the response exposes
 * it), refreshes once and retries. The page is served by node:http on 127.0.0.1 with a port of its
 * own: another origin than the API's (the scheme, host and port make an origin), so every call is
 * a CORS request, and those with an Authorization header or a JSON body are preflighted.
 */

const TIMEOUT = 30_000;

/** What the page's script reports: each call's status and what it read of the headers. */
interface PageFlow {
  readonly steps: readonly { readonly call: string; readonly status: number }[];
  /** `response.headers.get('WWW-Authenticate')` of the 401. */
  readonly challenge: string | null;
  /** `response.headers.get('Date')` of the 401: sent, but neither safelisted nor exposed. */
  readonly date: string | null;
  /** The `error` the page parsed from the challenge. */
  readonly error: string | null;
  /** The body of the retried GET /me. */
  readonly me: unknown;
}

/**
 * The page: its script runs the flow against the API named by `?api=` and leaves the outcome in
 * `window.flow` (a promise). Plain `fetch`, as an application would write it.
 */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>CORS client</title></head>
<body><pre id="log"></pre><script>
const api = new URL(location.href).searchParams.get('api');
const steps = [];
const log = (line) => { document.getElementById('log').textContent += line + '\\n'; };
async function call(label, path, init) {
  const response = await fetch(api + path, init);
  steps.push({ call: label, status: response.status });
  log(label + ' -> ' + response.status);
  return response;
}
async function run() {
  const login = await call('POST /auth/token', '/auth/token', {
    method: 'POST',
    headers: { Authorization: 'Basic ' + btoa(${JSON.stringify(`${ALICE.username}:${ALICE.password}`)}) },
  });
  const pair = await login.json();
  // Wait until the access token has expired: its exp is in whole seconds.
  const exp = JSON.parse(atob(pair.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).exp;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 250));
  const expired = await call('GET /me (expired)', '/me', {
    headers: { Authorization: 'Bearer ' + pair.access_token },
  });
  const challenge = expired.headers.get('WWW-Authenticate');
  const date = expired.headers.get('Date');
  const error = /error="([^"]*)"/.exec(challenge ?? '')?.[1] ?? null;
  const result = { steps, challenge, date, error, me: null };
  if (expired.status !== 401 || error !== 'invalid_token') return result;
  const refreshed = await call('POST /auth/refresh', '/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ refresh_token: pair.refresh_token }),
  });
  const next = await refreshed.json();
  const retried = await call('GET /me (retry)', '/me', {
    headers: { Authorization: 'Bearer ' + next.access_token },
  });
  result.me = await retried.json();
  return result;
}
window.flow = run();
</script></body></html>`;

let browser: Browser;
let pageServer: Server;
let pageOrigin: string;

beforeAll(async () => {
  pageServer = createServer((req, res) => {
    if (req.url?.startsWith('/?') === true || req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, TIMEOUT);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pageServer?.close(resolve));
});

describe.each<[Platform]>([['express'], ['fastify']])(
  'a browser app on another origin, against the sample on %s',
  (platform) => {
    let app: INestApplication;
    let apiOrigin: string;
    let context: BrowserContext;

    beforeAll(async () => {
      // 2-second tokens: a new one stays valid at least a second (exp counts whole seconds).
      app = await createTestSample(platform, { ACCESS_TOKEN_TTL: '2', CORS_ORIGIN: pageOrigin });
      await app.listen(0, '127.0.0.1');
      apiOrigin = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
      context = await browser.newContext();
      context.setDefaultTimeout(10_000);
    }, TIMEOUT);

    afterAll(async () => {
      await context?.close();
      await app?.close();
    });

    it(
      'C-2.4: the page reads error="invalid_token" from WWW-Authenticate of the 401, refreshes once and retries: 200',
      async () => {
        expect(apiOrigin).not.toBe(pageOrigin);
        const page = await context.newPage();
        const watch: AuthPromptWatch = await watchAuthPrompts(page);
        const unauthorized: PageResponse[] = [];
        page.on('response', (response) => {
          if (response.status() === 401) unauthorized.push(response);
        });
        await page.goto(`${pageOrigin}/?api=${encodeURIComponent(apiOrigin)}`);
        const flow = await page.evaluate(
          () => (globalThis as unknown as { flow: Promise<unknown> }).flow,
        );
        const { steps, challenge, date, error, me } = flow as PageFlow;

        expect(steps).toEqual([
          { call: 'POST /auth/token', status: 200 },
          { call: 'GET /me (expired)', status: 401 },
          { call: 'POST /auth/refresh', status: 200 },
          { call: 'GET /me (retry)', status: 200 },
        ]);
        // fetch joins the challenge lines with ", " (RFC 9110 §5.3).
        expect(challenge).toBe(
          `${CHALLENGE.rejected('The access token expired')}, ${CHALLENGE.basic}`,
        );
        expect(error).toBe('invalid_token');
        expect(me).toEqual({ username: ALICE.username, roles: ['admin'], scheme: 'bearer' });

        // What was on the wire: the CORS headers of the 401, and a header the page could not see.
        expect(unauthorized).toHaveLength(1);
        const headers = await unauthorized[0]!.allHeaders();
        expect(headers['access-control-allow-origin']).toBe(pageOrigin);
        expect(headers['access-control-expose-headers']).toBe('WWW-Authenticate');
        // The control: a header the response carries but does not expose stays hidden.
        expect(headers['date']).toMatch(/GMT$/);
        expect(date).toBeNull();
        // Cross-origin fetch without credentials: the Basic challenge opens no sign-in dialog.
        expect(watch.prompts).toEqual([]);
        await watch.dispose();
        await page.close();
      },
      TIMEOUT,
    );
  },
);

describe("the sample's CORS_ORIGIN setting", () => {
  it('is unset by default (no CORS), and an origin as a browser sends it is taken as it is', () => {
    expect(loadConfig({}).corsOrigin).toBeUndefined();
    expect(loadConfig({ CORS_ORIGIN: '' }).corsOrigin).toBeUndefined();
    expect(loadConfig({ CORS_ORIGIN: 'https://app.example.com:8443' }).corsOrigin).toBe(
      'https://app.example.com:8443',
    );
  });

  it.each<[string, string]>([
    ['*', ''],
    ['app.example.com', ''],
    ['ftp://app.example.com', ''],
    ['http://127.0.0.1:5173/', '; did you mean "http://127.0.0.1:5173"?'],
    ['http://App.Example.com', '; did you mean "http://app.example.com"?'],
    ['https://app.example.com:443', '; did you mean "https://app.example.com"?'],
  ])('rejects %j with a one-line ConfigError', (value, hint) => {
    expect(() => loadConfig({ CORS_ORIGIN: value })).toThrow(
      new ConfigError(
        `CORS_ORIGIN must be one origin as a browser sends it, scheme://host[:port] with http or https and no path, e.g. http://127.0.0.1:5173 (got ${JSON.stringify(value)}${hint})`,
      ),
    );
  });
});
