/**
 * `npm run bench -- --sample [options]`: the sample app's own routes against its public `/health`,
 * on both adapters (issue 16's first table). Builds the sample (`tsc -p sample/tsconfig.json`),
 * starts `dist/sample/src/main.js` with an in-memory database on a free port, gets a token the way
 * a client does (`POST /auth/token` with bob's Basic credentials), then measures each case between
 * two measurements of `/health` with autocannon, the app and the load generator pinned apart.
 *
 * Throttling stays on as the sample configures it, with limits a bench cannot reach
 * (`AUTH_MAX_FAILURES` 1,000,000 per 10 s window): the forged-token case is counted in the store on
 * every request and stays a 401, never a 429.
 *
 *   --quick                 1 round of 1 s per measurement
 *   --adapter <name>        express or fastify (default: both)
 *   --connections <n>       concurrent connections (default 50)
 *   --duration <s>          seconds per measurement (default 3, --quick 1)
 *   --rounds <n>            rounds (default 3, --quick 1); the table shows medians and ranges
 *   --no-pin                leave CPU placement to the scheduler
 *   --json <file>           where the results go (default bench/results/sample.json):
 *                           `{ "<adapter>": { "<case>": { rps, ratio, spread: [min, max] } } }`
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { wrongAnswers } from './answers.js';
import type { Adapter } from './app.js';
import { ADAPTERS } from './cases.js';
import { placeProcesses } from './cpu-placement.js';
import { basicAuthorization } from './fixtures.js';
import { median, pad, percent, print } from './numbers.js';
import { adaptersOf, COMMON_OPTIONS, positive, readArgs, whole } from './cli.js';
import { buildSample, SAMPLE_MAIN } from './sample-build.js';

/** The repository root: this file runs as dist/bench/sample-mode.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The sample's seeded credentials (sample/README.md, "Seeded data"). */
const BOB = { username: 'bob', password: 'builder£42' } as const;
const SAMPLE_API_KEY = 'ak_demo_7Hq2xR9pLm4vT8wZ';
/** The sample's HS256 secret for this run, and another one for the forged token. */
const SAMPLE_SECRET = 'nest-http-auth-bench-sample-secret-0123456789';
const FORGED_SECRET = 'a-different-secret-for-the-forged-token-01234';

interface SampleOptions {
  readonly adapters: readonly Adapter[];
  readonly connections: number;
  readonly duration: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly pin: boolean;
  readonly json: string;
}

/** One measured request to the sample. */
interface SampleCase {
  readonly name: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: number;
  readonly what: string;
}

function parseSampleArgs(argv: readonly string[]): SampleOptions {
  const args = readArgs(argv, {
    ...COMMON_OPTIONS,
  });
  const quick = args.quick === true;
  return {
    adapters: adaptersOf(args.adapter, ADAPTERS),
    connections: whole(args.connections, 'connections') ?? 50,
    duration: positive(args.duration, 'duration') ?? (quick ? 1 : 3),
    warmup: quick ? 1 : 3,
    rounds: whole(args.rounds, 'rounds') ?? (quick ? 1 : 3),
    pin: args['no-pin'] !== true,
    json:
      args.json === undefined ? join(ROOT, 'bench', 'results', 'sample.json') : resolve(args.json),
  };
}

