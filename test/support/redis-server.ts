import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../sample/client/sample-process.js';

/** A redis-server started by a test on 127.0.0.1, stopped by its PID. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGKILL: a crash, as far as clients can tell). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: persistence is off). */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the sample client's helper). */
export { freePort };

function launch(port: number): Promise<ChildProcess> {
  return launchRedis([
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--protected-mode',
    'yes',
  ]);
}

/**
 * Runs redis-server with `args` (in `cwd`) and resolves once its log says `ready` (the Cluster and
 * Sentinel helpers start theirs through this too).
 */
export function launchRedis(
  args: readonly string[],
  { cwd, ready = 'Ready to accept connections' }: { cwd?: string; ready?: string } = {},
): Promise<ChildProcess> {
  const child = spawn(process.env['REDIS_SERVER'] ?? 'redis-server', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server ${args.join(' ')} did not start:\n${output}`));
    }, 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(
        new Error(`cannot run redis-server (apt-get install -y redis-server): ${error.message}`),
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
}

/** Stops a redis-server by its PID (SIGKILL: a crash, as far as clients can tell). */
export function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(child.pid!, 'SIGKILL');
  });
}

/** Starts redis-server on a free loopback port. */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => stopRedis(child),
    restart: async () => {
      await stopRedis(child);
      child = await launch(port);
    },
  };
}

/** Client options that fail fast while Redis is down, as README recommends. */
export const FAIL_FAST = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 500,
};

/** Resolves once the client is connected (at once if it is). */
export function whenReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

/** An ioredis client with {@link FAIL_FAST} options, once it is ready. */
export async function connectRedis(url: string): Promise<Redis> {
  const client = new Redis(url, { ...FAIL_FAST, retryStrategy: () => 100 });
  // Tests kill Redis on purpose: the reconnect errors are expected, not unhandled events.
  client.on('error', () => undefined);
  await whenReady(client);
  return client;
}
