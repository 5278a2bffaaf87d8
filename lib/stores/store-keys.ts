/** The store key that marks a JWT (by `jti`) as revoked: written by `AuthRevocation`, read by Bearer. */
export function revokedTokenKey(jti: string): string {
  return `revoked:${jti}`;
}
