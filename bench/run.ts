/**
 * `npm run bench [-- options]`: throughput of the bench apps (server.ts) per adapter, measured with
 * autocannon on 127.0.0.1, then the same cases in process (inprocess.ts: no sockets, CPU time per
 * request); with `--memory` the RSS of the app under a million distinct bad credentials; with
 * `--sample` the sample app's own routes. See docs/performance.md.
 *
 * Each case is measured between two measurements of the open route of its app, and its ratio is
 * taken against their mean: the speed of a shared machine drifts by more than the differences
 * measured here, and pairing cancels the drift. The app and the load generator are pinned to
 * different CPUs (Linux `taskset`), because the scheduler putting both on one CPU halves the
 * throughput at random. Warm credential cases are also compared with `reference_cache` (an open
 * route that does the cache lookup a warm request needs): their targets are relative to it.
 *
 * Cases fed with tokens (`cold_hs256`, `cold_rs256_jwks`, `zipf_100k`) send a new token per
 * request, signed before the run; each of their measurements is a fixed number of requests
 * (10,000, 5,000 and 20,000 per second of `--duration`), so that no cold token is ever sent twice.
 * `invalid_throttled` runs on an app with throttling on, `cold_rs256_jwks` on one whose keys come
 * from a JWKS served by this process; each has its own open route.
 *
 *   --quick                 1 round of 1 s per measurement, fewer in-process blocks (a smoke check)
 *   --adapter <name>        express or fastify (default: both; --memory: fastify)
 *   --json <file>           where the results go (default bench/results/latest.json)
 *   --connections <n>       concurrent connections (default 50)
 *   --duration <s>          seconds per measurement (default 3, --quick 1)
 *   --cases <a,b,...>       only these cases (open and reference_cache are always measured)
 *   --rounds <n>            measure every case n times; report medians (default 3, --quick 1)
 *   --no-pin                leave CPU placement to the scheduler
 *   --explain               also measure reference_header, an open route that only reads the Basic
 *                           credential (reference_cache, which also looks it up, is always measured)
 *   --inprocess             only the in-process measurement (no sockets, no autocannon)
 *   --no-inprocess          only the autocannon measurement
 *   --blocks <n>            in-process block pairs per case (default 20, --quick 6)
 *   --block-size <n>        requests per in-process block (default 1000, --quick 500; blocks of
 *                           200 vary several-fold, as a block catches a GC or not)
 *   --rate <n>              diagnostic: send n req/s (not as fast as possible), to compare the
 *                           app's CPU time per request of the cases at the same load
 *   --profile               run the app with --cpu-prof (profiles in bench/results/profiles)
 *   --memory                the memory check instead of the throughput cases
 *   --count <n>             requests of the memory check (default 1000000)
 *   --sample                the sample app's routes against its /health (sample-mode.ts; accepts
 *                           --quick, --adapter, --connections, --duration, --rounds, --no-pin,
 *                           --json, default bench/results/sample.json)
 *   --cluster, --load       the cluster and 1,000-connection modes (cluster.ts, load.ts)
 *
 * Exits non-zero on errors (the app fails, a case answers an unexpected status), never because a
 * target is missed: missed targets are listed at the end.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { wrongAnswers } from './answers.js';
import type { Adapter, BenchVariant } from './app.js';
import {
  ADAPTERS,
  type AppName,
  type BenchCase,
  benchCases,
  CASE_NAMES,
  type CaseName,
  EXPLAIN_NAMES,
  type FeedName,
  NEAR_POINTS,
  openOf,
} from './cases.js';
import { placeProcesses } from './cpu-placement.js';
import type { BenchMessage, BenchRequest } from './fixtures.js';
import { type InProcessResult, measureInProcess } from './inprocess.js';
import { type JwksServer, startJwksServer } from './jwks-server.js';
import { median, pad, percent, print } from './numbers.js';
import { runCluster } from './cluster.js';
import { runLoad } from './load.js';
import { runSample } from './sample-mode.js';
import { hs256Tokens, rs256Issuer, TokenFeed, zipfTokens } from './token-pools.js';
import { adaptersOf, COMMON_OPTIONS, positive, readArgs, UsageError, whole } from './cli.js';

interface Options {
  readonly adapters: readonly Adapter[];
  readonly quick: boolean;
  readonly json: string;
  readonly connections: number;
  readonly duration: number;
  readonly warmup: number;
  readonly cases: readonly CaseName[];
  readonly rounds: number;
  readonly pin: boolean;
  readonly explain: boolean;
  /** Run autocannon / the in-process measurement. */
  readonly autocannon: boolean;
  readonly inProcess: boolean;
  readonly blocks: number;
  readonly blockSize: number;
  readonly rate: number | undefined;
  readonly profile: boolean;
  readonly memory: boolean;
  readonly count: number;
}

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** The repository root: this file runs as dist/bench/run.js. */
const ROOT = resolve(BENCH_DIR, '..', '..');
const SERVER = join(BENCH_DIR, 'server.js');
const MiB = 1024 * 1024;
const MEMORY_LIMIT = 32 * MiB;
/** Tokens per measurement and per second of `--duration`, by feed. */
const FEED_RATE: Readonly<Record<FeedName, number>> = {
  cold_hs256: 10_000,
  cold_rs256: 5_000,
  zipf: 20_000,
};
/** Distinct tokens of the zipf case, and how many entries its memory step puts in the cache. */
const ZIPF_POPULATION = 100_000;
const CACHE_ENTRIES = 10_000;

