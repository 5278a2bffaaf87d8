/** What an autocannon run answered that it should not have. */
import type autocannon from 'autocannon';

/** Requests that did not answer `status`, failed to connect or timed out. */
export function wrongAnswers(status: number, result: autocannon.Result): number {
  let wrong = result.errors + result.timeouts;
  for (const [code, { count = 0 }] of Object.entries(result.statusCodeStats ?? {})) {
    if (Number(code) !== status) wrong += count;
  }
  return wrong;
}
