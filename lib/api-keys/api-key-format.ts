import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/*
 * The format of the keys `ApiKeys` issues (docs/api-keys.md, "The format"):
 *
 *   <prefix>_<id>_<secret>_<checksum>      e.g. myapp_live_0dG6Yq3mS1Xc_<43 characters>_<6 characters>
 *
 * - prefix: the application and environment, `[a-z][a-z0-9]*` words joined by `_`, at most 32
 *   characters (`myapp_live`, `myapp_test`);
 * - id: 12 random base62 characters (71 bits), the public lookup id of the record;
 * - secret: 43 random base62 characters (256 bits);
 * - checksum: CRC-32 (ISO-HDLC, as zlib computes it) of the ASCII text `<prefix>_<id>_<secret>`,
 *   as 6 base62 digits, most significant first, zero-padded.
 *
 * Base62 digits are `0-9A-Za-z` in that order ('0' is zero, 'z' is 61). Everything after the
 * prefix is 64 characters: the key is as long as its prefix plus 64.
 */

/** The base62 digits, in order: '0' is 0, 'A' is 10, 'a' is 36, 'z' is 61. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 12;
const SECRET_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
/** `_<id>_<secret>_<checksum>`: what follows the prefix. */
const TAIL_LENGTH = 3 + ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;
const MAX_PREFIX_LENGTH = 32;
const PREFIX = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const TAIL = new RegExp(
  `^_[0-9A-Za-z]{${ID_LENGTH}}_[0-9A-Za-z]{${SECRET_LENGTH}}_[0-9A-Za-z]{${CHECKSUM_LENGTH}}$`,
);
/** How the format ends: `_<secret>_<checksum>`. */
const ENDING = new RegExp(`_[0-9A-Za-z]{${SECRET_LENGTH}}_[0-9A-Za-z]{${CHECKSUM_LENGTH}}$`);
/** The largest multiple of 62 that fits a byte: bytes at or above it are drawn again (no bias). */
const UNBIASED_BELOW = 248;

/** What a key is made of, before its checksum. */
export interface ApiKeyParts {
  /** The application and environment, e.g. `myapp_live`: lower-case words joined by `_`. */
  readonly prefix: string;
  /** The public lookup id: 12 base62 characters. */
  readonly id: string;
  /** The secret: 43 base62 characters. */
  readonly secret: string;
}

/** A key taken apart by {@link parseApiKey}: its parts and its (verified) checksum. */
export interface ParsedApiKey extends ApiKeyParts {
  /** The CRC-32 of `<prefix>_<id>_<secret>` as 6 base62 characters. */
  readonly checksum: string;
}

/**
 * Whether `prefix` can prefix keys: lower-case `[a-z][a-z0-9]*` words joined by `_`, at most 32
 * characters.
 * @internal
 */
export function isApiKeyPrefix(prefix: string): boolean {
  return prefix.length <= MAX_PREFIX_LENGTH && PREFIX.test(prefix);
}

/** `n` (below 62^width) as `width` base62 digits, most significant first. */
function base62(n: number, width: number): string {
  let digits = '';
  for (let i = 0; i < width; i++, n = Math.floor(n / 62)) digits = BASE62[n % 62]! + digits;
  return digits;
}

/** The checksum of a key's text before it (`<prefix>_<id>_<secret>`). */
function checksumOf(body: string): string {
  return base62(crc32(body), CHECKSUM_LENGTH);
}

/**
 * `length` random base62 characters, uniformly distributed (bytes of 248 and above are drawn again).
 * @internal
 */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length + 8)) {
      if (byte < UNBIASED_BELOW && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** A new random lookup id (12 base62 characters). @internal */
export function randomApiKeyId(): string {
  return randomBase62(ID_LENGTH);
}

/** A new random secret (43 base62 characters, 256 bits). @internal */
export function randomApiKeySecret(): string {
  return randomBase62(SECRET_LENGTH);
}

/**
 * The key made of these parts: `<prefix>_<id>_<secret>_<checksum>`, with the checksum computed
 * (docs/api-keys.md, "The format").
 * @throws TypeError when a part does not have the format's characters and length
 */
export function formatApiKey(parts: ApiKeyParts): string {
  const { prefix, id, secret } = parts;
  if (!isApiKeyPrefix(prefix))
    throw new TypeError(
      `An API key prefix is lower-case words ([a-z][a-z0-9]*) joined by "_", at most ${MAX_PREFIX_LENGTH} characters.`,
    );
  const body = `${prefix}_${id}_${secret}`;
  const key = `${body}_${checksumOf(body)}`;
  if (!TAIL.test(key.slice(prefix.length)))
    throw new TypeError(
      `An API key id is ${ID_LENGTH} base62 characters and its secret ${SECRET_LENGTH}.`,
    );
  return key;
}

/**
 * Takes a key apart and checks its checksum, without any lookup: `undefined` when it is not in the
 * format, when its prefix is not `prefix` (if given), or when its checksum does not match (a typo).
 * Any single character changed, added or removed, and any two neighbours swapped, is refused.
 * @param prefix the only prefix accepted; any well-formed prefix when omitted
 */
export function parseApiKey(key: string, prefix?: string): ParsedApiKey | undefined {
  if (typeof key !== 'string' || key.length <= TAIL_LENGTH) return undefined;
  const at = key.length - TAIL_LENGTH;
  const found = key.slice(0, at);
  if (prefix === undefined ? !isApiKeyPrefix(found) : found !== prefix) return undefined;
  if (!TAIL.test(key.slice(at))) return undefined;
  const checksum = key.slice(-CHECKSUM_LENGTH);
  if (checksumOf(key.slice(0, -CHECKSUM_LENGTH - 1)) !== checksum) return undefined;
  return {
    prefix: found,
    id: key.slice(at + 1, at + 1 + ID_LENGTH),
    secret: key.slice(at + 2 + ID_LENGTH, at + 2 + ID_LENGTH + SECRET_LENGTH),
    checksum,
  };
}

/**
 * Whether a key is meant to be in the format of `prefix`: it starts with `<prefix>_`, or ends like
 * the format (`_` + 43 base62 + `_` + 6 base62). A single typo keeps one of the two, so a mistyped
 * new key is never taken for a legacy one (and looked up).
 * @internal
 */
export function looksFormatted(key: string, prefix: string): boolean {
  return key.startsWith(`${prefix}_`) || ENDING.test(key);
}

/** Escapes what is special in a regular expression (a prefix holds only `[a-z0-9_]`, but be safe). */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A regular expression that finds keys in text, for secret scanners and log redaction: a new
 * global `RegExp` on every call (its `lastIndex` is yours). For `myapp_live`:
 *
 * `\bmyapp_live_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b`
 *
 * and without a prefix, keys of any prefix:
 * `\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b`.
 * A match is a candidate: {@link parseApiKey} tells a key from a look-alike by its checksum.
 * @param prefix the keys' prefix: lower-case words joined by `_`, at most 32 characters
 * @throws TypeError when `prefix` is not one
 */
export function apiKeyPattern(prefix?: string): RegExp {
  if (prefix !== undefined && !isApiKeyPrefix(prefix))
    throw new TypeError(`Not an API key prefix: ${JSON.stringify(prefix)}.`);
  const head = prefix === undefined ? '[a-z][a-z0-9]*(?:_[a-z0-9]+)*' : escape(prefix);
  return new RegExp(
    `\\b${head}_[0-9A-Za-z]{${ID_LENGTH}}_[0-9A-Za-z]{${SECRET_LENGTH}}_[0-9A-Za-z]{${CHECKSUM_LENGTH}}\\b`,
    'g',
  );
}
