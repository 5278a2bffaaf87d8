import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { withoutProviderNotices } from '../../sample/idp/idp-server.js';

/**
 * A real OAuth 2.0 authorization server / OpenID Provider for the e2e tests: oidc-provider (a
 * certified OpenID Connect implementation) inside the test process, on 127.0.0.1 (port 0, kept
 * across restarts). It issues RFC 9068 JWT access tokens for any resource indicator (RFC 8707:
 * the `resource` parameter becomes the `aud`), to a confidential client by the client_credentials
 * grant, and ID tokens by the authorization code grant (its development login form, which takes any
 * user name). Keys rotate by restarting it with another key list. With `opaqueAccessTokens` it
 * issues opaque access tokens instead, introspected (RFC 7662) and revoked (RFC 7009) at its
 * endpoints, and keeps them across restarts.
 */

/** The client that gets RFC 9068 access tokens (client_credentials) and ID tokens (code flow). */
export const CLIENT = {
  id: 'orders-service',
  secret: 'orders-service-secret-0123456789abcdef',
  redirectUri: 'http://127.0.0.1/callback',
} as const;

/**
 * A second client whose access tokens the server issues as plain JWTs (`typ: JWT`), as an
 * authorization server configured for a JWT profile other than RFC 9068 does.
 */
export const LEGACY_CLIENT = {
  id: 'legacy-service',
  secret: 'legacy-service-secret-0123456789abcdef',
} as const;

/**
 * The resource server's own client, with which it calls the introspection endpoint (RFC 7662):
 * only with {@link OidcServerOptions.opaqueAccessTokens}. Its id and secret hold characters that
 * client_secret_basic must form-urlencode (RFC 6749 §2.3.1).
 */
export const RESOURCE_SERVER_CLIENT = {
  id: 'orders api',
  secret: 'orders-api:secret/0123456789+abcdef',
} as const;

/** The introspection endpoint's path (oidc-provider's default). */
export const INTROSPECTION_PATH = '/token/introspection';

/** How a test's authorization server differs from the default one. */
export interface OidcServerOptions {
  /**
   * Issue opaque access tokens (not JWTs) for every resource, with the introspection (RFC 7662) and
   * revocation (RFC 7009) endpoints enabled and {@link RESOURCE_SERVER_CLIENT} registered.
   */
  readonly opaqueAccessTokens?: boolean;
  /** Enable DPoP (RFC 9449, no server nonces): a DPoP token request gets a key-bound token. */
  readonly dpop?: boolean;
}

/** The scopes every resource server offers. */
export const RESOURCE_SCOPES = 'orders:read orders:write';

/** A signing key of the server: a private RSA JWK (RS256) with its `kid`. */
export async function signingKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

/** What the test's koa-based provider needs from oidc-provider's `Provider` (it ships no types). */
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type ProviderClass = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => ProviderInstance;

let providerClass: Promise<ProviderClass> | undefined;

/**
 * oidc-provider's class, imported once. Its import and construction print development notices
 * (the runtime, the dev interactions, the cookie keys) through console.warn/info: silenced.
 */
async function loadProvider(): Promise<ProviderClass> {
  providerClass ??= quietly(async () => {
    // @ts-expect-error oidc-provider ships no type declarations; ProviderClass types what is used.
    const mod = (await import('oidc-provider')) as { default: ProviderClass };
    return mod.default;
  });
  return providerClass;
}

/** Runs `run` with oidc-provider's console notices dropped (the sample's idp does the same). */
function quietly<T>(run: () => Promise<T> | T): Promise<T> {
  return withoutProviderNotices(async () => run());
}

type Stored = Record<string, unknown>;

/**
 * oidc-provider's storage of tokens, grants and sessions, kept by the {@link OidcServer} across
 * restarts (its default in-memory adapter is new with each provider instance, which would forget
 * every opaque token). Expiry is oidc-provider's own check of each model's `exp`.
 */
