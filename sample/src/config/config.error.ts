/**
 * A start-up setting that cannot be used. Its message is one line naming the variable, what it
 * accepts and what it got; `main.ts` prints it as `sample: <message>` and exits with code 1.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
