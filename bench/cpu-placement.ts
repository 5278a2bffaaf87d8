/**
 * Where the measured app and the load generator run: pinned to different CPUs with Linux `taskset`,
 * because the scheduler putting both on one CPU halves the throughput at random.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

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
 * The app on the last CPU, this process (the load generator) on the others, unless `enabled` is
 * false: a description of what was done, for the output.
 */
export function placeProcesses(appPid: number, enabled: boolean): string {
  const count = cpus().length;
  if (!enabled) return 'not pinned (--no-pin)';
  if (count < 2) return 'not pinned (one CPU)';
  const last = count - 1;
  const others = last === 1 ? '0' : `0-${last - 1}`;
  if (!pin(appPid, String(last)) || !pin(process.pid, others)) return 'not pinned (no taskset)';
  return `app pinned to CPU ${last}, load generator to CPU ${others}`;
}
