/**
 * What the schemes read credentials from when a call did not come over HTTP (docs/contract.md C-7):
 * the credentials a gateway's handshake or a microservice message carries, in the shape of an HTTP
 * request (lower-case header names, a parsed query), so that every scheme reads them exactly as it
 * reads an HTTP request. Scheme callbacks (`validate`) receive it as their `request` argument.
 */
export interface TransportRequest {
  /** The Nest context type the call came through: `graphql` (subscriptions), `ws` or `rpc`. */
  readonly transport: 'graphql' | 'ws' | 'rpc';
  /** Header-like credentials by lower-case name, e.g. `authorization`, `x-api-key`, `cookie`. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Query parameters of the handshake (socket.io, a WebSocket upgrade URL), when there are any. */
  readonly query: Readonly<Record<string, unknown>>;
  /** The client's address when the transport reports one (failed-attempt throttling uses it). */
  readonly ip: string | undefined;
}

/** Header-like credentials as a transport carries them, e.g. `{ authorization: 'Bearer …' }`. */
export type CredentialHeaders = Readonly<Record<string, unknown>>;

/**
 * Lower-cases the names of string-valued entries, later sources overriding earlier ones (anything
 * that is not a string is no credential and is ignored).
 */
function mergeHeaders(
  sources: readonly (CredentialHeaders | undefined)[],
): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = Object.create(null) as Record<
    string,
    string | undefined
  >;
  for (const source of sources) {
    if (source === null || typeof source !== 'object') continue;
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
      else if (Array.isArray(value) && typeof value[0] === 'string')
        headers[name.toLowerCase()] = value[0];
    }
  }
  return headers;
}

/** Builds a {@link TransportRequest} from header-like sources (later sources win). */
export function transportRequest(
  transport: TransportRequest['transport'],
  sources: readonly (CredentialHeaders | undefined)[],
  query: unknown,
  ip: unknown,
): TransportRequest {
  return {
    transport,
    headers: mergeHeaders(sources),
    query: query !== null && typeof query === 'object' ? (query as Record<string, unknown>) : {},
    ip: typeof ip === 'string' ? ip : undefined,
  };
}

/** Whether a value looks like an HTTP request of Node, Express or Fastify (it has a headers object). */
export function isHttpRequest(value: unknown): value is { headers: CredentialHeaders } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { headers?: unknown }).headers === 'object' &&
    (value as { headers?: unknown }).headers !== null
  );
}
