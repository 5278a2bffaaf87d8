/** An `Authorization` header split into its scheme (lower-cased) and the rest. */
export interface AuthorizationHeader {
  /** The auth-scheme, lower-cased (RFC 9110 §11.1: case-insensitive). */
  readonly scheme: string;
  /** What follows the scheme and its separating spaces; empty when nothing does. */
  readonly credentials: string;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses `Authorization: <scheme> 1*SP <credentials>`. Returns `undefined` when the header is
 * absent or has no valid scheme token.
 */
export function parseAuthorization(
  header: string | readonly string[] | undefined,
): AuthorizationHeader | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const space = trimmed.indexOf(' ');
  const scheme = space === -1 ? trimmed : trimmed.slice(0, space);
  if (!TOKEN.test(scheme)) return undefined;
  return {
    scheme: scheme.toLowerCase(),
    credentials: space === -1 ? '' : trimmed.slice(space + 1).replace(/^ +/, ''),
  };
}

/** Whether `value` starts with the lower-case ASCII letters of `scheme`, in any case. */
function startsWithScheme(value: string, scheme: string): boolean {
  for (let i = 0; i < scheme.length; i++) {
    // Setting bit 0x20 lower-cases an ASCII letter and maps nothing else onto one.
    if ((value.charCodeAt(i) | 0x20) !== scheme.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The credentials of an `Authorization` header of one scheme: exactly what
 * {@link parseAuthorization} gives when the header's scheme is `scheme`, else `undefined`.
 *
 * This runs on every authenticated request, so the usual form — `<Scheme> <credentials>` with
 * one space and printable ASCII at the end — is answered without trimming, a regular expression or
 * an object; anything else goes through {@link parseAuthorization}.
 * @param scheme the scheme in lower-case ASCII letters, e.g. `basic`
 */
export function authorizationCredentials(
  header: string | readonly string[] | undefined,
  scheme: string,
): string | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined) return undefined;
  const length = scheme.length;
  const last = value.charCodeAt(value.length - 1);
  if (
    value.length > length + 1 &&
    value.charCodeAt(length) === 0x20 &&
    value.charCodeAt(length + 1) !== 0x20 &&
    last > 0x20 &&
    last < 0x7f &&
    startsWithScheme(value, scheme)
  ) {
    return value.slice(length + 1);
  }
  const parsed = parseAuthorization(value);
  return parsed?.scheme === scheme ? parsed.credentials : undefined;
}
