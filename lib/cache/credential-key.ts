import { hash, randomInt } from 'node:crypto';

/** SHA-256's block size: the HMAC key is one block (RFC 2104 §2). */
const BLOCK = 64;
const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * Keys of the verification cache: HMAC-SHA256 (RFC 2104) of the message under a random key of this
 * process, as a 32-character binary string (one character per byte). The cache never holds a credential (the MAC is
 * one-way), and its keys are useless outside the process.
 *
 * This runs on every authenticated request, so the HMAC is computed as its definition reads,
 * `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message))`, with two one-shot `crypto.hash()` calls: Node has no
 * one-shot HMAC, and `createHmac()` builds a stream object per call (see docs/performance.md).
 * The key is drawn so that `K ⊕ ipad` is ASCII (7 random bits per byte, 448 in all), which lets
 * the inner hash take the pad and the message as one string. `credential-key.spec.ts` checks the result against `createHmac()`.
 * @internal
 */
export class CredentialKey {
  /** `K ⊕ ipad`, as an ASCII string (one byte per character in UTF-8). */
  private readonly innerPad: string;
  /** `K ⊕ opad`, followed by room for the inner digest. */
  private readonly outer = Buffer.alloc(BLOCK + 32);

  /** @param key the 64-byte key (tests pass one); random when omitted. Every byte must be below 0x80. */
  constructor(key: Uint8Array = randomKey()) {
    if (key.length !== BLOCK || key.some((byte) => byte >= 0x80)) {
      throw new RangeError(`the key must be ${BLOCK} bytes below 0x80`);
    }
    this.innerPad = String.fromCharCode(...key.map((byte) => byte ^ IPAD));
    for (let i = 0; i < BLOCK; i++) this.outer[i] = key[i]! ^ OPAD;
  }

  /** The key of a message (encoded as UTF-8). */
  of(message: string): string {
    this.outer.write(hash('sha256', this.innerPad + message, 'binary'), BLOCK, 'binary');
    return hash('sha256', this.outer, 'binary');
  }
}

/** 64 random bytes below 0x80. */
function randomKey(): Uint8Array {
  return Uint8Array.from({ length: BLOCK }, () => randomInt(0x80));
}
