import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import mercurius from 'mercurius';
import { withAuthStatus } from 'nest-http-auth';
import type { Adapter } from '../config/sample-config.js';
import { SampleResolver } from './sample.resolver.js';

/** Where GraphQL is served (`POST /graphql`). */
export const GRAPHQL_PATH = '/graphql';

/** What both drivers share: code-first, the schema built in memory, no landing page. */
const COMMON = {
  path: GRAPHQL_PATH,
  autoSchemaFile: true,
  sortSchema: true,
} as const;

/**
 * `GraphQLModule` for the sample's platform: Apollo on Express, Mercurius on Fastify (each driver
 * registers its route on its own platform only), serving {@link SampleResolver} at `POST /graphql`.
 * No GraphiQL or landing page, no stack traces in errors. Apollo keeps its CSRF prevention (on by
 * default): a POST must say `Content-Type: application/json`. An operation refused as a whole for
 * want of credentials is an HTTP 401 with the `WWW-Authenticate` challenges of the REST routes
 * (same `AuthModule`, same schemes): on Apollo with `preserveHttpStatusForExecutionErrors: false`
 * (by default Nest's driver answers 200 to every response that has `data`), on Mercurius through
 * `withAuthStatus()` around its error formatter.
 *
 * The route is registered by the driver, not by a controller: it is not part of the OpenAPI document.
 */
export function sampleGraphqlModule(adapter: Adapter): DynamicModule {
  const graphql =
    adapter === 'express'
      ? GraphQLModule.forRoot<ApolloDriverConfig>({
          ...COMMON,
          driver: ApolloDriver,
          playground: false,
          // Errors carry code and reason, never a stack trace (Apollo adds one outside production).
          includeStacktraceInErrorResponses: false,
          // Nest's Apollo driver otherwise resets the status of every response with `data` to 200,
          // so a refused `{ me }` would be a 200 carrying the challenges instead of a 401.
          preserveHttpStatusForExecutionErrors: false,
        })
      : GraphQLModule.forRoot<MercuriusDriverConfig>({
          ...COMMON,
          driver: MercuriusDriver,
          graphiql: false,
          errorFormatter: withAuthStatus(mercurius.defaultErrorFormatter),
        });
  return { module: SampleGraphqlModule, imports: [graphql], providers: [SampleResolver] };
}

/** The module {@link sampleGraphqlModule} configures. */
@Module({})
export class SampleGraphqlModule {}
