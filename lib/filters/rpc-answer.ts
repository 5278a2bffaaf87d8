import { throwError, type Observable } from 'rxjs';
import type { AuthError } from '../errors/auth.error.js';
import { transportPayload } from './transport-payload.js';

/** A microservice call's answer: an RPC error that reaches the client (never silence). */
export function rpcFailure(error: AuthError): Observable<never> {
  const payload = transportPayload(error);
  return throwError(() => payload);
}