/** A port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The sample in a child process, stopped by its PID. */
class SampleApp {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly exit: Promise<void>,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(adapter: Adapter): Promise<SampleApp> {
    const port = await freePort();
    const child = spawn(process.execPath, [SAMPLE_MAIN], {
      cwd: ROOT,
      env: {
        ...process.env,
        ADAPTER: adapter,
        PORT: String(port),
        HOST: '127.0.0.1',
        SAMPLE_DB: ':memory:',
        JWT_SECRET: SAMPLE_SECRET,
        ACCESS_TOKEN_TTL: '7200',
        AUTH_MAX_FAILURES: '1000000',
        AUTH_FAILURE_WINDOW: '10',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const app = new SampleApp(child, port, exit);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the sample exited (code ${child.exitCode})`);
      try {
        const res = await fetch(app.url('/health'));
        await res.arrayBuffer();
        if (res.status === 200) return app;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await app.stop();
        throw new Error('the sample did not answer /health within 60 s');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** SIGTERM, SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** An access token for bob, from `POST /auth/token` (SAMPLE.md). */
async function login(app: SampleApp): Promise<string> {
  const res = await fetch(app.url('/auth/token'), {
    method: 'POST',
    headers: { authorization: basicAuthorization(BOB.username, BOB.password) },
  });
  const body = (await res.json()) as { access_token?: unknown };
  if (res.status !== 200 || typeof body.access_token !== 'string')
    throw new Error(`POST /auth/token answered ${res.status}`);
  return body.access_token;
}

/** A token for bob signed with another secret: refused (401), counted by the throttle. */
function forgedToken(): Promise<string> {
  return new SignJWT({ sub: 'bob' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(FORGED_SECRET));
}

async function sampleCases(app: SampleApp): Promise<readonly SampleCase[]> {
  const bearer = `Bearer ${await login(app)}`;
  const basic = basicAuthorization(BOB.username, BOB.password);
  return [
    {
      name: 'catalog_anon',
      path: '/catalog',
      headers: {},
      status: 200,
      what: 'optional Bearer OR Basic, nothing sent',
    },
    {
      name: 'catalog_basic',
      path: '/catalog',
      headers: { authorization: basic },
      status: 200,
      what: 'same, warm Basic (bob)',
    },
    {
      name: 'catalog_bearer',
      path: '/catalog',
      headers: { authorization: bearer },
      status: 200,
      what: 'same, warm Bearer',
    },
    {
      name: 'me_bearer',
      path: '/me',
      headers: { authorization: bearer },
      status: 200,
      what: 'Bearer OR Basic, warm Bearer',
    },
    {
      name: 'reports_apikey',
      path: '/reports',
      headers: { 'x-api-key': SAMPLE_API_KEY },
      status: 200,
      what: 'API key + scope reports:read',
    },
    {
      name: 'me_forged',
      path: '/me',
      headers: { authorization: `Bearer ${await forgedToken()}` },
      status: 401,
      what: '401 forged token, throttling on',
    },
  ];
}

const HEALTH: SampleCase = {
  name: 'health',
  path: '/health',
  headers: {},
  status: 200,
  what: 'public',
};

/** Requests per second of one measurement; fails on an unexpected status. */
async function rate(
  app: SampleApp,
  c: SampleCase,
  connections: number,
  seconds: number,
): Promise<number> {
  const result = await autocannon({
    url: app.url(c.path),
    headers: { ...c.headers },
    connections,
    duration: seconds,
  });
  const wrong = wrongAnswers(c.status, result);
  if (wrong > 0)
    throw new Error(
      `sample ${c.name}: ${wrong} of ${result.requests.total} requests did not answer ${c.status} (${JSON.stringify(result.statusCodeStats)})`,
    );
  return result.requests.average;
}

/** The `--sample` mode: see the header comment. */
export async function runSample(argv: readonly string[]): Promise<void> {
  const options = parseSampleArgs(argv);
  buildSample();
  print(
    `sample bench: ${options.connections} connections, ${options.warmup} s warm-up per case, ${options.rounds} ` +
      `round(s) of ${options.duration} s, each case between two measurements of /health; Node ${process.version}`,
  );
  const results: Record<string, Record<string, unknown>> = {};
  for (const adapter of options.adapters) {
    const app = await SampleApp.start(adapter);
    // However the runner ends (Ctrl-C, an error), the sample is stopped by its PID.
    const stop = (): void => void app.stop();
    process.once('exit', stop);
    try {
      print(
        `${adapter}: sample pid ${app.pid} on 127.0.0.1:${app.port}; ${placeProcesses(app.pid, options.pin)}`,
      );
      const cases = await sampleCases(app);
      for (const c of [HEALTH, ...cases]) await rate(app, c, options.connections, options.warmup);
      const ratios = new Map<string, number[]>(cases.map((c) => [c.name, []]));
      const rps = new Map<string, number[]>([HEALTH, ...cases].map((c) => [c.name, []]));
      for (let round = 0; round < options.rounds; round++) {
        let before = await rate(app, HEALTH, options.connections, options.duration);
        rps.get(HEALTH.name)!.push(before);
        for (const c of cases) {
          const measured = await rate(app, c, options.connections, options.duration);
          const after = await rate(app, HEALTH, options.connections, options.duration);
          rps.get(c.name)!.push(measured);
          rps.get(HEALTH.name)!.push(after);
          ratios.get(c.name)!.push(measured / ((before + after) / 2));
          before = after;
        }
      }
      print();
      print(`${adapter} (sample):`);
      print(
        `  ${pad('case', 16)} ${pad('req/s', 7, true)} ${pad('ratio', 7, true)} ${pad('rounds', 11, true)}  what`,
      );
      print(
        `  ${pad('health', 16)} ${pad(Math.round(median(rps.get('health')!)).toString(), 7, true)} ${pad('100%', 7, true)} ${pad('', 11)}  GET /health, public`,
      );
      const byCase: Record<string, unknown> = {
        health: { rps: Math.round(median(rps.get('health')!)), ratio: 1 },
      };
      for (const c of cases) {
        const r = ratios.get(c.name)!;
        byCase[c.name] = {
          rps: Math.round(median(rps.get(c.name)!)),
          ratio: Number(median(r).toFixed(4)),
          spread: [Number(Math.min(...r).toFixed(4)), Number(Math.max(...r).toFixed(4))],
        };
        print(
          `  ${pad(c.name, 16)} ${pad(Math.round(median(rps.get(c.name)!)).toString(), 7, true)} ${pad(`${percent(median(r))}%`, 7, true)} ` +
            `${pad(`${percent(Math.min(...r))}-${percent(Math.max(...r))}`, 11, true)}  GET ${c.path}: ${c.what}`,
        );
      }
      print();
      results[adapter] = byCase;
    } finally {
      process.off('exit', stop);
      await app.stop();
    }
  }
  await mkdir(dirname(options.json), { recursive: true });
  await writeFile(options.json, `${JSON.stringify(results, null, 2)}\n`);
  print(`results: ${options.json}`);
}
