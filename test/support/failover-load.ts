import { expect, jest } from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';

/** Polls `probe` until it returns true, every 50 ms for at most `ms`. */
export async function until(probe: () => Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One answer seen by the load loop. */
export interface Answer {
  /** Which request (the `name` of a {@link LoadRequest}). */
  readonly name: string;
  readonly status: number;
  /** The `Retry-After` header, if any. */
  readonly retryAfter: string | null;
  /** When the answer arrived (`Date.now()`). */
  readonly at: number;
}

/** A request the load loop repeats. */
export interface LoadRequest {
  readonly name: string;
  readonly path: string;
  readonly authorization: string;
}

/** A running load: {@link stop} ends it and returns every answer, in order of arrival. */
export interface Load {
  /** The answers so far. */
  readonly answers: readonly Answer[];
  stop(): Promise<readonly Answer[]>;
}

/**
 * Sends `requests` in turn from `concurrency` loops against a listening application until
 * stopped, recording each status (a request that fails at the socket level counts as status 0).
 */
export async function startLoad(
  app: INestApplication,
  requests: readonly LoadRequest[],
  concurrency = 8,
): Promise<Load> {
  await app.listen(0, '127.0.0.1');
  const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const answers: Answer[] = [];
  let running = true;
  const loop = async (offset: number) => {
    for (let i = offset; running; i++) {
      const { name, path, authorization } = requests[i % requests.length]!;
      try {
        const res = await fetch(base + path, {
          headers: { authorization },
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        answers.push({
          name,
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          at: Date.now(),
        });
      } catch {
        answers.push({ name, status: 0, retryAfter: null, at: Date.now() });
      }
    }
  };
  const loops = Array.from({ length: concurrency }, (_, i) => loop(i));
  return {
    answers,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

/** How many answers of each status each request got, e.g. `{ revoked: { 401: 90, 503: 12 } }`. */
export function tally(answers: readonly Answer[]): Record<string, Record<number, number>> {
  const counts: Record<string, Record<number, number>> = {};
  for (const { name, status } of answers) {
    const byStatus = (counts[name] ??= {});
    byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  return counts;
}

/** Milliseconds between the first and the last 503 (0 when none): the outage as clients saw it. */
export function outageMs(answers: readonly Answer[]): number {
  const times = answers.filter((a) => a.status === 503).map((a) => a.at);
  return times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
}

/** The right answer to each request of {@link expectFailClosedFailover}'s load. */
const RIGHT: Record<string, number> = { revoked: 401, valid: 200 };

/**
 * Loads `app` (verifying on every request) with a revoked and a valid token on `/bearer`, runs
 * `failover` (kill a master, wait for the promotion) meanwhile, and waits until the last 20
 * answers are right again. Asserts that every answer was the right one or a 503 with
 * `Retry-After` (never a 200 for the revoked token, never a socket error), and that the only log
 * lines were the module's outage lines. Returns the answers.
 */
export async function expectFailClosedFailover(
  app: INestApplication,
  tokens: { readonly revoked: string; readonly valid: string },
  failover: () => Promise<void>,
): Promise<readonly Answer[]> {
  const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  let answers: readonly Answer[];
  let lines: string[];
  try {
    const load = await startLoad(
      app,
      (['revoked', 'valid'] as const).map((name) => ({
        name,
        path: '/bearer',
        authorization: `Bearer ${tokens[name]}`,
      })),
    );
    try {
      await until(async () => load.answers.length >= 40, 'the load runs');
      await failover();
      await until(async () => {
        const last = load.answers.slice(-20);
        return last.length === 20 && last.every((x) => x.status === RIGHT[x.name]);
      }, 'the application recovers');
    } finally {
      answers = await load.stop();
    }
  } finally {
    // Read before mockRestore(), which forgets the calls.
    lines = logged.mock.calls.map(([line]) => String(line));
    logged.mockRestore();
  }
  const counts = tally(answers);
  expect(counts['revoked']?.[401]).toBeGreaterThan(0);
  expect(counts['valid']?.[200]).toBeGreaterThan(0);
  expect(Object.keys(counts['revoked']!).filter((s) => s !== '401' && s !== '503')).toEqual([]);
  expect(Object.keys(counts['valid']!).filter((s) => s !== '200' && s !== '503')).toEqual([]);
  for (const answer of answers.filter((x) => x.status === 503))
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  for (const line of lines)
    expect(line).toMatch(
      /^(The auth store is unreachable \(.+\): answering 503 until it is back|Cache invalidations may not reach this instance \(.+\): answering 503 until its subscription is confirmed again)\.$/,
    );
  if (process.env['FAILOVER_REPORT'])
    process.stdout.write(`${JSON.stringify(counts)} 503s over ${outageMs(answers)} ms\n`);
  return answers;
}
