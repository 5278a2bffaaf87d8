import { PassportStrategy } from '@nestjs/passport';
import { DEFAULT_API_KEY_HEADER, DEFAULT_MAX_CREDENTIAL_LENGTH } from '../../auth.constants.js';
import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';
import { challenge } from '../../http/challenge.js';
import { cookie, header, queryParam } from '../../http/request-access.js';
import type {
  ApiKeyLocation,
  ApiKeySchemeOptions,
  PlatformRequest,
  SecuritySchemeDefinition,
} from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal, ValidateResult } from '../../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { authenticateAsPassport, type PassportActions } from '../passport-bridge.js';
import { PrincipalCheck } from '../validate-result.js';
import { ApiKeyStrategy } from './api-key.strategy.js';

/** One place an API key is read from. */
export interface ApiKeyParameter {
  readonly in: ApiKeyLocation;
  readonly name: string;
}

/** Printable ASCII without spaces: what a key can be; anything else is an invalid key. */
const KEY = /^[\x21-\x7e]+$/;

function invalid(): AuthenticationError {
  return withoutStack(() => new AuthenticationError('credentials_invalid', { scheme: 'apiKey' }));
}

/** The locations configured, in the order header, query, cookie; the `X-API-Key` header when none is. */
export function apiKeyParameters(options: ApiKeySchemeOptions): readonly ApiKeyParameter[] {
  const found = (['header', 'query', 'cookie'] as const)
    .filter((location) => options[location] !== undefined)
    .map((location) => ({ in: location, name: options[location] as string }));
  return found.length > 0 ? found : [{ in: 'header', name: DEFAULT_API_KEY_HEADER }];
}

/**
 * API keys, registered with passport as `apiKey`. There is no registered HTTP scheme for them, so
 * the challenge is `ApiKey realm="…", in="header", name="X-API-Key"` (one per location), which
 * tells a client where the key goes (CONTRACT C-2).
 */
export class ApiKeyScheme
  extends PassportStrategy(ApiKeyStrategy, 'apiKey')
  implements AuthScheme<string>
{
  override readonly name = 'apiKey';
  /** Where keys are read, in order; the first present one is used. */
  readonly parameters: readonly ApiKeyParameter[];
  /** The same locations, header names lower-cased (as platforms store them). */
  private readonly lookups: readonly ApiKeyParameter[];
  private readonly challengeLines: readonly string[];
  private readonly results = new PrincipalCheck('apiKey.validate', 'apiKey');

  constructor(
    realm: string,
    private readonly options: ApiKeySchemeOptions,
  ) {
    super();
    this.parameters = apiKeyParameters(options);
    this.lookups = this.parameters.map((p) =>
      p.in === 'header' ? { in: p.in, name: p.name.toLowerCase() } : p,
    );
    this.challengeLines = this.parameters.map((p) =>
      challenge('ApiKey', [
        ['realm', realm],
        ['in', p.in],
        ['name', p.name],
      ]),
    );
  }

  /** The key as sent, from the first configured location that has one (`null`: sent malformed). */
  credential(request: PlatformRequest): string | null | undefined {
    return this.find(request);
  }

  read(request: PlatformRequest): string | undefined {
    const key = this.find(request);
    if (key === undefined) return undefined;
    if (key === null || key.length > DEFAULT_MAX_CREDENTIAL_LENGTH || !KEY.test(key))
      throw invalid();
    return key;
  }

  async verify(key: string, request: PlatformRequest): Promise<AuthPrincipal> {
    const principal = this.results.validated(await this.options.validate(key, request));
    if (!principal) throw invalid();
    return principal;
  }

  challenges(): readonly string[] {
    return this.challengeLines;
  }

  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>> {
    return Object.fromEntries(
      this.parameters.map((p, index) => [
        index === 0 ? this.name : `${this.name}${p.in[0]!.toUpperCase()}${p.in.slice(1)}`,
        { type: 'apiKey', in: p.in, name: p.name },
      ]),
    );
  }

  /** Passport's entry point: same reading and verification as the guard's. */
  override authenticate(this: ApiKeyScheme & PassportActions, request: PlatformRequest): void {
    authenticateAsPassport(this, this, request);
  }

  /** Passport's verify callback (unused: {@link authenticate} calls {@link verify}). */
  validate(key: string): Promise<ValidateResult> {
    return Promise.resolve(this.options.validate(key, {}));
  }

  /** The value at the first location that has one: `null` when it is repeated or not a string. */
  private find(request: PlatformRequest): string | null | undefined {
    for (const parameter of this.lookups) {
      const key = this.lookup(request, parameter);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  private lookup(request: PlatformRequest, parameter: ApiKeyParameter): string | null | undefined {
    switch (parameter.in) {
      case 'header':
        return header(request, parameter.name);
      case 'query':
        return queryParam(request, parameter.name);
      case 'cookie':
        return cookie(request, parameter.name);
    }
  }
}
