/**
 * nginx (the Debian package) as a round-robin load balancer on 127.0.0.1, for the cluster test
 * (test/cluster.e2e-spec.ts) and `npm run bench -- --cluster`. Everything it writes (configuration,
 * temporary files, PID file) stays in a temporary directory; its error log goes to its stderr, kept
 * for the error messages; there is no access log. It runs in the foreground and is stopped by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The response header naming the instance (`127.0.0.1:port`) that answered through nginx. */
export const UPSTREAM_HEADER = 'x-upstream';

/** What {@link startNginx} balances, and where it listens. */
export interface NginxOptions {
  /** Loopback port to listen on (chosen by the caller: the apps may need to know it first). */
  readonly port: number;
  /** Ports of the instances on 127.0.0.1, served in turn (round robin). */
  readonly upstreams: readonly number[];
  /** nginx worker processes (default 1: one round-robin sequence, so requests rotate exactly). */
  readonly workers?: number;
  /** A path that answers 200 once the instances are up; polled until nginx serves it. */
  readonly readyPath: string;
  /** Connections per worker, client and upstream ones together (default 1024). */
  readonly workerConnections?: number;
  /** `multi_accept on`: a worker accepts every pending connection per event (default off). */
  readonly multiAccept?: boolean;
  /** Listen backlog of nginx's socket (default nginx's own, 511 on Linux). */
  readonly backlog?: number;
  /**
   * Idle connections to the instances each worker keeps for reuse (upstream `keepalive`, default
   * 64); 0: none, a new connection per request.
   */
  readonly keepalive?: number;
  /** Most connections to each instance per worker (`max_conns`); beyond it nginx answers 502. */
  readonly maxConns?: number;
  /** CPUs for nginx, master and workers (`taskset -c` list, e.g. `0`); default: not pinned. */
  readonly cpuList?: string;
}

/** A running nginx. */
export interface NginxBalancer {
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** The master process. */
  readonly pid: number;
  /** Stops it (SIGTERM: fast shutdown of master and workers; SIGKILL after 5 s), removes its files. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** The configuration: every path under `dir`, nothing under /var or /etc. */
function configuration(dir: string, options: NginxOptions): string {
  const limit = options.maxConns === undefined ? '' : ` max_conns=${options.maxConns}`;
  const servers = options.upstreams
    .map((port) => `    server 127.0.0.1:${port}${limit};`)
    .join('\n');
  const multiAccept = options.multiAccept === true ? ' multi_accept on;' : '';
  const idle = options.keepalive ?? 64;
  const keepalive = idle === 0 ? '' : `    keepalive ${idle};\n`;
  const backlog = options.backlog === undefined ? '' : ` backlog=${options.backlog}`;
  return `daemon off;
worker_processes ${options.workers ?? 1};
worker_rlimit_nofile ${2 * (options.workerConnections ?? 1024) + 64};
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections ${options.workerConnections ?? 1024};${multiAccept} }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream instances {
${servers}
${keepalive}  }
  server {
    listen 127.0.0.1:${options.port}${backlog};
    location / {
      proxy_pass http://instances;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`;
}

function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  return exited.then(() => clearTimeout(timer));
}

/**
 * Starts nginx (`NGINX`, default `/usr/sbin/nginx`) in front of `options.upstreams` and resolves
 * once `GET readyPath` answers 200 through it.
 * @throws Error with nginx's own output when it cannot run, exits or does not get ready in 10 s
 */
export async function startNginx(options: NginxOptions): Promise<NginxBalancer> {
  const dir = await mkdtemp(join(tmpdir(), 'nest-http-auth-nginx-'));
  // Run as root, nginx's workers run as nobody: they must reach the temporary paths.
  await chmod(dir, 0o755);
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, configuration(dir, options));
  const binary = process.env['NGINX'] ?? '/usr/sbin/nginx';
  // -e: the log of the start-up, before the configuration is read (else /var/log/nginx/error.log).
  const args = ['-e', 'stderr', '-p', dir, '-c', conf];
  // taskset runs nginx in its own process (exec): the PID stays nginx's master.
  const [command, commandArgs] =
    options.cpuList === undefined
      ? [binary, args]
      : ['taskset', ['-c', options.cpuList, binary, ...args]];
  const child = spawn(command, commandArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    // Rejects with the 'error' event when the binary cannot be run.
    await once(child, 'spawn');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot run nginx (apt-get install -y nginx): ${(error as Error).message}`, {
      cause: error,
    });
  }
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async (): Promise<void> => {
    await stopProcess(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited with code ${child.exitCode}:\n${output}`);
    }
    const ready = await fetch(`${url}${options.readyPath}`).then(
      async (res) => (await res.arrayBuffer(), res.status === 200),
      () => false,
    );
    if (ready) return { url, pid: child.pid!, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`nginx did not serve ${options.readyPath} on ${url} within 10 s:\n${output}`);
}
