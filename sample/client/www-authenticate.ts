/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface Challenge {
  /** The auth-scheme as sent, e.g. `Bearer`. */
  readonly scheme: string;
  /** Its auth-params, names lower-cased, quoted values unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** The challenge's text as sent. */
  readonly text: string;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PARAM = new RegExp(`^(${TOKEN})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"|${TOKEN})$`, 's');
const SCHEME = new RegExp(`^(${TOKEN})(?:\\s+(.*))?$`, 's');

/** Splits at the commas that are not inside a quoted string. */
function splitItems(header: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const char = header[i]!;
    if (quoted && char === '\\') {
      current += char + (header[++i] ?? '');
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else current += char;
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}

function param(item: string): [string, string] | undefined {
  const match = PARAM.exec(item);
  if (!match) return undefined;
  const value = match[2]!;
  return [
    match[1]!.toLowerCase(),
    value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/gs, '$1') : value,
  ];
}

/**
 * Parses a `WWW-Authenticate` value into its challenges. `fetch` joins the header's lines with
 * `, `, and commas also separate auth-params, so a new challenge is recognised as an item that
 * starts with `scheme SP` (commas inside quoted strings are not separators).
 */
export function parseChallenges(header: string | null): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string>; parts: string[] }[] = [];
  for (const item of splitItems(header ?? '')) {
    const current = challenges[challenges.length - 1];
    const asParam = param(item);
    if (asParam && current) {
      current.params[asParam[0]] = asParam[1];
      current.parts.push(item);
      continue;
    }
    const match = SCHEME.exec(item);
    if (!match) continue;
    const next = { scheme: match[1]!, params: {} as Record<string, string>, parts: [item] };
    const first = match[2] === undefined ? undefined : param(match[2]);
    if (first) next.params[first[0]] = first[1];
    challenges.push(next);
  }
  return challenges.map(({ scheme, params, parts }) => ({
    scheme,
    params,
    text: parts.join(', '),
  }));
}
