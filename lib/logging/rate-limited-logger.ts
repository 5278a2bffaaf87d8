import { Logger } from '@nestjs/common';

/**
 * The module's log for outages (an unreachable store or key set): at most one line per interval,
 * so that an outage under load is reported without flooding the log. Messages name the error,
 * never a credential.
 * @internal
 */
export class RateLimitedLogger {
  private readonly logger = new Logger('AuthModule');
  private lastLogged = -Infinity;

  /** @param everyMs least time between two lines, in milliseconds */
  constructor(private readonly everyMs = 10_000) {}

  /** Logs an error line, unless one was logged less than `everyMs` ago (`message` is then not built). */
  error(message: () => string): void {
    const now = Date.now();
    if (now - this.lastLogged < this.everyMs) return;
    this.lastLogged = now;
    this.logger.error(message());
  }
}
