/**
 * Credentials and routes shared by the bench app (server.ts, in a child process) and the load
 * generator (run.ts). Everything here is made up for the bench.
 */
import { SignJWT } from 'jose';

/** Realm of every challenge of the bench app. */
export const REALM = 'bench';

/**
 * The one Basic user; its password is stored as a real scrypt hash by the bench app. No colon in
 * the password: passport-http (the stock baseline) splits user-pass at every colon.
 */
export const BASIC_USER = { username: 'bench-user', password: 'bench-Pa55word-2024' } as const;

/** The one API key; the bench app stores only its SHA-256 digest. */
export const API_KEY = 'bench-key-6f1d2c9a8b7e4d3c';

/** HS256 secret of the bench tokens (at least 32 bytes). */
export const JWT_SECRET = 'nest-http-auth-bench-secret-0123456789abcdef';

/** scrypt cost of the stored password: N=16384, r=8, p=1 (about 38 ms per hash here). */
export const SCRYPT_COST = { N: 16384, r: 8, p: 1 } as const;

/** `Authorization: Basic` for a user-id and password (UTF-8, base64). */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** An HS256 access token for `sub` with `roles`, valid for two hours, signed with `secret`. */
export function signToken(
  sub: string,
  roles: readonly string[],
  secret = JWT_SECRET,
): Promise<string> {
  return new SignJWT({ sub, roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secret));
}

/** Messages between the runner and the bench app (over the child process's IPC channel). */
export type BenchMessage =
  | { readonly type: 'ready'; readonly port: number; readonly pid: number }
  | {
      readonly type: 'usage';
      readonly id: number;
      readonly rss: number;
      readonly heapUsed: number;
      readonly cacheSize: number;
      /** Bearer tokens verified by jose so far (cache misses). */
      readonly verifications: number;
      /** CPU time of the app so far in µs: in JavaScript and libraries (user), in the kernel (system). */
      readonly user: number;
      readonly system: number;
    };

/**
 * What the runner asks the bench app: its memory and CPU time, after a GC if `gc`; with
 * `clearCache` the verification cache is emptied first (to measure what its entries cost).
 */
export interface BenchRequest {
  readonly type: 'usage';
  readonly id: number;
  readonly gc: boolean;
  readonly clearCache?: boolean;
}
