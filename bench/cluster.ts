/**
 * `npm run bench -- --cluster [options]`: throughput of three sample instances behind nginx (round
 * robin) sharing one Redis, against one instance called directly, on `GET /health` (public) and
 * `GET /me` with a warm Bearer token. The set-up of test/cluster.e2e-spec.ts, with the built sample
 * (dist/sample, compiled here first) in three processes. Each round measures every case directly
 * and through nginx, back to back; the table gives the median of the rounds and their spread.
 * Nothing is pinned: with three instances, nginx and the load generator on the machine's CPUs,
 * the scheduler places them.
 *
 *   --quick              3 rounds of 1 s per measurement (a smoke check; the spread still shows)
 *   --adapter <name>     express or fastify (default: both)
 *   --duration <s>       seconds per measurement (default 3, --quick 1)
 *   --rounds <n>         rounds (default 3)
 *   --connections <n>    concurrent connections (default 50)
 *   --workers <n>        nginx worker processes (default 1)
 *   --json <file>        where the results go (default bench/results/cluster.json)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { Adapter } from './app.js';
import { adaptersOf, COMMON_OPTIONS, positive, readArgs, whole } from './cli.js';
import { buildSample } from './sample-build.js';
import { type NginxBalancer, startNginx } from './nginx.js';

interface ClusterOptions {
  readonly adapters: readonly Adapter[];
  readonly duration: number;
  readonly rounds: number;
  readonly connections: number;
  readonly workers: number;
  readonly json: string;
}

/** What the built sample's process helper (sample/client/sample-process.ts) exports. */
interface SampleProcessModule {
  freePort(): Promise<number>;
  startSample(
    main: string,
    env: Readonly<Record<string, string>>,
  ): Promise<{ readonly url: string; readonly pid: number; stop(): Promise<void> }>;
}

