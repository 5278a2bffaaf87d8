import { SetMetadata } from '@nestjs/common';
import { AUTH_METADATA } from '../auth.constants.js';
import type { AuthMetadata } from '../interfaces/auth-metadata.interface.js';

const PUBLIC: AuthMetadata = { public: true };

/** Opts a route (or a controller) out of the module's default schemes and out of a class-level `@Auth()`. */
export function Public(): ClassDecorator & MethodDecorator {
  return SetMetadata(AUTH_METADATA, PUBLIC);
}
