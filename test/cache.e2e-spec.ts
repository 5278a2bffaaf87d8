import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';
import { type AuthPrincipal, VerificationCache } from '../lib/index.js';
import { USERS, validateUser } from './fixtures/credentials.js';
import { createApp, type Platform } from './fixtures/test-app.js';
import { basic } from './support/http.js';

/** How many requests for one credential arrive together. */
const CONCURRENT = 20;

/**
 * A Basic `validate` that stands for a password hash: it counts its calls per user-id and does not
 * answer until the test opens the gate, so that every concurrent request is known to be waiting.
 */
class GatedValidate {
  private readonly calls = new Map<string, number>();
  private open!: () => void;
  private gate = this.close();

  readonly validate = async (username: string, password: string): Promise<AuthPrincipal | null> => {
    this.calls.set(username, this.callsFor(username) + 1);
    await this.gate;
    return validateUser(username, password);
  };

  callsFor(username: string): number {
    return this.calls.get(username) ?? 0;
  }

  release(): void {
    this.open();
    this.gate = this.close();
  }

  private close(): Promise<void> {
    return new Promise((resolve) => (this.open = resolve));
  }
}

/** Waits (without a time limit of its own: jest's applies) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.each<Platform>(['express', 'fastify'])(
  'verification cache, cold path: one verification per credential (%s)',
  (platform) => {
    let app: INestApplication;
    const gated = new GatedValidate();
    let cacheCalls: () => number;

    beforeAll(async () => {
      app = await createApp(platform, { basic: { validate: gated.validate } });
      await app.listen(0, '127.0.0.1');
      const spy = jest.spyOn(app.get(VerificationCache), 'settle');
      cacheCalls = () => spy.mock.calls.length;
    });

    afterAll(async () => {
      gated.release();
      await app?.close();
    });

    /** Sends `count` requests for `/basic` with one credential at once; resolves once all are waiting in the cache. */
    async function concurrently(count: number, authorization: string): Promise<Response[]> {
      const before = cacheCalls();
      const responses = Promise.all(
        Array.from({ length: count }, () =>
          request(app.getHttpServer()).get('/basic').set('Authorization', authorization),
        ),
      );
      await until(() => cacheCalls() - before === count);
      gated.release();
      return responses;
    }

    it('C-3: concurrent first requests for one credential share a single verification', async () => {
      const { username, password } = USERS.alice;
      const responses = await concurrently(CONCURRENT, basic(username, password));
      expect(responses.map((res) => res.status)).toEqual(Array(CONCURRENT).fill(200));
      for (const res of responses) expect(res.body).toMatchObject({ principal: { id: username } });
      expect(gated.callsFor(username)).toBe(1);

      // Later requests are answered from the cache: still one verification.
      const again = await request(app.getHttpServer())
        .get('/basic')
        .set('Authorization', basic(username, password));
      expect(again.status).toBe(200);
      expect(gated.callsFor(username)).toBe(1);
    });

    it('C-1: concurrent first requests with one wrong password share a single verification, every one a 401', async () => {
      const { username } = USERS.admin;
      const responses = await concurrently(CONCURRENT, basic(username, 'not-the-password'));
      expect(responses.map((res) => res.status)).toEqual(Array(CONCURRENT).fill(401));
      for (const res of responses) expect(res.body).toMatchObject({ code: 'credentials_invalid' });
      expect(gated.callsFor(username)).toBe(1);
    });

    it('verifies each distinct credential once, however the requests interleave', async () => {
      const users = [USERS.aladdin, USERS.test];
      const before = cacheCalls();
      const responses = Promise.all(
        Array.from({ length: CONCURRENT }, (_, i) => {
          const { username, password } = users[i % users.length]!;
          return request(app.getHttpServer())
            .get('/basic')
            .set('Authorization', basic(username, password));
        }),
      );
      await until(() => cacheCalls() - before === CONCURRENT);
      gated.release();
      expect((await responses).map((res) => res.status)).toEqual(Array(CONCURRENT).fill(200));
      for (const { username } of users) expect(gated.callsFor(username)).toBe(1);
    });
  },
);
