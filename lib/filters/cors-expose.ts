/*
 * Browser clients (docs/errors.md "Browser clients (CORS)"): a script on another origin reads only
 * the response headers that `Access-Control-Expose-Headers` names (Fetch standard, CORS-safelisted
 * response headers), and `WWW-Authenticate` and `Retry-After` are not safelisted. When the
 * application enabled CORS, the module's answers name them, merged with what the application
 * already exposes.
 */

/** The header every CORS answer carries; its absence means CORS is not enabled for the request. */
const ALLOW_ORIGIN = 'access-control-allow-origin';

/** The header that lists the response headers a cross-origin script may read. */
const EXPOSE_HEADERS = 'access-control-expose-headers';

/** Exposed on 400, 401 and 403: the challenges (docs/contract.md C-2). */
export const CHALLENGE_HEADERS: readonly string[] = Object.freeze(['WWW-Authenticate']);

/** The lists of {@link challengeHeadersWith}, by extra header name. */
const withExtra = new Map<string, readonly string[]>();

/**
 * Exposed on a 401 or 400 that carries a scheme's own header besides the challenges (DPoP's
 * `DPoP-Nonce`, docs/contract.md C-2.12): one frozen list per name, so merges are remembered.
 */
export function challengeHeadersWith(name: string): readonly string[] {
  let list = withExtra.get(name);
  if (list === undefined) withExtra.set(name, (list = Object.freeze([...CHALLENGE_HEADERS, name])));
  return list;
}

/** Exposed on 429 and 503: when to try again (docs/contract.md C-1.5, C-1.6, C-2.9). */
export const RETRY_HEADERS: readonly string[] = Object.freeze(['Retry-After']);

/** Most merged values remembered per list of names: an application exposes few distinct lists. */
const MAX_REMEMBERED = 64;

/** What the filter needs of a response: Express's `res` and Fastify's `reply` both have it. */
interface HeaderReader {
  getHeader(name: string): unknown;
}

/**
 * Merged `Access-Control-Expose-Headers` values, by the names the module adds and then by the
 * application's own value: the merge runs once per distinct value, not once per response.
 */
const merged = new WeakMap<readonly string[], Map<string, string>>();

/**
 * The `Access-Control-Expose-Headers` value a module answer should carry, or `undefined` when the
 * response is not a CORS response (it has no `Access-Control-Allow-Origin`, set by the CORS
 * middleware before guards run): then nothing else is read or computed.
 * @param response the platform's response object (Express `res`, Fastify `reply`)
 * @param names the headers the module's answer carries for a script to read, e.g.
 *   {@link CHALLENGE_HEADERS} (a frozen constant: merged values are remembered per list)
 */
export function exposeHeadersValue(
  response: unknown,
  names: readonly string[],
): string | undefined {
  const reader = response as Partial<HeaderReader> | null | undefined;
  if (typeof reader?.getHeader !== 'function') return undefined;
  if (reader.getHeader(ALLOW_ORIGIN) === undefined) return undefined;
  const current = headerText(reader.getHeader(EXPOSE_HEADERS));
  let byValue = merged.get(names);
  if (!byValue) merged.set(names, (byValue = new Map<string, string>()));
  let value = byValue.get(current);
  if (value === undefined) {
    if (byValue.size >= MAX_REMEMBERED) byValue.clear();
    value = mergeExposeHeaders(current, names);
    byValue.set(current, value);
  }
  return value;
}

/** A header value as text: several lines joined as one list (RFC 9110 §5.3), nothing as `''`. */
function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(headerText).join(',');
  return '';
}

/**
 * Merges header names into an `Access-Control-Expose-Headers` list: the application's names first,
 * as it spelled them, then each of `names` that is not already there. Names are compared without
 * regard to case (field names are case-insensitive, RFC 9110 §5.1), duplicates are dropped and
 * empty elements ignored; a `*` is kept as it is (it is not a wildcard for credentialed requests,
 * so the names are still added).
 * @param current the application's value (`''` when it exposes nothing)
 * @param names the names to add
 * @returns the merged list, joined with `", "`
 */
export function mergeExposeHeaders(current: string, names: readonly string[]): string {
  const seen = new Set<string>();
  const list: string[] = [];
  for (const name of [...current.split(','), ...names]) {
    const trimmed = name.trim();
    const key = trimmed.toLowerCase();
    if (trimmed === '' || seen.has(key)) continue;
    seen.add(key);
    list.push(trimmed);
  }
  return list.join(', ');
}
