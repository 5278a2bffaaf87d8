import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { expect } from '@jest/globals';
import type { CryptoKeyPair } from 'oauth4webapi';
import type { Response } from 'supertest';
import { sha256 } from '../../lib/schemes/dpop/dpop.scheme.js';
import { headerLines } from './http.js';

/** A DPoP key holder (RFC 9449): an ES256 key pair, its public JWK and its RFC 7638 thumbprint. */
export interface DpopHolder {
  readonly keyPair: CryptoKeyPair;
  readonly jwk: JWK;
  /** The thumbprint a bound token names in `cnf.jkt`. */
  readonly jkt: string;
}

/** A new {@link DpopHolder}. */
export async function dpopHolder(): Promise<DpopHolder> {
  const keyPair: CryptoKeyPair = await generateKeyPair('ES256');
  const jwk = await exportJWK(keyPair.publicKey);
  return { keyPair, jwk, jkt: await calculateJwkThumbprint(jwk) };
}

/**
 * A DPoP proof (RFC 9449 §4.2) of `holder` for `token`: `typ: dpop+jwt`, ES256, the holder's public
 * JWK, `iat` now, a fresh `jti` and `ath` of the token. `claims` add to those or replace them
 * (`htm` and `htu` are the caller's; `undefined` removes one), `header` likewise.
 */
export function dpopProof(
  holder: Pick<DpopHolder, 'keyPair' | 'jwk'>,
  token: string,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({
    iat: Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    ath: sha256(token),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: holder.jwk, ...header })
    .sign(holder.keyPair.privateKey);
}

/** RFC 9449 §8.1: nonce = 1*NQCHAR. */
const NQCHARS = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The single `DPoP-Nonce` of a response (RFC 9449 §8: never more than one), checked to be NQCHARs. */
export function dpopNonceOf(res: Response): string {
  const lines = headerLines(res, 'DPoP-Nonce');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(NQCHARS);
  return lines[0]!;
}
