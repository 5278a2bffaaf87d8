import { decodeJwt } from 'jose';
import { AuthConfigurationError } from '../../errors/auth-configuration.error.js';
import { AuthenticationError, withoutStack } from '../../errors/auth.error.js';
import type { JwtVerificationOptions } from '../../interfaces/auth-options.interface.js';
import { JwtVerifier, type VerifiedPayload } from './jwt-verifier.js';

/** One entry of `bearer.jwt`: its options (for `validate`) and the verifier built from them. */
export interface JwtIssuer {
  readonly options: JwtVerificationOptions;
  readonly verifier: JwtVerifier;
}

/** A verified token and the entry of `bearer.jwt` that verified it. */
export interface IssuerVerified {
  readonly payload: VerifiedPayload;
  readonly issuer: JwtIssuer;
}

function refused(description: string): AuthenticationError {
  return withoutStack(
    () => new AuthenticationError('token_invalid', { scheme: 'bearer', description }),
  );
}

/** The issuers an entry accepts: one or more non-empty strings, or `undefined` if it names none. */
function issuersOf(options: JwtVerificationOptions): readonly string[] | undefined {
  const issuer: unknown = options.issuer;
  const list: unknown[] = Array.isArray(issuer) ? issuer : [issuer];
  return list.length > 0 && list.every((i) => typeof i === 'string' && i !== '')
    ? (list as string[])
    : undefined;
}

/**
 * The entry's verifier, its configuration errors naming the entry (`bearer.jwt[1].secret …`).
 */
function verifierOf(options: JwtVerificationOptions, index: number): JwtVerifier {
  try {
    return new JwtVerifier(options);
  } catch (err) {
    if (!(err instanceof AuthConfigurationError)) throw err;
    const message = err.message.replace(/^nest-http-auth: /, '');
    throw new AuthConfigurationError(message.replaceAll('bearer.jwt', `bearer.jwt[${index}]`));
  }
}

/**
 * The JWT verification of a Bearer scheme: one `bearer.jwt` entry, or several, one per issuer.
 * With several, the token's `iss`, read before verification and only to choose, picks the one
 * entry whose `issuer` is exactly that value; that entry's key source, algorithms, audience and
 * checks (its `issuer` again among them) decide. A token of no configured issuer is refused without
 * trying any key, and no key of one issuer is ever tried for another.
 * @internal
 */
export class JwtIssuers {
  /** The entries, in the configured order. */
  readonly entries: readonly JwtIssuer[];
  /** The entry of each issuer; `undefined` with one entry (it verifies every token). */
  private readonly byIssuer: ReadonlyMap<string, JwtIssuer> | undefined;

  /** @throws AuthConfigurationError when an entry is wrong, or several entries cannot be told apart. */
  constructor(jwt: JwtVerificationOptions | readonly JwtVerificationOptions[]) {
    if (!Array.isArray(jwt)) {
      const options = jwt as JwtVerificationOptions;
      this.entries = [{ options, verifier: new JwtVerifier(options) }];
      return;
    }
    const list = jwt as readonly JwtVerificationOptions[];
    if (list.length === 0) {
      throw new AuthConfigurationError(
        'bearer.jwt must not be an empty list: give one set of JWT options, or one per issuer.',
      );
    }
    const [only] = list;
    if (list.length === 1 && only !== undefined) {
      this.entries = [{ options: only, verifier: verifierOf(only, 0) }];
      return;
    }
    const byIssuer = new Map<string, JwtIssuer & { readonly index: number }>();
    this.entries = list.map((options, index) => {
      if (typeof options !== 'object' || options === null) {
        throw new AuthConfigurationError(`bearer.jwt[${index}] must be an object of JWT options.`);
      }
      const issuers = issuersOf(options);
      if (issuers === undefined) {
        throw new AuthConfigurationError(
          `bearer.jwt[${index}] needs an issuer: with several bearer.jwt entries, the token's iss picks ` +
            'the one entry whose issuer equals it exactly (an entry without issuer is only allowed alone).',
        );
      }
      const entry = { options, verifier: verifierOf(options, index), index };
      for (const issuer of issuers) {
        const other = byIssuer.get(issuer);
        if (other !== undefined) {
          throw new AuthConfigurationError(
            `bearer.jwt[${other.index}] and bearer.jwt[${index}] both accept the issuer ${JSON.stringify(issuer)}: ` +
              'each issuer must pick exactly one entry.',
          );
        }
        byIssuer.set(issuer, entry);
      }
      return entry;
    });
    this.byIssuer = byIssuer;
  }

  /** Whether an entry fetches keys (`jwksUrl` or `discovery`), so that verification can be a 503. */
  get remote(): boolean {
    return this.entries.some((entry) => entry.verifier.remote);
  }

  /** Verifies a token with its issuer's entry; throws like {@link JwtVerifier.verify}. */
  async verify(token: string): Promise<IssuerVerified> {
    const issuer = this.byIssuer === undefined ? this.entries[0]! : this.issuerOf(token);
    return { payload: await issuer.verifier.verify(token), issuer };
  }

  /** The entry of the token's (unverified) `iss`. */
  private issuerOf(token: string): JwtIssuer {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw refused('The access token is malformed');
    }
    const entry = typeof iss === 'string' ? this.byIssuer?.get(iss) : undefined;
    if (entry === undefined) throw refused('The access token issuer is not accepted');
    return entry;
  }
}
