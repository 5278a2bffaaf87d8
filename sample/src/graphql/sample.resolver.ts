import { Query, Resolver } from '@nestjs/graphql';
import { Auth, type AuthContext, CurrentAuth, Public } from 'nest-http-auth';
import type { SamplePrincipal } from '../auth/sample-principal.js';
import { HealthModel } from './health.model.js';
import { MeModel } from './me.model.js';

/**
 * The sample's GraphQL queries, guarded by the same global `AuthGuard` and the same `@Auth()`
 * declarations as the REST routes (CONTRACT C-7): the module's default (Bearer) applies to every
 * resolver that says nothing.
 */
@Resolver()
export class SampleResolver {
  /** Open to everyone, like `GET /health`. */
  @Query(() => HealthModel, { description: 'Open to everyone.' })
  @Public()
  health(): HealthModel {
    return { status: 'ok' };
  }

  /**
   * Bearer or Basic, in that order, like `GET /me`; the answer is built as `MeController.me()`
   * builds it, from the auth context the guard established for this field. Without valid
   * credentials the field is `null` with an `UNAUTHENTICATED` error (HTTP 401 with the challenges
   * when it is the only root field). Nullable (`me: Me`), as fields that depend on the caller
   * usually are: a refused `me` does not null the other root fields of the same query.
   */
  @Query(() => MeModel, { nullable: true, description: 'Who is calling: Bearer or Basic.' })
  @Auth('bearer', 'basic')
  me(@CurrentAuth() context: AuthContext): MeModel {
    const user = context.principal as SamplePrincipal;
    return { username: user.username, roles: user.roles, scheme: context.scheme ?? '' };
  }
}
