import type { ExecutionContext } from '@nestjs/common';
import { AuthenticationError, withoutStack } from '../errors/auth.error.js';
import { routeName } from '../core/route-plan.js';

/**
 * The denial of a call that came through a context type the module cannot read credentials from
 * (a custom transport): fail closed (docs/contract.md C-7), naming the handler and the way out.
 */
export function unsupportedTransport(type: string, context: ExecutionContext): AuthenticationError {
  return withoutStack(
    () =>
      new AuthenticationError('credentials_missing', {
        message:
          `${routeName(context.getClass(), context.getHandler())} was called through the "${type}" ` +
          'context type, from which nest-http-auth cannot read credentials: the call is denied. ' +
          'Mark the handler @Public() if it needs no authentication.',
      }),
  );
}
