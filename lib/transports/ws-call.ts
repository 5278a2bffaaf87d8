import { queryOf } from './graphql-call.js';
import { upgradeRequestOf } from './upgrade-requests.js';
import {
  transportRequest,
  type CredentialHeaders,
  type TransportRequest,
} from './transport-request.js';

/** The handshake of a socket.io client socket. */
interface SocketIoHandshake {
  readonly headers?: CredentialHeaders;
  readonly auth?: CredentialHeaders;
  readonly query?: unknown;
  readonly address?: unknown;
}

/**
 * What the schemes read for a gateway message: the connection's handshake, verified again for
 * every message (through the verification cache, so a repeated credential costs a lookup).
 * - socket.io: the handshake headers, overridden by the `auth` payload (`io(url, { auth: {
 *   authorization: 'Bearer …' } })`, what browsers can send), and the handshake query;
 * - `ws` (@nestjs/platform-ws): the headers and query of the upgrade request, when the gateway
 *   shares the application's HTTP server (see `upgrade-requests.ts`).
 * `undefined` when the client is neither (the message is then refused).
 */
export function wsRequest(client: unknown): TransportRequest | undefined {
  if (client === null || typeof client !== 'object') return undefined;
  const handshake = (client as { handshake?: SocketIoHandshake }).handshake;
  if (handshake !== null && typeof handshake === 'object') {
    return transportRequest(
      'ws',
      [handshake.headers, handshake.auth],
      handshake.query,
      handshake.address,
    );
  }
  const upgrade = upgradeRequestOf(client);
  if (upgrade === undefined) return undefined;
  return transportRequest(
    'ws',
    [upgrade.headers],
    queryOf(upgrade.url),
    upgrade.socket?.remoteAddress,
  );
}
