import { PassportStrategy } from '@nestjs/passport';
import { BasicStrategy } from 'passport-http';
import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';
import { challenge } from '../../http/challenge.js';
import { authorizationCredentials } from '../../http/authorization-header.js';
import { header } from '../../http/request-access.js';
import type {
  BasicSchemeOptions,
  PlatformRequest,
  SecuritySchemeDefinition,
} from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal, ValidateResult } from '../../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { authenticateAsPassport, type PassportActions } from '../passport-bridge.js';
import { PrincipalCheck } from '../validate-result.js';
import { type BasicCredentials, decodeBasicCredentials } from './basic-credentials.js';

/**
 * HTTP Basic (RFC 7617), registered with passport as `basic` on top of passport-http's
 * `BasicStrategy`, whose parsing it replaces: the user-id ends at the first colon, the payload is
 * UTF-8, and malformed input is a 401, never a 500. Challenge: `Basic realm="…", charset="UTF-8"`.
 */
export class BasicScheme
  extends PassportStrategy(BasicStrategy, 'basic')
  implements AuthScheme<BasicCredentials>
{
  override readonly name = 'basic';
  private readonly challengeLine: string;
  private readonly results = new PrincipalCheck('basic.validate', 'basic');

  constructor(
    realm: string,
    private readonly options: BasicSchemeOptions,
  ) {
    super({ realm });
    this.challengeLine = challenge('Basic', [
      ['realm', realm],
      ['charset', 'UTF-8'],
    ]);
  }

  /** The token68 of `Authorization: Basic`, as sent (not decoded). */
  credential(request: PlatformRequest): string | undefined {
    return authorizationCredentials(header(request, 'authorization'), 'basic');
  }

  read(request: PlatformRequest): BasicCredentials | undefined {
    const token68 = this.credential(request);
    return token68 === undefined ? undefined : decodeBasicCredentials(token68);
  }

  async verify(
    { username, password }: BasicCredentials,
    request: PlatformRequest,
  ): Promise<AuthPrincipal> {
    const principal = this.results.validated(
      await this.options.validate(username, password, request),
    );
    if (!principal) {
      throw withoutStack(
        () => new AuthenticationError('credentials_invalid', { scheme: this.name }),
      );
    }
    return principal;
  }

  identity({ username }: BasicCredentials): string {
    return `basic:${username}`;
  }

  challenges(): readonly string[] {
    return [this.challengeLine];
  }

  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>> {
    return { [this.name]: { type: 'http', scheme: 'basic' } };
  }

  /** Passport's entry point: same parsing and verification as the guard's. */
  override authenticate(this: BasicScheme & PassportActions, request: PlatformRequest): void {
    authenticateAsPassport(this, this, request);
  }

  /** Passport's verify callback (unused: {@link authenticate} calls {@link verify}). */
  validate(username: string, password: string): Promise<ValidateResult> {
    return Promise.resolve(this.options.validate(username, password, {}));
  }
}
