import {
  RequestMethod,
  VERSION_NEUTRAL,
  VersioningType,
  type INestApplication,
  type VersioningOptions,
} from '@nestjs/common';
import { ApplicationConfig, ModulesContainer } from '@nestjs/core';
// Nest's own path builder (global prefix and its exclusions, RouterModule paths, URI versions), as
// @nestjs/swagger uses it: the paths come out exactly as Nest registers them.
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';
import { AuthRoutesExplorer } from '../core/auth-routes.explorer.js';
import type { RoutePlan } from '../core/route-plan.js';

/** Nest's metadata keys (`@nestjs/common` constants, not part of its public entry point). */
const PATH_METADATA = 'path';
const METHOD_METADATA = 'method';
const VERSION_METADATA = '__version__';
const MODULE_PATH = '__module_path__';

/** One path of a controller route, as a client calls it. */
export interface AppRoute {
  /** `GET`, `POST`, … (`@All()` is called with `GET`). */
  readonly method: string;
  /** The path as Nest registers it, e.g. `/api/v1/users/:id`. */
  readonly path: string;
  /** The path with every parameter filled in, e.g. `/api/v1/users/x`. */
  readonly url: string;
  /** Headers that select the route's version (header or media-type versioning). */
  readonly headers: Readonly<Record<string, string>>;
  /** Where the route is declared: `UsersController.findOne`. */
  readonly handler: string;
  /** The plan the guard enforces (`null`: open). */
  readonly plan: RoutePlan | null;
}

type Version = string | symbol | readonly (string | symbol)[] | undefined;

/** The first version of a route that is not `VERSION_NEUTRAL`. */
function firstVersion(version: Version): string | undefined {
  const versions = Array.isArray(version) ? version : [version];
  return versions.find((v): v is string => typeof v === 'string');
}

/** Headers that select `version` under header or media-type versioning (none for URI or custom). */
function versionHeaders(
  versioning: VersioningOptions | undefined,
  version: Version,
): Record<string, string> {
  const chosen = firstVersion(version);
  if (!versioning || chosen === undefined || version === VERSION_NEUTRAL) return {};
  if (versioning.type === VersioningType.HEADER) return { [versioning.header]: chosen };
  if (versioning.type === VersioningType.MEDIA_TYPE)
    return { accept: `application/json;${versioning.key}${chosen}` };
  return {};
}

/**
 * Fills the parameters of a route path (`:id`, `*splat`, `{*splat}`, optional `{/:id}` groups):
 * each with its value in `parameters`, else `x`.
 */
export function fillPath(path: string, parameters: Readonly<Record<string, string>> = {}): string {
  return path
    .replace(/\{([^{}]*)\}/g, '$1')
    .replace(/[:*]([A-Za-z_$][\w$]*)\??/g, (_, name: string) =>
      encodeURIComponent(parameters[name] ?? 'x'),
    )
    .replace(/\*/g, 'x');
}

/**
 * Every controller route of an initialised application, one entry per path it is served at (a
 * route may have several: path arrays, URI versions), with the plan the guard enforces on it.
 */
export function appRoutes(
  app: INestApplication,
  parameters: Readonly<Record<string, string>> = {},
): AppRoute[] {
  const explorer = app.get(AuthRoutesExplorer);
  const config = app.get(ApplicationConfig);
  const applicationId = app.get(ModulesContainer).applicationId;
  const factory = new RoutePathFactory(config);
  const versioning = config.getVersioning();
  const globalPrefix = config.getGlobalPrefix();
  const routes: AppRoute[] = [];
  for (const { controller, handler, module, plan } of explorer.routes()) {
    const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
    const method =
      requestMethod === RequestMethod.ALL ? 'GET' : (RequestMethod[requestMethod] ?? 'GET');
    const controllerPaths = Reflect.getMetadata(PATH_METADATA, controller) as
      string | string[] | undefined;
    const modulePath = module
      ? ((Reflect.getMetadata(MODULE_PATH + applicationId, module) ??
          Reflect.getMetadata(MODULE_PATH, module)) as string | undefined)
      : undefined;
    const methodVersion = Reflect.getMetadata(VERSION_METADATA, handler) as Version;
    const controllerVersion = versioning
      ? ((Reflect.getMetadata(VERSION_METADATA, controller) as Version) ??
        versioning.defaultVersion)
      : undefined;
    const headers = versionHeaders(versioning, methodVersion ?? controllerVersion);
    const name = `${controller.name}.${handler.name}`;
    for (const ctrlPath of [controllerPaths ?? '/'].flat()) {
      const paths = factory.create(
        {
          ctrlPath,
          methodPath: Reflect.getMetadata(PATH_METADATA, handler) as string,
          modulePath,
          globalPrefix,
          controllerVersion: controllerVersion as never,
          methodVersion: methodVersion as never,
          versioningOptions: versioning,
        },
        requestMethod,
      );
      for (const path of paths)
        routes.push({
          method,
          path,
          url: fillPath(path, parameters),
          headers,
          handler: name,
          plan,
        });
    }
  }
  return routes;
}