function readOptions(argv: readonly string[]): Options {
  const args = readArgs(argv, {
    ...COMMON_OPTIONS,
    cases: { type: 'string' },
    explain: { type: 'boolean' },
    inprocess: { type: 'boolean' },
    'no-inprocess': { type: 'boolean' },
    blocks: { type: 'string' },
    'block-size': { type: 'string' },
    rate: { type: 'string' },
    profile: { type: 'boolean' },
    memory: { type: 'boolean' },
    count: { type: 'string' },
  });
  const quick = args.quick === true;
  const memory = args.memory === true;
  const autocannonOn = args.inprocess !== true;
  const inProcess = args['no-inprocess'] !== true;
  if (!autocannonOn && !inProcess)
    throw new UsageError('--inprocess and --no-inprocess leave nothing to measure');
  let cases: readonly CaseName[] = CASE_NAMES;
  if (args.cases !== undefined) {
    const names = args.cases.split(',');
    for (const name of names) {
      if (!(CASE_NAMES as readonly string[]).includes(name))
        throw new UsageError(`unknown case ${name} (cases: ${CASE_NAMES.join(', ')})`);
    }
    cases = CASE_NAMES.filter(
      (name) => name === 'open' || name === 'reference_cache' || names.includes(name),
    );
  }
  return {
    adapters: adaptersOf(args.adapter, memory ? ['fastify'] : ADAPTERS),
    quick,
    json:
      args.json === undefined ? join(ROOT, 'bench', 'results', 'latest.json') : resolve(args.json),
    connections: whole(args.connections, 'connections') ?? 50,
    duration: positive(args.duration, 'duration') ?? (quick ? 1 : 3),
    warmup: quick ? 1 : 3,
    cases,
    rounds: whole(args.rounds, 'rounds') ?? (quick ? 1 : 3),
    pin: args['no-pin'] !== true,
    explain: args.explain === true,
    autocannon: autocannonOn,
    inProcess,
    blocks: whole(args.blocks, 'blocks') ?? (quick ? 6 : 20),
    blockSize: whole(args['block-size'], 'block-size') ?? (quick ? 500 : 1000),
    rate: whole(args.rate, 'rate'),
    profile: args.profile === true,
    memory,
    count: whole(args.count, 'count') ?? 1_000_000,
  };
}

/** The bench app in a child process, stopped by its PID. */
class BenchApp {
  private exited = false;
  private requests = 0;
  private readonly exit: Promise<void>;

  private constructor(
    readonly adapter: Adapter,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exit = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', () => (this.exited = true));
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(
    adapter: Adapter,
    execArgv: readonly string[],
    variant: BenchVariant = {},
  ): Promise<BenchApp> {
    const child = fork(SERVER, [adapter, JSON.stringify(variant)], {
      cwd: ROOT,
      execArgv: [...execArgv],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${adapter} app: no port after 30 s`)),
        30_000,
      );
      child.on('message', (message: BenchMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.port);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${adapter} app exited before listening (${signal ?? `code ${code}`})`));
      });
    }).catch((error: unknown) => {
      stopChild(child);
      throw error;
    });
    return new BenchApp(adapter, child, port);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Fails if the app died during a measurement. */
  assertAlive(): void {
    if (this.exited) throw new Error(`the ${this.adapter} app (pid ${this.pid}) exited`);
  }

  /**
   * The app's RSS, heap, CPU time, verification-cache size and Bearer verifications; after a GC if
   * asked, and after emptying the cache if asked.
   */
  usage(gc: boolean, clearCache = false): Promise<Extract<BenchMessage, { type: 'usage' }>> {
    this.assertAlive();
    const id = ++this.requests;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no usage report after 10 s')), 10_000);
      const onMessage = (message: BenchMessage): void => {
        if (message.type !== 'usage' || message.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(message);
      };
      this.child.on('message', onMessage);
      const request: BenchRequest = { type: 'usage', id, gc, clearCache };
      this.child.send(request);
    });
  }

  /** SIGTERM (the app closes and exits normally), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    stopChild(this.child);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** Children still running, stopped by PID if the runner is interrupted or fails. */
