import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { until } from './failover-load.js';
import { FAIL_FAST, freePort, launchRedis, stopRedis } from './redis-server.js';

/** The name under which the sentinels monitor the master. */
export const SENTINEL_MASTER_NAME = 'auth';

/**
 * How long the master may be unreachable before a sentinel considers it down (milliseconds). Low,
 * so that a failover happens within a test.
 */
export const SENTINEL_DOWN_AFTER_MS = 1000;

/**
 * A master, its replica and three sentinels (quorum 2), started by a test on 127.0.0.1 in a
 * temporary directory, stopped by their PIDs.
 */
export interface RedisSentinelProcess {
  /** Host and port of every sentinel (what a client is given). */
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  /** The port of the master, as every sentinel reports it (throws while they disagree). */
  master(): Promise<number>;
  /** Whether the replica of the master holds `key` (replication is asynchronous). */
  replicaHas(key: string): Promise<boolean>;
  /** Kills a data node (SIGKILL: a crash, as far as clients and sentinels can tell). */
  kill(port: number): Promise<void>;
  /** Resolves once every sentinel names a master other than `port`, and that node is a master. */
  promotedFrom(port: number): Promise<void>;
  /** Stops every process and removes the directory. */
  stop(): Promise<void>;
}

/** One short-lived connection to one process, for the helper's own commands. */
async function ask<T>(port: number, ...command: [string, ...string[]]): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, ...FAIL_FAST });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.call(...command)) as T;
  } finally {
    client.disconnect();
  }
}

/** A `field:value` line of INFO. */
function field(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** `SENTINEL MASTER` of one sentinel, as a record (its reply is a flat list of names and values). */
async function sentinelView(port: number): Promise<Record<string, string>> {
  const flat = await ask<string[]>(port, 'SENTINEL', 'MASTER', SENTINEL_MASTER_NAME);
  const view: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) view[flat[i]!] = flat[i + 1]!;
  return view;
}

/** Starts the set-up and resolves once every sentinel knows the replica and the other sentinels. */
export async function startRedisSentinel(): Promise<RedisSentinelProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-http-auth-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const stopAll = async () => {
    await Promise.all([...children.values()].map(stopRedis));
    await rm(dir, { recursive: true, force: true });
  };
  // In the temporary directory: a replica writes the copy it receives from its master to disk.
  const dataNode = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const [masterPort, replicaPort] = [await freePort(), await freePort()];
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  try {
    children.set(masterPort, await launchRedis(['--port', String(masterPort), ...dataNode]));
    children.set(
      replicaPort,
      await launchRedis([
        '--port',
        String(replicaPort),
        '--replicaof',
        '127.0.0.1',
        String(masterPort),
        ...dataNode,
      ]),
    );
    await Promise.all(
      sentinelPorts.map(async (port) => {
        // A sentinel rewrites its configuration file: one each, in the temporary directory.
        const file = join(dir, `sentinel-${port}.conf`);
        await writeFile(
          file,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${SENTINEL_DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
            '',
          ].join('\n'),
        );
        children.set(port, await launchRedis([file, '--sentinel'], { ready: '+monitor master' }));
      }),
    );
    await until(async () => {
      for (const port of sentinelPorts) {
        const view = await sentinelView(port);
        if (view['num-slaves'] !== '1' || view['num-other-sentinels'] !== '2') return false;
      }
      const replication = await ask<string>(replicaPort, 'INFO', 'replication');
      return field(replication, 'master_link_status') === 'up';
    }, 'the sentinels know the replica and each other');
  } catch (error) {
    await stopAll();
    throw error;
  }

  const sentinels = sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  const reported = async () => {
    const ports = new Set<number>();
    for (const port of sentinelPorts) {
      if (children.get(port)?.exitCode !== null) continue;
      const [, masterOf] = await ask<[string, string]>(
        port,
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        SENTINEL_MASTER_NAME,
      );
      ports.add(Number(masterOf));
    }
    if (ports.size !== 1) throw new Error(`the sentinels disagree: ${[...ports].join(', ')}`);
    return [...ports][0]!;
  };
  return {
    sentinels,
    master: reported,
    replicaHas: async (key) => {
      const master = await reported();
      const replica = [masterPort, replicaPort].find((port) => port !== master)!;
      return (await ask<number>(replica, 'EXISTS', key)) === 1;
    },
    kill: async (port) => {
      const child = children.get(port);
      if (child) await stopRedis(child);
    },
    promotedFrom: (port) =>
      until(async () => {
        const master = await reported();
        if (master === port) return false;
        return field(await ask<string>(master, 'INFO', 'replication'), 'role') === 'master';
      }, `a replica of 127.0.0.1:${port} is promoted`),
    stop: stopAll,
  };
}

/**
 * Sentinel client options that fail fast while the master is down and follow the failover by
 * themselves (documented in docs/caching-throttling-redis.md).
 */
export function sentinelOptions(sentinels: RedisSentinelProcess['sentinels']): RedisOptions {
  return {
    sentinels: [...sentinels],
    name: SENTINEL_MASTER_NAME,
    ...FAIL_FAST,
    retryStrategy: () => 100,
    sentinelRetryStrategy: () => 100,
  };
}

/** An ioredis client of the master through the sentinels, once it is ready. */
export async function connectSentinel(
  sentinels: RedisSentinelProcess['sentinels'],
): Promise<Redis> {
  const client = new Redis(sentinelOptions(sentinels));
  // Tests kill the master on purpose: the reconnect errors are expected, not unhandled events.
  client.on('error', () => undefined);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}
