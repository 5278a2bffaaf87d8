import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AUTH_CONFIG } from '../auth.constants.js';
import { ROUTE_EXTENSION } from '../core/auth-routes.explorer.js';
import { documentAuth } from '../openapi/document-auth.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';

/** One operation whose documentation and enforcement disagree. */
export interface EnforcementDrift {
  readonly method: string;
  readonly path: string;
  readonly problem: string;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'patch', 'search', 'query'] as const;

interface Answer {
  readonly status: number;
  readonly challenges: readonly string[];
}

function call(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: method.toUpperCase(),
        path,
        headers: { 'content-length': '0' },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const challenges = res.rawHeaders.filter(
            (_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'www-authenticate',
          );
          resolve({ status: res.statusCode ?? 0, challenges });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function listening(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
  if (server.listening)
    return { port: (server.address() as AddressInfo).port, close: () => Promise.resolve() };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Whether `documentAuth()` still has to run on a document: `SwaggerModule.createDocument()` leaves
 * the module's route id (an `x-` extension) on every operation of a controller route, and
 * `documentAuth()` takes each one off as it documents the operation.
 */
function undocumented(document: OpenAPIObject): boolean {
  return Object.values(document.paths ?? {}).some((item) =>
    Object.values(item as Record<string, unknown>).some(
      (operation) =>
        typeof operation === 'object' &&
        operation !== null &&
        Object.hasOwn(operation, ROUTE_EXTENSION),
    ),
  );
}

/**
 * Calls every operation of `document` on `app` without credentials and reports where the document
 * and the guard disagree (CONTRACT C-6): an operation with a non-empty `security` must answer 401
 * with exactly the challenges of the documented schemes; one with `security: []`, an optional `{}`
 * or no security must not answer 401. Path parameters are filled with `1`.
 *
 * `document` may be what `SwaggerModule.createDocument()` returns, or that after `documentAuth()`
 * (or `setupSwaggerAuth()`, which calls it). A document that has not been through `documentAuth()`
 * yet is checked as `documentAuth()` would make it, i.e. as `setupSwaggerAuth()` serves it; it is
 * documented on a copy, and `document` itself is left as it is.
 */
export async function findEnforcementDrift(
  app: INestApplication,
  document: OpenAPIObject,
): Promise<EnforcementDrift[]> {
  const checked = undocumented(document) ? documentAuth(app, structuredClone(document)) : document;
  const config = app.get<ResolvedAuthOptions>(AUTH_CONFIG);
  const schemeOf = new Map<string, string>();
  for (const [name, scheme] of config.schemes)
    for (const key of Object.keys(scheme.securitySchemes())) schemeOf.set(key, name);
  const server = await listening(app.getHttpServer() as Server);
  const drift: EnforcementDrift[] = [];
  try {
    for (const [path, item] of Object.entries(checked.paths)) {
      for (const method of METHODS) {
        const operation = (
          item as Record<string, { security?: Record<string, string[]>[] } | undefined>
        )[method];
        if (!operation) continue;
        const security = operation.security ?? checked.security ?? [];
        const guarded =
          security.length > 0 &&
          security.every((requirement) => Object.keys(requirement).length > 0);
        const { status, challenges } = await call(
          server.port,
          method,
          path.replace(/\{[^}]+\}/g, '1'),
        );
        const report = (problem: string): void =>
          void drift.push({ method: method.toUpperCase(), path, problem });
        if (!guarded) {
          if (status === 401)
            report(
              `documented without required security, but answers 401 (${challenges.join(' | ')})`,
            );
          continue;
        }
        const unknown = security.flatMap(Object.keys).filter((key) => !schemeOf.has(key));
        if (unknown.length > 0)
          report(`documents security schemes the module does not configure: ${unknown.join(', ')}`);
        const schemes = [
          ...new Set(security.flatMap(Object.keys).flatMap((key) => schemeOf.get(key) ?? [])),
        ];
        const expected = schemes.flatMap((name) => config.schemes.get(name)!.challenges());
        if (status !== 401)
          report(
            `documents security ${JSON.stringify(security)}, but answers ${status} without credentials`,
          );
        else if (JSON.stringify(challenges) !== JSON.stringify(expected)) {
          report(
            `challenges ${JSON.stringify(challenges)} differ from the documented schemes' ${JSON.stringify(expected)}`,
          );
        }
      }
    }
  } finally {
    await server.close();
  }
  return drift;
}

/**
 * Like {@link findEnforcementDrift} (and, like it, takes the document before or after
 * `documentAuth()`), but throws an `Error` listing every drift (for any test runner).
 */
export async function expectDocumentMatchesEnforcement(
  app: INestApplication,
  document: OpenAPIObject,
): Promise<void> {
  const drift = await findEnforcementDrift(app, document);
  if (drift.length > 0) {
    throw new Error(
      `The OpenAPI document and the guard disagree:\n${drift.map((d) => `  ${d.method} ${d.path}: ${d.problem}`).join('\n')}`,
    );
  }
}
