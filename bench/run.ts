/**
 * `npm run bench [-- options]`: throughput of the bench app (server.ts) per adapter, measured with
 * autocannon on 127.0.0.1, and with `--memory` the RSS of the app under a million distinct bad
 * credentials. See docs/performance.md.
 *
 * Each case is measured between two measurements of the open route, and its ratio is taken against
 * their mean: the speed of a shared machine drifts by more than the differences measured here, and
 * pairing cancels the drift. The app and the load generator are pinned to different CPUs (Linux
 * `taskset`), because the scheduler putting both on one CPU halves the throughput at random.
 *
 *   --quick                 1 round of 1 s per measurement (a smoke check)
 *   --adapter <name>        express or fastify (default: both; --memory: fastify)
 *   --json <file>           where the results go (default bench/results/latest.json)
 *   --connections <n>       concurrent connections (default 50)
 *   --duration <s>          seconds per measurement (default 3, --quick 1)
 *   --cases <a,b,...>       only these cases (open is always measured: ratios need it)
 *   --rounds <n>            measure every case n times; report medians (default 3, --quick 1)
 *   --no-pin                leave CPU placement to the scheduler
 *   --explain               also measure two open reference routes: one that reads the Basic
 *                           credential (reference_header), one that also looks it up in the
 *                           verification cache (reference_cache): the floor of any scheme
 *   --rate <n>              diagnostic: send n req/s (not as fast as possible), to compare the
 *                           app's CPU time per request of the cases at the same load
 *   --profile               run the app with --cpu-prof (profiles in bench/results/profiles)
 *   --memory                the memory check instead of the throughput cases
 *   --count <n>             requests of the memory check (default 1000000)
 *
 * Exits non-zero on errors (the app fails, a case answers an unexpected status), never because a
 * target is missed: missed targets are listed at the end.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  API_KEY,
  BASIC_USER,
  basicAuthorization,
  type BenchMessage,
  type BenchRequest,
  signToken,
} from './fixtures.js';

type Adapter = 'express' | 'fastify';
const ADAPTERS: readonly Adapter[] = ['express', 'fastify'];

const CASE_NAMES = [
  'open',
  'basic',
  'bearer',
  'apikey',
  'missing',
  'invalid',
  'forbidden',
  'passport_basic',
  'passport_bearer',
] as const;
/** Open routes doing part of what authentication does (`--explain`): where the cost goes. */
const REFERENCE_NAMES = ['reference_header', 'reference_cache'] as const;
type CaseName = (typeof CASE_NAMES)[number] | (typeof REFERENCE_NAMES)[number];

/** One measured request: where it goes, what it sends, what must come back. */
interface BenchCase {
  readonly name: CaseName;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  /** Minimum ratio to `open` (issue 6), when the case has a target. */
  readonly target?: number;
  readonly what: string;
}

