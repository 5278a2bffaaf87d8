import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { until } from './failover-load.js';
import { FAIL_FAST, freePort, launchRedis, stopRedis } from './redis-server.js';

/** One node of a test cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly child: ChildProcess;
}

/**
 * A Redis Cluster of 3 masters with 1 replica each, started by a test on 127.0.0.1 in a temporary
 * directory (6 redis-server processes), stopped by their PIDs.
 */
export interface RedisClusterProcess {
  /** Host and port of every node (the startup nodes of a client). */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** The port of the master that serves `key`'s slot right now. */
  masterOf(key: string): Promise<number>;
  /** The ports of the masters right now. */
  masters(): Promise<number[]>;
  /** The port of the replica of a master. */
  replicaOf(masterPort: number): Promise<number>;
  /** Whether the replica of `key`'s master holds `key` (replication is asynchronous). */
  replicaHas(key: string): Promise<boolean>;
  /** The ports of the replicas that are up right now. */
  replicas(): Promise<number[]>;
  /**
   * The port of the node that holds the subscriber connection of the Cluster client whose
   * `redisOptions.connectionName` is `name` (`CLIENT LIST` on each node), once it has subscribed.
   */
  subscriberOf(name: string): Promise<number | undefined>;
  /** Kills a node (SIGKILL: a crash, as far as clients and the other nodes can tell). */
  kill(port: number): Promise<void>;
  /** Resolves once every live node says `cluster_state:ok` and every master's replica is in sync. */
  healthy(): Promise<void>;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

/**
 * How long a node may be unreachable before the others mark it failing and its replica takes
 * over (milliseconds). Low, so that a failover happens within a test.
 */
export const CLUSTER_NODE_TIMEOUT_MS = 1000;

const run = promisify(execFile);

/** One short-lived connection to one node, for the helper's own CLUSTER/INFO commands. */
async function ask<T>(port: number, command: string, ...args: string[]): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, ...FAIL_FAST });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.call(command, ...args)) as T;
  } finally {
    client.disconnect();
  }
}

/** `field:value` lines of INFO or CLUSTER INFO. */
function field(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();
}

/** `CLUSTER NODES` of one node, parsed: port, role and (for a replica) its master's id. */
async function clusterNodes(port: number) {
  const text = await ask<string>(port, 'CLUSTER', 'NODES');
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, master] = line.split(' ');
      return {
        id: id!,
        port: Number(/:(\d+)@/.exec(address!)?.[1]),
        master: flags!.includes('master'),
        failed: flags!.includes('fail'),
        masterId: master!,
      };
    });
}

/** Starts the cluster and resolves once it is healthy. */
export async function startRedisCluster(): Promise<RedisClusterProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-http-auth-cluster-'));
  const ports: number[] = [];
  const busPorts: number[] = [];
  while (ports.length < 6) {
    const [port, bus] = [await freePort(), await freePort()];
    if (port !== bus && ![...ports, ...busPorts].some((p) => p === port || p === bus)) {
      ports.push(port);
      busPorts.push(bus);
    }
  }
  const nodes = new Map<number, ClusterNode>();
  const stopAll = async () => {
    await Promise.all([...nodes.values()].map(({ child }) => stopRedis(child)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(
      ports.map(async (port, i) => {
        const child = await launchRedis(
          [
            '--port',
            String(port),
            '--cluster-port',
            String(busPorts[i]),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            String(CLUSTER_NODE_TIMEOUT_MS),
            // A replica takes over however long it was disconnected (a test's replica is fresh).
            '--cluster-replica-validity-factor',
            '0',
            '--dir',
            dir,
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          { cwd: dir },
        );
        nodes.set(port, { port, child });
      }),
    );
    await run(
      process.env['REDIS_CLI'] ?? 'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (error) {
    await stopAll();
    throw error;
  }

  const live = () =>
    [...nodes.values()].filter(({ child }) => child.exitCode === null && !child.signalCode);
  const anyLive = () => live()[0]!.port;
  const cluster: RedisClusterProcess = {
    startupNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    masterOf: async (key) => {
      const slot = await ask<number>(anyLive(), 'CLUSTER', 'KEYSLOT', key);
      const slots = await ask<[number, number, [string, number]][]>(anyLive(), 'CLUSTER', 'SLOTS');
      const range = slots.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`no node serves slot ${slot}`);
      return Number(range[2][1]);
    },
    masters: async () =>
      (await clusterNodes(anyLive())).filter((n) => n.master && !n.failed).map((n) => n.port),
    replicaOf: async (masterPort) => {
      const all = await clusterNodes(anyLive());
      const master = all.find((n) => n.port === masterPort);
      const replica = all.find((n) => n.masterId === master?.id && !n.failed);
      if (!replica) throw new Error(`no replica of 127.0.0.1:${masterPort}`);
      return replica.port;
    },
    replicaHas: async (key) => {
      const client = new Redis({
        port: await cluster.replicaOf(await cluster.masterOf(key)),
        host: '127.0.0.1',
        lazyConnect: true,
        ...FAIL_FAST,
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.call('READONLY');
        return (await client.call('EXISTS', key)) === 1;
      } finally {
        client.disconnect();
      }
    },
    replicas: async () =>
      (await clusterNodes(anyLive())).filter((n) => !n.master && !n.failed).map((n) => n.port),
    subscriberOf: async (name) => {
      for (const { port } of live()) {
        const clients = (await ask<string>(port, 'CLIENT', 'LIST')).split('\n');
        const ours = clients.find((line) =>
          line.includes(` name=ioredis-cluster(subscriber):${name} `),
        );
        if (ours && !/ sub=0 /.test(ours)) return port;
      }
      return undefined;
    },
    kill: async (port) => {
      const node = nodes.get(port);
      if (node) await stopRedis(node.child);
    },
    healthy: () =>
      until(async () => {
        for (const { port } of live()) {
          if (field(await ask(port, 'CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false;
          const replication = await ask<string>(port, 'INFO', 'replication');
          if (field(replication, 'role') === 'slave') {
            if (field(replication, 'master_link_status') !== 'up') return false;
          }
        }
        const masters = (await clusterNodes(anyLive())).filter((n) => n.master && !n.failed);
        return masters.length === 3;
      }, 'the cluster is healthy'),
    stop: stopAll,
  };
  await cluster.healthy();
  return cluster;
}

/**
 * Cluster client options that fail fast while a master is down and follow the failover by
 * themselves (documented in docs/caching-throttling-redis.md).
 */
export const CLUSTER_FAIL_FAST: ClusterOptions = {
  enableOfflineQueue: false,
  retryDelayOnFailover: 100,
  retryDelayOnClusterDown: 100,
  maxRedirections: 4,
  clusterRetryStrategy: () => 100,
  redisOptions: FAIL_FAST,
};

/**
 * An ioredis Cluster client with {@link CLUSTER_FAIL_FAST} options (and `redisOptions`, e.g. a
 * `connectionName`), once it is ready.
 */
export async function connectCluster(
  startupNodes: RedisClusterProcess['startupNodes'],
  redisOptions: RedisOptions = {},
): Promise<Cluster> {
  const client = new Cluster([...startupNodes], {
    ...CLUSTER_FAIL_FAST,
    redisOptions: { ...CLUSTER_FAIL_FAST.redisOptions, ...redisOptions },
  });
  // Tests kill nodes on purpose: the errors are expected, not unhandled events.
  client.on('error', () => undefined);
  client.on('node error', () => undefined);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}
