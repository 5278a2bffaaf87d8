import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AUTH_CONFIG } from '../auth.constants.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { appRoutes, type AppRoute } from './app-routes.js';
import { ECHO_WINDOW, echoOf, hostileProbes, type Probe } from './conformance-probes.js';
import { findEnforcementDrift } from './document-enforcement.js';
import { listen, type Answer } from './http-call.js';

/** A route as {@link checkAuthConformance} calls it (what `skip` is asked about). */
export interface ConformanceRoute {
  /** `GET`, `POST`, … */
  readonly method: string;
  /** The path as Nest serves it, with the global prefix and version: `/api/v1/users/:id`. */
  readonly path: string;
  /** Where the route is declared: `UsersController.findOne`. */
  readonly handler: string;
  /**
   * What the module enforces on it: `required` (`@Auth()` or the `default` option), `optional`
   * (`@Auth.optional()`) or `none` (`@Public()`, or no `@Auth()` and no `default`).
   */
  readonly protection: 'required' | 'optional' | 'none';
}

/** One answer that breaks a rule of the contract (docs/contract.md). */
export interface ConformanceFinding {
  /** The rule broken, e.g. `C-2.1`. */
  readonly rule: string;
  readonly method: string;
  /** The route's path (for an OpenAPI drift, the document's path). */
  readonly path: string;
  /** What was sent, e.g. `no credentials` or `Authorization: Basic !!!` (never a credential's value). */
  readonly probe: string;
  /** The status of the answer; 0 when none came in time, and for an OpenAPI drift. */
  readonly status: number;
  /** What is wrong, in a sentence. */
  readonly problem: string;
}

/** Options of {@link checkAuthConformance} and {@link expectAuthConformance}. */
export interface AuthConformanceOptions {
  /**
   * The application's OpenAPI document (before or after `documentAuth()`): the check then also
   * reports where it and the guard disagree (`findEnforcementDrift()`, rule C-6.5).
   */
  readonly document?: OpenAPIObject;
  /** Routes to leave out, e.g. `(route) => route.path.startsWith('/internal')`. */
  readonly skip?: (route: ConformanceRoute) => boolean;
  /** Values for path parameters by name (`{ id: '42' }`); any other parameter is `x`. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** How long to wait for an answer, in milliseconds. Default 5000. */
  readonly timeout?: number;
}

/** Requests in flight at once. */
const CONCURRENCY = 4;

/** Lines of findings an {@link expectAuthConformance} error lists before it counts the rest. */
const MAX_LISTED = 50;

function protectionOf(route: AppRoute): ConformanceRoute['protection'] {
  if (route.plan === null) return 'none';
  return route.plan.requirement.optional ? 'optional' : 'required';
}

