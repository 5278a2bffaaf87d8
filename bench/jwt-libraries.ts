/**
 * `node dist/bench/jwt-libraries.js [verifications] [runs] [inFlight]` (after `npx tsc -p
 * bench/tsconfig.json`): cold JWT verification, one token after the other (each awaited before the
 * next; or `inFlight` at a time), with no verification cache in front: jose with each key form it accepts, as the module verified before
 * (a `KeyObject`) and does now (a `CryptoKey` imported once, and the per-`alg` lookup used when
 * several algorithms are pinned), against fast-jwt (its cache off) and node:crypto alone (the
 * floor: the signature check and `JSON.parse` of the payload, no claim checks). Every case runs
 * `runs` times, interleaved; the table gives the median µs per verification and the spread
 * (fastest–slowest run). Tokens are distinct (a pool of 1,000), all valid.
 */
import {
  createHmac,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import {
  createLocalJWKSet,
  exportJWK,
  importSPKI,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWTVerifyGetKey,
} from 'jose';

/** One way of verifying: prepared once, then called once per token. */
interface Case {
  readonly name: string;
  readonly alg: 'HS256' | 'RS256';
  readonly verify: (token: string) => unknown;
}

const POOL = 1_000;
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'https://api.example';

/** The payload of a compact JWS, parsed (the floor cases' share of the claims work). */
function payloadOf(token: string): unknown {
  const start = token.indexOf('.') + 1;
  return JSON.parse(
    Buffer.from(token.slice(start, token.lastIndexOf('.')), 'base64url').toString(),
  );
}

async function tokens(
  alg: 'HS256' | 'RS256',
  key: KeyObject | Uint8Array,
  kid?: string,
): Promise<string[]> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return Promise.all(
    Array.from({ length: POOL }, (_, i) =>
      new SignJWT({ scope: 'read' })
        .setProtectedHeader(kid ? { alg, kid } : { alg })
        .setSubject(`user-${i}`)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime(exp)
        .sign(key),
    ),
  );
}

async function cases(): Promise<{ list: Case[]; pools: Record<string, string[]> }> {
  const raw = randomBytes(32);
  const secret = createSecretKey(raw);
  const hmac = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  const hmacByAlg = new Map<string, CryptoKey>([['HS256', hmac]]);
  const byAlg: JWTVerifyGetKey = (header) => hmacByAlg.get(header.alg ?? '')!;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const rsa = await importSPKI(pem, 'RS256');
  const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] });
  const checks = { issuer: ISSUER, audience: AUDIENCE, requiredClaims: ['exp'] };
  const hs = { ...checks, algorithms: ['HS256'] };
  const rs = { ...checks, algorithms: ['RS256'] };
  const fastOptions = { allowedIss: ISSUER, allowedAud: AUDIENCE, cache: false } as const;
  const fastHs = createVerifier({ ...fastOptions, key: raw, algorithms: ['HS256'] });
  const fastRs = createVerifier({ ...fastOptions, key: pem, algorithms: ['RS256'] });
  const rsaPublic = createPublicKey(pem);
  const list: Case[] = [
    { name: 'jose KeyObject (before)', alg: 'HS256', verify: (t) => jwtVerify(t, secret, hs) },
    { name: 'jose Uint8Array', alg: 'HS256', verify: (t) => jwtVerify(t, raw, hs) },
    { name: 'jose CryptoKey (after)', alg: 'HS256', verify: (t) => jwtVerify(t, hmac, hs) },
    { name: 'jose CryptoKey by alg', alg: 'HS256', verify: (t) => jwtVerify(t, byAlg, hs) },
    { name: 'fast-jwt (cache off)', alg: 'HS256', verify: (t): unknown => fastHs(t) },
    {
      name: 'node:crypto HMAC + JSON.parse',
      alg: 'HS256',
      verify: (t) => {
        const dot = t.lastIndexOf('.');
        const mac = createHmac('sha256', raw).update(t.slice(0, dot)).digest('base64url');
        if (mac !== t.slice(dot + 1)) throw new Error('bad signature');
        return payloadOf(t);
      },
    },
    { name: 'jose KeyObject (before)', alg: 'RS256', verify: (t) => jwtVerify(t, publicKey, rs) },
    { name: 'jose CryptoKey (after)', alg: 'RS256', verify: (t) => jwtVerify(t, rsa, rs) },
    { name: 'jose local JWKS', alg: 'RS256', verify: (t) => jwtVerify(t, jwks, rs) },
    { name: 'fast-jwt (cache off)', alg: 'RS256', verify: (t): unknown => fastRs(t) },
    {
      name: 'node:crypto verify + JSON.parse',
      alg: 'RS256',
      verify: (t) => {
        const dot = t.lastIndexOf('.');
        const input = Buffer.from(t.slice(0, dot));
        const signature = Buffer.from(t.slice(dot + 1), 'base64url');
        if (!cryptoVerify('sha256', input, rsaPublic, signature)) throw new Error('bad signature');
        return payloadOf(t);
      },
    },
  ];
  return {
    list,
    pools: { HS256: await tokens('HS256', raw), RS256: await tokens('RS256', privateKey, 'k1') },
  };
}

/**
 * µs per verification of one run of `n` verifications, `inFlight` at a time (1: sequential, each
 * awaited before the next starts).
 */
async function run(c: Case, pool: readonly string[], n: number, inFlight: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await c.verify(pool[next++ % pool.length]!);
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 20_000);
  const runs = Number(process.argv[3] ?? 5);
  const inFlight = Number(process.argv[4] ?? 1);
  const { list, pools } = await cases();
  // Warm-up (JIT, jose's per-key caches), and a check that every case accepts every token.
  for (const c of list) for (const t of pools[c.alg]!) await c.verify(t);
  const results = new Map<Case, number[]>(list.map((c) => [c, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of list) results.get(c)!.push(await run(c, pools[c.alg]!, n, inFlight));
  }
  const mode = inFlight === 1 ? 'sequential' : `${inFlight} in flight`;
  print(
    `Node ${process.version}, ${n} verifications per run (${mode}), ${runs} runs, µs/verification`,
  );
  print('| alg | library and key form | median | spread (runs) |');
  print('|---|---|---|---|');
  for (const [c, values] of results) {
    const spread = `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
    print(`| ${c.alg} | ${c.name} | ${median(values).toFixed(1)} | ${spread} |`);
  }
}

await main();
