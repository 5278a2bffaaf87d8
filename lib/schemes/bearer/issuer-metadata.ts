import { createRemoteJWKSet, errors, type JWTVerifyGetKey, type RemoteJWKSetOptions } from 'jose';

/** What jose's `createRemoteJWKSet()` returns: a key lookup with its own cache of the key set. */
type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** jose's defaults, which the `jwks*` options override (milliseconds). */
const DEFAULT_TIMEOUT = 5_000;
const DEFAULT_COOLDOWN = 30_000;
const DEFAULT_CACHE_MAX_AGE = 600_000;

/** Longest value of the issuer's document quoted in a log line. */
const QUOTED_MAX = 200;

/**
 * Why an issuer's metadata cannot be used right now: unreachable, no document, not JSON, an
 * `issuer` that differs from the configured one, no usable `jwks_uri`. Tokens are then answered
 * with 503 (fail closed) and the message, which names URLs and the document's values but never a
 * token, is logged.
 * @internal
 */
export class IssuerMetadataError extends Error {
  override readonly name = 'IssuerMetadataError';
}

/**
 * Why a fetch failed, for the log: jose's own message (fixed sentences) or the error's name, and
 * the network error code, never anything of the token.
 * @internal
 */
export function fetchFailureReason(err: unknown): string {
  // Duck-typed: fetch's errors come from Node's own realm, where `instanceof Error` can fail.
  const { name, cause } = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    cause?: { code?: unknown } | null;
  };
  const detail =
    err instanceof errors.JOSEError ? err.message : typeof name === 'string' ? name : typeof err;
  const code = typeof cause === 'object' && cause !== null ? cause.code : undefined;
  return typeof code === 'string' ? `${detail}, ${code}` : detail;
}

/**
 * The two places an issuer's metadata may be, in the order they are tried: OpenID Connect
 * Discovery 1.0 §4 appends `/.well-known/openid-configuration` to the issuer (after removing a
 * terminating `/`); RFC 8414 §3.1 inserts `/.well-known/oauth-authorization-server` between the
 * host and the issuer's path (`https://as.example/tenant` →
 * `https://as.example/.well-known/oauth-authorization-server/tenant`).
 * @internal
 */
export function metadataUrls(issuer: string): readonly [string, string] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}${path}/.well-known/openid-configuration`,
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/** A value of the remote document, quoted for a log line (JSON escapes control characters). */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX)}…` : text;
}

/** The metadata in use: the key set it names and when it was fetched. */
interface Discovered {
  /** `jwks_uri` without credentials or query, for the log. */
  readonly keySetUrl: string;
  readonly href: string;
  readonly keys: RemoteKeySet;
  readonly fetchedAt: number;
}

/**
 * The key lookup of `bearer.jwt.discovery`: the issuer's metadata document (OpenID Connect
 * Discovery, else RFC 8414) names the key set (`jwks_uri`), which jose fetches and caches.
 *
 * - Lazy: nothing is fetched before the first token, so the issuer need not be up at start-up.
 * - The document's `issuer` must be identical to the configured one (RFC 8414 §3.3, OpenID
 *   Connect Discovery §4.3), or no token is accepted: a 503, with a log line naming both values.
 * - The document is kept `cacheMaxAge`; after that the next token fetches it again. A token with an
 *   unknown `kid` fetches it again too once `cooldownDuration` has passed since the last fetch (the
 *   key set may have moved), and jose does the same for the key set itself.
 * - Unreachable, slow (`timeoutDuration`) or unusable: an {@link IssuerMetadataError}, never a
 *   stale document. Concurrent tokens share one fetch.
 * @internal
 */
export class IssuerKeySet {
  /** The lookup jose's `jwtVerify()` calls with each token's header. */
  readonly getKey: JWTVerifyGetKey;
  private readonly urls: readonly [string, string];
  private readonly timeout: number;
  private readonly cooldown: number;
  private readonly cacheMaxAge: number;
  private current: Discovered | undefined;
  private pending: Promise<Discovered> | undefined;
  /** Which of {@link urls} answered last (tried first next time). */
  private preferred: 0 | 1 = 0;

  /**
   * @param issuer the configured issuer, compared exactly with the document's
   * @param remote jose's options for the key set, also used for the document
   */
  constructor(
    readonly issuer: string,
    private readonly remote: RemoteJWKSetOptions = {},
  ) {
    this.urls = metadataUrls(issuer);
    this.timeout = remote.timeoutDuration ?? DEFAULT_TIMEOUT;
    this.cooldown = remote.cooldownDuration ?? DEFAULT_COOLDOWN;
    this.cacheMaxAge = remote.cacheMaxAge ?? DEFAULT_CACHE_MAX_AGE;
    this.getKey = (header, token) => this.key(header, token);
  }

