/**
 * The error that `result`, a promise, rejects with. Fails the test when it resolves, or when
 * `result` is no promise at all (a guard or verifier that answered at once).
 */
export async function rejection<T = unknown>(result: unknown): Promise<T> {
  if (!(result instanceof Promise)) throw new Error('expected a rejected promise, got no promise');
  try {
    await result;
  } catch (error) {
    return error as T;
  }
  throw new Error('expected a rejection, got a result');
}