const running = new Set<ChildProcess>();

function stopChild(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

function stopAll(): void {
  for (const child of running) stopChild(child);
}

process.once('SIGINT', () => {
  process.stderr.write('\ninterrupted: stopping the bench app\n');
  stopAll();
  process.exit(130);
});
process.once('SIGTERM', () => {
  stopAll();
  process.exit(143);
});

/** Everything a run prepares once for both adapters: the cases, their token feeds, the JWKS. */
interface Prepared {
  readonly cases: readonly BenchCase[];
  readonly feeds: Partial<Record<FeedName, TokenFeed>>;
  /** Distinct tokens for the zipf case's memory step. */
  readonly memoryTokens: readonly string[];
  /** How many distinct zipf tokens the sequence draws. */
  readonly zipfDistinct: number;
  readonly variants: Readonly<Record<AppName, BenchVariant>>;
  readonly jwks: JwksServer | undefined;
}

/** The apps in the order they are measured. */
const APP_NAMES: readonly AppName[] = ['main', 'throttle', 'jwks'];

async function prepare(options: Options): Promise<Prepared> {
  const cases = (await benchCases()).filter(
    (c) =>
      options.cases.includes(c.name) ||
      (options.explain && (EXPLAIN_NAMES as readonly CaseName[]).includes(c.name)),
  );
  const used = new Set(cases.map((c) => c.feed).filter((feed) => feed !== undefined));
  // Tokens one app takes from a cold feed: the check, the warm-up and every round (autocannon), or
  // the warm-up block and every block (in process); plus what autocannon may start beyond `amount`.
  const size = (feed: FeedName): number => {
    const perMeasurement = FEED_RATE[feed] * options.duration;
    const byAutocannon = options.autocannon
      ? (1 + options.rounds) * (perMeasurement + options.connections) + 1
      : 0;
    const byInProcess = options.inProcess ? (1 + options.blocks) * options.blockSize : 0;
    return Math.ceil(Math.max(byAutocannon, byInProcess) * 1.05) + 100;
  };
  const feeds: Partial<Record<FeedName, TokenFeed>> = {};
  let memoryTokens: readonly string[] = [];
  let zipfDistinct = 0;
  let jwks: JwksServer | undefined;
  const started = performance.now();
  if (used.has('cold_hs256')) {
    const per = FEED_RATE.cold_hs256 * options.duration;
    feeds.cold_hs256 = new TokenFeed(
      await hs256Tokens('bench-cold', size('cold_hs256')),
      per,
      false,
    );
  }
  if (used.has('cold_rs256')) {
    const issuer = await rs256Issuer();
    jwks = await startJwksServer(issuer.jwks);
    const per = FEED_RATE.cold_rs256 * options.duration;
    feeds.cold_rs256 = new TokenFeed(
      await issuer.tokens('bench-rs', size('cold_rs256')),
      per,
      false,
    );
  }
  if (used.has('zipf')) {
    const per = FEED_RATE.zipf * options.duration;
    const { sequence, distinct } = await zipfTokens(ZIPF_POPULATION, size('zipf'));
    feeds.zipf = new TokenFeed(sequence, per, true);
    zipfDistinct = distinct;
    if (options.autocannon) memoryTokens = await hs256Tokens('bench-memory', CACHE_ENTRIES + 1000);
  }
  if (used.size > 0) {
    const counts = Object.entries(feeds).map(([name, feed]) => `${name} ${feed.size}`);
    print(
      `signed tokens in ${((performance.now() - started) / 1000).toFixed(1)} s: ${counts.join(', ')}` +
        (zipfDistinct > 0 ? ` (zipf: ${zipfDistinct} distinct of ${ZIPF_POPULATION})` : ''),
    );
  }
  return {
    cases,
    feeds,
    memoryTokens,
    zipfDistinct,
    variants: { main: {}, throttle: { throttle: true }, jwks: { jwksUrl: jwks?.url ?? '' } },
    jwks,
  };
}

/** The feed of a case, if it sends a new token per request. */
function feedOf(c: BenchCase, prepared: Prepared): TokenFeed | undefined {
  return c.feed === undefined ? undefined : prepared.feeds[c.feed];
}

/** The headers of one request of a case (taking a token from its feed). */
function headersOf(c: BenchCase, feed: TokenFeed | undefined): Record<string, string> {
  return feed ? { ...c.headers, authorization: `Bearer ${feed.take()}` } : { ...c.headers };
}

/** One request, to check that a case answers what it should before it is measured. */
async function check(app: BenchApp, c: BenchCase, feed: TokenFeed | undefined): Promise<void> {
  const res = await fetch(app.url(c.path), { headers: headersOf(c, feed) });
  await res.arrayBuffer();
  if (res.status !== c.status) {
    throw new Error(
      `${app.adapter} ${c.name}: GET ${c.path} answered ${res.status}, expected ${c.status}`,
    );
  }
  if (c.status === 401 && !res.headers.get('www-authenticate')) {
    throw new Error(`${app.adapter} ${c.name}: 401 without WWW-Authenticate`);
  }
}

/**
 * Load on one case: for `seconds` as fast as possible (or at `rate`), or, for a fed case, its
 * feed's number of requests with a new token each.
 */
function load(
  app: BenchApp,
  c: BenchCase,
  feed: TokenFeed | undefined,
  connections: number,
  seconds: number,
  rate?: number,
): Promise<autocannon.Result> {
  const common = {
    url: app.url(c.path),
    connections,
    ...(rate === undefined ? {} : { overallRate: rate }),
  };
  if (feed === undefined)
    return autocannon({ ...common, headers: { ...c.headers }, duration: seconds });
  return autocannon({
    ...common,
    amount: feed.perMeasurement,
    requests: [
      {
        method: 'GET',
        path: c.path,
        setupRequest: (request) => ({ ...request, headers: headersOf(c, feed) }),
      },
    ],
  });
}

/** One measurement of a case: throughput, and the app's CPU time per request. */
interface Sample {
  readonly rps: number;
  /** The app's CPU time per request in user space (JavaScript, Node, libraries), in µs. */
  readonly userPerRequest: number;
  /** The app's CPU time per request in the kernel (mostly loopback socket writes), in µs. */
  readonly systemPerRequest: number;
  /** Share of requests answered without a Bearer verification (cache hits). */
  readonly hitRate: number;
}

/** Checks that a case answers its status, then runs it for the warm-up time (not measured). */
async function warmUp(
  app: BenchApp,
  c: BenchCase,
  feed: TokenFeed | undefined,
  options: Options,
): Promise<void> {
  await check(app, c, feed);
  await load(app, c, feed, options.connections, options.warmup);
}

async function measure(
  app: BenchApp,
  c: BenchCase,
  feed: TokenFeed | undefined,
  options: Options,
): Promise<Sample> {
  const before = await app.usage(false);
  const result = await load(app, c, feed, options.connections, options.duration, options.rate);
  const after = await app.usage(false);
  const wrong = wrongAnswers(c.status, result);
  if (wrong > 0) {
    throw new Error(
      `${app.adapter} ${c.name}: ${wrong} of ${result.requests.total} requests did not answer ${c.status} ` +
        `(status counts ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors})`,
    );
  }
  const total = Math.max(1, result.requests.total);
  // A fixed number of requests ends within a second: its rate is requests over elapsed time.
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    rps: feed ? result.requests.total / seconds : result.requests.average,
    userPerRequest: (after.user - before.user) / total,
    systemPerRequest: (after.system - before.system) / total,
    hitRate: 1 - (after.verifications - before.verifications) / total,
  };
}

