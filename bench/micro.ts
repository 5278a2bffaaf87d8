/**
 * `node dist/bench/micro.js [iterations] [case,case...]` (after `npm run bench`, or `npm run
 * build && tsc -p bench/tsconfig.json`): the CPU cost of the module's own work per request, without HTTP. Calls
 * the global guard (and, for failures, the exception filter with a recording adapter) in a loop on
 * the bench app's routes, and prints µs per call. Use it to see what an optimisation changes;
 * `npm run bench` measures what a client sees.
 */
import type { ExecutionContext, Type } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { AuthError, AuthExceptionFilter, AuthGuard } from 'nest-http-auth';
import { BenchController, createBenchApp } from './app.js';
import { API_KEY, BASIC_USER, basicAuthorization, signToken } from './fixtures.js';

interface MicroCase {
  readonly name: string;
  readonly handler: keyof BenchController;
  readonly headers: Readonly<Record<string, string>>;
}

/** An adapter that records what the filter sends instead of writing it. */
const recordingAdapter = {
  setHeader(response: Record<string, unknown>, name: string, value: unknown): void {
    response[name] = value;
  },
  reply(response: Record<string, unknown>, body: unknown, status: number): void {
    response['status'] = status;
    response['body'] = JSON.stringify(body);
  },
};

function contextOf(
  handler: keyof BenchController,
  request: object,
  response: object,
): ExecutionContext {
  const controller = BenchController as Type;
  // The handler is only an identity here (the guard looks its metadata up): never called.
  const method = Object.getOwnPropertyDescriptor(BenchController.prototype, handler)!
    .value as Function;
  return new ExecutionContextHost([request, response, undefined], controller, method);
}

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 200_000);
  const app = await createBenchApp('fastify');
  await app.init();
  const guard = app.get(AuthGuard);
  // The application's filter, with the recording adapter instead of Fastify's (its configuration is
  // internal to the module: taken from the application's own instance).
  const appFilter: unknown = app.get(AuthExceptionFilter);
  const { config } = appFilter as { config: ConstructorParameters<typeof AuthExceptionFilter>[1] };
  const filter = new AuthExceptionFilter(
    { httpAdapter: recordingAdapter } as unknown as HttpAdapterHost,
    config,
  );
  const token = await signToken('bench-user', ['user']);
  const basic = basicAuthorization(BASIC_USER.username, BASIC_USER.password);
  const forged = await signToken('bench-user', ['user'], 'a-different-secret-0123456789abcdef');
  const all: readonly MicroCase[] = [
    { name: 'open', handler: 'open', headers: {} },
    { name: 'basic', handler: 'basic', headers: { authorization: basic } },
    { name: 'bearer', handler: 'bearer', headers: { authorization: `Bearer ${token}` } },
    { name: 'apikey', handler: 'apiKey', headers: { 'x-api-key': API_KEY } },
    { name: 'anyof_basic', handler: 'anyOf', headers: { authorization: basic } },
    { name: 'anyof_bearer', handler: 'anyOf', headers: { authorization: `Bearer ${token}` } },
    { name: 'optional_anon', handler: 'optional', headers: {} },
    { name: 'optional_bearer', handler: 'optional', headers: { authorization: `Bearer ${token}` } },
    {
      name: 'allof',
      handler: 'allOf',
      headers: { authorization: `Bearer ${token}`, 'x-api-key': API_KEY },
    },
    { name: 'missing', handler: 'bearer', headers: {} },
    { name: 'invalid', handler: 'bearer', headers: { authorization: `Bearer ${forged}` } },
    { name: 'forbidden', handler: 'admin', headers: { authorization: `Bearer ${token}` } },
  ];
  const only = process.argv[3]?.split(',');
  const cases = only ? all.filter((c) => only.includes(c.name)) : all;

  const once = async (c: MicroCase): Promise<void> => {
    const request = { headers: { host: '127.0.0.1', ...c.headers } };
    const response: Record<string, unknown> = {};
    const context = contextOf(c.handler, request, response);
    try {
      await guard.canActivate(context);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      filter.catch(error, context);
    }
  };

  // Round-robin over the cases, several rounds: the minimum per case is the least disturbed by
  // other processes on the machine.
  const rounds = 7;
  const perRound = Math.ceil(iterations / rounds);
  const best = new Map<string, number>();
  for (const c of cases) for (let i = 0; i < 20_000; i++) await once(c);
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) await once(c);
      const ns = Number(process.hrtime.bigint() - started) / perRound;
      best.set(c.name, Math.min(best.get(c.name) ?? Infinity, ns));
    }
  }
  process.stdout.write(
    `guard (+ filter on failures): best of ${rounds} rounds of ${perRound} calls, Node ${process.version}\n`,
  );
  for (const c of cases) {
    process.stdout.write(
      `  ${c.name.padEnd(16)} ${(best.get(c.name)! / 1000).toFixed(2).padStart(7)} µs\n`,
    );
  }
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`micro failed: ${String(error)}\n`);
  process.exit(1);
});
