import type { CDPSession, Page } from 'playwright-core';

/** A sign-in dialog Chromium would have shown: for which request, and which challenge. */
export interface AuthPrompt {
  readonly url: string;
  readonly scheme: string;
  readonly realm: string;
}

/** What {@link watchAuthPrompts} saw, and how to stop watching. */
export interface AuthPromptWatch {
  /** Every sign-in dialog Chromium would have shown, in order. */
  readonly prompts: readonly AuthPrompt[];
  /** Detaches the DevTools session; the page goes on without interception. */
  dispose(): Promise<void>;
}

/**
 * Watches a page for the browser's own sign-in dialog (HTTP authentication), which no page event
 * reports: `page.on('dialog')` sees only `alert`/`confirm`/`prompt`/`beforeunload`. Chromium asks
 * for credentials when a request that may carry credentials gets a 401 with a challenge it can
 * answer (e.g. `Basic`), and DevTools' Fetch domain with `handleAuthRequests` pauses exactly that
 * moment as `Fetch.authRequired`, before any dialog would open. The watcher records it and cancels
 * the sign-in, so the page receives the 401 unchanged, as if a person had dismissed the dialog.
 *
 * Every request is paused at the request stage and continued at once, unchanged (the Fetch domain
 * reports auth only for requests it intercepts).
 */
export async function watchAuthPrompts(page: Page): Promise<AuthPromptWatch> {
  const session: CDPSession = await page.context().newCDPSession(page);
  const prompts: AuthPrompt[] = [];
  const ignoreClosed = (): undefined => undefined;
  session.on('Fetch.requestPaused', ({ requestId }) => {
    session.send('Fetch.continueRequest', { requestId }).catch(ignoreClosed);
  });
  session.on('Fetch.authRequired', ({ requestId, request, authChallenge }) => {
    prompts.push({ url: request.url, scheme: authChallenge.scheme, realm: authChallenge.realm });
    session
      .send('Fetch.continueWithAuth', {
        requestId,
        authChallengeResponse: { response: 'CancelAuth' },
      })
      .catch(ignoreClosed);
  });
  await session.send('Fetch.enable', { handleAuthRequests: true, patterns: [{ urlPattern: '*' }] });
  return {
    prompts,
    dispose: () => session.detach().catch(ignoreClosed),
  };
}