/** What one entry of the verification cache costs the app (the zipf case's memory step). */
interface EntryCost {
  readonly entries: number;
  readonly rssGrowth: number;
  readonly heapGrowth: number;
}

/**
 * Empties the cache after a short warm-up of the Bearer path, then fills it with distinct valid
 * tokens (as many as its default bound holds) and compares RSS and heap after a GC each time.
 */
async function entryCost(
  app: BenchApp,
  tokens: readonly string[],
  options: Options,
): Promise<EntryCost> {
  const bearer = openOf('main');
  const path = { ...bearer, path: '/bearer', name: 'bearer' as const };
  const warm = new TokenFeed(tokens.slice(CACHE_ENTRIES), tokens.length - CACHE_ENTRIES, false);
  await load(app, path, warm, options.connections, 0);
  const before = await app.usage(true, true);
  const fill = new TokenFeed(tokens.slice(0, CACHE_ENTRIES), CACHE_ENTRIES, false);
  await load(app, path, fill, options.connections, 0);
  const after = await app.usage(true);
  return {
    entries: after.cacheSize - before.cacheSize,
    rssGrowth: after.rss - before.rss,
    heapGrowth: after.heapUsed - before.heapUsed,
  };
}

/** All the samples of one case on one adapter. */
interface Kept {
  readonly rps: number[];
  readonly ratio: number[];
  readonly user: number[];
  readonly system: number[];
  readonly hitRate: number[];
}

