/**
 * Tokens for the cold and zipf cases: many distinct valid tokens, minted with jose before the
 * measurement (HS256 with the bench secret, or RS256 with a key pair whose public half a JWKS
 * serves), and a Zipf-distributed sequence of token ranks.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { JWT_SECRET } from './fixtures.js';

/** How many tokens are signed at once (WebCrypto signs on libuv's thread pool). */
const BATCH = 256;

/** A key jose signs with. */
type SigningKey = Parameters<SignJWT['sign']>[0];

/** What signs a pool's tokens: the algorithm, the key and the `kid` (RS256). */
interface Signer {
  readonly alg: 'HS256' | 'RS256';
  readonly key: SigningKey;
  readonly kid?: string;
}

/** Signs `count` tokens, the i-th for `sub` `${prefix}-${i}` with role `user`, valid for two hours. */
async function mint(signer: Signer, prefix: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const batch: Promise<string>[] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      batch.push(
        new SignJWT({ sub: `${prefix}-${i}`, roles: ['user'] })
          .setProtectedHeader({
            alg: signer.alg,
            typ: 'JWT',
            ...(signer.kid ? { kid: signer.kid } : {}),
          })
          .setIssuedAt()
          .setExpirationTime('2h')
          .sign(signer.key),
      );
    }
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/** The bench secret as a WebCrypto HMAC key (imported once: much faster to sign with). */
function hs256Key(): Promise<SigningKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(JWT_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

/** `count` distinct HS256 tokens the bench app's default variant accepts. */
export async function hs256Tokens(prefix: string, count: number): Promise<string[]> {
  return mint({ alg: 'HS256', key: await hs256Key() }, prefix, count);
}

/** An RS256 key pair: its public JWKS (what the JWKS server serves) and a minter of tokens. */
export interface Rs256Issuer {
  readonly jwks: { readonly keys: readonly JWK[] };
  tokens(prefix: string, count: number): Promise<string[]>;
}

/** A fresh RS256 key pair (2048 bits) with `kid` `bench-rs256`. */
export async function rs256Issuer(): Promise<Rs256Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'bench-rs256';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    tokens: (prefix, count) => mint({ alg: 'RS256', key: privateKey, kid }, prefix, count),
  };
}

/** mulberry32: a small seeded generator, so that every run draws the same sequence. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `length` ranks in [0, population), Zipf-distributed with exponent `s` (rank r drawn with
 * probability proportional to 1 / (r + 1)^s), by inverse transform on the cumulative weights.
 */
export function zipfRanks(population: number, s: number, length: number, seed = 16): Uint32Array {
  const cumulative = new Float64Array(population);
  let total = 0;
  for (let r = 0; r < population; r++) {
    total += 1 / Math.pow(r + 1, s);
    cumulative[r] = total;
  }
  const random = seeded(seed);
  const ranks = new Uint32Array(length);
  for (let i = 0; i < length; i++) {
    const u = random() * total;
    let low = 0;
    let high = population - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! < u) low = middle + 1;
      else high = middle;
    }
    ranks[i] = low;
  }
  return ranks;
}

/**
 * The zipf case's requests: `length` tokens drawn Zipf-distributed (s = 1) from a population of
 * `population` distinct HS256 tokens. Only the ranks the sequence draws are minted (a token never
 * requested needs no signature); `distinct` says how many.
 */
export async function zipfTokens(
  population: number,
  length: number,
): Promise<{ readonly sequence: readonly string[]; readonly distinct: number }> {
  const ranks = zipfRanks(population, 1, length);
  const drawn = [...new Set(ranks)];
  const minted = await hs256Tokens('bench-zipf', drawn.length);
  const byRank = new Map(drawn.map((rank, i) => [rank, minted[i]!]));
  return { sequence: Array.from(ranks, (rank) => byRank.get(rank)!), distinct: drawn.length };
}

/**
 * Tokens handed out one per request, in order. A cold feed never repeats a token (a repeated one
 * would be a cache hit): taking past its end is an error, so pools are sized for every measurement
 * of a run. A cyclic feed (zipf) starts over.
 */
export class TokenFeed {
  private next = 0;

  constructor(
    private readonly tokens: readonly string[],
    /** Requests of one measurement of a case fed from here. */
    readonly perMeasurement: number,
    private readonly cyclic: boolean,
  ) {}

  /** How many tokens the feed holds. */
  get size(): number {
    return this.tokens.length;
  }

  /** The next token. */
  take(): string {
    if (this.next >= this.tokens.length) {
      if (!this.cyclic) throw new Error(`token pool exhausted after ${this.tokens.length} tokens`);
      this.next = 0;
    }
    return this.tokens[this.next++]!;
  }

  /** From the first token again: for a new app, whose cache has seen none of them. */
  rewind(): void {
    this.next = 0;
  }
}
