/**
 * Polls `probe` every 20 ms until it returns true, for at most 3 s (connections to Redis and pub/sub
 * delivery are asynchronous); then fails, naming `what` was awaited.
 */
export async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}