/** A case's result on one adapter, as the table and the JSON show it. */
interface Row {
  readonly c: BenchCase;
  /** `open` for the main app's open route, `open@<app>` for the others. */
  readonly label: string;
  readonly rps: number;
  readonly ratio: number;
  /** Lowest and highest ratio of the rounds. */
  readonly spread: readonly [number, number];
  /** Median over the rounds of the ratio to reference_cache (same round), for warm cases. */
  readonly ofReference: number | undefined;
  readonly user: number;
  readonly system: number;
  readonly hitRate: number | undefined;
  readonly missed: readonly string[];
  readonly judged: boolean;
  readonly inProcess?: InProcessResult;
}

/** Measures the cases of one app on one adapter (autocannon), each between two opens. */
async function measureApp(
  adapter: Adapter,
  appName: AppName,
  prepared: Prepared,
  options: Options,
): Promise<{ kept: Map<BenchCase, Kept>; open: BenchCase; cost: EntryCost | undefined }> {
  const own = prepared.cases.filter((c) => c.app === appName && c.name !== 'open');
  const open =
    prepared.cases.find((c) => c.name === 'open' && c.app === appName) ?? openOf(appName);
  const cases = [open, ...own];
  const zipf = own.some((c) => c.feed === 'zipf');
  const execArgv = [
    ...(zipf ? ['--expose-gc'] : []),
    ...(options.profile
      ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'results', 'profiles')]
      : []),
  ];
  for (const feed of Object.values(prepared.feeds)) feed.rewind();
  const app = await BenchApp.start(adapter, execArgv, prepared.variants[appName]);
  print(
    `${adapter} (${appName} app): pid ${app.pid} on 127.0.0.1:${app.port}; ${placeProcesses(app.pid, options.pin)}`,
  );
  const kept = new Map<BenchCase, Kept>(
    cases.map((c) => [c, { rps: [], ratio: [], user: [], system: [], hitRate: [] }]),
  );
  const keep = (c: BenchCase, sample: Sample, ratio: number): void => {
    const k = kept.get(c)!;
    k.rps.push(sample.rps);
    k.ratio.push(ratio);
    k.user.push(sample.userPerRequest);
    k.system.push(sample.systemPerRequest);
    k.hitRate.push(sample.hitRate);
  };
  const show = (label: string, sample: Sample, c: BenchCase, ratio?: number): void =>
    print(
      `  ${label}: ${Math.round(sample.rps)} req/s${ratio === undefined ? '' : ` (${percent(ratio)}% of open)`}; ` +
        `app CPU per request: ${sample.userPerRequest.toFixed(1)} µs user, ${sample.systemPerRequest.toFixed(1)} µs system` +
        (c.feed === 'zipf' ? `; cache hits ${percent(sample.hitRate)}%` : ''),
    );
  let cost: EntryCost | undefined;
  try {
    if (zipf) cost = await entryCost(app, prepared.memoryTokens, options);
    print(`  warm-up: ${cases.map((c) => c.name).join(', ')}`);
    for (const c of cases) await warmUp(app, c, feedOf(c, prepared), options);
    for (let round = 1; round <= options.rounds; round++) {
      const label = (name: string): string =>
        options.rounds > 1 ? `round ${round}: ${name}` : name;
      let before = await measure(app, open, undefined, options);
      keep(open, before, 1);
      show(label(open.name), before, open);
      for (const c of own) {
        const sample = await measure(app, c, feedOf(c, prepared), options);
        const after = await measure(app, open, undefined, options);
        const ratio = sample.rps / ((before.rps + after.rps) / 2);
        keep(c, sample, ratio);
        keep(open, after, 1);
        show(label(c.name), sample, c, ratio);
        before = after;
      }
    }
  } finally {
    await app.stop();
  }
  return { kept, open, cost };
}

