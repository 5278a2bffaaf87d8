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

/** Records the upgrade requests of a server, for {@link upgradeRequestOf}. */
export function recordUpgrades(server: unknown): void {
  const emitter = server as {
    on?: (event: string, listener: (request: IncomingMessage) => void) => void;
  };
  if (typeof emitter?.on !== 'function') return;
  emitter.on('upgrade', (request) => {
    if (request.socket) upgrades.set(request.socket, request);
  });
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
