/**
 * `npm run bench -- --load [options]`: the sample under 1,000 concurrent connections. Starts the
 * built sample (dist/sample/src/main.js, `SAMPLE_DB=:memory:`, a free port) per adapter, pins it
 * and the load generator to different CPUs, and runs autocannon on its routes; before them, the
 * same load on a bare `node:http` server (`bare_http`: what the machine and the load generator
 * give). See docs/performance.md.
 *
 *   --adapter <name>        express or fastify (default: both)
 *   --connections <n>       concurrent connections (default 1000)
 *   --duration <s>          seconds per case (default 10)
 *   --timeout <s>           autocannon's per-request timeout (default 10, autocannon's own)
 *   --cases <a,b,...>       only these cases
 *   --runs <n>              measure everything n times in a row (default 1)
 *   --no-pin                leave CPU placement to the scheduler
 *   --proxy                 the clients connect to nginx (bench/nginx.ts) in front of each server,
 *                           nginx on the load generator's CPUs, with the production setting
 *                           (docs/performance.md): multi_accept on, a new connection to the app per
 *                           request (no upstream keepalive). Settings to compare:
 *   --proxy-keepalive <n>   idle connections to the app nginx keeps for reuse (upstream keepalive,
 *                           default 0: none)
 *   --proxy-max-conns <n>   most connections nginx opens to the app (max_conns; beyond: 502)
 *   --proxy-workers <n>     nginx worker processes (default 1)
 *   --proxy-no-multi-accept nginx accepts one connection per event (its default)
 *
 * Fails (exit code 1 under `npm run bench`) when a case answers another status than its own, or
 * any request gets an error or a timeout (no answer within the timeout).
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { Adapter } from './app.js';
import { adaptersOf, positive, readArgs, UsageError, whole } from './cli.js';
import { type BenchMessage, basicAuthorization } from './fixtures.js';
import { type NginxBalancer, startNginx } from './nginx.js';
import { buildSample, SAMPLE_MAIN } from './sample-build.js';

const ADAPTERS: readonly Adapter[] = ['express', 'fastify'];

const CASE_NAMES = ['bare_http', 'health', 'me_bearer', 'unauthorized', 'catalog_basic'] as const;
type CaseName = (typeof CASE_NAMES)[number];

/** The sample's demo user bob (its SAMPLE.md): Basic on `/catalog`, and the token's owner. */
const BOB = basicAuthorization('bob', 'builder£42');

/** One case: where it goes, what it sends, the one status it must answer. */
interface LoadCase {
  readonly name: CaseName;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  readonly what: string;
}

interface Options {
  readonly adapters: readonly Adapter[];
  readonly connections: number;
  readonly duration: number;
  readonly timeout: number;
  readonly cases: readonly CaseName[];
  readonly runs: number;
  readonly pin: boolean;
  /** nginx in front of the app; undefined: the clients connect to the app. */
  readonly proxy: ProxyOptions | undefined;
}

/** The settings of nginx for `--proxy`. */
interface ProxyOptions {
  readonly keepalive: number;
  readonly maxConns: number | undefined;
  readonly workers: number;
  readonly multiAccept: boolean;
}

