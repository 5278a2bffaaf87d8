import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import {
  apiKeyPattern,
  formatApiKey,
  looksFormatted,
  parseApiKey,
  randomApiKeyId,
  randomApiKeySecret,
  randomBase62,
} from './api-key-format.js';

// Every property test has an explicit timeout: jest's 5 s is too short on two busy cores.
const PROPERTY_TIMEOUT = 60_000;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (length: number) =>
  fc.string({ unit: fc.constantFrom(...BASE62), minLength: length, maxLength: length });
const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const prefix = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { maxLength: 3 })
  .chain((rest) => word.map((first) => [first, ...rest].join('_')))
  .filter((p) => p.length <= 32);
const parts = fc.record({ prefix, id: base62(12), secret: base62(43) });
/** Printable ASCII, the characters an API key header can carry (docs/contract.md C-3.6). */
const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

/** The example of docs/api-keys.md: its checksum is CRC-32 0xEEF9BE50 in base62. */
const VECTOR = {
  parts: {
    prefix: 'myapp_live',
    id: '0123456789ab',
    secret: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq',
  },
  key: 'myapp_live_0123456789ab_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq_4NKngG',
};

/** `n` in base62, as the documentation defines it (an independent implementation, BigInt). */
function toBase62(n: number, width: number): string {
  let value = BigInt(n);
  let out = '';
  for (let i = 0; i < width; i++, value /= 62n) out = BASE62[Number(value % 62n)]! + out;
  return out;
}

