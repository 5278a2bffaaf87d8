import type { ExecutionContext } from '@nestjs/common';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';
import { callKey, isKnownTransport } from './call-request.js';

/**
 * Auth contexts of non-HTTP calls, by call (see `callKey`) and handler: what `@Principal()` and
 * `@AuthContext()` read in a resolver, a gateway handler or a message handler. Only read by the
 * parameter decorators: the guard verifies every call itself.
 */
const contexts = new WeakMap<object, WeakMap<Function, AuthContext>>();

/** Keeps the auth context the guard established for a call. */
export function rememberCallContext(context: ExecutionContext, auth: AuthContext): void {
  const type = context.getType<string>();
  if (!isKnownTransport(type)) return;
  const key = callKey(type, context);
  if (key === undefined) return;
  let byHandler = contexts.get(key);
  if (!byHandler) contexts.set(key, (byHandler = new WeakMap()));
  byHandler.set(context.getHandler(), auth);
}

/** The auth context of a non-HTTP call, if the guard established one. */
export function callContextOf(context: ExecutionContext): AuthContext | undefined {
  const type = context.getType<string>();
  if (!isKnownTransport(type)) return undefined;
  const key = callKey(type, context);
  return key === undefined ? undefined : contexts.get(key)?.get(context.getHandler());
}
