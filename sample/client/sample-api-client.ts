import { STATUS_CODES } from 'node:http';
import type { TokenPair } from '../src/tokens/token-pair.js';
import { ClientFlowError, type ClientLog, type ClientStep } from './client-step.js';
import { parseChallenges } from './www-authenticate.js';

/** Why `fetch` failed: the cause's message (`connect ECONNREFUSED …`) rather than `fetch failed`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  const message = (cause as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(cause);
}

/** A response as the client keeps it. */
export interface ClientResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * A client of the sample as a real application would write one, with plain `fetch`: it logs in
 * with Basic, sends the access token, and when a call answers 401 with `error="invalid_token"` in
 * the Bearer challenge it uses the refresh token once and retries the call. Every call is printed
 * and recorded in {@link steps}.
 */
export class SampleApiClient {
  /** Every call made, in order. */
  readonly steps: ClientStep[] = [];
  private tokens: TokenPair | undefined;
  /** When the current access token expires (client clock, ms). */
  private expiresAtMs = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly log: ClientLog,
  ) {}

  /** Milliseconds until the current access token expires. */
  get accessTokenExpiresInMs(): number {
    return Math.max(0, this.expiresAtMs - Date.now());
  }

  /** `POST /auth/token` with Basic credentials (UTF-8, RFC 7617). */
  async login(username: string, password: string): Promise<void> {
    const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    const response = await this.call('POST', '/auth/token', `Basic ${basic}`, `Basic ${username}`);
    if (response.status !== 200)
      throw new ClientFlowError(`logging in as ${username} answered ${response.status}`);
    this.keep(response.body as TokenPair, 'access token');
  }

  /**
   * A call with the access token. On 401 `invalid_token` (expired or revoked): refresh once, retry
   * once. Any other answer is returned as it is.
   */
  async send(method: string, path: string): Promise<ClientResponse> {
    const response = await this.call(method, path, this.bearer(), 'Bearer');
    if (!response.invalidToken) return response;
    await this.refresh();
    return this.call(method, path, this.bearer(), 'Bearer, retry');
  }

  private async refresh(): Promise<void> {
    const response = await this.call('POST', '/auth/refresh', undefined, 'refresh token', {
      refresh_token: this.tokens?.refresh_token,
    });
    if (response.status !== 200)
      throw new ClientFlowError(
        `the refresh token was refused (${response.status}); the user has to log in again`,
      );
    this.keep(response.body as TokenPair, 'new access token');
  }

  /** `path` under the base URL, which may have a path of its own (a sample behind a proxy). */
  private url(path: string): URL {
    const base = this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`;
    return new URL(path.replace(/^\//, ''), base);
  }

  private bearer(): string {
    if (!this.tokens) throw new ClientFlowError('not logged in');
    return `Bearer ${this.tokens.access_token}`;
  }

  private keep(pair: TokenPair, what: string): void {
    this.tokens = pair;
    this.expiresAtMs = Date.now() + pair.expires_in * 1000;
    this.log(`        ${what} for ${pair.expires_in} s, and a refresh token`);
  }

  private async call(
    method: string,
    path: string,
    authorization: string | undefined,
    how: string,
    json?: object,
  ): Promise<ClientResponse & { invalidToken: boolean }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers['authorization'] = authorization;
    if (json) headers['content-type'] = 'application/json';
    const url = this.url(path);
    const response = await fetch(url, {
      method,
      headers,
      body: json ? JSON.stringify(json) : undefined,
    }).catch((error: unknown) => {
      throw new ClientFlowError(`${method} ${url.href} failed: ${networkReason(error)}`);
    });
    const text = await response.text();
    const challenges =
      response.status === 401 ? parseChallenges(response.headers.get('www-authenticate')) : [];
    this.steps.push({
      method,
      path,
      status: response.status,
      challenges: challenges.map((c) => c.text),
    });
    const shown = path.startsWith('/auth/') || text === '' ? '' : `  ${text}`;
    this.log(
      `client: ${method} ${path} (${how}) -> ${response.status} ${STATUS_CODES[response.status] ?? ''}${shown}`,
    );
    for (const challenge of challenges) this.log(`        WWW-Authenticate: ${challenge.text}`);
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      invalidToken: challenges.some(
        (c) => c.scheme.toLowerCase() === 'bearer' && c.params['error'] === 'invalid_token',
      ),
    };
  }
}
