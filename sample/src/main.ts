import { serve } from './serve.js';

/** `npm run sample` (node dist/sample/src/main.js): see {@link serve}. Exit code 1 when it cannot start. */
const app = await serve(process.env, {
  log: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
});
if (app) app.enableShutdownHooks();
else process.exitCode = 1;
