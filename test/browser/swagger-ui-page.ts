import type { Locator, Page, Response } from 'playwright-core';

/** What a person types into the Authorize dialog; a scheme left out is left empty. */
export interface Credentials {
  readonly basic?: { readonly username: string; readonly password: string };
  readonly bearer?: string;
  /** The API key whose security scheme is named `apiKey` (the header one). */
  readonly apiKey?: string;
}

/** What **Try it out → Execute** showed, and the HTTP response behind it. */
export interface Execution {
  /** The status code Swagger UI shows in its "Server response" table. */
  readonly shownStatus: number;
  /** The response the page received, as the browser saw it (headers line by line). */
  readonly response: Response;
  /** What Swagger UI shows of the exchange (curl, request URL, server response), for a screenshot. */
  readonly shown: Locator;
}

/** Opens Swagger UI at `url` and waits until it has rendered the operations. */
export async function openSwaggerUi(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.swagger-ui .opblock').first().waitFor();
}

/** The Authorize dialog (visible once opened). */
export function authorizeDialog(page: Page): Locator {
  return page.locator('.swagger-ui .dialog-ux .modal-ux');
}

/** One security scheme's box in the Authorize dialog, by its name in `components.securitySchemes`. */
function schemeBox(page: Page, name: string): Locator {
  return authorizeDialog(page)
    .locator('.auth-container')
    .filter({ has: page.locator('h4 > code', { hasText: new RegExp(`^${name}$`) }) });
}

/** Clicks the top-level **Authorize** button and waits for the dialog. */
export async function openAuthorizeDialog(page: Page): Promise<Locator> {
  await page.locator('.swagger-ui .scheme-container button.authorize').click();
  const dialog = authorizeDialog(page);
  await dialog.waitFor();
  return dialog;
}

/** Types the credentials into the open Authorize dialog, as a person would, without submitting. */
export async function fillAuthorizeDialog(page: Page, credentials: Credentials): Promise<void> {
  if (credentials.basic) {
    const box = schemeBox(page, 'basic');
    await box.locator('#auth-basic-username').fill(credentials.basic.username);
    await box.locator('#auth-basic-password').pressSequentially(credentials.basic.password);
  }
  if (credentials.bearer !== undefined)
    await schemeBox(page, 'bearer').locator('#auth-bearer-value').fill(credentials.bearer);
  if (credentials.apiKey !== undefined)
    await schemeBox(page, 'apiKey').locator('input[type="text"]').fill(credentials.apiKey);
}

/**
 * Clicks the **Authorize** button of each filled scheme in the open dialog and waits until the
 * scheme says "Authorized".
 */
export async function submitAuthorizeDialog(page: Page, credentials: Credentials): Promise<void> {
  const names = [
    credentials.basic ? 'basic' : null,
    credentials.bearer !== undefined ? 'bearer' : null,
    credentials.apiKey !== undefined ? 'apiKey' : null,
  ].filter((name): name is string => name !== null);
  for (const name of names) {
    const box = schemeBox(page, name);
    await box.getByRole('button', { name: 'Apply credentials' }).click();
    await box.locator('h6', { hasText: 'Authorized' }).waitFor();
  }
}

/**
 * Clicks **Logout** of each named scheme (its name in `components.securitySchemes`) in the open
 * Authorize dialog and waits until the scheme offers **Authorize** again; the other schemes stay
 * authorized.
 */
export async function logoutAuthorizeDialog(page: Page, ...names: string[]): Promise<void> {
  for (const name of names) {
    const box = schemeBox(page, name);
    await box.getByRole('button', { name: 'Remove authorization' }).click();
    await box.getByRole('button', { name: 'Apply credentials' }).waitFor();
  }
}

/**
 * Lets the open Authorize dialog grow to its full height (Swagger UI caps it at 540 px and
 * scrolls), so that one screenshot shows every scheme. Nothing else changes.
 */
export async function unfoldAuthorizeDialog(page: Page): Promise<void> {
  await page.addStyleTag({
    content: '.swagger-ui .dialog-ux .modal-ux-content { max-height: none; }',
  });
}

/** Closes the Authorize dialog with its close button. */
export async function closeAuthorizeDialog(page: Page): Promise<void> {
  await authorizeDialog(page).locator('button.close-modal').click();
  await authorizeDialog(page).waitFor({ state: 'detached' });
}

/** The operation block of `METHOD path` (e.g. `get`, `/basic`). */
export function operationBlock(page: Page, method: string, path: string): Locator {
  return page
    .locator(`.swagger-ui .opblock.opblock-${method.toLowerCase()}`)
    .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
}

/** The `<pre>` under a heading (`Response body`, `Response headers`) of an execution's response. */
function shownSection(execution: Execution, heading: string): Locator {
  return execution.shown
    .locator('.live-responses-table .response-col_description > div')
    .filter({ has: execution.shown.page().locator('h5', { hasText: new RegExp(`^${heading}$`) }) })
    .locator('pre');
}

/** The response body Swagger UI shows for an execution (JSON pretty-printed), as a person reads. */
export function shownResponseBody(execution: Execution): Locator {
  return shownSection(execution, 'Response body');
}

/**
 * The response headers Swagger UI shows for an execution, by lower-case name, as displayed: Swagger
 * UI drops the space after every comma of a value (`date: Mon,23 Nov …`).
 */
export async function shownResponseHeaders(execution: Execution): Promise<Record<string, string>> {
  const text = await shownSection(execution, 'Response headers').innerText();
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * **Try it out → Execute** on an operation, as a person would: expands it, switches to "Try it
 * out" (once), clears an earlier response, executes, and reads the status code from the live
 * response table.
 */
export async function tryItOut(page: Page, method: string, path: string): Promise<Execution> {
  const block = operationBlock(page, method, path);
  const body = block.locator('.opblock-body');
  if (!(await body.isVisible())) await block.locator('.opblock-summary').first().click();
  // "Try it out" before it is switched on, "Cancel" after: wait for whichever is rendered.
  const toggle = block.locator('.try-out button.try-out__btn').first();
  await toggle.waitFor();
  if ((await toggle.innerText()).trim() === 'Try it out') await toggle.click();
  const execute = block.getByRole('button', { name: 'Execute' });
  await execute.waitFor();
  const clear = block.getByRole('button', { name: 'Clear' });
  if (await clear.isVisible()) await clear.click();
  const status = block.locator('.live-responses-table tbody .response-col_status');
  await status.waitFor({ state: 'detached' });
  const [response] = await Promise.all([
    page.waitForResponse(
      (r) => new URL(r.url()).pathname === path && r.request().method() === method.toUpperCase(),
    ),
    execute.click(),
  ]);
  await status.waitFor();
  const shown = /\d{3}/.exec(await status.innerText());
  if (!shown) throw new Error(`No status code in the live response of ${method} ${path}`);
  return {
    shownStatus: Number(shown[0]),
    response,
    shown: block
      .locator('.responses-inner > div')
      .filter({ has: page.locator('.live-responses-table') }),
  };
}
