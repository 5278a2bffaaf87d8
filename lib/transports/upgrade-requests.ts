import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/**
 * The WebSocket upgrade requests of the application's HTTP server, by their TCP socket. A client of
 * the `ws` library keeps no reference to the request it was upgraded from, but it keeps the socket
 * (`_socket`, a field `ws` has had in every major version), which is the request's socket.
 */
const upgrades = new WeakMap<Socket, IncomingMessage>();

/** An HTTP server, as far as recording its upgrade requests goes. */
interface UpgradeEmitter {
  prependListener(event: string, listener: (request: IncomingMessage) => void): unknown;
  on(event: string, listener: (event: string | symbol) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount(event: string): number;
}

function isUpgradeEmitter(server: unknown): server is UpgradeEmitter {
  const emitter = server as Partial<UpgradeEmitter> | null | undefined;
  return (
    typeof emitter?.prependListener === 'function' &&
    typeof emitter.on === 'function' &&
    typeof emitter.removeListener === 'function' &&
    typeof emitter.listenerCount === 'function'
  );
}

/** The servers whose upgrade requests are recorded (once each). */
const recordedServers = new WeakSet<object>();

function record(request: IncomingMessage): void {
  if (request.socket) upgrades.set(request.socket, request);
}

/**
 * Records the upgrade requests of a server, for {@link upgradeRequestOf}, while a WebSocket server
 * listens to its `upgrade` event (a `ws` server of @nestjs/platform-ws, socket.io, graphql-ws):
 * Node answers a request that asks for an upgrade (e.g. curl's `Upgrade: h2c`) as an ordinary
 * request only when nothing listens to `upgrade`, so a listener of this module alone would leave
 * such requests unanswered. The recorder runs before the WebSocket server's own listener, so a
 * client's request is known before its first message.
 */
export function recordUpgrades(server: unknown): void {
  if (!isUpgradeEmitter(server) || recordedServers.has(server)) return;
  recordedServers.add(server);
  const attach = (): void => {
    server.prependListener('upgrade', record);
    server.on('removeListener', detach);
  };
  const watch = (event: string | symbol): void => {
    // Emitted before the WebSocket server's listener is added.
    if (event !== 'upgrade') return;
    server.removeListener('newListener', watch);
    attach();
  };
  const detach = (event: string | symbol): void => {
    // The last WebSocket server stopped listening (e.g. its adapter was disposed).
    if (event !== 'upgrade' || server.listenerCount('upgrade') !== 1) return;
    server.removeListener('removeListener', detach);
    server.removeListener('upgrade', record);
    server.on('newListener', watch);
  };
  if (server.listenerCount('upgrade') > 0) attach();
  else server.on('newListener', watch);
}

/** The upgrade request of a `ws` client, when the server it came through was recorded. */
export function upgradeRequestOf(client: object): IncomingMessage | undefined {
  const socket = (client as { _socket?: unknown })._socket;
  return socket !== null && typeof socket === 'object' ? upgrades.get(socket as Socket) : undefined;
}

/** Records the upgrade requests of the application's HTTP server (for gateways on the `ws` adapter). */
@Injectable()
export class UpgradeRequests implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter as { getHttpServer?: () => unknown } | undefined;
    if (typeof adapter?.getHttpServer === 'function') recordUpgrades(adapter.getHttpServer());
  }
}
