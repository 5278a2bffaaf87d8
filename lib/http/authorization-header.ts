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
