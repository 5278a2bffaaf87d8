/**
 * The bench application (served by server.ts, in a child process of run.ts).
 *
 * Verification costs are real: the Basic password is stored as a scrypt hash (N=16384), tokens
 * are HS256 JWTs verified by jose, the API key is stored as a SHA-256 digest. The library's
 * verification cache (on by default) makes warm requests cheap. The stock passport strategies
 * (`stock-basic`, `stock-bearer`) do the same verification behind the same cache instance.
 * Variants (`BenchVariant`) serve the same routes with throttling on, or with RS256 tokens whose
 * keys come from a JWKS.
 */
import { createHash, scrypt, timingSafeEqual } from 'node:crypto';
import {
  Controller,
  type DynamicModule,
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
import { type JWTPayload, jwtVerify } from 'jose';
import {
  Auth,
  AuthenticationError,
  AuthModule,
  type AuthModuleOptions,
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

/**
 * What distinguishes the bench apps from one another: the same routes and handler, with
 * failed-attempt throttling on (`throttle`), or Bearer tokens verified with the RS256 keys of a
 * JWKS at `jwksUrl` instead of the HS256 secret.
 */
export interface BenchVariant {
  readonly throttle?: boolean;
  readonly jwksUrl?: string;
}

/**
 * Bearer tokens actually verified (cache misses that reached jose) since the app started: the
 * zipf case's hit rate is 1 - verifications / requests.
 */
export const bearerVerifications = { count: 0 };

/** The default mapping of claims to a principal, counting the verification. */
function countedPrincipal(payload: JWTPayload): ValidateResult {
  bearerVerifications.count++;
  return principalFromClaims(payload);
}

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

  /** Any-of: Bearer or Basic, in this order (CONTRACT C-5). */
  @Get('anyof')
  @Auth('bearer', 'basic')
  anyOf(@Principal('id') id: string): { id: string } {
    return { id };
  }

  /** Optional: anonymous callers get through, valid credentials yield a principal. */
  @Get('optional')
  @Auth.optional('bearer', 'basic')
  optional(@Principal('id') id: string | undefined): { id: string } {
    return { id: id ?? 'anonymous' };
  }

  /** All-of: an API key and a token (the principal is the first scheme's). */
  @Get('allof')
  @Auth({ all: ['apiKey', 'bearer'] })
  allOf(@Principal('id') id: string): { id: string } {
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

/**
 * Throttling of the `throttle` variant: every failure is counted in the store (both counters), but
 * the limits are beyond any bench run, so the measured requests stay 401s and are never locked out
 * (429). Rotating identities instead would change what each request costs.
 */
const BENCH_THROTTLE = {
  maxFailures: Number.MAX_SAFE_INTEGER,
  maxFailuresPerClient: Number.MAX_SAFE_INTEGER,
} as const;

/** The module's options for a variant. */
function authOptions(variant: BenchVariant): AuthModuleOptions {
  return {
    realm: REALM,
    basic: { validate: validateUser },
    bearer: {
      jwt:
        variant.jwksUrl === undefined
          ? { secret: JWT_SECRET, validate: countedPrincipal }
          : { jwksUrl: variant.jwksUrl, validate: countedPrincipal },
    },
    apiKey: { header: 'X-API-Key', validate: validateApiKey },
    ...(variant.throttle ? { throttle: BENCH_THROTTLE } : {}),
  };
}

/** The bench module: the module configured for a variant, the controller, the stock strategies. */
@Module({})
export class BenchModule {
  /** The module for one variant of the bench app. */
  static forVariant(variant: BenchVariant): DynamicModule {
    return {
      module: BenchModule,
      imports: [AuthModule.forRoot(authOptions(variant))],
      controllers: [BenchController],
      providers: [StockBasicStrategy, StockBearerStrategy],
    };
  }
}

/** Builds the bench application (not listening yet): the user store first (one scrypt hash). */
export async function createBenchApp(
  adapter: Adapter,
  variant: BenchVariant = {},
): Promise<INestApplication> {
  users.set(BASIC_USER.username, {
    salt: SALT,
    hash: await scryptHash(BASIC_USER.password, SALT),
    roles: ['user'],
  });
  return adapter === 'express'
    ? NestFactory.create(BenchModule.forVariant(variant), new ExpressAdapter(), { logger: false })
    : NestFactory.create<NestFastifyApplication>(
        BenchModule.forVariant(variant),
        new FastifyAdapter(),
        {
          logger: false,
        },
      );
}