interface CaseResult {
  readonly rps: number;
  readonly ratio: number;
}

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

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Options {
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  const positive = (v: string, flag: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number`);
    return n;
  };
  let adapters: readonly Adapter[] | undefined;
  let quick = false;
  let json = join(ROOT, 'bench', 'results', 'latest.json');
  let connections = 50;
  let duration: number | undefined;
  let cases: readonly CaseName[] = CASE_NAMES;
  let rounds: number | undefined;
  let pin = true;
  let explain = false;
  let rate: number | undefined;
  let profile = false;
  let memory = false;
  let count = 1_000_000;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--adapter': {
        const name = value(i++, flag);
        if (name !== 'express' && name !== 'fastify')
          throw new UsageError('--adapter is express or fastify');
        adapters = [name];
        break;
      }
      case '--json':
        json = resolve(value(i++, flag));
        break;
      case '--connections':
        connections = Math.round(positive(value(i++, flag), flag));
        break;
      case '--duration':
        duration = positive(value(i++, flag), flag);
        break;
      case '--cases': {
        const names = value(i++, flag).split(',');
        for (const name of names) {
          if (!(CASE_NAMES as readonly string[]).includes(name))
            throw new UsageError(`unknown case ${name} (cases: ${CASE_NAMES.join(', ')})`);
        }
        cases = CASE_NAMES.filter((name) => name === 'open' || names.includes(name));
        break;
      }
      case '--rounds':
        rounds = Math.round(positive(value(i++, flag), flag));
        break;
      case '--no-pin':
        pin = false;
        break;
      case '--explain':
        explain = true;
        break;
      case '--rate':
        rate = Math.round(positive(value(i++, flag), flag));
        break;
      case '--profile':
        profile = true;
        break;
      case '--memory':
        memory = true;
        break;
      case '--count':
        count = Math.round(positive(value(i++, flag), flag));
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  duration ??= quick ? 1 : 3;
  return {
    adapters: adapters ?? (memory ? ['fastify'] : ADAPTERS),
    quick,
    json,
    connections,
    duration,
    warmup: quick ? 1 : 3,
    cases,
    rounds: rounds ?? (quick ? 1 : 3),
    pin,
    explain,
    rate,
    profile,
    memory,
    count,
  };
}

async function benchCases(): Promise<readonly BenchCase[]> {
  const userToken = await signToken('bench-user', ['user']);
  const forgedToken = await signToken(
    'bench-user',
    ['user'],
    'a-different-secret-0123456789abcdef',
  );
  const basic = basicAuthorization(BASIC_USER.username, BASIC_USER.password);
  const bearer = `Bearer ${userToken}`;
  return [
    { name: 'open', path: '/open', headers: {}, status: 200, what: 'public route' },
    {
      name: 'basic',
      path: '/basic',
      headers: { authorization: basic },
      status: 200,
      target: 0.92,
      what: 'valid Basic, scrypt hash, warm cache',
    },
    {
      name: 'bearer',
      path: '/bearer',
      headers: { authorization: bearer },
      status: 200,
      target: 0.92,
      what: 'valid HS256 JWT (jose), warm cache',
    },
    {
      name: 'apikey',
      path: '/apikey',
      headers: { 'x-api-key': API_KEY },
      status: 200,
      target: 0.92,
      what: 'valid API key, SHA-256 stored',
    },
    {
      name: 'missing',
      path: '/bearer',
      headers: {},
      status: 401,
      target: 0.75,
      what: '401, no credentials',
    },
    {
      name: 'invalid',
      path: '/bearer',
      headers: { authorization: `Bearer ${forgedToken}` },
      status: 401,
      target: 0.75,
      what: '401, forged token (rejection cached)',
    },
    {
      name: 'forbidden',
      path: '/admin',
      headers: { authorization: bearer },
      status: 403,
      what: '403, token lacks the admin role',
    },
    {
      name: 'passport_basic',
      path: '/passport/basic',
      headers: { authorization: basic },
      status: 200,
      what: "stock AuthGuard('stock-basic'), same cache",
    },
    {
      name: 'passport_bearer',
      path: '/passport/bearer',
      headers: { authorization: bearer },
      status: 200,
      what: "stock AuthGuard('stock-bearer'), same cache",
    },
    {
      name: 'reference_header',
      path: '/reference/header',
      headers: { authorization: basic },
      status: 200,
      what: 'reference: open route that reads the Basic credential',
    },
    {
      name: 'reference_cache',
      path: '/reference/cache',
      headers: { authorization: basic },
      status: 200,
      what: 'reference: open route that also looks it up in the cache (HMAC + LRU)',
    },
  ];
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

  static async start(adapter: Adapter, execArgv: readonly string[]): Promise<BenchApp> {
    const child = fork(SERVER, [adapter], {
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

  /** The app's RSS, heap, CPU time and verification-cache size; after a GC if asked. */
  usage(gc: boolean): Promise<Extract<BenchMessage, { type: 'usage' }>> {
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
      const request: BenchRequest = { type: 'usage', id, gc };
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

/** One request, to check that a case answers what it should before it is measured. */
async function check(app: BenchApp, c: BenchCase): Promise<void> {
  const res = await fetch(app.url(c.path), { headers: c.headers });
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

function load(
  app: BenchApp,
  c: BenchCase,
  connections: number,
  seconds: number,
  rate?: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: app.url(c.path),
    headers: { ...c.headers },
    connections,
    duration: seconds,
    ...(rate === undefined ? {} : { overallRate: rate }),
  });
}

/** Requests that did not answer the case's status (or failed to connect). */
function unexpected(c: BenchCase, result: autocannon.Result): number {
  const stats = result.statusCodeStats ?? {};
  let wrong = result.errors + result.timeouts;
  for (const [status, { count = 0 }] of Object.entries(stats)) {
    if (Number(status) !== c.status) wrong += count;
  }
  return wrong;
}

/** One measurement of a case: throughput, and the app's CPU time per request. */
interface Sample {
  readonly rps: number;
  /** The app's CPU time per request in user space (JavaScript, Node, libraries), in µs. */
  readonly userPerRequest: number;
  /** The app's CPU time per request in the kernel (mostly loopback socket writes), in µs. */
  readonly systemPerRequest: number;
}

/** Checks that a case answers its status, then runs it for the warm-up time (not measured). */
async function warmUp(app: BenchApp, c: BenchCase, options: Options): Promise<void> {
  await check(app, c);
  await load(app, c, options.connections, options.warmup);
}

async function measure(app: BenchApp, c: BenchCase, options: Options): Promise<Sample> {
  const before = await app.usage(false);
  const result = await load(app, c, options.connections, options.duration, options.rate);
  const after = await app.usage(false);
  const wrong = unexpected(c, result);
  if (wrong > 0) {
    throw new Error(
      `${app.adapter} ${c.name}: ${wrong} of ${result.requests.total} requests did not answer ${c.status} ` +
        `(status counts ${JSON.stringify(result.statusCodeStats)}, errors ${result.errors})`,
    );
  }
  return {
    rps: result.requests.average,
    userPerRequest: (after.user - before.user) / Math.max(1, result.requests.total),
    systemPerRequest: (after.system - before.system) / Math.max(1, result.requests.total),
  };
}

/**
 * Pins a process (all its threads) to some CPUs with Linux `taskset`; false where that is not
 * possible (another OS, no util-linux).
 */
function pin(pid: number, cpuList: string): boolean {
  const result = spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], {
    stdio: 'ignore',
  });
  return result.status === 0;
}

/**
 * The app on the last CPU, this process (the load generator) on the others: a description of
 * what was done, for the output.
 */
function placeProcesses(app: BenchApp, options: Options): string {
  const count = cpus().length;
  if (!options.pin) return 'not pinned (--no-pin)';
  if (count < 2) return 'not pinned (one CPU)';
  const last = count - 1;
  const others = last === 1 ? '0' : `0-${last - 1}`;
  if (!pin(app.pid, String(last)) || !pin(process.pid, others)) return 'not pinned (no taskset)';
  return `app pinned to CPU ${last}, load generator to CPU ${others}`;
}

/** A ratio as a percentage with one decimal, e.g. `91.1`. */
function percent(ratio: number): string {
  return (ratio * 100).toFixed(1);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

interface Row {
  readonly c: BenchCase;
  readonly result: CaseResult;
  /** Lowest and highest ratio of the rounds. */
  readonly spread: readonly [number, number];
  readonly user: number;
  readonly system: number;
  readonly pass: boolean | undefined;
}

function printTable(adapter: Adapter, rows: readonly Row[]): void {
  print();
  print(`${adapter}:`);
  print(
    `  ${pad('case', 16)} ${pad('req/s', 8, true)} ${pad('ratio', 7, true)} ${pad('rounds', 11, true)} ${pad('target', 7, true)}  ${pad('result', 6)} ${pad('user µs', 7, true)} ${pad('sys µs', 6, true)}  what`,
  );
  for (const { c, result, spread, user, system, pass } of rows) {
    const target = c.target === undefined ? '-' : `>=${Math.round(c.target * 100)}%`;
    const verdict = pass === undefined ? '' : pass ? 'pass' : 'MISSED';
    const range = c.name === 'open' ? '' : `${percent(spread[0])}-${percent(spread[1])}`;
    print(
      `  ${pad(c.name, 16)} ${pad(Math.round(result.rps).toString(), 8, true)} ${pad(`${percent(result.ratio)}%`, 7, true)} ${pad(range, 11, true)} ${pad(target, 7, true)}  ${pad(verdict, 6)} ${pad(user.toFixed(1), 7, true)} ${pad(system.toFixed(1), 6, true)}  ${c.what}`,
    );
  }
}

async function throughput(options: Options): Promise<void> {
  const cases = (await benchCases()).filter(
    (c) =>
      options.cases.includes(c.name) ||
      (options.explain && (REFERENCE_NAMES as readonly CaseName[]).includes(c.name)),
  );
  const open = cases.find((c) => c.name === 'open')!;
  const measured = cases.filter((c) => c !== open);
  const results: Record<string, Record<string, CaseResult>> = {};
  const missed: string[] = [];
  print(
    `nest-http-auth bench: ${options.connections} connections, ${options.warmup} s warm-up per case, then ` +
      `${options.rounds} round${options.rounds > 1 ? 's (medians)' : ''} of ${options.duration} s per measurement, ` +
      `each case between two measurements of open; Node ${process.version}, ${cpus().length} CPUs`,
  );
  for (const adapter of options.adapters) {
    const execArgv = options.profile
      ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'results', 'profiles')]
      : [];
    const app = await BenchApp.start(adapter, execArgv);
    print(
      `${adapter}: app pid ${app.pid} on 127.0.0.1:${app.port}; ${placeProcesses(app, options)}`,
    );
    const samples = new Map<
      CaseName,
      { rps: number[]; ratio: number[]; user: number[]; system: number[] }
    >(cases.map((c) => [c.name, { rps: [], ratio: [], user: [], system: [] }]));
    const keep = (c: BenchCase, sample: Sample, ratio: number): void => {
      const kept = samples.get(c.name)!;
      kept.rps.push(sample.rps);
      kept.ratio.push(ratio);
      kept.user.push(sample.userPerRequest);
      kept.system.push(sample.systemPerRequest);
    };
    const show = (label: string, sample: Sample, ratio?: number): void =>
      print(
        `  ${label}: ${Math.round(sample.rps)} req/s${ratio === undefined ? '' : ` (${percent(ratio)}% of open)`}; ` +
          `app CPU per request: ${sample.userPerRequest.toFixed(1)} µs user, ${sample.systemPerRequest.toFixed(1)} µs system`,
      );
    try {
      process.stdout.write(`  warm-up: ${cases.map((c) => c.name).join(', ')}\n`);
      for (const c of cases) await warmUp(app, c, options);
      for (let round = 1; round <= options.rounds; round++) {
        const label = (name: string): string =>
          options.rounds > 1 ? `round ${round}: ${name}` : name;
        let before = await measure(app, open, options);
        keep(open, before, 1);
        show(label(open.name), before);
        for (const c of measured) {
          const sample = await measure(app, c, options);
          const after = await measure(app, open, options);
          const ratio = sample.rps / ((before.rps + after.rps) / 2);
          keep(c, sample, ratio);
          keep(open, after, 1);
          show(label(c.name), sample, ratio);
          before = after;
        }
      }
    } finally {
      await app.stop();
    }
    const rows: Row[] = [];
    const byCase: Record<string, CaseResult> = {};
    for (const c of cases) {
      const kept = samples.get(c.name)!;
      const result: CaseResult = {
        rps: Math.round(median(kept.rps)),
        ratio: Number(median(kept.ratio).toFixed(4)),
      };
      byCase[c.name] = result;
      const pass = c.target === undefined ? undefined : result.ratio >= c.target;
      if (pass === false)
        missed.push(
          `${adapter} ${c.name}: ${percent(result.ratio)}% of open < ${c.target! * 100}%`,
        );
      rows.push({
        c,
        result,
        spread: [Math.min(...kept.ratio), Math.max(...kept.ratio)],
        user: median(kept.user),
        system: median(kept.system),
        pass,
      });
    }
    results[adapter] = byCase;
    printTable(adapter, rows);
  }
  await mkdir(dirname(options.json), { recursive: true });
  await writeFile(options.json, `${JSON.stringify(results, null, 2)}\n`);
  print();
  print(`results: ${options.json}`);
  if (options.profile) print(`profiles: ${join(ROOT, 'bench', 'results', 'profiles')}`);
  if (missed.length > 0) {
    print(`targets missed (${missed.length}):`);
    for (const line of missed) print(`  - ${line}`);
  } else {
    print('every target met');
  }
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
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
    const open: BenchCase = { name: 'open', path: '/open', headers: {}, status: 200, what: '' };
    await load(app, open, options.connections, options.quick ? 1 : 3);
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

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
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
