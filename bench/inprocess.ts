/**
 * The in-process measurement (issue 16, part 0): the same bench apps and routes as the autocannon
 * run, dispatched without sockets (Fastify's `inject()`, light-my-request on the Express app, the
 * path Fastify's own `inject()` takes), one request at a time, in this process. A case is measured
 * in blocks interleaved with blocks of `open` (e.g. 1,000 requests of the case, 1,000 of open,
 * then open first, repeated); a block's cost is the process's CPU time (`process.cpuUsage()`: user + system, every
 * thread, so WebCrypto work on libuv's pool counts) per request, and a block pair's ratio is open's
 * CPU µs per request over the case's. Reported: the median ratio and its interquartile range over
 * the block pairs. Other processes slow both blocks of a pair alike: the ratio moves little.
 *
 * Without sockets and HTTP parsing a request costs much less, so these ratios are lower than the
 * autocannon ones: they show the module's own work, the autocannon ones what a client sees.
 */
import inject from 'light-my-request';
import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Adapter, type BenchVariant, createBenchApp } from './app.js';
import { type AppName, type BenchCase, openOf } from './cases.js';
import { quantile } from './numbers.js';
import type { TokenFeed } from './token-pools.js';

/** How many blocks and requests per block. */
export interface InProcessOptions {
  readonly blocks: number;
  readonly blockSize: number;
}

/** One case's in-process result. */
export interface InProcessResult {
  /** Median over block pairs of open's CPU µs per request / the case's. */
  readonly ratio: number;
  /** First and third quartile of those ratios. */
  readonly iqr: readonly [number, number];
  readonly min: number;
  readonly max: number;
  /** Median CPU µs per request of the case's blocks, and of the open blocks paired with them. */
  readonly cpu: number;
  readonly openCpu: number;
}

type Dispatch = (path: string, headers: Record<string, string>) => Promise<number>;

/** Sends a request without a socket; resolves its status. */
function dispatcher(adapter: Adapter, app: INestApplication): Dispatch {
  if (adapter === 'fastify') {
    const fastify = app as NestFastifyApplication;
    return async (url, headers) =>
      (await fastify.inject({ method: 'GET', url, headers })).statusCode;
  }
  const express = app.getHttpAdapter().getInstance() as Parameters<typeof inject>[0];
  return async (url, headers) =>
    (await inject(express, { method: 'GET', url, headers })).statusCode;
}

/** The headers of one request of a case (a new token for a fed case). */
function headersOf(
  c: BenchCase,
  feeds: Partial<Record<string, TokenFeed>>,
): Record<string, string> {
  if (c.feed === undefined) return { ...c.headers };
  return { ...c.headers, authorization: `Bearer ${feeds[c.feed]!.take()}` };
}

/** CPU µs per request of `count` requests of a case; fails on an unexpected status. */
async function block(
  dispatch: Dispatch,
  c: BenchCase,
  count: number,
  feeds: Partial<Record<string, TokenFeed>>,
): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const status = await dispatch(c.path, headersOf(c, feeds));
    if (status !== c.status)
      throw new Error(
        `in process ${c.name}: GET ${c.path} answered ${status}, expected ${c.status}`,
      );
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / count;
}

/**
 * Measures `cases` in process on one adapter, each app variant built once (`variants` says how);
 * cases fed with tokens take them from `feeds` (rewound per app).
 */
export async function measureInProcess(
  adapter: Adapter,
  cases: readonly BenchCase[],
  variants: Readonly<Record<AppName, BenchVariant>>,
  feeds: Partial<Record<string, TokenFeed>>,
  options: InProcessOptions,
): Promise<Map<BenchCase, InProcessResult>> {
  const results = new Map<BenchCase, InProcessResult>();
  const apps = [...new Set(cases.map((c) => c.app))];
  for (const appName of apps) {
    const app = await createBenchApp(adapter, variants[appName]);
    await app.init();
    for (const feed of Object.values(feeds)) feed?.rewind();
    try {
      const dispatch = dispatcher(adapter, app);
      const open = openOf(appName);
      const own = cases.filter((c) => c.app === appName && c.name !== 'open');
      // Warm-up: every route and code path compiled before anything is measured.
      for (const c of [open, ...own]) await block(dispatch, c, options.blockSize, feeds);
      const ratios = new Map<BenchCase, number[]>(own.map((c) => [c, []]));
      const cpu = new Map<BenchCase, number[]>(own.map((c) => [c, []]));
      const openCpus = new Map<BenchCase, number[]>(own.map((c) => [c, []]));
      for (let b = 0; b < options.blocks; b++) {
        for (const c of own) {
          // Case then open, then open then case: a drift in the machine's speed favours neither.
          const first = b % 2 === 0 ? c : open;
          const firstCpu = await block(dispatch, first, options.blockSize, feeds);
          const secondCpu = await block(dispatch, first === c ? open : c, options.blockSize, feeds);
          const [caseCpu, openCpu] = first === c ? [firstCpu, secondCpu] : [secondCpu, firstCpu];
          ratios.get(c)!.push(openCpu / caseCpu);
          cpu.get(c)!.push(caseCpu);
          openCpus.get(c)!.push(openCpu);
        }
      }
      for (const c of own) {
        const values = ratios.get(c)!;
        results.set(c, {
          ratio: quantile(values, 0.5),
          iqr: [quantile(values, 0.25), quantile(values, 0.75)],
          min: Math.min(...values),
          max: Math.max(...values),
          cpu: quantile(cpu.get(c)!, 0.5),
          openCpu: quantile(openCpus.get(c)!, 0.5),
        });
      }
    } finally {
      await app.close();
    }
  }
  return results;
}
