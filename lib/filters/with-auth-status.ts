import { GRAPHQL_HTTP_ANSWER, type GraphqlAuthError } from './graphql-answer.js';

/** What a Mercurius error formatter returns. */
interface FormattedExecution {
  readonly statusCode: number;
  readonly response: unknown;
}

/** The errors of a Mercurius execution, as its error formatter receives them. */
interface ExecutionLike {
  readonly errors?: readonly unknown[];
}

/** The HTTP answer the filter chose for an operation refused as a whole, if one was. */
function refusal(
  errors: readonly unknown[] | undefined,
): GraphqlAuthError[typeof GRAPHQL_HTTP_ANSWER] {
  for (const error of errors ?? []) {
    const original = (error as { originalError?: Partial<GraphqlAuthError> } | null)?.originalError;
    const answer = original?.[GRAPHQL_HTTP_ANSWER];
    if (answer !== undefined) return answer;
  }
  return undefined;
}

/**
 * Wraps a Mercurius `errorFormatter` so that an operation refused as a whole for want of valid
 * credentials answers HTTP 401 (or 400) instead of 200 (Mercurius sets the status after the
 * resolvers ran, from its formatter; the `WWW-Authenticate` challenges are already on the reply):
 *
 * ```ts
 * import mercurius from 'mercurius';
 * GraphQLModule.forRoot<MercuriusDriverConfig>({
 *   driver: MercuriusDriver,
 *   errorFormatter: withAuthStatus(mercurius.defaultErrorFormatter),
 * });
 * ```
 */
export function withAuthStatus<
  TExecution extends ExecutionLike,
  TContext,
  TResult extends FormattedExecution,
>(
  formatter: (execution: TExecution, context: TContext) => TResult,
): (execution: TExecution, context: TContext) => TResult {
  return (execution, context) => {
    const result = formatter(execution, context);
    const answer = refusal(execution.errors);
    return answer === undefined ? result : { ...result, statusCode: answer.status };
  };
}
