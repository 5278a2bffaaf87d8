import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';

/**
 * The demo client of the local authorization server: a confidential client that may use the
 * client_credentials grant and the authorization code grant (with PKCE) from the sample's Swagger
 * UI (its redirect URI is Swagger UI's `oauth2-redirect.html` at the sample's `/docs`).
 */
export const DEMO_CLIENT = {
  id: 'sample-docs',
  secret: 'sample-docs-secret-0123456789abcdef',
} as const;

/** The scopes the local authorization server grants for the sample. */
export const IDP_SCOPES = 'openid sample:read';

/** Options of {@link startIdp}. */
export interface IdpOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** The sample's `PUBLIC_URL`: the audience of the access tokens and the base of the redirect URI. */
  readonly sampleUrl: string;
}

/** A running local authorization server. */
export interface Idp {
  /** Its issuer identifier, `http://127.0.0.1:<port>`: the sample's `OIDC_ISSUER`. */
  readonly issuer: string;
  /** Swagger UI's redirect URI registered for {@link DEMO_CLIENT}. */
  readonly redirectUri: string;
  /** Stops listening. */
  close(): Promise<void>;
}

interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type ProviderClass = new (
  issuer: string,
  configuration: Record<string, unknown>,
) => ProviderInstance;

/**
 * Starts oidc-provider (a certified OpenID Provider; a development dependency of the repository)
 * on 127.0.0.1, with {@link DEMO_CLIENT}, a fresh RS256 signing key, its development sign-in form
 * (any user name and password) and RFC 9068 JWT access tokens for the sample (RFC 8707: the
 * resource is the sample's `PUBLIC_URL`, also the default when a client names none). For trying
 * the OAuth flows on one machine only: nothing is kept, nothing is secret.
 */
export async function startIdp(options: IdpOptions): Promise<Idp> {
  return withoutProviderNotices(() => start(options));
}

/**
 * Runs `run` with oidc-provider's development notices (printed through console.warn/info on import
 * and construction: the dev interactions, the cookie keys…) dropped: this server is for
 * development only, and says so itself.
 */
export async function withoutProviderNotices<T>(run: () => Promise<T>): Promise<T> {
  /* eslint-disable no-console -- only oidc-provider's own notices are dropped. */
  const { warn, info } = console;
  const keep =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return;
      original(...args);
    };
  console.warn = keep(warn);
  console.info = keep(info);
  try {
    return await run();
  } finally {
    console.warn = warn;
    console.info = info;
  }
  /* eslint-enable no-console */
}

async function start(options: IdpOptions): Promise<Idp> {
  // @ts-expect-error oidc-provider ships no type declarations; ProviderClass types what is used.
  const { default: Provider } = (await import('oidc-provider')) as { default: ProviderClass };
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const key = { ...(await exportJWK(privateKey)), kid: 'sample-idp', alg: 'RS256', use: 'sig' };
  const sampleUrl = options.sampleUrl.replace(/\/$/, '');
  const redirectUri = `${sampleUrl}/docs/oauth2-redirect.html`;
  // Created once the port, and so the issuer, is known.
  const ready: { provider?: ProviderInstance } = {};
  const server: Server = createServer((req, res) => {
    if (ready.provider) ready.provider.callback()(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ready.provider = new Provider(issuer, {
    clients: [
      {
        client_id: DEMO_CLIENT.id,
        client_secret: DEMO_CLIENT.secret,
        grant_types: ['client_credentials', 'authorization_code'],
        response_types: ['code'],
        redirect_uris: [redirectUri],
      },
    ],
    jwks: { keys: [key] },
    cookies: { keys: ['sample-idp-cookie-signing-key'] },
    ttl: {
      AccessToken: 3600,
      ClientCredentials: 3600,
      IdToken: 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    scopes: IDP_SCOPES.split(' '),
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    pkce: { required: () => true },
    clientBasedCORS: () => true,
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => sampleUrl,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== sampleUrl) throw new Error(`unknown resource ${resource}`);
          return {
            scope: 'sample:read',
            audience: sampleUrl,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 3600,
          };
        },
      },
    },
  });
  return {
    issuer,
    redirectUri,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
