/**
 * Jest's global teardown: once every test has run, a test process that still has not exited after
 * 15 s is kept alive by something a test did not stop (a server, a socket, a reconnecting client, a
 * timer). Rather than hang until CI's limit, it fails the run and says so. The timer itself never
 * keeps the process alive.
 */
export default function exitWatchdog() {
  setTimeout(() => {
    console.error(
      'The tests ended 15 s ago, but open handles (a server, socket, client or timer that a test did not stop) keep the process alive: failing the run. Find them with `--detectOpenHandles`.',
    );
    process.exit(1);
  }, 15_000).unref();
}
