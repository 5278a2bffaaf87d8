import type { INestApplicationContext } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AUTH_CONFIG } from '../auth.constants.js';
import { AuthRoutesExplorer, ROUTE_EXTENSION } from '../core/auth-routes.explorer.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import { errorResponses, errorSchemas } from './auth-responses.js';
import {
  allowsRolesEverywhere,
  requirementSentence,
  securityRequirements,
} from './security-requirements.js';

const METHODS = [
  'get',
  'put',
  'post',
  'delete',
  'options',
  'head',
  'patch',
  'trace',
  'search',
  'query',
] as const;

type Operation = Record<string, unknown> & {
  responses?: Record<string, unknown>;
  description?: string;
};

type OAuth2Scheme = { type: 'oauth2'; flows: Record<string, { scopes?: Record<string, string> }> };

/** Every scope that a route accepting Bearer requires, sorted. */
function bearerRouteScopes(explorer: AuthRoutesExplorer): string[] {
  const scopes = new Set<string>();
  for (const { plan } of explorer.routes())
    if (plan?.schemeNames.includes('bearer'))
      for (const scope of plan.requirement.scopes) scopes.add(scope);
  return [...scopes].sort();
}

/** A copy of `scheme` whose every flow also declares `scopes` (empty description unless configured). */
function withFlowScopes(scheme: OAuth2Scheme, scopes: readonly string[]): OAuth2Scheme {
  const flows: OAuth2Scheme['flows'] = {};
  for (const [flow, definition] of Object.entries(scheme.flows)) {
    const declared: Record<string, string> = { ...definition.scopes };
    for (const scope of scopes) declared[scope] ??= '';
    flows[flow] = { ...definition, scopes: declared };
  }
  return { ...scheme, flows };
}

/**
 * Documents authentication in a document made by `SwaggerModule.createDocument(app, config)`
 * (CONTRACT C-6), from the same plans the guard enforces:
 * - `components.securitySchemes`: exactly the configured schemes, under the names `@Auth()` uses
 *   (with `bearer.oauth`, also its `oauth2`/`openIdConnect` schemes, whose flows declare every
 *   scope the Bearer routes require);
 * - each guarded operation's `security` (OR of alternatives, AND within a group, `{}` when
 *   optional; roles/scopes in the arrays on OpenAPI 3.1, in the description on 3.0);
 * - its 401 (with `WWW-Authenticate`), 403 where roles/scopes are checked, 400 where Bearer is
 *   accepted, with the error body schema;
 * - `security: []` on public routes under a global default.
 *
 * Mutates and returns `document`.
 */
export function documentAuth(app: INestApplicationContext, document: OpenAPIObject): OpenAPIObject {
  const config = app.get<ResolvedAuthOptions>(AUTH_CONFIG);
  const explorer = app.get(AuthRoutesExplorer);
  const securityNames = new Map<string, string[]>();
  const schemeTypes = new Map<string, string>();
  const securitySchemes: Record<string, object> = {};
  const scopesOnly = new Set<string>();
  for (const [name, scheme] of config.schemes) {
    const defined = scheme.securitySchemes();
    securityNames.set(name, Object.keys(defined));
    for (const [key, definition] of Object.entries(defined)) {
      schemeTypes.set(key, definition.type);
      securitySchemes[key] = definition;
      if (
        name === 'bearer' &&
        (definition.type === 'oauth2' || definition.type === 'openIdConnect')
      )
        scopesOnly.add(key);
    }
  }
  const oauth2 = [...scopesOnly].filter((key) => schemeTypes.get(key) === 'oauth2');
  if (oauth2.length > 0) {
    const routeScopes = bearerRouteScopes(explorer);
    for (const key of oauth2)
      securitySchemes[key] = withFlowScopes(securitySchemes[key] as OAuth2Scheme, routeScopes);
  }
  const components = (document.components ??= {});
  components.securitySchemes = {
    ...components.securitySchemes,
    ...securitySchemes,
  } as typeof components.securitySchemes;
  components.schemas = {
    ...components.schemas,
    ...errorSchemas(config.errorFormat),
  };

  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      const id = operation?.[ROUTE_EXTENSION];
      if (!operation || typeof id !== 'string') continue;
      delete operation[ROUTE_EXTENSION];
      const plan = explorer.planOf(id);
      if (plan === undefined) continue;
      if (plan === null) {
        if (config.globalRequirement) operation['security'] = [];
        continue;
      }
      operation['security'] = securityRequirements(
        plan,
        securityNames,
        schemeTypes,
        document.openapi,
        scopesOnly,
      );
      operation.responses = { ...operation.responses, ...errorResponses(plan, config) };
      const sentence = allowsRolesEverywhere(document.openapi)
        ? undefined
        : requirementSentence(plan);
      if (sentence)
        operation.description = operation.description
          ? `${operation.description}\n\n${sentence}`
          : sentence;
    }
  }
  return document;
}
