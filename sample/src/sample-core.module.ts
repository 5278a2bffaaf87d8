import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { SAMPLE_CONFIG } from './config/config.tokens.js';
import type { SampleConfig } from './config/sample-config.js';
import { SQLITE } from './database/database.tokens.js';
import { DemoSeeder } from './database/demo-seeder.js';
import type { SqliteDatabase } from './database/open-database.js';
import { SharedStore } from './store/shared-store.js';
import { REFRESH_TOKENS, type RefreshTokenStore } from './tokens/refresh-token.store.js';
import { RefreshTokensRepository } from './tokens/refresh-tokens.repository.js';
import { StoreRefreshTokens } from './tokens/store-refresh-tokens.js';
import { PasswordHasher } from './users/password-hasher.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';

const EXPORTED = [
  SAMPLE_CONFIG,
  SQLITE,
  UsersService,
  ApiKeysRepository,
  SharedStore,
  REFRESH_TOKENS,
];

/**
 * Storage: the SQLite connection (closed on shutdown), repositories, password hashing, the shared
 * store when `REDIS_URL` is set, and the demo data seeded at start-up. `AuthModule`'s options are built from it.
 */
@Module({})
export class SampleCoreModule implements OnApplicationShutdown {
  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {}

  /**
   * The module for one configuration.
   * @param db the connection, opened by the caller (so that a database that cannot be opened is a
   *   one-line error before Nest starts); closed when the application shuts down
   */
  static forRoot(config: SampleConfig, db: SqliteDatabase): DynamicModule {
    return {
      module: SampleCoreModule,
      providers: [
        { provide: SAMPLE_CONFIG, useValue: config },
        { provide: SQLITE, useValue: db },
        PasswordHasher,
        UsersRepository,
        UsersService,
        ApiKeysRepository,
        SharedStore,
        {
          provide: REFRESH_TOKENS,
          inject: [SharedStore],
          useFactory: (shared: SharedStore): RefreshTokenStore =>
            shared.store
              ? new StoreRefreshTokens(shared.store, config.refreshTokenTtl)
              : new RefreshTokensRepository(db),
        },
        DemoSeeder,
      ],
      exports: EXPORTED,
    };
  }

  onApplicationShutdown(): void {
    this.db.close();
  }
}
