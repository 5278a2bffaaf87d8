import { expect } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import { AuthConfigurationError } from '../../lib/errors/auth-configuration.error.js';
import type { JwtVerificationOptions } from '../../lib/interfaces/auth-options.interface.js';
import { JwtVerifier } from '../../lib/schemes/bearer/jwt-verifier.js';

/** The message of the `AuthConfigurationError` that `new JwtVerifier(options)` throws. */
export function configurationError(options: JwtVerificationOptions): string {
  try {
    new JwtVerifier(options);
  } catch (err) {
    expect(err).toBeInstanceOf(AuthConfigurationError);
    return (err as Error).message;
  }
  throw new Error('new JwtVerifier() did not throw');
}

/** Records every line logged through Nest's Logger. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
}