class KeptAdapter {
  constructor(
    private readonly model: string,
    private readonly store: Map<string, Stored>,
  ) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  private findWhere(field: string, value: string): Stored | undefined {
    for (const [key, payload] of this.store) {
      if (key.startsWith(`${this.model}:`) && payload[field] === value) return payload;
    }
    return undefined;
  }

  upsert(id: string, payload: Stored): Promise<void> {
    this.store.set(this.key(id), payload);
    return Promise.resolve();
  }

  find(id: string): Promise<Stored | undefined> {
    return Promise.resolve(this.store.get(this.key(id)));
  }

  findByUid(uid: string): Promise<Stored | undefined> {
    return Promise.resolve(this.findWhere('uid', uid));
  }

  findByUserCode(userCode: string): Promise<Stored | undefined> {
    return Promise.resolve(this.findWhere('userCode', userCode));
  }

  consume(id: string): Promise<void> {
    const payload = this.store.get(this.key(id));
    if (payload) payload['consumed'] = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.store.delete(this.key(id));
    return Promise.resolve();
  }

  revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, payload] of this.store) {
      if (payload['grantId'] === grantId) this.store.delete(key);
    }
    return Promise.resolve();
  }
}

/** An oidc-provider instance on 127.0.0.1 that a test stops, restarts and re-keys. */
export class OidcServer {
  /** The issuer identifier, `http://127.0.0.1:<port>` (no trailing slash, as oidc-provider has it). */
  issuer = '';
  /**
   * The requests for the metadata document or the key set (`/jwks`) made by anyone but
   * oauth4webapi (the test's client): the resource server's fetches, by path, since start.
   */
  readonly keyFetches: string[] = [];
  /** How many requests reached the introspection endpoint since start. */
  introspections = 0;
  private provider: ProviderInstance | undefined;
  private readonly server: Server;
  private port = 0;
  private keys: JWK[];
  /** What {@link KeptAdapter} stores, for every provider instance of this server. */
  private readonly stored = new Map<string, Stored>();

  private constructor(
    keys: JWK[],
    private readonly options: OidcServerOptions,
  ) {
    this.keys = keys;
    this.server = createServer((req, res) => {
      // No keep-alive: a client's pooled connection would not survive a restart.
      res.setHeader('connection', 'close');
      const path = req.url ?? '';
      const byClient = req.headers['user-agent']?.startsWith('oauth4webapi/') ?? false;
      if (!byClient && (path.startsWith('/.well-known/') || path === '/jwks')) {
        this.keyFetches.push(path);
      }
      if (path === INTROSPECTION_PATH) this.introspections += 1;
      if (this.provider) this.provider.callback()(req, res);
      else res.writeHead(503).end();
    });
  }

  /** Starts a server signing with `keys` (the first one signs; all are published in its JWKS). */
  static async start(keys: JWK[], options: OidcServerOptions = {}): Promise<OidcServer> {
    const server = new OidcServer(keys, options);
    await server.listen(0);
    return server;
  }

  /** Stops listening (connections are then refused), keeping the port for {@link restart}. */
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  /**
   * Starts again on the same port, a new provider instance, optionally with other keys (a key
   * rotation: the first key signs, the others are still published).
   */
  async restart(keys: JWK[] = this.keys): Promise<void> {
    if (this.server.listening) await this.stop();
    this.keys = keys;
    await this.listen(this.port);
  }

