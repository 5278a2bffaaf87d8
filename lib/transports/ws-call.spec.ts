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

  it('C-7: a client of an unrecorded server, or no client, has nothing to read', () => {
    expect(wsRequest({ _socket: {} })).toBeUndefined();
    expect(wsRequest(undefined)).toBeUndefined();
    expect(wsRequest('client')).toBeUndefined();
  });
});
