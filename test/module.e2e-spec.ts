import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Controller,
  Get,
  Injectable,
  type INestApplication,
  Module,
  UseGuards,
} from '@nestjs/common';
import { AuthGuard as PassportAuthGuard, PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-strategy';
import request from 'supertest';
import {
  Auth,
  AuthConfigurationError,
  AuthGuard,
  AuthModule,
  type AuthPrincipal,
  Principal,
  VerificationCache,
} from '../lib/index.js';
import { USERS, validateUser } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
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

  it('start-up: forRootAsync options are validated like forRoot options', async () => {
    const creating = createApp(platform, {}, [ModuleController], {
      authModule: AuthModule.forRootAsync({ useFactory: () => ({ realm: 'r', bearer: {} }) }),
    });
    await expect(creating).rejects.toBeInstanceOf(AuthConfigurationError);
    await expect(creating).rejects.toThrow(/bearer needs `jwt`.*`validate`/);
  });
});