  /** Stops for good (idempotent). */
  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.issuer = `http://127.0.0.1:${this.port}`;
    this.provider = await this.createProvider();
  }

  private async createProvider(): Promise<ProviderInstance> {
    const Provider = await loadProvider();
    const opaque = this.options.opaqueAccessTokens === true;
    return quietly(
      () =>
        new Provider(this.issuer, {
          clients: [
            {
              client_id: CLIENT.id,
              client_secret: CLIENT.secret,
              grant_types: ['client_credentials', 'authorization_code'],
              response_types: ['code'],
              redirect_uris: [CLIENT.redirectUri],
            },
            {
              client_id: LEGACY_CLIENT.id,
              client_secret: LEGACY_CLIENT.secret,
              grant_types: ['client_credentials'],
              response_types: [],
              redirect_uris: [],
            },
            ...(opaque
              ? [
                  {
                    client_id: RESOURCE_SERVER_CLIENT.id,
                    client_secret: RESOURCE_SERVER_CLIENT.secret,
                    grant_types: ['client_credentials'],
                    response_types: [],
                    redirect_uris: [],
                  },
                ]
              : []),
          ],
          jwks: { keys: this.keys },
          // Opaque tokens live in the provider's storage: kept across restarts.
          ...(opaque ? { adapter: (model: string) => new KeptAdapter(model, this.stored) } : {}),
          cookies: { keys: ['oidc-test-cookie-signing-key'] },
          // Lifetimes in seconds (given, so that oidc-provider prints no notice about defaults).
          ttl: {
            AccessToken: 3600,
            ClientCredentials: 3600,
            IdToken: 3600,
            Interaction: 600,
            Session: 3600,
            Grant: 3600,
          },
          findAccount: (_ctx: unknown, sub: string) => ({
            accountId: sub,
            claims: () => ({ sub }),
          }),
          features: {
            clientCredentials: { enabled: true },
            devInteractions: { enabled: true },
            ...(this.options.dpop === true ? { dPoP: { enabled: true } } : {}),
            ...(opaque
              ? {
                  // Any authenticated client may introspect (the resource server's); a token is
                  // revoked by the client it was issued to.
                  introspection: { enabled: true, allowedPolicy: () => true },
                  revocation: {
                    enabled: true,
                    allowedPolicy: (
                      _ctx: unknown,
                      client: { clientId: string },
                      token: { clientId?: string },
                    ) => token.clientId === client.clientId,
                  },
                }
              : {}),
            resourceIndicators: {
              enabled: true,
              // RFC 8707: any resource the client names is a resource server of this test, whose
              // identifier is the tokens' audience.
              getResourceServerInfo: (_ctx: unknown, resourceIndicator: string) => ({
                scope: RESOURCE_SCOPES,
                audience: resourceIndicator,
                accessTokenFormat: opaque ? 'opaque' : 'jwt',
                accessTokenTTL: 3600,
              }),
            },
          },
          formats: {
            customizers: {
              jwt: (
                _ctx: unknown,
                token: { clientId?: string },
                jwt: { header?: Record<string, unknown> },
              ) => {
                if (token.clientId === LEGACY_CLIENT.id) jwt.header = { typ: 'JWT' };
              },
            },
          },
        }),
    );
  }
}

/** What oauth4webapi needs for plain-http servers on 127.0.0.1 (a test set-up). */
const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** The authorization server's metadata, discovered by a client (OpenID Connect Discovery). */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, INSECURE));
}

/**
 * An access token by the client_credentials grant, as a real client gets it: discovery, then the
 * token endpoint with client_secret_basic, `resource` (RFC 8707) and `scope`.
 */
export async function clientCredentialsToken(
  issuer: string,
  request: {
    readonly resource: string;
    readonly scope?: string;
    readonly client?: { readonly id: string; readonly secret: string };
  },
): Promise<string> {
  const as = await discover(issuer);
  const { id, secret } = request.client ?? CLIENT;
  const client: oauth.Client = { client_id: id };
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(secret),
    { resource: request.resource, scope: request.scope ?? RESOURCE_SCOPES },
    INSECURE,
  );
  try {
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    return result.access_token;
  } catch (err) {
    throw explained(err);
  }
}