/** One measured case. */
interface Outcome {
  readonly name: CaseName;
  readonly rps: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Errors other than timeouts (connection errors, resets). */
  readonly errors: number;
  /** Requests without an answer within the timeout. */
  readonly timeouts: number;
  readonly p50: number;
  readonly p99: number;
  /** Connections the kernel dropped because a listen queue was full (machine-wide, Linux). */
  readonly listenDrops: number | undefined;
  /** Most connections seen waiting in the app's accept queue (sampled every second, Linux). */
  readonly queued: number | undefined;
  readonly failures: readonly string[];
}

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** The repository root: this file runs as dist/bench/load.js. */
const ROOT = resolve(BENCH_DIR, '..', '..');
const BARE_SERVER = join(BENCH_DIR, 'bare-http-server.js');
const START_TIMEOUT_MS = 30_000;

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parseArgs(argv: readonly string[]): Options {
  const args = readArgs(argv, {
    adapter: { type: 'string' },
    connections: { type: 'string' },
    duration: { type: 'string' },
    timeout: { type: 'string' },
    cases: { type: 'string' },
    runs: { type: 'string' },
    'no-pin': { type: 'boolean' },
    proxy: { type: 'boolean' },
    'proxy-keepalive': { type: 'string' },
    'proxy-max-conns': { type: 'string' },
    'proxy-workers': { type: 'string' },
    'proxy-no-multi-accept': { type: 'boolean' },
  });
  let cases: readonly CaseName[] = CASE_NAMES;
  if (args.cases !== undefined) {
    const names = args.cases.split(',');
    for (const name of names) {
      if (!(CASE_NAMES as readonly string[]).includes(name))
        throw new UsageError(`unknown case ${name} (cases: ${CASE_NAMES.join(', ')})`);
    }
    cases = CASE_NAMES.filter((name) => names.includes(name));
  }
  const keepalive = Number(args['proxy-keepalive'] ?? 0);
  if (!Number.isInteger(keepalive) || keepalive < 0)
    throw new UsageError('--proxy-keepalive must be 0 (none) or a positive integer');
  const proxy: ProxyOptions | undefined =
    args.proxy === true
      ? {
          keepalive,
          maxConns: whole(args['proxy-max-conns'], 'proxy-max-conns'),
          workers: whole(args['proxy-workers'], 'proxy-workers') ?? 1,
          multiAccept: args['proxy-no-multi-accept'] !== true,
        }
      : undefined;
  return {
    adapters: adaptersOf(args.adapter, ADAPTERS),
    connections: whole(args.connections, 'connections') ?? 1000,
    duration: positive(args.duration, 'duration') ?? 10,
    timeout: positive(args.timeout, 'timeout') ?? 10,
    cases,
    runs: whole(args.runs, 'runs') ?? 1,
    pin: args['no-pin'] !== true,
    proxy,
  };
}

/** A child process serving HTTP on 127.0.0.1, stopped by its PID. */
interface Server {
  readonly child: ChildProcess;
  readonly port: number;
}

function waitForPort(child: ChildProcess, what: string, found: Promise<number>): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    found,
    new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: not listening after ${START_TIMEOUT_MS / 1000} s`)),
        START_TIMEOUT_MS,
      );
      child.once('exit', (code, signal) =>
        reject(new Error(`${what} exited before listening (${signal ?? `code ${code}`})`)),
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The built sample on a free port, its banner read from stdout for the port. */
async function startSample(adapter: Adapter): Promise<Server> {
  const child = fork(SAMPLE_MAIN, [], {
    cwd: ROOT,
    env: { ...process.env, ADAPTER: adapter, SAMPLE_DB: ':memory:', HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const found = new Promise<number>((resolve) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
  });
  try {
    return { child, port: await waitForPort(child, `the ${adapter} sample`, found) };
  } catch (error) {
    stop(child);
    throw error;
  }
}

/** The bare `node:http` server (bare-http-server.ts). */
async function startBare(): Promise<Server> {
  const child = fork(BARE_SERVER, [], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const found = new Promise<number>((resolve) =>
    child.on('message', (message: BenchMessage) => {
      if (message.type === 'ready') resolve(message.port);
    }),
  );
  try {
    return { child, port: await waitForPort(child, 'the bare node:http server', found) };
  } catch (error) {
    stop(child);
    throw error;
  }
}

function stop(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the child has exited. */
async function stopAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stop(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The CPUs other than the app's (the load generator's, and nginx's); undefined when not pinned. */
function otherCpus(options: Options): string | undefined {
  const last = cpus().length - 1;
  if (!options.pin || last < 1) return undefined;
  return last === 1 ? '0' : `0-${last - 1}`;
}

/** A free loopback port for nginx (the kernel's choice, released at once). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no TCP address')),
      );
    });
  });
}

/**
 * With `--proxy`, nginx in front of the app on 127.0.0.1:`appPort` (on the load generator's CPUs)
 * for the duration of `body`; else `body` on the app directly.
 */
async function withTarget<T>(
  appPort: number,
  options: Options,
  body: (target: Target) => Promise<T>,
): Promise<T> {
  const proxy = options.proxy;
  if (proxy === undefined) return body({ port: appPort, appPort });
  const cpuList = otherCpus(options);
  const nginx: NginxBalancer = await startNginx({
    port: await freePort(),
    upstreams: [appPort],
    readyPath: '/health',
    workers: proxy.workers,
    // Every client connection and as many to the app, per worker.
    workerConnections: 2 * options.connections + 256,
    multiAccept: proxy.multiAccept,
    backlog: 4096,
    keepalive: proxy.keepalive,
    ...(proxy.maxConns === undefined ? {} : { maxConns: proxy.maxConns }),
    ...(cpuList === undefined ? {} : { cpuList }),
  });
  try {
    return await body({ port: Number(new URL(nginx.url).port), appPort });
  } finally {
    await nginx.stop();
  }
}

/** The app (all its threads) on the last CPU, this process on the others, with Linux `taskset`. */
function placeProcesses(pid: number, options: Options): string {
  const count = cpus().length;
  if (!options.pin) return 'not pinned (--no-pin)';
  if (count < 2) return 'not pinned (one CPU)';
  const last = count - 1;
  const others = last === 1 ? '0' : `0-${last - 1}`;
  const pin = (p: number, list: string): boolean =>
    spawnSync('taskset', ['-a', '-p', '-c', list, String(p)], { stdio: 'ignore' }).status === 0;
  if (!pin(pid, String(last)) || !pin(process.pid, others)) return 'not pinned (no taskset)';
  const proxy = options.proxy === undefined ? '' : ' with nginx';
  return `app on CPU ${last}, load generator${proxy} on CPU ${others}`;
}

/** An access token for bob from the sample's login route (`POST /auth/token`, Basic). */
async function bobToken(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/auth/token`, {
    method: 'POST',
    headers: { authorization: BOB },
  });
  const body = (await response.json()) as { access_token?: unknown };
  if (response.status !== 200 || typeof body.access_token !== 'string')
    throw new Error(`POST /auth/token answered ${response.status}, not a token`);
  return body.access_token;
}

