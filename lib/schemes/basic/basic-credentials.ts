import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';

/** A decoded Basic user-pass (RFC 7617 §2). */
export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** RFC 4648 §4 base64 (the alphabet RFC 7617 uses), padding optional: not the wider token68 alphabet. */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(): AuthenticationError {
  return withoutStack(() => new AuthenticationError('credentials_invalid', { scheme: 'basic' }));
}

/**
 * Decodes the token68 of a Basic `Authorization` header per RFC 7617: base64, then UTF-8; the
 * user-id ends at the **first** colon and the password may contain colons. Invalid base64, invalid
 * UTF-8, no colon, an empty user-id or a control character throw `credentials_invalid`.
 */
export function decodeBasicCredentials(token68: string): BasicCredentials {
  if (!BASE64.test(token68) || token68.replace(/=+$/, '').length % 4 === 1) throw invalid();
  let decoded: string;
  try {
    decoded = UTF8.decode(Buffer.from(token68, 'base64'));
  } catch {
    throw invalid();
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0 || CONTROL.test(decoded)) throw invalid();
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
