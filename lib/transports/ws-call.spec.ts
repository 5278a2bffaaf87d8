import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { recordUpgrades } from './upgrade-requests.js';
import { wsRequest } from './ws-call.js';

/* docs/contract.md C-7: where a gateway message's credentials are found. */

describe('wsRequest', () => {
  it('C-7: socket.io: the handshake headers, overridden by the auth payload, and the handshake query', () => {
    const client = {
      handshake: {
        headers: { authorization: 'Bearer header', 'user-agent': 'x' },
        auth: { authorization: 'Bearer auth-payload' },
        query: { api_key: 'k' },
        address: '127.0.0.2',
      },
    };
    expect(wsRequest(client)).toEqual({
      transport: 'ws',
      headers: { authorization: 'Bearer auth-payload', 'user-agent': 'x' },
      query: { api_key: 'k' },
      ip: '127.0.0.2',
    });
  });

  it('C-7: ws: the upgrade request recorded for the client’s socket', () => {
    const server = new EventEmitter();
    // A WebSocket server listens for upgrades (the recorder only runs beside one).
    server.on('upgrade', () => undefined);
    recordUpgrades(server);
    const socket = {};
    server.emit('upgrade', {
      socket,
      headers: { authorization: 'Basic YTpi' },
      url: '/?api_key=z',
    });
    expect(wsRequest({ _socket: socket })).toMatchObject({
      headers: { authorization: 'Basic YTpi' },
      query: { api_key: 'z' },
    });
  });

  it('C-3: listens for upgrades only beside a WebSocket server, first, and stops with the last one', () => {
    const server = new EventEmitter();
    recordUpgrades(server);
    // Alone, a listener would keep Node from answering an `Upgrade: h2c` request as a normal one.
    expect(server.listenerCount('upgrade')).toBe(0);
    const websocketServer = (): void => undefined;
    server.on('upgrade', websocketServer);
    expect(server.listeners('upgrade')).toHaveLength(2);
    expect(server.listeners('upgrade')[1]).toBe(websocketServer);
    server.removeListener('upgrade', websocketServer);
    expect(server.listenerCount('upgrade')).toBe(0);
    // A later WebSocket server gets the recorder again.
    server.on('upgrade', websocketServer);
    expect(server.listenerCount('upgrade')).toBe(2);
  });

  it('C-7: a client of an unrecorded server, or no client, has nothing to read', () => {
    expect(wsRequest({ _socket: {} })).toBeUndefined();
    expect(wsRequest(undefined)).toBeUndefined();
    expect(wsRequest('client')).toBeUndefined();
  });
});