/** Something the bench started, stopped by its PID. */
interface Stoppable {
  readonly pid: number;
  stop(): Promise<void>;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INSTANCES = 3;
const ALICE = { username: 'alice', password: 'wonder:land-2026' };
const JWT_SECRET = 'bench-cluster-secret-0123456789-abcdefghij';

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function parseClusterArgs(argv: readonly string[]): ClusterOptions {
  const args = readArgs(argv, {
    ...COMMON_OPTIONS,
    workers: { type: 'string' },
  });
  return {
    adapters: adaptersOf(args.adapter, ['express', 'fastify']),
    duration: positive(args.duration, 'duration') ?? (args.quick === true ? 1 : 3),
    rounds: whole(args.rounds, 'rounds') ?? 3,
    connections: whole(args.connections, 'connections') ?? 50,
    workers: whole(args.workers, 'workers') ?? 1,
    json:
      args.json === undefined ? join(ROOT, 'bench', 'results', 'cluster.json') : resolve(args.json),
  };
}

/** redis-server on 127.0.0.1:`port`, without persistence, once it accepts connections. */
async function startRedisServer(port: number): Promise<Stoppable> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn(process.env['REDIS_SERVER'] ?? 'redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`redis-server did not start:\n${output}`)),
      10_000,
    );
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(new Error(`cannot run redis-server: ${error.message}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        ready();
      }
    });
  });
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

/** One measurement: requests per second, after checking that every answer had `status`. */
async function requestsPerSecond(
  url: string,
  headers: Readonly<Record<string, string>>,
  status: number,
  options: ClusterOptions,
  duration = options.duration,
): Promise<number> {
  const result = await autocannon({
    url,
    headers: { ...headers },
    connections: options.connections,
    duration,
  });
  let wrong = result.errors + result.timeouts;
  for (const [code, { count = 0 }] of Object.entries(result.statusCodeStats ?? {}))
    if (Number(code) !== status) wrong += count;
  if (wrong > 0)
    throw new Error(
      `${url}: ${wrong} of ${result.requests.total} requests did not answer ${status} (${JSON.stringify(result.statusCodeStats)}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  return result.requests.average;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `median (min–max)` of some numbers, rounded to `digits`. */
function spread(values: readonly number[], digits = 0): string {
  const f = (n: number): string => n.toFixed(digits);
  return `${f(median(values))} (${f(Math.min(...values))}-${f(Math.max(...values))})`;
}

/** A route measured directly and through nginx. */
interface Route {
  readonly name: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly what: string;
}

/** The rounds of one route: req/s of one instance directly, through nginx, and their ratio. */
interface RouteResult {
  readonly direct: number[];
  readonly balanced: number[];
  readonly ratio: number[];
}

/** The running set-up: one instance's URL, nginx's URL and a valid access token. */
interface Cluster {
  readonly direct: string;
  readonly balanced: string;
  readonly accessToken: string;
}

/**
 * Redis, three sample instances (built, one process each) sharing it, nginx in front; everything
 * started is added to `started` at once, so that the caller stops it whatever happens.
 */
async function startCluster(
  adapter: Adapter,
  sampleProcess: SampleProcessModule,
  options: ClusterOptions,
  started: Stoppable[],
): Promise<Cluster> {
  const track = <T extends Stoppable>(item: T): T => (started.push(item), item);
  const redisPort = await sampleProcess.freePort();
  track(await startRedisServer(redisPort));
  const nginxPort = await sampleProcess.freePort();
  const env = {
    ADAPTER: adapter,
    SAMPLE_DB: ':memory:',
    JWT_SECRET,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    PUBLIC_URL: `http://127.0.0.1:${nginxPort}`,
    // The load comes from one address: no lockout of the load generator.
    AUTH_MAX_FAILURES: '1000000',
  };
  const main = join(ROOT, 'dist', 'sample', 'src', 'main.js');
  const instances = [];
  for (let i = 0; i < INSTANCES; i++)
    instances.push(track(await sampleProcess.startSample(main, env)));
  const nginx: NginxBalancer = track(
    await startNginx({
      port: nginxPort,
      upstreams: instances.map(({ url }) => Number(new URL(url).port)),
      workers: options.workers,
      readyPath: '/health',
    }),
  );
  const basic = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64')}`;
  const res = await fetch(`${nginx.url}/auth/token`, {
    method: 'POST',
    headers: { authorization: basic },
  });
  if (res.status !== 200) throw new Error(`POST /auth/token through nginx answered ${res.status}`);
  const { access_token: accessToken } = (await res.json()) as { access_token: string };
  return { direct: instances[0]!.url, balanced: nginx.url, accessToken };
}

async function measureAdapter(
  adapter: Adapter,
  sampleProcess: SampleProcessModule,
  options: ClusterOptions,
  started: Stoppable[],
): Promise<Record<string, RouteResult>> {
  const cluster = await startCluster(adapter, sampleProcess, options, started);
  const routes: readonly Route[] = [
    { name: 'health', path: '/health', headers: {}, what: 'public' },
    {
      name: 'me_bearer',
      path: '/me',
      headers: { authorization: `Bearer ${cluster.accessToken}` },
      what: 'Bearer OR Basic, warm Bearer token',
    },
  ];
  // Warm-up (not measured): JIT, connections, and the token in every instance's cache.
  for (const route of routes)
    for (const base of [cluster.direct, cluster.balanced])
      await requestsPerSecond(`${base}${route.path}`, route.headers, 200, options, 1);
  const results: Record<string, RouteResult> = {};
  for (const route of routes) results[route.name] = { direct: [], balanced: [], ratio: [] };
  for (let round = 0; round < options.rounds; round++) {
    for (const route of routes) {
      const kept = results[route.name]!;
      const direct = await requestsPerSecond(
        `${cluster.direct}${route.path}`,
        route.headers,
        200,
        options,
      );
      const balanced = await requestsPerSecond(
        `${cluster.balanced}${route.path}`,
        route.headers,
        200,
        options,
      );
      kept.direct.push(direct);
      kept.balanced.push(balanced);
      kept.ratio.push(balanced / direct);
    }
  }
  print();
  print(
    `${adapter}: ${INSTANCES} instances behind nginx (${options.workers} worker) vs one instance directly`,
  );
  print(
    `  ${'route'.padEnd(10)} ${'direct req/s'.padStart(20)} ${'nginx req/s'.padStart(20)} ${'nginx/direct'.padStart(18)}  what`,
  );
  for (const route of routes) {
    const { direct, balanced, ratio } = results[route.name]!;
    print(
      `  ${route.name.padEnd(10)} ${spread(direct).padStart(20)} ${spread(balanced).padStart(20)} ${spread(ratio, 2).padStart(18)}  ${route.what}`,
    );
  }
  return results;
}

/** Stops what was started, last first (nginx before the instances, the instances before Redis). */
async function stopAll(started: Stoppable[]): Promise<void> {
  for (const item of started.reverse()) await item.stop().catch(() => undefined);
  started.length = 0;
}

/**
 * Runs the cluster bench with the `--cluster` options `argv` (see this file's header): builds the
 * sample, measures each adapter, prints a table per adapter and writes the JSON.
 * @throws Error on a wrong option, a set-up that does not start or an answer other than 200
 */
export async function runCluster(argv: readonly string[]): Promise<void> {
  const options = parseClusterArgs(argv);
  buildSample();
  const sampleProcess = (await import(
    pathToFileURL(join(ROOT, 'dist', 'sample', 'client', 'sample-process.js')).href
  )) as SampleProcessModule;
  print(
    `cluster bench: Node ${process.version}, ${cpus().length} CPUs, not pinned; ${options.connections} connections, ${options.rounds} rounds of ${options.duration} s per measurement; median (min-max of the rounds)`,
  );
  const started: Stoppable[] = [];
  // If the bench is interrupted (run.ts exits on SIGINT), the children are stopped by PID.
  const onExit = (): void => {
    for (const { pid } of started) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  };
  process.on('exit', onExit);
  const results: Record<string, Record<string, RouteResult>> = {};
  try {
    for (const adapter of options.adapters) {
      try {
        results[adapter] = await measureAdapter(adapter, sampleProcess, options, started);
      } finally {
        await stopAll(started);
      }
    }
  } finally {
    process.off('exit', onExit);
  }
  await mkdir(dirname(options.json), { recursive: true });
  await writeFile(
    options.json,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        instances: INSTANCES,
        options: {
          connections: options.connections,
          duration: options.duration,
          rounds: options.rounds,
          workers: options.workers,
        },
        results,
      },
      null,
      2,
    )}\n`,
  );
  print();
  print(`results: ${options.json}`);
}
