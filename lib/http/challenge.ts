/** One auth-param of a challenge: its name and its value, sent as a quoted-string. */
export type AuthParam = readonly [name: string, value: string];

/**
 * Formats a value as an RFC 9110 §5.6.4 quoted-string: `"` and `\` are escaped, and anything but
 * printable ASCII (controls, non-ASCII that clients decode inconsistently) becomes `?`, so that no
 * configured value can break the header.
 */
export function quote(value: string): string {
  const safe = value.replace(/[^\x20-\x7e]/g, '?');
  return `"${safe.replace(/["\\]/g, '\\$&')}"`;
}

/** Builds `Scheme name="value", name2="value2"` (RFC 9110 §11.6.1). */
export function challenge(scheme: string, params: readonly AuthParam[]): string {
  if (params.length === 0) return scheme;
  return `${scheme} ${params.map(([name, value]) => `${name}=${quote(value)}`).join(', ')}`;
}

/**
 * Restricts an `error_description` to the characters RFC 6750 §3 allows
 * (%x20-21 / %x23-5B / %x5D-7E): anything else becomes a space, so a quote or backslash never needs
 * escaping and a client's parser never trips.
 */
export function errorDescription(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, ' ');
}
