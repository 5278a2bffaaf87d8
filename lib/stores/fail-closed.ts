import { Logger } from '@nestjs/common';
import { AuthUnavailableError, withoutStack } from '../errors/auth.error.js';

const logger = new Logger('AuthModule');
const LOG_EVERY_MS = 10_000;
let lastLogged = 0;

/**
 * Runs a store operation and fails closed: if the store is unreachable the request gets a 503 with
 * `Retry-After` (never a 200, never a 401), and the outage is logged (at most every 10 s; the
 * message names the error, never a credential).
 */
export async function failClosed<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const now = Date.now();
    if (now - lastLogged >= LOG_EVERY_MS) {
      lastLogged = now;
      logger.error(
        `The auth store is unreachable (${error instanceof Error ? error.message : String(error)}): answering 503 until it is back.`,
      );
    }
    throw withoutStack(() => new AuthUnavailableError({ cause: error }));
  }
}