/**
 * A DPoP-bound access token (RFC 9449) by the client_credentials grant: oauth4webapi's DPoP handle
 * signs the token request's proof with `keyPair`, and the server binds the token to that key
 * (`cnf.jkt`). Needs {@link OidcServerOptions.dpop}.
 */
export async function dpopClientCredentialsToken(
  issuer: string,
  request: { readonly resource: string; readonly keyPair: oauth.CryptoKeyPair },
): Promise<string> {
  const as = await discover(issuer);
  const client: oauth.Client = { client_id: CLIENT.id };
  const response = await oauth.clientCredentialsGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(CLIENT.secret),
    { resource: request.resource, scope: RESOURCE_SCOPES },
    { ...INSECURE, DPoP: oauth.DPoP(client, request.keyPair) },
  );
  try {
    const result = await oauth.processClientCredentialsResponse(as, client, response);
    if (result.token_type !== 'dpop') throw new Error(`token_type ${result.token_type}`);
    return result.access_token;
  } catch (err) {
    throw explained(err);
  }
}

/** Revokes a token at the revocation endpoint (RFC 7009), as its client does (oauth4webapi). */
export async function revokeToken(issuer: string, token: string): Promise<void> {
  const as = await discover(issuer);
  const response = await oauth.revocationRequest(
    as,
    { client_id: CLIENT.id },
    oauth.ClientSecretBasic(CLIENT.secret),
    token,
    INSECURE,
  );
  try {
    await oauth.processRevocationResponse(response);
  } catch (err) {
    throw explained(err);
  }
}

/** An oauth4webapi error with the server's answer in its message (`error`, `error_description`). */
function explained(err: unknown): unknown {
  if (err instanceof oauth.ResponseBodyError) {
    return new Error(`${err.message}: ${err.error} (${err.error_description ?? ''})`, {
      cause: err,
    });
  }
  return err;
}

/** Cookies of one browser session, by name (paths ignored: the server is only this test's). */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * An ID token, by the authorization code grant (with PKCE) as a browser and a client get it: the
 * authorization request, the server's development sign-in and consent forms (any user name), the
 * redirect with the code, and the code exchanged at the token endpoint by oauth4webapi, which also
 * validates the ID token.
 */
export async function idToken(issuer: string, user = 'alice'): Promise<string> {
  const as = await discover(issuer);
  const client: oauth.Client = { client_id: CLIENT.id };
  const verifier = oauth.generateRandomCodeVerifier();
  const nonce = oauth.generateRandomNonce();
  const state = oauth.generateRandomState();
  const authorize = new URL(String(as.authorization_endpoint));
  authorize.search = new URLSearchParams({
    client_id: CLIENT.id,
    redirect_uri: CLIENT.redirectUri,
    response_type: 'code',
    scope: 'openid',
    nonce,
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();

  const jar = new CookieJar();
  let url = authorize.href;
  let form: Record<string, string> | undefined;
  for (let step = 0; step < 12; step += 1) {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    jar.store(response);
    form = undefined;
    const location = response.headers.get('location');
    if (location !== null) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.href.startsWith(CLIENT.redirectUri)) {
        const params = oauth.validateAuthResponse(as, client, next, state);
        const exchanged = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.ClientSecretBasic(CLIENT.secret),
          params,
          CLIENT.redirectUri,
          verifier,
          INSECURE,
        );
        const result = await oauth.processAuthorizationCodeResponse(as, client, exchanged, {
          expectedNonce: nonce,
          requireIdToken: true,
        });
        return String(result.id_token);
      }
      url = next.href;
      continue;
    }
    // An interaction page: the sign-in form (any user name) or the consent form.
    const page = await response.text();
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${page}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    if (prompt === 'login') form = { prompt, login: user, password: 'any' };
    else if (prompt === 'consent') form = { prompt };
    else throw new Error(`unexpected interaction page at ${url}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    if (action === undefined) throw new Error(`no form at ${url}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
  }
  throw new Error('the authorization code flow did not reach the redirect URI');
}