/** Whether a case's target applies on an adapter (the cold targets are for Fastify). */
function targetApplies(c: BenchCase, adapter: Adapter): boolean {
  return c.target !== undefined && (c.targetOn === undefined || c.targetOn === adapter);
}

/** The targets of a case, as the table shows them. */
function targetLabel(c: BenchCase, adapter: Adapter): string {
  const parts: string[] = [];
  if (targetApplies(c, adapter)) parts.push(`>=${Math.round(c.target! * 100)}%`);
  if (c.ofReference !== undefined) parts.push(`>=${Math.round(c.ofReference * 100)}%ref`);
  if (c.near !== undefined) parts.push(`~${c.near}`);
  return parts.length > 0 ? parts.join(' ') : '-';
}

/** The rows of one adapter from its apps' samples: medians, spreads and the targets judged. */
function rowsOf(
  adapter: Adapter,
  measured: readonly { kept: Map<BenchCase, Kept>; open: BenchCase }[],
): Row[] {
  const rows: Row[] = [];
  const all = new Map<CaseName, Kept>();
  for (const { kept } of measured)
    for (const [c, k] of kept) if (c.app === 'main' || c.name !== 'open') all.set(c.name, k);
  const reference = all.get('reference_cache');
  for (const { kept } of measured) {
    for (const [c, k] of kept) {
      const ratio = median(k.ratio);
      const ofReference =
        c.ofReference !== undefined && reference
          ? median(k.ratio.map((r, i) => r / (reference.ratio[i] ?? NaN)))
          : undefined;
      const missed: string[] = [];
      if (targetApplies(c, adapter) && ratio < c.target!)
        missed.push(`${percent(ratio)}% of open < ${Math.round(c.target! * 100)}%`);
      if (ofReference !== undefined && ofReference < c.ofReference!)
        missed.push(
          `${percent(ofReference)}% of reference_cache < ${Math.round(c.ofReference! * 100)}%`,
        );
      const near = c.near === undefined ? undefined : all.get(c.near);
      if (near && ratio < median(near.ratio) - NEAR_POINTS)
        missed.push(
          `${percent(ratio)}% is more than ${NEAR_POINTS * 100} points below ${c.near} (${percent(median(near.ratio))}%)`,
        );
      rows.push({
        c,
        label: c.name === 'open' && c.app !== 'main' ? `open@${c.app}` : c.name,
        rps: Math.round(median(k.rps)),
        ratio,
        spread: [Math.min(...k.ratio), Math.max(...k.ratio)],
        ofReference,
        user: median(k.user),
        system: median(k.system),
        hitRate: c.feed === 'zipf' ? median(k.hitRate) : undefined,
        missed,
        judged: targetApplies(c, adapter) || ofReference !== undefined || near !== undefined,
      });
    }
  }
  return rows;
}

function printTable(adapter: Adapter, rows: readonly Row[]): void {
  print();
  print(`${adapter}:`);
  print(
    `  ${pad('case', 18)} ${pad('req/s', 7, true)} ${pad('ratio', 7, true)} ${pad('rounds', 11, true)} ${pad('vs ref', 7, true)} ${pad('in proc', 7, true)} ${pad('IQR', 11, true)}  ${pad('target', 24)} ${pad('result', 6)} ${pad('user µs', 7, true)} ${pad('sys µs', 6, true)}  what`,
  );
  for (const row of rows) {
    const verdict = row.judged ? (row.missed.length === 0 ? 'pass' : 'MISSED') : '';
    const range =
      row.c.name === 'open' ? '' : `${percent(row.spread[0])}-${percent(row.spread[1])}`;
    const ref = row.ofReference === undefined ? '' : `${percent(row.ofReference)}%`;
    const ip = row.inProcess;
    print(
      `  ${pad(row.label, 18)} ${pad(row.rps.toString(), 7, true)} ${pad(`${percent(row.ratio)}%`, 7, true)} ${pad(range, 11, true)} ${pad(ref, 7, true)} ` +
        `${pad(ip ? `${percent(ip.ratio)}%` : '', 7, true)} ${pad(ip ? `${percent(ip.iqr[0])}-${percent(ip.iqr[1])}` : '', 11, true)}  ` +
        `${pad(targetLabel(row.c, adapter), 24)} ${pad(verdict, 6)} ${pad(row.user.toFixed(1), 7, true)} ${pad(row.system.toFixed(1), 6, true)}  ${row.c.what}` +
        (row.hitRate === undefined ? '' : `; cache hits ${percent(row.hitRate)}%`),
    );
  }
}

