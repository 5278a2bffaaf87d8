import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type ConfigurableModuleOptionsFactory,
  Controller,
  Get,
  Inject,
  Injectable,
  type INestApplication,
  Module,
  type ModuleMetadata,
  UseGuards,
} from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthGuard as PassportAuthGuard, PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import request from 'supertest';
import {
  Auth,
  AuthConfigurationError,
  AuthGuard,
  AuthModule,
  type AuthModuleOptions,
  type AuthPrincipal,
  AuthRevocation,
  Principal,
  VerificationCache,
} from '../lib/index.js';
import { USERS, validateUser } from './fixtures/credentials.js';
import { BASE_AUTH_OPTIONS, buildApp, createApp, type Platform } from './fixtures/test-app.js';
import { expectAuthFailure } from './support/expectations.js';
import { basic, challenges } from './support/http.js';

// The passport scheme this suite configures under `schemes`, made a scheme name `@Auth()` accepts
// (docs/decorators.md: typed scheme names).
declare module '../lib/index.js' {
  interface AuthSchemeNames {
    signature: true;
  }
}

/** Settings an application would read from its configuration module. */
@Injectable()
class Settings {
  readonly realm = 'async-realm';
  validations = 0;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

/** A custom passport strategy: `X-Signature: valid` authenticates, any other value fails. */
class SignatureStrategy extends Strategy {
  override authenticate(req: { headers: Record<string, string | string[] | undefined> }): void {
    if (req.headers['x-signature'] === 'valid') this.success({ id: 'signed' });
    else this.fail('Signature', 401);
  }
}

@Injectable()
class NamedSignatureStrategy extends PassportStrategy(SignatureStrategy, 'e2e-signature') {
  validate(): null {
    return null;
  }
}

@Controller()
class ModuleController {
  @Get('basic')
  @Auth('basic')
  basic(@Principal() principal: AuthPrincipal): AuthPrincipal {
    return principal;
  }

  @Get('signed')
  @Auth('signature', 'basic')
  signed(@Principal('id') id: string): { id: string } {
    return { id };
  }

  @Get('twice')
  @Auth('basic')
  @UseGuards(AuthGuard)
  twice(@Principal('id') id: string): { id: string } {
    return { id };
  }

