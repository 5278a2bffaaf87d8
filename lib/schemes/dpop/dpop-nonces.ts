import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DpopNonceOptions } from '../../interfaces/auth-options.interface.js';

/** Seconds a nonce is the current one, by default. */
export const DEFAULT_DPOP_NONCE_ROTATION = 300;

/** Fewest bytes of a nonce secret: the HMAC-SHA256 key size (RFC 2104 §3). */
const MIN_SECRET_BYTES = 32;

/** Separates the windows' MAC input from any other use of the same secret. */
const LABEL = 'nest-http-auth dpop-nonce ';

/** The nonces of one time window. */
interface Window {
  readonly index: number;
  readonly current: Buffer;
  readonly previous: Buffer;
  readonly value: string;
}

/**
 * Server-provided DPoP nonces (RFC 9449 §9), derived statelessly: time is cut into windows of
 * `rotation` seconds, and the nonce of window `n` is base64url(HMAC-SHA256(secret, n)). Every
 * instance configured with the same secret (and clocks kept in step, e.g. by NTP) issues and accepts
 * the same nonces without a store round trip; without the secret nobody can compute a future one
 * (RFC 9449 §8: unpredictable). A proof's nonce is accepted when it is the current window's or the
 * previous one's, so a nonce handed out stays valid for at least `rotation` and at most
 * `2 × rotation` seconds. The value is 43 base64url characters, all NQCHAR (RFC 9449 §8.1).
 */
export class DpopNonces {
  private readonly secret: Buffer;
  private readonly rotationMs: number;
  private window: Window | undefined;

  constructor(options: DpopNonceOptions) {
    const secret = secretBytes(options.secret);
    if (secret === undefined) throw new TypeError('dpop.nonce.secret must be a string or bytes.');
    this.secret = secret;
    this.rotationMs = (options.rotation ?? DEFAULT_DPOP_NONCE_ROTATION) * 1000;
  }

  /** Checks the options at start-up (message for `AuthConfigurationError`), `undefined` when fine. */
  static problem(options: DpopNonceOptions): string | undefined {
    if (options === null || typeof options !== 'object') {
      return 'dpop.nonce must be an object with a `secret`.';
    }
    const secret = secretBytes(options.secret);
    if (secret === undefined || secret.length < MIN_SECRET_BYTES) {
      return `dpop.nonce.secret must be a string or Uint8Array of at least ${MIN_SECRET_BYTES} bytes, shared by every instance.`;
    }
    const { rotation } = options;
    if (
      rotation !== undefined &&
      (typeof rotation !== 'number' || !Number.isFinite(rotation) || !(rotation >= 1))
    ) {
      return `dpop.nonce.rotation must be a number of seconds, at least 1, got ${JSON.stringify(rotation)}.`;
    }
    return undefined;
  }

  /** The nonce to hand out now (the `DPoP-Nonce` header). */
  current(): string {
    return this.now().value;
  }

  /** Whether a proof's `nonce` claim is the current window's or the previous window's nonce. */
  accepts(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const given = Buffer.from(nonce);
    const { current, previous } = this.now();
    // Both comparisons always run, in constant time: which window matched is not observable.
    const isCurrent = given.length === current.length && timingSafeEqual(given, current);
    const isPrevious = given.length === previous.length && timingSafeEqual(given, previous);
    return isCurrent || isPrevious;
  }

  /** The window of `Date.now()`, computed once per window. */
  private now(): Window {
    const index = Math.floor(Date.now() / this.rotationMs);
    if (this.window?.index !== index) {
      const value = this.mac(index);
      const previous = this.window?.index === index - 1 ? this.window.value : this.mac(index - 1);
      this.window = {
        index,
        value,
        current: Buffer.from(value),
        previous: Buffer.from(previous),
      };
    }
    return this.window;
  }

  private mac(index: number): string {
    return createHmac('sha256', this.secret).update(`${LABEL}${index}`).digest('base64url');
  }
}

/** The secret's bytes (a string as UTF-8), `undefined` when it is neither a string nor bytes. */
function secretBytes(secret: unknown): Buffer | undefined {
  if (typeof secret === 'string') return Buffer.from(secret, 'utf8');
  if (secret instanceof Uint8Array) return Buffer.from(secret);
  return undefined;
}