function printInProcess(adapter: Adapter, results: Map<BenchCase, InProcessResult>): void {
  print();
  print(
    `${adapter}, in process (ratio = open's CPU µs per request / the case's; median, IQR and range over block pairs):`,
  );
  print(
    `  ${pad('case', 18)} ${pad('ratio', 7, true)} ${pad('IQR', 11, true)} ${pad('min-max', 11, true)} ${pad('CPU µs', 7, true)} ${pad('open µs', 7, true)}`,
  );
  for (const [c, r] of results) {
    print(
      `  ${pad(c.name, 18)} ${pad(`${percent(r.ratio)}%`, 7, true)} ${pad(`${percent(r.iqr[0])}-${percent(r.iqr[1])}`, 11, true)} ` +
        `${pad(`${percent(r.min)}-${percent(r.max)}`, 11, true)} ${pad(r.cpu.toFixed(1), 7, true)} ${pad(r.openCpu.toFixed(1), 7, true)}`,
    );
  }
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

async function throughput(options: Options): Promise<void> {
  const prepared = await prepare(options);
  const apps = APP_NAMES.filter((name) => prepared.cases.some((c) => c.app === name));
  const results: Record<string, Record<string, unknown>> = {};
  const missed: string[] = [];
  print(
    `nest-http-auth bench: ${options.connections} connections, ${options.warmup} s warm-up per case, then ` +
      `${options.rounds} round${options.rounds > 1 ? 's (medians)' : ''} of ${options.duration} s per measurement, ` +
      `each case between two measurements of open; in process: ${options.blocks} blocks of ${options.blockSize} ` +
      `requests per case, interleaved with open; Node ${process.version}, ${cpus().length} CPUs`,
  );
  try {
    for (const adapter of options.adapters) {
      const byCase: Record<string, unknown> = {};
      let rows: Row[] = [];
      if (options.autocannon) {
        const measured = [];
        let cost: EntryCost | undefined;
        for (const appName of apps) {
          const result = await measureApp(adapter, appName, prepared, options);
          measured.push(result);
          cost ??= result.cost;
        }
        rows = rowsOf(adapter, measured);
        if (cost) byCase['zipf_100k_memory'] = cost;
        if (cost)
          print(
            `  zipf_100k memory step: ${cost.entries} cache entries, RSS growth ${mib(cost.rssGrowth)} ` +
              `(${Math.round(cost.rssGrowth / Math.max(1, cost.entries))} bytes per entry), heap growth ${mib(cost.heapGrowth)} ` +
              `(${Math.round(cost.heapGrowth / Math.max(1, cost.entries))} bytes per entry)`,
          );
      }
      if (options.inProcess) {
        print(`${adapter}: in process`);
        const ip = await measureInProcess(
          adapter,
          prepared.cases,
          prepared.variants,
          prepared.feeds,
          options,
        );
        if (rows.length === 0) printInProcess(adapter, ip);
        else rows = rows.map((row) => ({ ...row, inProcess: ip.get(row.c) }));
        for (const [c, r] of ip) byCase[c.name] = { inProcess: r };
      }
      for (const row of rows) {
        byCase[row.label] = {
          rps: row.rps,
          ratio: Number(row.ratio.toFixed(4)),
          spread: row.spread.map((r) => Number(r.toFixed(4))),
          ...(row.ofReference === undefined
            ? {}
            : { ofReference: Number(row.ofReference.toFixed(4)) }),
          ...(row.hitRate === undefined ? {} : { hitRate: Number(row.hitRate.toFixed(4)) }),
          ...(row.inProcess ? { inProcess: row.inProcess } : {}),
        };
        for (const line of row.missed) missed.push(`${adapter} ${row.label}: ${line}`);
      }
      results[adapter] = byCase;
      if (rows.length > 0) printTable(adapter, rows);
    }
  } finally {
    await prepared.jwks?.close();
  }
  if (prepared.zipfDistinct > 0)
    print(
      `zipf_100k: ${prepared.zipfDistinct} distinct of ${ZIPF_POPULATION} tokens drawn (s = 1); cache hits = 1 - verifications / requests`,
    );
  await mkdir(dirname(options.json), { recursive: true });
  await writeFile(options.json, `${JSON.stringify(results, null, 2)}\n`);
  print();
  print(`results: ${options.json}`);
  if (options.profile) print(`profiles: ${join(ROOT, 'bench', 'results', 'profiles')}`);
  if (!options.autocannon) return;
  if (missed.length > 0) {
    print(`targets missed (${missed.length}):`);
    for (const line of missed) print(`  - ${line}`);
  } else {
    print('every target met');
  }
}

/** Sends `count` requests, each with a distinct bad API key, with bounded concurrency and time. */
function distinctBadKeys(app: BenchApp, count: number, connections: number, maxSeconds: number) {
  let next = 0;
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: app.url('/apikey'),
        connections,
        amount: count,
        requests: [
          {
            method: 'GET',
            path: '/apikey',
            setupRequest: (request) => ({
              ...request,
              headers: { 'x-api-key': `bad-key-${(next++).toString(36)}-bench` },
            }),
          },
        ],
      },
      (error, result) => {
        clearTimeout(timer);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(result);
      },
    );
    const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
  });
}

