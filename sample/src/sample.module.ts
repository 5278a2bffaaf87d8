import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from 'nest-http-auth';
import { ApiKeysRepository } from './api-keys/api-keys.repository.js';
import { createAuthOptions } from './auth/auth-options.factory.js';
import { SAMPLE_CONFIG } from './config/config.tokens.js';
import type { SampleConfig } from './config/sample-config.js';
import { AdminController } from './controllers/admin.controller.js';
import { AuthController } from './controllers/auth.controller.js';
import { CatalogController } from './controllers/catalog.controller.js';
import { HealthController } from './controllers/health.controller.js';
import { MeController } from './controllers/me.controller.js';
import type { SqliteDatabase } from './database/open-database.js';
import { sampleGraphqlModule } from './graphql/sample-graphql.module.js';
import { ReportsController } from './controllers/reports.controller.js';
import { SampleCoreModule } from './sample-core.module.js';
import { SharedStore } from './store/shared-store.js';
import { AccessTokenSigner } from './tokens/access-token.signer.js';
import { TokenService } from './tokens/token.service.js';
import { UsersService } from './users/users.service.js';

/**
 * The sample application: storage, `AuthModule` configured from it, token issuing, and the routes of
 * sample/README.md, plus `POST /graphql` (`health`, `me`) on the driver of the configured
 * platform ({@link sampleGraphqlModule}), guarded by the same `AuthModule`.
 */
@Module({})
export class SampleModule {
  /** The application for one configuration and its database connection. */
  static forRoot(config: SampleConfig, db: SqliteDatabase): DynamicModule {
    const core = SampleCoreModule.forRoot(config, db);
    return {
      module: SampleModule,
      imports: [
        core,
        AuthModule.forRootAsync({
          imports: [core],
          inject: [SAMPLE_CONFIG, UsersService, ApiKeysRepository, SharedStore],
          useFactory: createAuthOptions,
        }),
        sampleGraphqlModule(config.adapter),
      ],
      controllers: [
        HealthController,
        MeController,
        AuthController,
        ReportsController,
        CatalogController,
        AdminController,
      ],
      providers: [AccessTokenSigner, TokenService],
    };
  }
}