function sampleCases(token: string): readonly LoadCase[] {
  return [
    { name: 'health', path: '/health', headers: {}, status: 200, what: 'public route' },
    {
      name: 'me_bearer',
      path: '/me',
      headers: { authorization: `Bearer ${token}` },
      status: 200,
      what: 'Bearer OR Basic, warm Bearer token',
    },
    {
      name: 'unauthorized',
      path: '/me',
      headers: {},
      status: 401,
      what: '401, no credentials',
    },
    {
      name: 'catalog_basic',
      path: '/catalog',
      headers: { authorization: BOB },
      status: 200,
      what: 'optional Bearer or Basic, warm Basic (bob)',
    },
  ];
}

const BARE_CASE: LoadCase = {
  name: 'bare_http',
  path: '/health',
  headers: {},
  status: 200,
  what: 'bare node:http server, Node defaults (the machine)',
};

/** TcpExt ListenDrops of /proc/net/netstat (Linux); undefined elsewhere. */
function listenDrops(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const at = lines.findIndex((line) => line.startsWith('TcpExt:'));
    const names = lines[at]!.split(' ');
    const values = lines[at + 1]!.split(' ');
    const value = Number(values[names.indexOf('ListenDrops')]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connections waiting in the accept queue of the socket listening on 127.0.0.1:`port` (the
 * rx_queue of a LISTEN line of /proc/net/tcp); undefined where that cannot be read.
 */
function acceptQueue(port: number): number | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  try {
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields[1] === local && fields[3] === '0A') return parseInt(fields[4]!.split(':')[1]!, 16);
    }
  } catch {
    // not Linux
  }
  return undefined;
}

function autocannonRun(
  port: number,
  c: LoadCase,
  connections: number,
  seconds: number,
  timeout: number,
): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}${c.path}`,
    headers: { ...c.headers },
    connections,
    duration: seconds,
    timeout,
  });
}

/** Where the clients connect (`port`: the app's, or nginx's in front), and the app's own port. */
interface Target {
  readonly port: number;
  readonly appPort: number;
}

async function measure(target: Target, c: LoadCase, options: Options): Promise<Outcome> {
  const { port } = target;
  const probe = await fetch(`http://127.0.0.1:${port}${c.path}`, { headers: c.headers });
  await probe.arrayBuffer();
  if (probe.status !== c.status)
    throw new Error(`${c.name}: GET ${c.path} answered ${probe.status}, expected ${c.status}`);
  await autocannonRun(port, c, 50, 2, options.timeout); // warm-up: JIT, caches
  const before = listenDrops();
  let queued: number | undefined;
  const sampler = setInterval(() => {
    const now = acceptQueue(target.appPort);
    if (now !== undefined) queued = Math.max(queued ?? 0, now);
  }, 1000);
  let result: autocannon.Result;
  try {
    result = await autocannonRun(port, c, options.connections, options.duration, options.timeout);
  } finally {
    clearInterval(sampler);
  }
  const after = listenDrops();
  const statuses: Record<string, number> = {};
  for (const [status, { count = 0 }] of Object.entries(result.statusCodeStats ?? {}))
    statuses[status] = count;
  const failures: string[] = [];
  for (const [status, count] of Object.entries(statuses)) {
    if (Number(status) !== c.status) failures.push(`${count} answered ${status}`);
  }
  // autocannon counts every timeout among its errors too.
  const errors = result.errors - result.timeouts;
  if (errors > 0) failures.push(`${errors} errors`);
  if (result.timeouts > 0) failures.push(`${result.timeouts} timeouts`);
  return {
    name: c.name,
    rps: Math.round(result.requests.average),
    statuses,
    errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    listenDrops: before === undefined || after === undefined ? undefined : after - before,
    queued,
    failures,
  };
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