async function memoryCheck(options: Options): Promise<void> {
  const adapter = options.adapters[0]!;
  const maxSeconds = 900;
  const app = await BenchApp.start(adapter, ['--expose-gc']);
  print(
    `memory check (${adapter}, app pid ${app.pid}): ${options.count} requests with distinct bad API keys, ` +
      `${options.connections} connections, at most ${maxSeconds} s`,
  );
  try {
    // Warm-up that leaves the cache almost empty: the open route, then 1,000 distinct bad keys.
    await load(app, openOf('main'), undefined, options.connections, options.quick ? 1 : 3);
    await distinctBadKeys(app, 1000, options.connections, 60);
    const before = await app.usage(true);
    print(
      `  before: rss ${mib(before.rss)}, heap ${mib(before.heapUsed)}, cache ${before.cacheSize} entries`,
    );
    let peak = before.rss;
    const sampler = setInterval(() => {
      app.usage(false).then(
        (m) => (peak = Math.max(peak, m.rss)),
        () => undefined,
      );
    }, 2000);
    const started = Date.now();
    let result: autocannon.Result;
    try {
      result = await distinctBadKeys(app, options.count, options.connections, maxSeconds);
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    const after = await app.usage(true);
    const sent = result['2xx'] + result.non2xx;
    const rejected = result.statusCodeStats?.['401']?.count ?? 0;
    const growth = after.rss - before.rss;
    print(
      `  sent ${sent} requests in ${seconds.toFixed(0)} s (${Math.round(sent / seconds)} req/s), ` +
        `${rejected} answered 401, ${result.errors} errors`,
    );
    print(
      `  after:  rss ${mib(after.rss)}, heap ${mib(after.heapUsed)}, cache ${after.cacheSize} entries`,
    );
    print(`  peak rss during the run: ${mib(peak)}`);
    print(
      `  rss growth: ${mib(growth)} -> ${growth < MEMORY_LIMIT ? 'pass' : 'MISSED'} (target < ${mib(MEMORY_LIMIT)})`,
    );
    if (sent < options.count)
      print(`  note: stopped after ${maxSeconds} s, before ${options.count} requests`);
    if (rejected !== sent || result.errors > 0)
      throw new Error(
        `expected only 401s: ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}`,
      );
  } finally {
    await app.stop();
  }
}

/** The modes measured by their own modules. */
const MODES: Readonly<Record<string, (argv: readonly string[]) => Promise<void>>> = {
  '--sample': runSample,
  '--cluster': runCluster,
  '--load': runLoad,
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const mode = argv.find((arg) => arg in MODES);
  if (mode !== undefined) return MODES[mode]!(argv.filter((arg) => arg !== mode));
  const options = readOptions(argv);
  if (options.memory) await memoryCheck(options);
  else await throughput(options);
}
main().catch((error: unknown) => {
  stopAll();
  if (error instanceof UsageError) {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
