import { parse as parseCookie } from 'cookie';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';

/** The parts of an Express or Fastify request that schemes read. */
interface RequestLike {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly query?: unknown;
  readonly body?: unknown;
  readonly cookies?: unknown;
}

/** A header value (first one when repeated); names are lower-case. */
export function header(request: PlatformRequest, name: string): string | undefined {
  const value = (request as RequestLike).headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A parameter of a parsed object (query string or form body): a string, `undefined` when absent,
 * or `null` when it is repeated or not a plain string (e.g. `?k=a&k=b` or `?k[x]=1`).
 */
export function param(source: unknown, name: string): string | null | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  if (!Object.prototype.hasOwnProperty.call(source, name)) return undefined;
  const value = (source as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

/** A query parameter (see {@link param}). */
export function queryParam(request: PlatformRequest, name: string): string | null | undefined {
  return param((request as RequestLike).query, name);
}

/** A form-body parameter, only for `application/x-www-form-urlencoded` bodies (see {@link param}). */
export function formParam(request: PlatformRequest, name: string): string | null | undefined {
  const type = header(request, 'content-type');
  if (type === undefined || !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    return undefined;
  }
  return param((request as RequestLike).body, name);
}

/** A cookie, from a cookie parser's result when one ran, else from the `Cookie` header. */
export function cookie(request: PlatformRequest, name: string): string | undefined {
  const parsed = (request as RequestLike).cookies;
  if (parsed !== null && typeof parsed === 'object') {
    const value = (parsed as Record<string, unknown>)[name];
    if (typeof value === 'string') return value;
  }
  const raw = header(request, 'cookie');
  return raw === undefined ? undefined : parseCookie(raw)[name];
}