function printTable(title: string, outcomes: readonly Outcome[], cases: readonly LoadCase[]): void {
  print();
  print(`${title}:`);
  print(
    `  ${pad('case', 14)} ${pad('req/s', 7, true)}  ${pad('statuses', 20)} ${pad('errors', 6, true)} ${pad('timeouts', 8, true)} ${pad('p50 ms', 6, true)} ${pad('p99 ms', 6, true)} ${pad('drops', 5, true)} ${pad('queued', 6, true)}  result`,
  );
  for (const o of outcomes) {
    const statuses = Object.entries(o.statuses)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ');
    const c = cases.find((x) => x.name === o.name)!;
    print(
      `  ${pad(o.name, 14)} ${pad(String(o.rps), 7, true)}  ${pad(statuses, 20)} ${pad(String(o.errors), 6, true)} ${pad(String(o.timeouts), 8, true)} ${pad(String(o.p50), 6, true)} ${pad(String(o.p99), 6, true)} ${pad(o.listenDrops === undefined ? '-' : String(o.listenDrops), 5, true)} ${pad(o.queued === undefined ? '-' : String(o.queued), 6, true)}  ${o.failures.length === 0 ? 'ok' : 'FAILED'}  ${c.what}`,
    );
  }
}

/** Measures the bare reference, then the sample's cases, on one adapter. */
async function runAdapter(adapter: Adapter, options: Options): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  if (options.cases.includes('bare_http')) {
    const bare = await startBare();
    try {
      placeProcesses(bare.child.pid!, options);
      outcomes.push(
        await withTarget(bare.port, options, (target) => measure(target, BARE_CASE, options)),
      );
    } finally {
      await stopAndWait(bare.child);
    }
  }
  const wanted: readonly CaseName[] = options.cases.filter((name) => name !== 'bare_http');
  if (wanted.length === 0) return outcomes;
  const sample = await startSample(adapter);
  try {
    print(
      `${adapter}: sample pid ${sample.child.pid}; ${placeProcesses(sample.child.pid!, options)}`,
    );
    const cases = sampleCases(await bobToken(sample.port)).filter((c) => wanted.includes(c.name));
    await withTarget(sample.port, options, async (target) => {
      for (const c of cases) outcomes.push(await measure(target, c, options));
    });
  } finally {
    await stopAndWait(sample.child);
  }
  return outcomes;
}

/**
 * The load mode (`npm run bench -- --load`, or `node dist/bench/load.js`): prints one table per
 * adapter and run, and rejects when a case answered a wrong status, or had errors or timeouts.
 * @param argv the options (see the top of bench/load.ts)
 */
export async function runLoad(argv: readonly string[]): Promise<void> {
  const options = parseArgs(argv);
  buildSample();
  print(
    `nest-http-auth load: ${options.connections} connections, ${options.duration} s per case ` +
      `(after a 2 s warm-up with 50), autocannon timeout ${options.timeout} s; ` +
      `Node ${process.version}, ${cpus().length} CPUs`,
  );
  const proxy = options.proxy;
  if (proxy !== undefined)
    print(
      `through nginx: ${proxy.workers} worker(s), upstream keepalive ${proxy.keepalive}, ` +
        `max_conns ${proxy.maxConns ?? 'none'}, multi_accept ${proxy.multiAccept ? 'on' : 'off'}`,
    );
  const cases = [BARE_CASE, ...sampleCases('')];
  const failed: string[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const adapter of options.adapters) {
      const outcomes = await runAdapter(adapter, options);
      printTable(options.runs > 1 ? `${adapter}, run ${run}` : adapter, outcomes, cases);
      for (const o of outcomes)
        for (const failure of o.failures) failed.push(`${adapter} ${o.name}: ${failure}`);
    }
  }
  print();
  print(
    '(drops: connections the kernel dropped on a full listen queue during the case, machine-wide; ' +
      'queued: most connections waiting to be accepted by the app, sampled every second)',
  );
  if (failed.length > 0)
    throw new Error(`load: ${failed.length} failed:\n  ${failed.join('\n  ')}`);
  print('load: every case answered its status, with no error and no timeout');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runLoad(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
