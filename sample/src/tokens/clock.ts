/** Seconds since the epoch, as JWT `iat`/`exp` count them. */
export function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