describe('API key format (docs/api-keys.md)', () => {
  it('is <prefix>_<id>_<secret>_<checksum>: the documented vector', () => {
    expect(formatApiKey(VECTOR.parts)).toBe(VECTOR.key);
    const body = VECTOR.key.slice(0, -7);
    expect(crc32(body)).toBe(0xeef9be50);
    expect(toBase62(0xeef9be50, 6)).toBe('4NKngG');
    expect(parseApiKey(VECTOR.key, 'myapp_live')).toEqual({ ...VECTOR.parts, checksum: '4NKngG' });
  });

  it(
    'round-trips: format then parse gives the parts back, with and without the prefix (fast-check)',
    () => {
      fc.assert(
        fc.property(parts, (p) => {
          const key = formatApiKey(p);
          const checksum = toBase62(crc32(`${p.prefix}_${p.id}_${p.secret}`), 6);
          expect(key).toBe(`${p.prefix}_${p.id}_${p.secret}_${checksum}`);
          expect(key).toHaveLength(p.prefix.length + 64);
          expect(parseApiKey(key, p.prefix)).toEqual({ ...p, checksum });
          expect(parseApiKey(key)).toEqual({ ...p, checksum });
          expect(key.match(apiKeyPattern(p.prefix))).toEqual([key]);
          expect(key.match(apiKeyPattern())).toEqual([key]);
        }),
        { numRuns: 500 },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'refuses any single-character typo without a lookup: changed, added, removed, swapped (fast-check)',
    () => {
      const typo = parts.chain((p) => {
        const key = formatApiKey(p);
        const at = fc.integer({ min: 0, max: key.length - 1 });
        return fc.record({
          p: fc.constant(p),
          key: fc.constant(key),
          typo: fc.oneof(
            fc
              .tuple(at, printable)
              .filter(([i, c]) => key[i] !== c)
              .map(([i, c]) => key.slice(0, i) + c + key.slice(i + 1)),
            fc
              .tuple(fc.integer({ min: 0, max: key.length }), printable)
              .map(([i, c]) => key.slice(0, i) + c + key.slice(i)),
            at.map((i) => key.slice(0, i) + key.slice(i + 1)),
            fc
              .integer({ min: 0, max: key.length - 2 })
              .filter((i) => key[i] !== key[i + 1])
              .map((i) => key.slice(0, i) + key[i + 1]! + key[i]! + key.slice(i + 2)),
          ),
        });
      });
      fc.assert(
        fc.property(typo, ({ p, typo }) => {
          expect(parseApiKey(typo, p.prefix)).toBeUndefined();
          // ...and it is still recognisably meant as a key of this prefix, never taken for a legacy one.
          expect(looksFormatted(typo, p.prefix)).toBe(true);
        }),
        { numRuns: 5_000 },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'refuses a changed character or swapped neighbours even without the prefix to compare (fast-check)',
    () => {
      fc.assert(
        fc.property(parts, fc.nat(), printable, (p, n, c) => {
          const key = formatApiKey(p);
          const i = n % key.length;
          if (key[i] !== c)
            expect(parseApiKey(key.slice(0, i) + c + key.slice(i + 1))).toBeUndefined();
          const j = n % (key.length - 1);
          if (key[j] !== key[j + 1])
            expect(
              parseApiKey(key.slice(0, j) + key[j + 1]! + key[j]! + key.slice(j + 2)),
            ).toBeUndefined();
        }),
        { numRuns: 2_000 },
      );
    },
    PROPERTY_TIMEOUT,
  );

  it('refuses what is not in the format: other prefixes, lengths, separators, characters', () => {
    const key = VECTOR.key;
    for (const other of [
      '',
      'ak_demo_7Hq2xR9pLm4vT8wZ',
      key.slice(1),
      `${key}0`,
      key.replace('myapp_live', 'myapp_test'),
      key.replace(/_/g, '-'),
      key.toUpperCase(),
      ` ${key}`,
      key.replace('myapp_live', 'MyApp_live'),
      key.replace('myapp_live', '_live'),
    ]) {
      expect(parseApiKey(other, 'myapp_live')).toBeUndefined();
    }
    expect(parseApiKey(key.replace('myapp_live', 'myapp_test'))).toBeUndefined(); // checksum
    expect(parseApiKey(key, 'myapp')).toBeUndefined();
    expect(parseApiKey(42 as unknown as string)).toBeUndefined();
  });

  it('refuses parts that are not the format’s', () => {
    const { prefix, id, secret } = VECTOR.parts;
    for (const bad of ['', 'MyApp', '1app', 'my-app', 'my__app', 'app_', '_app', 'a'.repeat(33)])
      expect(() => formatApiKey({ prefix: bad, id, secret })).toThrow(TypeError);
    expect(() => formatApiKey({ prefix, id: id.slice(1), secret })).toThrow(TypeError);
    expect(() => formatApiKey({ prefix, id, secret: `${secret}_` })).toThrow(TypeError);
    expect(() => formatApiKey({ prefix, id: 'abc_defghijk', secret })).toThrow(TypeError);
    expect(formatApiKey({ prefix: 'a'.repeat(32), id, secret })).toHaveLength(96);
  });

  it('pattern: the documented regular expressions find keys in text, whole keys only', () => {
    expect(apiKeyPattern('myapp_live').source).toBe(
      '\\bmyapp_live_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\\b',
    );
    expect(apiKeyPattern().source).toBe(
      '\\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\\b',
    );
    const other = formatApiKey({ ...VECTOR.parts, prefix: 'other_test' });
    const text = `curl -H "X-API-Key: ${VECTOR.key}" …\nexport KEY=${other}\n${VECTOR.key.slice(0, -1)}`;
    expect(text.match(apiKeyPattern('myapp_live'))).toEqual([VECTOR.key]);
    expect(text.match(apiKeyPattern())).toEqual([VECTOR.key, other]);
    expect(apiKeyPattern()).not.toBe(apiKeyPattern()); // a fresh lastIndex each time
    expect(() => apiKeyPattern('my.app')).toThrow(TypeError);
  });

  it('draws ids and secrets from the base62 alphabet, all 62 digits, never twice the same', () => {
    const ids = new Set(Array.from({ length: 200 }, randomApiKeyId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{12}$/);
    expect(randomApiKeySecret()).toMatch(/^[0-9A-Za-z]{43}$/);
    expect(new Set(randomBase62(5_000)).size).toBe(62);
  });
});
