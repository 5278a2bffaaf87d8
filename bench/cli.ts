/**
 * The command lines of the bench's modes, read with `node:util` `parseArgs` (strict: an unknown
 * option, or one without its value, is a {@link UsageError}), and the checks the modes share.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Adapter } from './app.js';

/** A wrong command line: the runner prints the message and exits with code 2. */
export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * The options every throughput mode takes: `--quick`, `--adapter <name>`, `--connections <n>`,
 * `--duration <s>`, `--rounds <n>`, `--no-pin`, `--json <file>`. A mode spreads them into its own.
 */
export const COMMON_OPTIONS = {
  quick: { type: 'boolean' },
  adapter: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  rounds: { type: 'string' },
  'no-pin': { type: 'boolean' },
  json: { type: 'string' },
} as const;

/** The options of a mode's command line, by name (`--no-pin` is `'no-pin'`). */
export function readArgs<const T extends OptionsConfig>(
  argv: readonly string[],
  options: T,
): ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'] {
  try {
    return parseArgs({ args: [...argv], options, strict: true }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A positive number given as `--<flag> <value>`, or `undefined` when the option was not given. */
export function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number`);
  return n;
}

/** {@link positive}, rounded to a whole number (connections, rounds, counts). */
export function whole(value: string | undefined, flag: string): number | undefined {
  const n = positive(value, flag);
  return n === undefined ? undefined : Math.round(n);
}

/** The adapters of `--adapter <name>` (one), or `all` when it was not given. */
export function adaptersOf(value: string | undefined, all: readonly Adapter[]): readonly Adapter[] {
  if (value === undefined) return all;
  if (value !== 'express' && value !== 'fastify') {
    throw new UsageError('--adapter is express or fastify');
  }
  return [value];
}
