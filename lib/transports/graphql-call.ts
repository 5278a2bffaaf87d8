import { isHttpRequest, transportRequest, type CredentialHeaders } from './transport-request.js';

/** The fields of a GraphQL context this module looks at (Apollo, Mercurius, graphql-ws). */
interface GraphqlContextLike {
  readonly req?: unknown;
  readonly request?: unknown;
  readonly reply?: { readonly request?: unknown };
  readonly extra?: { readonly request?: unknown };
  readonly connectionParams?: unknown;
  /** Mercurius keeps the `connection_init` payload of a subscription here. */
  readonly _connectionInit?: unknown;
}

function asContext(value: unknown): GraphqlContextLike | undefined {
  return value !== null && typeof value === 'object' ? value : undefined;
}

/**
 * The connection parameters of a subscription (the graphql-ws `connection_init` payload), where
 * Apollo under Nest (`context.req.connectionParams`, the graphql-ws context as `req`), an
 * application's own context function (`context.connectionParams`) or Mercurius
 * (`context._connectionInit`) put them.
 */
function connectionParamsOf(context: GraphqlContextLike): CredentialHeaders | undefined {
  const candidates = [
    context.connectionParams,
    asContext(context.req)?.connectionParams,
    context._connectionInit,
  ];
  for (const candidate of candidates) {
    if (candidate !== null && typeof candidate === 'object') return candidate as CredentialHeaders;
  }
  return undefined;
}

/** The HTTP request (or WebSocket upgrade request) of a GraphQL operation, where the servers keep it. */
function httpRequestOf(context: GraphqlContextLike): { headers: CredentialHeaders } | undefined {
  const req = asContext(context.req);
  const candidates = [
    context.req,
    context.request,
    context.reply?.request,
    req?.extra?.request,
    context.extra?.request,
  ];
  return candidates.find(isHttpRequest);
}

/**
 * What the schemes read for a GraphQL resolver call: the operation's HTTP request for queries and
 * mutations over HTTP; for a subscription over graphql-ws, the `connectionParams` (e.g.
 * `{ authorization: 'Bearer …' }`, what browsers can send) over the headers of the upgrade
 * request. `undefined` when the context holds neither (the call is then refused).
 */
export function graphqlRequest(gqlContext: unknown): object | undefined {
  const context = asContext(gqlContext);
  if (context === undefined) return undefined;
  const params = connectionParamsOf(context);
  const http = httpRequestOf(context);
  if (params === undefined) return http;
  const upgrade = http as { url?: unknown; socket?: { remoteAddress?: unknown } } | undefined;
  return transportRequest(
    'graphql',
    [http?.headers, params],
    queryOf(upgrade?.url),
    upgrade?.socket?.remoteAddress,
  );
}

/** The query parameters of a request URL such as `/graphql?api_key=…`. */
export function queryOf(url: unknown): Record<string, string | null> {
  if (typeof url !== 'string' || !url.includes('?')) return {};
  const query = Object.create(null) as Record<string, string | null>;
  for (const [name, value] of new URLSearchParams(url.slice(url.indexOf('?') + 1))) {
    // A repeated parameter is ambiguous: the schemes treat a non-string as malformed.
    query[name] = name in query ? null : value;
  }
  return query;
}