  /** @nestjs/passport's own guard, running the strategy this module registered as `basic`. */
  @Get('passport')
  @UseGuards(PassportAuthGuard('basic'))
  passport(@Principal() principal: AuthPrincipal | undefined): { principal: AuthPrincipal | null } {
    return { principal: principal ?? null };
  }
}

const alice = USERS.alice;
const admin = USERS.admin;

/** A provider of a feature module that needs one of AuthModule's providers. */
@Injectable()
class UsesRevocation {
  constructor(@Inject(AuthRevocation) readonly revocation: AuthRevocation) {}
}

/** A feature module that does not import AuthModule, with a provider that injects its service. */
@Module({ providers: [UsesRevocation] })
class FeatureInjectingAuth {}

/** Basic only (ModuleController also names the `signature` scheme, which these apps lack). */
@Controller()
class BasicController {
  @Get('basic')
  @Auth('basic')
  basic(@Principal() principal: AuthPrincipal): AuthPrincipal {
    return principal;
  }
}

/** A guarded route in a feature module that does not import AuthModule. */
@Controller('feature')
class FeatureController {
  @Get()
  @Auth('basic')
  guarded(@Principal('id') id: string): { id: string } {
    return { id };
  }
}

@Module({ controllers: [FeatureController] })
class FeatureWithRoutes {}

/** Builds and initialises an application from module metadata (the feature modules above). */
async function startApp(platform: Platform, metadata: ModuleMetadata): Promise<INestApplication> {
  const app = await buildApp(platform, metadata);
  try {
    await app.init();
    if (platform === 'fastify')
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** `forRootAsync({ useClass })`: Nest builds it inside AuthModule, with the module's imports. */
@Injectable()
class AuthOptionsFromClass implements ConfigurableModuleOptionsFactory<
  AuthModuleOptions,
  'create'
> {
  constructor(@Inject(Settings) private readonly settings: Settings) {}
  create(): AuthModuleOptions {
    return { realm: `${this.settings.realm}-class`, basic: { validate: validateUser } };
  }
}

/** `forRootAsync({ useExisting })`: a provider the application already has, reused as it is. */
@Injectable()
class ExistingAuthOptions implements ConfigurableModuleOptionsFactory<AuthModuleOptions, 'create'> {
  calls = 0;
  create(): Promise<AuthModuleOptions> {
    this.calls++;
    return Promise.resolve({ realm: 'existing-realm', basic: { validate: validateUser } });
  }
}

@Module({ providers: [ExistingAuthOptions], exports: [ExistingAuthOptions] })
class ExistingOptionsModule {}

describe.each<[Platform]>([['express'], ['fastify']])('AuthModule on %s', (platform) => {
  describe('forRootAsync with an injected provider', () => {
    let app: INestApplication;
    let settings: Settings;

    beforeAll(async () => {
      app = await createApp(platform, {}, [ModuleController], {
        authModule: AuthModule.forRootAsync({
          imports: [SettingsModule],
          inject: [Settings],
          useFactory: (s: Settings) => ({
            realm: s.realm,
            basic: {
              validate: (username: string, password: string) => {
                s.validations++;
                return validateUser(username, password);
              },
            },
            schemes: {
              signature: {
                strategy: new SignatureStrategy(),
                challenge: 'Signature realm="async-realm"',
                securityScheme: { type: 'apiKey', in: 'header', name: 'X-Signature' },
                hasCredentials: (req) =>
                  (req as { headers: Record<string, unknown> }).headers['x-signature'] !==
                  undefined,
              },
            },
          }),
        }),
      });
      settings = app.get(Settings);
    });
    afterAll(() => app.close());

    it('C-2: the realm comes from the factory', async () => {
      const res = await request(app.getHttpServer()).get('/basic');
      expectAuthFailure(res, 'credentials_missing', ['Basic realm="async-realm", charset="UTF-8"']);
    });

    it('C-3: valid credentials reach the injected validate', async () => {
      const before = settings.validations;
      const res = await request(app.getHttpServer())
        .get('/basic')
        .set('Authorization', basic(alice.username, alice.password));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: 'alice', roles: ['user'] });
      expect(settings.validations).toBe(before + 1);
    });

    it('C-2: an extra passport scheme challenges with its configured challenge, in declared order', async () => {
      const res = await request(app.getHttpServer()).get('/signed');
      expectAuthFailure(res, 'credentials_missing', [
        'Signature realm="async-realm"',
        'Basic realm="async-realm", charset="UTF-8"',
      ]);
    });

    it('C-1: a failing extra scheme with credentials present is credentials_invalid (401)', async () => {
      const res = await request(app.getHttpServer()).get('/signed').set('X-Signature', 'forged');
      expectAuthFailure(res, 'credentials_invalid', [
        'Signature realm="async-realm"',
        'Basic realm="async-realm", charset="UTF-8"',
      ]);
    });

    it('C-5: the extra scheme authenticates, and the next alternative still works', async () => {
      const signed = await request(app.getHttpServer()).get('/signed').set('X-Signature', 'valid');
      expect(signed.status).toBe(200);
      expect(signed.body).toEqual({ id: 'signed' });
      const viaBasic = await request(app.getHttpServer())
        .get('/signed')
        .set('Authorization', basic(admin.username, admin.password));
      expect(viaBasic.status).toBe(200);
      expect(viaBasic.body).toEqual({ id: 'admin' });
    });

    it('the guard applied globally and with @UseGuards verifies a request once', async () => {
      const before = settings.validations;
      // A credential not used before: the verification cache would hide a second run otherwise.
      const res = await request(app.getHttpServer())
        .get('/twice')
        .set('Authorization', basic(USERS.aladdin.username, USERS.aladdin.password));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: 'Aladdin' });
      expect(settings.validations).toBe(before + 1);
    });

    it('the verification cache verifies a credential once until it is invalidated', async () => {
      const server = app.getHttpServer();
      const auth = basic(USERS.test.username, USERS.test.password);
      const before = settings.validations;
      for (let i = 0; i < 3; i++) {
        expect((await request(server).get('/basic').set('Authorization', auth)).status).toBe(200);
      }
      expect(settings.validations).toBe(before + 1);
      app.get(VerificationCache).invalidate(USERS.test.username);
      expect((await request(server).get('/basic').set('Authorization', auth)).status).toBe(200);
      expect(settings.validations).toBe(before + 2);
    });

    it("C-3: @nestjs/passport's AuthGuard('basic') runs this module's Basic parsing (password with colons)", async () => {
      const ok = await request(app.getHttpServer())
        .get('/passport')
        .set('Authorization', basic(admin.username, admin.password));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ principal: { id: 'admin', roles: ['admin'] } });
      const missing = await request(app.getHttpServer()).get('/passport');
      // @nestjs/passport's guard answers 401 but drops the strategy's challenge: the reason this
      // module has its own guard (the strategy's fail() challenge is checked in basic.scheme.spec.ts).
      expect(missing.status).toBe(401);
      expect(challenges(missing)).toEqual([]);
    });
  });

  describe('an extra scheme found by its passport name', () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createApp(
        platform,
        {
          schemes: {
            signature: {
              strategy: 'e2e-signature',
              challenge: 'Signature realm="api"',
              securityScheme: { type: 'apiKey', in: 'header', name: 'X-Signature' },
            },
          },
        },
        [ModuleController],
        { providers: [NamedSignatureStrategy] },
      );
    });
    afterAll(() => app.close());

    it('C-5: the registered strategy authenticates', async () => {
      const res = await request(app.getHttpServer()).get('/signed').set('X-Signature', 'valid');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: 'signed' });
    });

    it('C-2: without hasCredentials a failure counts as missing credentials', async () => {
      const res = await request(app.getHttpServer()).get('/signed').set('X-Signature', 'forged');
      expectAuthFailure(res, 'credentials_missing', [
        'Signature realm="api"',
        'Basic realm="api", charset="UTF-8"',
      ]);
    });
  });

  describe('isGlobal', () => {
    it('isGlobal: false: a feature module that does not import AuthModule cannot inject its providers', async () => {
      const creating = startApp(platform, {
        imports: [
          AuthModule.forRoot({ ...BASE_AUTH_OPTIONS, isGlobal: false }),
          FeatureInjectingAuth,
        ],
      });
      await expect(creating).rejects.toThrow(
        /can't resolve dependencies of the UsesRevocation \(\?\)[\s\S]*AuthRevocation[\s\S]*FeatureInjectingAuth/,
      );
    });

    it('isGlobal: true (the default): the same feature module gets the module’s own AuthRevocation', async () => {
      const app = await startApp(platform, {
        imports: [AuthModule.forRoot(BASE_AUTH_OPTIONS), FeatureInjectingAuth],
      });
      try {
        expect(app.get(UsesRevocation).revocation).toBe(app.get(AuthRevocation));
      } finally {
        await app.close();
      }
    });

    describe('isGlobal: false, with forRoot and with forRootAsync', () => {
      const apps: INestApplication[] = [];
      afterAll(() => Promise.all(apps.map((app) => app.close())));

      it.each([
        ['forRoot', () => AuthModule.forRoot({ ...BASE_AUTH_OPTIONS, isGlobal: false })],
        [
          'forRootAsync',
          () => AuthModule.forRootAsync({ isGlobal: false, useFactory: () => BASE_AUTH_OPTIONS }),
        ],
      ])(
        'C-7.1: %s: the guard still enforces routes, in the importing module and in feature modules',
        async (_, authModule) => {
          const app = await startApp(platform, {
            imports: [authModule(), FeatureWithRoutes],
            controllers: [BasicController],
          });
          apps.push(app);
          const server = app.getHttpServer();
          const challenge = ['Basic realm="api", charset="UTF-8"'];
          for (const path of ['/basic', '/feature']) {
            expectAuthFailure(await request(server).get(path), 'credentials_missing', challenge);
            expectAuthFailure(
              await request(server).get(path).set('Authorization', basic(alice.username, 'wrong')),
              'credentials_invalid',
              challenge,
            );
          }
          const auth = basic(alice.username, alice.password);
          const own = await request(server).get('/basic').set('Authorization', auth);
          expect({ status: own.status, body: own.body as unknown }).toEqual({
            status: 200,
            body: { id: 'alice', roles: ['user'] },
          });
          const feature = await request(server).get('/feature').set('Authorization', auth);
          expect({ status: feature.status, body: feature.body as unknown }).toEqual({
            status: 200,
            body: { id: 'alice' },
          });
          // The importing module still sees the providers.
          expect(app.get(AuthRevocation)).toBeInstanceOf(AuthRevocation);
        },
      );
    });
  });

  describe('forRootAsync factories', () => {
    it('start-up: a factory that throws stops the start-up with its error', async () => {
      const failure = new Error('the settings service is down');
      await expect(
        createApp(platform, {}, [BasicController], {
          authModule: AuthModule.forRootAsync({
            useFactory: (): AuthModuleOptions => {
              throw failure;
            },
          }),
        }),
      ).rejects.toBe(failure);
    });

    it('start-up: a factory that rejects stops the start-up with its error', async () => {
      const failure = new Error('the secret could not be fetched');
      await expect(
        createApp(platform, {}, [BasicController], {
          authModule: AuthModule.forRootAsync({
            useFactory: () => Promise.reject<AuthModuleOptions>(failure),
          }),
        }),
      ).rejects.toBe(failure);
    });

    it('useClass: the class is built with the module’s imports and its create() configures the module', async () => {
      const app = await createApp(platform, {}, [BasicController], {
        authModule: AuthModule.forRootAsync({
          imports: [SettingsModule],
          useClass: AuthOptionsFromClass,
        }),
      });
      try {
        expectAuthFailure(await request(app.getHttpServer()).get('/basic'), 'credentials_missing', [
          'Basic realm="async-realm-class", charset="UTF-8"',
        ]);
        const ok = await request(app.getHttpServer())
          .get('/basic')
          .set('Authorization', basic(alice.username, alice.password));
        expect(ok.status).toBe(200);
        expect(ok.body).toEqual({ id: 'alice', roles: ['user'] });
      } finally {
        await app.close();
      }
    });

    it('useExisting: the imported provider is reused (not built again) and its create() configures the module', async () => {
      const app = await createApp(platform, {}, [BasicController], {
        authModule: AuthModule.forRootAsync({
          imports: [ExistingOptionsModule],
          useExisting: ExistingAuthOptions,
        }),
      });
      try {
        expect(app.get(ExistingAuthOptions).calls).toBe(1);
        expectAuthFailure(await request(app.getHttpServer()).get('/basic'), 'credentials_missing', [
          'Basic realm="existing-realm", charset="UTF-8"',
        ]);
        const ok = await request(app.getHttpServer())
          .get('/basic')
          .set('Authorization', basic(admin.username, admin.password));
        expect(ok.status).toBe(200);
        expect(ok.body).toEqual({ id: 'admin', roles: ['admin'] });
      } finally {
        await app.close();
      }
    });
  });

  it('start-up: forRootAsync options are validated like forRoot options', async () => {
    const creating = createApp(platform, {}, [ModuleController], {
      authModule: AuthModule.forRootAsync({ useFactory: () => ({ realm: 'r', bearer: {} }) }),
    });
    await expect(creating).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(creating).rejects.toThrow(/bearer needs `jwt`.*`validate`/);
  });
});
