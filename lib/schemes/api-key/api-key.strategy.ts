import { Strategy } from 'passport-strategy';

/** The verify callback of {@link ApiKeyStrategy}: passport's `(key, done)` convention. */
export type ApiKeyVerifyCallback = (
  key: string,
  done: (err: unknown, user?: unknown) => void,
) => void;

/**
 * A minimal passport strategy for API keys, so that the API-key scheme registers with passport
 * like the others (through @nestjs/passport's `PassportStrategy`). The scheme built on it
 * overrides `authenticate` with its own reading of header, query and cookie.
 */
export class ApiKeyStrategy extends Strategy {
  name = 'apiKey';

  constructor(protected readonly verifyKey: ApiKeyVerifyCallback) {
    super();
  }
}
