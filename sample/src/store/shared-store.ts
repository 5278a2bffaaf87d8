import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { RedisAuthStore } from 'nest-http-auth';
import { SAMPLE_CONFIG } from '../config/config.tokens.js';
import type { SampleConfig } from '../config/sample-config.js';

/**
 * The store shared by every instance when `REDIS_URL` is set: failure counters, revocations,
 * cache invalidations (the module's) and refresh tokens (the sample's). Unset: `undefined`, and
 * the module uses its in-memory store and the sample its SQLite table.
 *
 * The client fails fast while Redis is down (no offline queue, one retry, 1 s timeout), so that
 * guarded requests get 503 at once instead of hanging; it reconnects by itself.
 */
@Injectable()
export class SharedStore implements OnApplicationShutdown {
  private readonly client: Redis | undefined;
  /** The store, when `REDIS_URL` is set. */
  readonly store: RedisAuthStore | undefined;

  constructor(@Inject(SAMPLE_CONFIG) config: SampleConfig) {
    if (config.redisUrl === undefined) return;
    this.client = new Redis(config.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    // Connection errors are answered with 503 and logged by the module; don't crash on them.
    this.client.on('error', () => undefined);
    this.store = new RedisAuthStore(this.client, { prefix: 'sample:' });
  }

  onApplicationShutdown(): void {
    this.client?.disconnect();
  }
}
