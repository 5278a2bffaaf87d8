import type { RpcOptions } from '../interfaces/auth-options.interface.js';
import { transportRequest, type TransportRequest } from './transport-request.js';

/**
 * What the schemes read for a microservice message: what `rpc.credentials(data, context)` finds in
 * it. Without that option a message carries no credentials, and every covered handler is refused
 * with `credentials_missing` (fail closed).
 */
export function rpcRequest(
  options: RpcOptions | undefined,
  data: unknown,
  rpcContext: unknown,
): TransportRequest {
  const found = options?.credentials?.(data, rpcContext);
  return transportRequest('rpc', [found ?? undefined], undefined, undefined);
}
