import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, type INestApplication, Logger } from '@nestjs/common';
import request from 'supertest';
import { Auth, AuthModule, type AuthModuleOptions } from '../lib/index.js';
import { buildApp, type Platform } from './fixtures/test-app.js';

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass).toString('base64')}`;

let handlerCalls = 0;

@Controller()
class GuardedController {
  @Get('basic')
  @Auth('basic')
  basic(): string {
    handlerCalls++;
    return 'reached';
  }

  @Get('api-key')
  @Auth('apiKey')
  apiKey(): string {
    handlerCalls++;
    return 'reached';
  }
}

/**
 * A validate callback that accepts the credentials but returns no `id` is the application's bug:
 * the request fails closed with 503 (never the handler, never a 401), the bug is logged once, and
 * neither the verification cache nor failed-attempt throttling keeps anything of it.
 */
describe.each<[Platform]>([['express'], ['fastify']])(
  'a validate result without an id on %s',
  (platform) => {
    let app: INestApplication;
    let logged: jest.SpiedFunction<Logger['error']>;
    const validateCalls = { basic: 0, apiKey: 0 };

    beforeAll(async () => {
      logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const options: AuthModuleOptions = {
        realm: 'api',
        basic: {
          validate: () => {
            validateCalls.basic++;
            return { name: 'alice' } as never;
          },
        },
        apiKey: {
          validate: () => {
            validateCalls.apiKey++;
            return { id: 7 } as never;
          },
        },
        throttle: { maxFailures: 2, window: 60 },
      };
      app = await buildApp(platform, {
        imports: [AuthModule.forRoot(options)],
        controllers: [GuardedController],
      });
      await app.init();
      if (platform === 'fastify')
        await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
    });
    afterAll(async () => {
      await app.close();
      logged.mockRestore();
    });

    it('C-1.8: answers 503 service_unavailable, not 401 or 500, and never runs the handler', async () => {
      handlerCalls = 0;
      for (let i = 0; i < 4; i++) {
        const response = await request(app.getHttpServer())
          .get('/basic')
          .set('Authorization', basic('alice:pw'));
        expect(response.status).toBe(503);
        expect(response.body).toMatchObject({ statusCode: 503, code: 'service_unavailable' });
        expect(response.headers['retry-after']).toBeDefined();
        expect(response.headers['www-authenticate']).toBeUndefined();
      }
      const apiKey = await request(app.getHttpServer()).get('/api-key').set('X-API-Key', 'k1');
      expect(apiKey.status).toBe(503);
      expect(handlerCalls).toBe(0);
    });

    it('verifies again every time (nothing remembered) and is not throttled as a failed attempt', () => {
      // Four requests over a throttle of two failures: none was counted, none was answered from the cache.
      expect(validateCalls.basic).toBe(4);
    });

    it('logs the bug once per callback, naming it', () => {
      const lines = logged.mock.calls.map(([line]) => String(line));
      expect(lines.filter((line) => line.includes('basic.validate returned'))).toEqual([
        'nest-http-auth: basic.validate returned a principal without a string `id` (its id is undefined). Every request it accepts is refused with 503 service_unavailable until it is fixed: a principal is an object with a non-empty string `id`. Logged once.',
      ]);
      expect(lines.filter((line) => line.includes('apiKey.validate returned'))).toHaveLength(1);
      expect(lines.join('\n')).not.toContain('pw');
    });
  },
);