/** The `code` member of a JSON (or problem+json) body, if it has one. */
function codeOf(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(answer.body) as { code?: unknown } | null;
    return typeof body?.code === 'string' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

function headerValues(answer: Answer, name: string): string[] {
  return answer.headers.filter(([key]) => key === name).map(([, value]) => value);
}

/** A challenge's auth-scheme, lower case (`Basic realm="api"` → `basic`). */
function authScheme(challenge: string): string {
  return challenge.trim().split(/[\s,]/, 1)[0]!.toLowerCase();
}

/**
 * The rules one answer breaks. `expected` is the route's challenges as its plan makes them for a
 * request without credentials.
 */
function judge(
  route: AppRoute,
  probe: Probe,
  answer: Answer,
  expected: readonly string[],
  timeout: number,
): ConformanceFinding[] {
  const findings: ConformanceFinding[] = [];
  const { status } = answer;
  const report = (rule: string, problem: string): void =>
    void findings.push({
      rule,
      method: route.method,
      path: route.path,
      probe: probe.label,
      status,
      problem,
    });
  if (status === 0) {
    report('C-3.7', `no answer within ${timeout} ms`);
    return findings;
  }
  const protection = protectionOf(route);
  const refusal = probe.credentials ? 'C-1.2' : 'C-1.1';
  const sent = probe.credentials ? 'a wrong or malformed credential' : 'no credentials';
  const code = codeOf(answer);
  const challenges = headerValues(answer, 'www-authenticate');
  // Whether the probe presents a whole alternative of the route: then the module decides on it.
  const decides =
    route.plan?.groups.some((group) => group.every((s) => probe.presents.has(s.name))) ?? false;

  if (status >= 500) {
    report(
      'C-3.7',
      `answers ${status}: no request a client can send may end in a server error` +
        (status === 503 ? ' (503: is a key set or the store unreachable from the test?)' : ''),
    );
  } else if (status === 403) {
    report(
      refusal,
      `answers 403 to ${sent}: that is a 401 with a challenge, never a bare 403 (C-1.7)`,
    );
  } else if (status >= 200 && status < 300 && (protection === 'required' || decides)) {
    report(
      protection === 'required' ? refusal : 'C-5.5',
      protection === 'required'
        ? `answers ${status} to ${sent}: the route is guarded and must answer 401`
        : `answers ${status} to ${sent}: invalid credentials are a 401 even where authentication is optional`,
    );
  } else if (protection === 'required') {
    const allowed =
      status === 401 || status === 429 || (status === 400 && code === 'invalid_request');
    if (!allowed)
      report(refusal, `answers ${status} to ${sent}: the route is guarded and must answer 401`);
    else if (
      status === 401 &&
      !probe.credentials &&
      code !== undefined &&
      code !== 'credentials_missing'
    )
      report(
        'C-1.1',
        `answers 401 with code "${code}" to no credentials, not "credentials_missing"`,
      );
  }

  const challenged =
    status === 401 || (status === 400 && (code === 'invalid_request' || challenges.length > 0));
  if (challenged) {
    if (challenges.length === 0) {
      report('C-2.1', `answers ${status} without a WWW-Authenticate challenge`);
    } else if (route.plan && (protection === 'required' || decides)) {
      if (status === 401 && !probe.credentials) {
        if (JSON.stringify(challenges) !== JSON.stringify(expected))
          report(
            'C-2.1',
            `challenges ${JSON.stringify(challenges)} are not the route's ${JSON.stringify(expected)}`,
          );
      } else if (
        JSON.stringify(challenges.map(authScheme)) !== JSON.stringify(expected.map(authScheme))
      ) {
        report(
          'C-2.1',
          `challenges ${JSON.stringify(challenges)} are not one for each of the route's schemes (${expected.map(authScheme).join(', ')})`,
        );
      }
    }
  }
  if ((challenged || status === 403 || status === 429) && code === undefined)
    report('C-4.1', `the ${status} answer's body has no "code" member`);
  if (status === 429 && headerValues(answer, 'retry-after').length === 0)
    report('C-1.5', 'answers 429 without Retry-After');

  for (const secret of probe.secrets) {
    const places: [string, string][] = [
      ['body', answer.body],
      ...answer.headers.map(([name, value]): [string, string] => [`header ${name}`, value]),
    ];
    for (const [place, text] of places) {
      const echo = echoOf(text, secret);
      if (echo)
        report(
          'C-4.5',
          `the ${place} contains ${echo === 'whole' ? 'the credential' : `part of the credential (${ECHO_WINDOW}+ characters)`} it was sent`,
        );
    }
  }
  return findings;
}

/** Runs `tasks` with at most `limit` in flight, keeping their order in the results. */
async function pooled<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/**
 * Calls every controller route of `app` the way a hostile client would and returns the answers
 * that break the contract (docs/contract.md), `[]` when there are none.
 *
 * Each route is called with no credentials; with malformed `Authorization` headers (`Basic !!!`,
 * Basic of random bytes and of a user-pass without a colon, `Bearer` without a token,
 * `Bearer a b`, a 10 KB token); and with wrong ones (a wrong Basic password for a made-up user, a
 * forged JWT, a random API key in each API-key location the module reads). Never with a valid
 * credential. A finding is reported when:
 * - a route that requires authentication answers anything but 401 (or `400 invalid_request`,
 *   or `429`) — in particular 2xx — to any of them (C-1.1, C-1.2), or an optional one lets an
 *   invalid credential through as anonymous (C-5.5);
 * - any route answers 403: missing or wrong credentials are a 401 (C-1.1, C-1.2, C-1.7);
 * - a 401 (or `400 invalid_request`) lacks the `WWW-Authenticate` challenge of each scheme the
 *   route accepts, in order (C-2.1), or a 401, 403 or 429 body lacks its `code` (C-4.1);
 * - a body or a header contains a credential it was sent, or 6 or more characters of one (C-4.5);
 * - any answer is a 5xx, or none comes in time (C-3.7);
 * - with `options.document`, the OpenAPI document and the guard disagree (C-6.5).
 *
 * The application must be created (it is initialised here if it was not); it need not listen:
 * its HTTP server (`app.getHttpServer()`) is put on an ephemeral 127.0.0.1 port for the calls and
 * closed again, or used where it already listens. Routes are found as Nest registers them (global
 * prefix, `RouterModule`, URI versioning; a header or media-type version is sent as a header);
 * path parameters are `x` unless `options.pathParameters` names them. The wrong credentials count
 * as failed attempts where `throttle` is configured (a `429` is accepted as an answer).
 */
export async function checkAuthConformance(
  app: INestApplication,
  options: AuthConformanceOptions = {},
): Promise<ConformanceFinding[]> {
  await app.init();
  const adapter = app.getHttpAdapter();
  if (adapter.getType() === 'fastify')
    await (adapter.getInstance() as { ready(): Promise<unknown> }).ready();
  const config = app.get<ResolvedAuthOptions>(AUTH_CONFIG);
  const timeout = options.timeout ?? 5000;
  const routes = appRoutes(app, options.pathParameters).filter(
    (route) =>
      !options.skip?.({
        method: route.method,
        path: route.path,
        handler: route.handler,
        protection: protectionOf(route),
      }),
  );
  const probes = await hostileProbes(config.schemes);
  const server = await listen(app.getHttpServer() as Server);
  try {
    const tasks = routes.flatMap((route) => {
      const expected = route.plan
        ? route.plan.schemeNames.flatMap((name) => config.schemes.get(name)?.challenges() ?? [])
        : [];
      return probes.map((probe) => async (): Promise<ConformanceFinding[]> => {
        const url = probe.query
          ? `${route.url}${route.url.includes('?') ? '&' : '?'}${probe.query}`
          : route.url;
        const answer = await server.send(
          route.method,
          url,
          { ...route.headers, ...probe.headers },
          timeout,
        );
        return judge(route, probe, answer, expected, timeout);
      });
    });
    const findings = (await pooled(tasks, CONCURRENCY)).flat();
    if (options.document) {
      for (const drift of await findEnforcementDrift(app, options.document))
        findings.push({
          rule: 'C-6.5',
          method: drift.method,
          path: drift.path,
          probe: 'no credentials',
          status: 0,
          problem: `OpenAPI drift: ${drift.problem}`,
        });
    }
    return findings;
  } finally {
    await server.close();
  }
}

/** Probes named in one line of an {@link expectAuthConformance} error before it counts the rest. */
const PROBES_LISTED = 3;

/**
 * The lines of an {@link expectAuthConformance} error: one per route and problem, naming the calls
 * that showed it.
 */
function lines(findings: readonly ConformanceFinding[]): string[] {
  const grouped = new Map<string, { finding: ConformanceFinding; probes: string[] }>();
  for (const finding of findings) {
    const { rule, method, path, status, problem } = finding;
    const key = JSON.stringify([rule, method, path, status, problem]);
    const group = grouped.get(key);
    if (group) group.probes.push(finding.probe);
    else grouped.set(key, { finding, probes: [finding.probe] });
  }
  return [...grouped.values()].map(({ finding: f, probes }) => {
    const answered = f.status === 0 ? '' : ` -> ${f.status}`;
    const more = probes.length > PROBES_LISTED ? `; and ${probes.length - PROBES_LISTED} more` : '';
    const sent = `${probes.slice(0, PROBES_LISTED).join('; ')}${more}`;
    return `  ${f.rule} ${f.method} ${f.path}${answered}: ${f.problem} (sent: ${sent})`;
  });
}

/**
 * Like {@link checkAuthConformance}, but throws an `Error` that lists the findings (for any test
 * runner): `await expectAuthConformance(app)`. The message has one line per route and problem,
 * naming the calls that showed it.
 */
export async function expectAuthConformance(
  app: INestApplication,
  options: AuthConformanceOptions = {},
): Promise<void> {
  const findings = await checkAuthConformance(app, options);
  if (findings.length === 0) return;
  const listed = lines(findings);
  const shown = listed.slice(0, MAX_LISTED);
  if (listed.length > MAX_LISTED) shown.push(`  … and ${listed.length - MAX_LISTED} more`);
  throw new Error(
    `${findings.length === 1 ? '1 answer breaks' : `${findings.length} answers break`} nest-http-auth's contract (docs/contract.md):\n${shown.join('\n')}`,
  );
}
