import type { ExecutionContext } from '@nestjs/common';
import type { RpcOptions } from '../interfaces/auth-options.interface.js';
import { graphqlRequest } from './graphql-call.js';
import { rpcRequest } from './rpc-call.js';
import { wsRequest } from './ws-call.js';

/** The transports whose calls the guard can read credentials from (HTTP has its own path). */
export type TransportType = 'graphql' | 'ws' | 'rpc';

/** Whether the guard knows how to read credentials from a context type. */
export function isKnownTransport(type: string): type is TransportType {
  return type === 'graphql' || type === 'ws' || type === 'rpc';
}

/**
 * The request-like object the schemes read for a call of a non-HTTP transport (an HTTP request for
 * a GraphQL operation over HTTP, else a `TransportRequest`), or `undefined` when the call carries
 * nothing readable.
 */
export function callRequest(
  type: TransportType,
  context: ExecutionContext,
  rpc: RpcOptions | undefined,
): object | undefined {
  switch (type) {
    case 'graphql':
      // A resolver's arguments: (root, args, context, info).
      return graphqlRequest(context.getArgByIndex(2));
    case 'ws':
      // A gateway handler's arguments: (client, data, ack?).
      return wsRequest(context.getArgByIndex(0));
    case 'rpc':
      // A message handler's arguments: (data, context).
      return rpcRequest(rpc, context.getArgByIndex(0), context.getArgByIndex(1));
  }
}

/**
 * The object that identifies one call of a handler, under which its auth context is kept for
 * `@Principal()`: a resolver call's `info` (one per field resolution), a message's transport
 * context, a gateway's client (its credentials are the connection's).
 */
export function callKey(type: TransportType, context: ExecutionContext): object | undefined {
  const key: unknown = context.getArgByIndex(type === 'graphql' ? 3 : type === 'rpc' ? 1 : 0);
  return key !== null && typeof key === 'object' ? key : undefined;
}
