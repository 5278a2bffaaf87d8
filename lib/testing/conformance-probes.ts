import { createSecretKey, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AuthScheme } from '../schemes/auth-scheme.js';

/** One way a hostile client calls a route: what it sends, and what of it must never come back. */
export interface Probe {
  /** What was sent, for findings (never the credential itself). */
  readonly label: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A query string to append (`api_key=…`), if any. */
  readonly query?: string;
  /** Whether the probe sends anything that could be a credential. */
  readonly credentials: boolean;
  /** The configured schemes (by name) this probe presents a credential for. */
  readonly presents: ReadonlySet<string>;
  /**
   * The credentials it sent that must not appear in an answer, whole or in part (C-4.5): only the
   * parts made of random characters, so that a match cannot be a coincidence of fixed text.
   */
  readonly secrets: readonly string[];
}

/** The length of the shortest part of a credential that counts as an echo. */
export const ECHO_WINDOW = 6;

/** Of a long credential, only the parts this long at each end are searched piecewise. */
const ECHO_EDGE = 256;

/** Random base64url text (`bytes` random bytes). */
function random(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function base64(text: string | Buffer): string {
  return Buffer.from(text).toString('base64');
}

/**
 * Whether `text` contains `secret`, or any part of it {@link ECHO_WINDOW} characters long
 * (`'whole'` / `'part'`). Secrets shorter than the window are not searched.
 */
export function echoOf(text: string, secret: string): 'whole' | 'part' | undefined {
  if (secret.length < ECHO_WINDOW) return undefined;
  if (text.includes(secret)) return 'whole';
  const searched =
    secret.length > 2 * ECHO_EDGE
      ? [secret.slice(0, ECHO_EDGE), secret.slice(-ECHO_EDGE)]
      : [secret];
  for (const part of searched)
    for (let i = 0; i + ECHO_WINDOW <= part.length; i++)
      if (text.includes(part.slice(i, i + ECHO_WINDOW))) return 'part';
  return undefined;
}

/** The configured schemes with an OpenAPI security scheme matching `test`. */
function schemesWhere(
  schemes: ReadonlyMap<string, AuthScheme>,
  test: (definition: Readonly<Record<string, unknown>>) => boolean,
): Set<string> {
  const names = new Set<string>();
  for (const [name, scheme] of schemes)
    if (Object.values(scheme.securitySchemes()).some(test)) names.add(name);
  return names;
}

function httpSchemes(schemes: ReadonlyMap<string, AuthScheme>, scheme: string): Set<string> {
  return schemesWhere(
    schemes,
    (d) => d['type'] === 'http' && String(d['scheme']).toLowerCase() === scheme,
  );
}

/**
 * What a hostile client sends to every route (none of it valid): nothing; malformed
 * `Authorization` headers; a wrong Basic password for a made-up user; a forged JWT; a random API key
 * in each API-key location the module reads (from the schemes' OpenAPI security schemes).
 */
export async function hostileProbes(schemes: ReadonlyMap<string, AuthScheme>): Promise<Probe[]> {
  const basic = httpSchemes(schemes, 'basic');
  const bearer = httpSchemes(schemes, 'bearer');
  const authorization = (
    label: string,
    value: string,
    presents: Set<string>,
    secrets: string[] = [],
  ): Probe => ({
    label,
    headers: { authorization: value },
    credentials: true,
    presents,
    secrets,
  });

  const noColon = random(18);
  const noColonToken = base64(noColon);
  const randomToken = base64(randomBytes(32));
  const user = `u${random(9)}`;
  const password = random(18);
  const userPass = base64(`${user}:${password}`);
  const long = random(7680); // 10,240 characters: well within Node's 16 KB of headers
  const forged = await new SignJWT({ sub: user, jti: random(12) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(createSecretKey(randomBytes(32)));
  const probes: Probe[] = [
    { label: 'no credentials', headers: {}, credentials: false, presents: new Set(), secrets: [] },
    authorization('Authorization: Basic !!!', 'Basic !!!', basic),
    authorization(
      'Authorization: Basic of a user-pass without a colon',
      `Basic ${noColonToken}`,
      basic,
      [noColonToken, noColon],
    ),
    authorization('Authorization: Basic of random bytes', `Basic ${randomToken}`, basic, [
      randomToken,
    ]),
    authorization(
      'Authorization: Basic with a wrong password for a made-up user',
      `Basic ${userPass}`,
      basic,
      [userPass, password],
    ),
    authorization('Authorization: Bearer (no token)', 'Bearer', bearer),
    authorization('Authorization: Bearer a b', 'Bearer a b', bearer),
    authorization('Authorization: Bearer with a 10 KB token', `Bearer ${long}`, bearer, [long]),
    authorization('Authorization: Bearer with a forged JWT', `Bearer ${forged}`, bearer, [
      forged.slice(forged.lastIndexOf('.') + 1),
    ]),
  ];
  const seen = new Set<string>();
  for (const scheme of schemes.values()) {
    for (const definition of Object.values(scheme.securitySchemes())) {
      if (definition.type !== 'apiKey') continue;
      const where = String(definition['in']);
      const name = String(definition['name']);
      if (seen.has(`${where} ${name.toLowerCase()}`)) continue;
      seen.add(`${where} ${name.toLowerCase()}`);
      const presents = schemesWhere(
        schemes,
        (d) =>
          d['type'] === 'apiKey' &&
          d['in'] === where &&
          String(d['name']).toLowerCase() === name.toLowerCase(),
      );
      const key = `k${random(18)}`;
      const sent = { label: `a random API key in ${where} ${name}`, credentials: true, presents };
      if (where === 'header') probes.push({ ...sent, headers: { [name]: key }, secrets: [key] });
      else if (where === 'query')
        probes.push({
          ...sent,
          headers: {},
          query: `${encodeURIComponent(name)}=${key}`,
          secrets: [key],
        });
      else if (where === 'cookie')
        probes.push({ ...sent, headers: { cookie: `${name}=${key}` }, secrets: [key] });
    }
  }
  return probes;
}
