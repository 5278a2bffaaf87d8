import passport, { type Strategy } from 'passport';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';
import type {
  PassportSchemeOptions,
  PlatformRequest,
  SecuritySchemeDefinition,
} from '../../interfaces/auth-options.interface.js';
import type { AuthPrincipal } from '../../interfaces/auth-principal.interface.js';
import type { AuthScheme } from '../auth-scheme.js';
import { PrincipalCheck } from '../validate-result.js';

/** Marker credential: the request is handed to the strategy as a whole. */
const REQUEST = Symbol('request');

interface PassportRegistry {
  _strategy(name: string): Strategy | undefined;
}

/**
 * Any passport strategy as an extra scheme. The strategy runs the way passport's middleware runs
 * it (a per-request object with `success`/`fail`/`error`/`pass`/`redirect`), without the rest of
 * passport's middleware. `fail` becomes a 401 with the configured challenge.
 */
export class PassportScheme implements AuthScheme<typeof REQUEST> {
  /** Checks the user the strategy hands to `success()`. */
  private readonly results: PrincipalCheck;

  constructor(
    readonly name: string,
    private readonly options: PassportSchemeOptions,
  ) {
    this.results = new PrincipalCheck(`schemes.${name}.strategy`, name, 'called success() with');
  }

  read(request: PlatformRequest): typeof REQUEST | undefined {
    return this.options.hasCredentials === undefined || this.options.hasCredentials(request)
      ? REQUEST
      : undefined;
  }

  verify(_credentials: typeof REQUEST, request: PlatformRequest): Promise<AuthPrincipal> {
    const code = this.options.hasCredentials ? 'credentials_invalid' : 'credentials_missing';
    return new Promise((resolve, reject) => {
      // Looked up inside the executor: an unknown name rejects the promise instead of throwing.
      const strategy = this.strategy();
      const run = Object.create(strategy) as Strategy & Record<string, unknown>;
      run['success'] = (user: unknown) => {
        try {
          resolve(this.results.principal(user));
        } catch (err) {
          reject(err);
        }
      };
      run['fail'] = () =>
        reject(withoutStack(() => new AuthenticationError(code, { scheme: this.name })));
      run['error'] = (err: unknown) => reject(err);
      run['pass'] = () =>
        reject(withoutStack(() => new AuthenticationError(code, { scheme: this.name })));
      run['redirect'] = () =>
        reject(
          new AuthConfigurationError(
            `the passport strategy of scheme "${this.name}" redirects; only non-interactive strategies can guard an API.`,
          ),
        );
      try {
        (run.authenticate as (req: unknown, options: object) => void).call(
          run,
          request,
          this.options.options ?? {},
        );
      } catch (err) {
        reject(err);
      }
    });
  }

  challenges(): readonly string[] {
    return [this.options.challenge];
  }

  securitySchemes(): Readonly<Record<string, SecuritySchemeDefinition>> {
    return { [this.name]: this.options.securityScheme };
  }

  private strategy(): Strategy {
    const { strategy } = this.options;
    if (typeof strategy !== 'string') return strategy;
    const found = (passport as unknown as PassportRegistry)._strategy(strategy);
    if (!found) {
      throw new AuthConfigurationError(
        `scheme "${this.name}": no passport strategy is registered as "${strategy}".`,
      );
    }
    return found;
  }
}
