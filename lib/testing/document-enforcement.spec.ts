import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CanActivate,
  Controller,
  Get,
  type INestApplication,
  Injectable,
  Param,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { Auth } from '../decorators/auth.decorator.js';
import { Public } from '../decorators/public.decorator.js';
import { AuthModule } from '../auth.module.js';
import { documentAuth } from '../openapi/document-auth.js';
import { expectDocumentMatchesEnforcement, findEnforcementDrift } from './document-enforcement.js';

const BASIC = 'Basic realm="api", charset="UTF-8"';
const BEARER = 'Bearer realm="api"';

/** An application's own guard that answers 401 by itself: enforcement the module does not plan. */
@Injectable()
class OwnTokenGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException();
  }
}

@Controller()
class AppController {
  @Get('me')
  me(): string {
    return 'me';
  }

  @Get('either/:id')
  @Auth('bearer', 'basic')
  either(@Param('id') id: string): string {
    return id;
  }

  @Get('maybe')
  @Auth.optional('bearer')
  maybe(): string {
    return 'maybe';
  }

  @Get('health')
  @Public()
  health(): string {
    return 'ok';
  }
}

/** A route whose documentation cannot match what answers it: open to the module, 401 by its own guard. */
@Controller('drift')
class DriftController {
  @Get()
  @Public()
  @UseGuards(OwnTokenGuard)
  drifted(): string {
    return 'never';
  }
}

type Platform = 'express' | 'fastify';

async function createApp(
  platform: Platform,
  controllers: (typeof AppController | typeof DriftController)[],
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AuthModule.forRoot({
        realm: 'api',
        default: ['basic'],
        basic: { validate: (user) => (user === 'alice' ? { id: 'alice' } : null) },
        bearer: { validate: (token) => (token === 'good' ? { id: 'bob' } : null) },
      }),
    ],
    controllers,
    providers: [OwnTokenGuard],
  }).compile();
  const app = moduleRef.createNestApplication(
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(),
    { logger: false },
  );
  await app.init();
  if (platform === 'fastify')
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return app;
}

/** What `SwaggerModule.createDocument()` returns, nothing more. */
function plainDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('api').build());
}

describe.each<[Platform]>([['express'], ['fastify']])('the drift check on %s', (platform) => {
  describe('a correct application', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(platform, [AppController]);
    });
    afterAll(() => app.close());

    it('C-6.5: passes with the plain SwaggerModule.createDocument() result, which it leaves as it is', async () => {
      const plain = plainDocument(app);
      const before = structuredClone(plain);
      expect(plain.paths['/me']!.get!.security).toBeUndefined();
      await expect(findEnforcementDrift(app, plain)).resolves.toEqual([]);
      await expect(expectDocumentMatchesEnforcement(app, plain)).resolves.toBeUndefined();
      expect(plain).toEqual(before);
    });

    it('C-6.5: passes with the document after documentAuth()', async () => {
      const documented = documentAuth(app, plainDocument(app));
      expect(documented.paths['/me']!.get!.security).toEqual([{ basic: [] }]);
      await expect(findEnforcementDrift(app, documented)).resolves.toEqual([]);
      await expect(expectDocumentMatchesEnforcement(app, documented)).resolves.toBeUndefined();
    });

    it('C-6.5: still reports a documented document that was edited away from the guard', async () => {
      const documented = documentAuth(app, plainDocument(app));
      delete documented.paths['/me']!.get!.security;
      documented.paths['/either/{id}']!.get!.security = [{ basic: [] }];
      documented.paths['/health']!.get!.security = [{ bearer: [] }];
      expect(await findEnforcementDrift(app, documented)).toEqual([
        {
          method: 'GET',
          path: '/me',
          problem: `documented without required security, but answers 401 (${BASIC})`,
        },
        {
          method: 'GET',
          path: '/either/{id}',
          problem: `challenges ${JSON.stringify([BEARER, BASIC])} differ from the documented schemes' ${JSON.stringify([BASIC])}`,
        },
        {
          method: 'GET',
          path: '/health',
          problem: 'documents security [{"bearer":[]}], but answers 200 without credentials',
        },
      ]);
    });
  });

  describe('an application that enforces more than it documents', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(platform, [AppController, DriftController]);
    });
    afterAll(() => app.close());

    const drift = {
      method: 'GET',
      path: '/drift',
      problem: 'documented without required security, but answers 401 ()',
    };

    it('C-6.5: reports the drift with the plain document', async () => {
      await expect(findEnforcementDrift(app, plainDocument(app))).resolves.toEqual([drift]);
      await expect(expectDocumentMatchesEnforcement(app, plainDocument(app))).rejects.toThrow(
        'The OpenAPI document and the guard disagree:\n  GET /drift: documented without required security, but answers 401 ()',
      );
    });

    it('C-6.5: reports the same drift with the document after documentAuth()', async () => {
      const documented = documentAuth(app, plainDocument(app));
      await expect(findEnforcementDrift(app, documented)).resolves.toEqual([drift]);
    });
  });
});
