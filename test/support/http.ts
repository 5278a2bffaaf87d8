import type { IncomingMessage } from 'node:http';
import type { Response } from 'supertest';

/** The Node.js response under a supertest response (untyped in @types/superagent). */
function raw(res: Response): IncomingMessage {
  return (res as Response & { readonly res: IncomingMessage }).res;
}

/**
 * Every line of a header, in the order sent, as separate values. Node joins repeated headers in
 * `res.headers`, so this reads `rawHeaders`, comparing names case-insensitively (Express sends
 * `WWW-Authenticate`, Fastify `www-authenticate`).
 */
export function headerLines(res: Response, name: string): string[] {
  const pairs = raw(res).rawHeaders;
  const wanted = name.toLowerCase();
  const lines: string[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    if (pairs[i]!.toLowerCase() === wanted) lines.push(pairs[i + 1]!);
  }
  return lines;
}

/** The `WWW-Authenticate` challenges of a response, one per header line (CONTRACT C-2). */
export function challenges(res: Response): string[] {
  return headerLines(res, 'WWW-Authenticate');
}

/** Everything a client sees of a response: status line pieces, raw header lines and body text. */
export function visibleText(res: Response): string {
  return `${raw(res).rawHeaders.join('\n')}\n${res.text}`;
}

/** An `Authorization: Basic` value: `user:password` as UTF-8, base64-encoded (RFC 7617). */
export function basic(username: string, password: string, scheme = 'Basic'): string {
  return `${scheme} ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** An `Authorization: Basic` value from raw bytes (for malformed payloads). */
export function basicBytes(bytes: readonly number[]): string {
  return `Basic ${Buffer.from(bytes).toString('base64')}`;
}

/** An `Authorization: Bearer` value. */
export function bearer(token: string, scheme = 'Bearer'): string {
  return `${scheme} ${token}`;
}
