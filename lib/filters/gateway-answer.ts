import type { ArgumentsHost } from '@nestjs/common';
import type { AuthError } from '../errors/auth.error.js';
import { transportPayload } from './transport-payload.js';

/** The event a refused gateway message is answered with, as Nest's own WebSocket filter names it. */
export const GATEWAY_ERROR_EVENT = 'exception';

/**
 * A gateway message's answer: on socket.io the `exception` event, and the acknowledgement when
 * the client asked for one; on `ws`, a `{ event: 'exception', data }` message.
 */
export function answerGateway(error: AuthError, host: ArgumentsHost): void {
  const payload = transportPayload(error);
  const args = host.getArgs<unknown[]>();
  const client = args[0] as {
    handshake?: unknown;
    emit?: (event: string, data: unknown) => unknown;
    send?: (data: string) => unknown;
    readyState?: number;
  } | null;
  // A gateway handler's arguments are (client, data, ack?, …): socket.io passes the acknowledgement
  // third when the client asked for one, `ws` passes the event name there, and Nest (since 11)
  // appends the message pattern last, so the acknowledgement is the first function after the data.
  const ack = args.slice(2).find((arg) => typeof arg === 'function');
  if (ack !== undefined) (ack as (data: unknown) => void)(payload);
  if (client?.handshake !== undefined && typeof client.emit === 'function') {
    client.emit(GATEWAY_ERROR_EVENT, payload);
  } else if (typeof client?.send === 'function' && client.readyState === 1) {
    client.send(JSON.stringify({ event: GATEWAY_ERROR_EVENT, data: payload }));
  }
}
