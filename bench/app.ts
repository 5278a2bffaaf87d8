/**
 * The bench application (served by server.ts, in a child process of run.ts).
 *
 * Verification costs are real: the Basic password is stored as a scrypt hash (N=16384), tokens
 * are HS256 JWTs verified by jose, the API key is stored as a SHA-256 digest. The library's
 * verification cache (on by default) makes warm requests cheap. The stock passport strategies
 * (`stock-basic`, `stock-bearer`) do the same verification behind the same cache instance.
 */
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import {
  Controller,
  Get,
  type INestApplication,
  Injectable,
  Module,
  Req,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard, PassportStrategy } from '@nestjs/passport';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { jwtVerify } from 'jose';
import {
  Auth,
  AuthenticationError,
  AuthModule,
  type AuthPrincipal,
  Principal,
  principalFromClaims,
  Public,
  VerificationCache,
  type ValidateResult,
} from 'nest-http-auth';
import { BasicStrategy } from 'passport-http';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import { API_KEY, BASIC_USER, JWT_SECRET, REALM, SCRYPT_COST } from './fixtures.js';

/** The HTTP platforms the bench runs on. */
export type Adapter = 'express' | 'fastify';

function scryptHash(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, SCRYPT_COST, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The user store: user-id → scrypt salt and hash, as an application would keep them. */
const SALT = Buffer.from('bench-salt-0123456789abcdef', 'utf8');
const users = new Map<string, { salt: Buffer; hash: Buffer; roles: string[] }>();
/** The API-key store: hex SHA-256 digest → principal. */
const apiKeys = new Map<string, AuthPrincipal>([
  [sha256(API_KEY).toString('hex'), { id: 'bench-key-owner', roles: ['user'] }],
]);
const jwtKey = new TextEncoder().encode(JWT_SECRET);

/** Basic: scrypt of the given password compared with the stored hash (~38 ms). */
async function validateUser(username: string, password: string): Promise<AuthPrincipal | null> {
  const user = users.get(username);
  if (!user) return null;
  const hash = await scryptHash(password, user.salt);
  return timingSafeEqual(hash, user.hash) ? { id: username, roles: user.roles } : null;
}

/** API key: a SHA-256 digest looked up in the store. */
function validateApiKey(key: string): AuthPrincipal | null {
  return apiKeys.get(sha256(key).toString('hex')) ?? null;
}

/** Verifies like the library does for the stock strategies, and throws on a rejection. */
function rejectUnless(principal: ValidateResult, scheme: string): AuthPrincipal {
  if (!principal) throw new AuthenticationError('credentials_invalid', { scheme });
  return principal;
}

/** passport-http's BasicStrategy under another name: the same scrypt check behind the same cache. */
@Injectable()
class StockBasicStrategy extends PassportStrategy(BasicStrategy, 'stock-basic') {
  constructor(private readonly cache: VerificationCache) {
    super();
  }

  validate(username: string, password: string): Promise<AuthPrincipal> {
    return this.cache.verify('stock-basic', { material: `${username}:${password}` }, async () =>
      rejectUnless(await validateUser(username, password), 'stock-basic'),
    );
  }
}

/** passport-http-bearer's Strategy under another name: the same jose verification behind the same cache. */
@Injectable()
class StockBearerStrategy extends PassportStrategy(BearerStrategy, 'stock-bearer') {
  constructor(private readonly cache: VerificationCache) {
    super();
  }

  validate(token: string): Promise<AuthPrincipal> {
    let exp: number | undefined;
    return this.cache.verify(
      'stock-bearer',
      { material: token, expiresAt: () => (exp === undefined ? undefined : exp * 1000) },
      async () => {
        const { payload } = await jwtVerify(token, jwtKey, { algorithms: ['HS256'] });
        exp = payload.exp;
        return rejectUnless(principalFromClaims(payload), 'stock-bearer');
      },
    );
  }
}

/** What the reference routes read of a request. */
interface HeaderRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The token68 of a Basic header, as the reference routes find it (no checks: they are public). */
function basicToken(request: HeaderRequest): string {
  return String(request.headers['authorization']).slice('Basic '.length);
}

/**
 * Every route has the same handler: it reads the principal's id with `@Principal('id')` and returns
 * it, so that the routes differ only in their authentication. (The open route reads `undefined`.)
 */
@Controller()
export class BenchController {
  constructor(private readonly cache: VerificationCache) {}

  @Get('open')
  @Public()
  open(@Principal('id') id: string | undefined): { id: string } {
    return { id: id ?? 'anonymous' };
  }

  @Get('basic')
  @Auth('basic')
  basic(@Principal('id') id: string): { id: string } {
    return { id };
  }

  @Get('bearer')
  @Auth('bearer')
  bearer(@Principal('id') id: string): { id: string } {
    return { id };
  }

  @Get('apikey')
  @Auth('apiKey')
  apiKey(@Principal('id') id: string): { id: string } {
    return { id };
  }

  @Get('admin')
  @Auth('bearer', { roles: ['admin'] })
  admin(@Principal('id') id: string): { id: string } {
    return { id };
  }

  /**
   * Reference (`--explain`): an open route that reads the Basic credential from the request, the
   * least any scheme does. (Node builds a request's header object on first access: the open route
   * never pays for it.)
   */
  @Get('reference/header')
  @Public()
  referenceHeader(
    @Principal('id') id: string | undefined,
    @Req() request: HeaderRequest,
  ): { id: string } {
    basicToken(request);
    return { id: id ?? 'anonymous' };
  }

  /**
   * Reference (`--explain`): an open route that also looks the credential up in the verification
   * cache (its HMAC-SHA256 key, then the LRU), the least a cache that holds no credential does.
   */
  @Get('reference/cache')
  @Public()
  referenceCache(
    @Principal('id') id: string | undefined,
    @Req() request: HeaderRequest,
  ): { id: string } {
    this.cache.recall(this.cache.keyOf('basic', basicToken(request)));
    return { id: id ?? 'anonymous' };
  }

  /** The stock guard of @nestjs/passport; `@Public()` makes this module's global guard step aside. */
  @Get('passport/basic')
  @Public()
  @UseGuards(PassportAuthGuard('stock-basic'))
  passportBasic(@Principal('id') id: string): { id: string } {
    return { id };
  }

  @Get('passport/bearer')
  @Public()
  @UseGuards(PassportAuthGuard('stock-bearer'))
  passportBearer(@Principal('id') id: string): { id: string } {
    return { id };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({
      realm: REALM,
      basic: { validate: validateUser },
      bearer: { jwt: { secret: JWT_SECRET } },
      apiKey: { header: 'X-API-Key', validate: validateApiKey },
    }),
  ],
  controllers: [BenchController],
  providers: [StockBasicStrategy, StockBearerStrategy],
})
export class BenchModule {}

/** Builds the bench application (not listening yet): the user store first (one scrypt hash). */
export async function createBenchApp(adapter: Adapter): Promise<INestApplication> {
  users.set(BASIC_USER.username, {
    salt: SALT,
    hash: await scryptHash(BASIC_USER.password, SALT),
    roles: ['user'],
  });
  return adapter === 'express'
    ? NestFactory.create(BenchModule, new ExpressAdapter(), { logger: false })
    : NestFactory.create<NestFastifyApplication>(BenchModule, new FastifyAdapter(), {
        logger: false,
      });
}