  /** The key set the metadata named last, for the log; `undefined` before the first fetch. */
  get keySetUrl(): string | undefined {
    return this.current?.keySetUrl;
  }

  private async key(
    ...args: Parameters<JWTVerifyGetKey>
  ): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    const used = await this.discovered();
    try {
      return await used.keys(...args);
    } catch (err) {
      // An unknown kid: jose fetched the key set again (past its cooldown) and the key is not there.
      // Past the same cooldown, the document may name another key set by now.
      if (!(err instanceof errors.JWKSNoMatchingKey) || !this.cooledDown(used)) throw err;
      const fresh = await this.refresh(used);
      if (fresh.keys === used.keys) throw err;
      return fresh.keys(...args);
    }
  }

  private cooledDown(entry: Discovered): boolean {
    return Date.now() - entry.fetchedAt >= this.cooldown;
  }

  /** The metadata, fetched when there is none or it is older than `cacheMaxAge`. */
  private discovered(): Promise<Discovered> {
    const { current } = this;
    if (current !== undefined && Date.now() - current.fetchedAt < this.cacheMaxAge) {
      return Promise.resolve(current);
    }
    return this.refresh(current);
  }

  /** Fetches the metadata again, unless another token already replaced `stale` (one fetch at a time). */
  private refresh(stale: Discovered | undefined): Promise<Discovered> {
    if (this.current !== stale && this.current !== undefined) return Promise.resolve(this.current);
    this.pending ??= this.fetchDiscovered().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchDiscovered(): Promise<Discovered> {
    const jwksUri = await this.fetchJwksUri();
    const previous = this.current;
    const entry: Discovered = {
      keySetUrl: `${jwksUri.origin}${jwksUri.pathname}`,
      href: jwksUri.href,
      // The same key set keeps jose's cache and cooldown; another one starts afresh.
      keys:
        previous?.href === jwksUri.href ? previous.keys : createRemoteJWKSet(jwksUri, this.remote),
      fetchedAt: Date.now(),
    };
    this.current = entry;
    return entry;
  }

  /** The `jwks_uri` of the issuer's document, checked; tries both well-known locations. */
  private async fetchJwksUri(): Promise<URL> {
    const order = this.preferred === 0 ? [0, 1] : [1, 0];
    const answers: string[] = [];
    for (const index of order) {
      const url = this.urls[index as 0 | 1];
      const document = await this.fetchDocument(url);
      if (typeof document === 'number') {
        answers.push(`${url} answered ${document}`);
        continue;
      }
      const jwksUri = this.checked(document, url);
      this.preferred = index as 0 | 1;
      return jwksUri;
    }
    throw new IssuerMetadataError(
      `no metadata document (${answers.join('; ')}): check bearer.jwt.issuer`,
    );
  }

  /** The document at `url`, or the HTTP status of an answer that is not one (the next URL is tried). */
  private async fetchDocument(url: string): Promise<Record<string, unknown> | number> {
    let text: string;
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/json' },
        // Like jose's key set fetch: a redirect is an answer that is not the document.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeout),
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        return response.status;
      }
      text = await response.text();
    } catch (err) {
      throw new IssuerMetadataError(`${url} cannot be fetched (${fetchFailureReason(err)})`, {
        cause: err,
      });
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      throw new IssuerMetadataError(`${url} is not JSON`);
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new IssuerMetadataError(`${url} is not a JSON object`);
    }
    return document as Record<string, unknown>;
  }

  /** The document's `jwks_uri`, once its `issuer` is the configured one. */
  private checked(document: Record<string, unknown>, url: string): URL {
    const { issuer, jwks_uri: jwksUri } = document;
    if (issuer !== this.issuer) {
      throw new IssuerMetadataError(
        `${url} names the issuer ${quoted(issuer)}, not the configured ${quoted(this.issuer)}; ` +
          'they must be identical (RFC 8414 §3.3, OpenID Connect Discovery §4.3): set bearer.jwt.issuer to the exact value',
      );
    }
    let parsed: URL | undefined;
    try {
      parsed = typeof jwksUri === 'string' ? new URL(jwksUri) : undefined;
    } catch {
      parsed = undefined;
    }
    // An https: issuer's keys come over https: only; an http: issuer (a test set-up) may use http:.
    const allowed = new URL(this.issuer).protocol === 'http:' ? ['https:', 'http:'] : ['https:'];
    if (
      parsed === undefined ||
      !allowed.includes(parsed.protocol) ||
      parsed.username !== '' ||
      parsed.password !== ''
    ) {
      const shown = parsed
        ? quoted(`${parsed.protocol}//${parsed.host}${parsed.pathname}`)
        : quoted(jwksUri);
      throw new IssuerMetadataError(
        `${url} names no usable jwks_uri (got ${shown}; an ${allowed.join(' or ')} URL without credentials is needed)`,
      );
    }
    return parsed;
  }
}
