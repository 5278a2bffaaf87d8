import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { VerificationCache } from '../cache/verification-cache.js';
import { AuthenticationError } from '../errors/auth.error.js';
import type { PlatformRequest } from '../interfaces/auth-options.interface.js';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';
import type { ResolvedAuthOptions } from '../options/resolve-options.js';
import type { AuthScheme } from '../schemes/auth-scheme.js';
import { authenticate } from './authenticate.js';
import { CredentialVerifier } from './credential-verifier.js';
import type { RoutePlan } from './route-plan.js';

// docs/contract.md C-5: one decision procedure answers every route shape. A credential the cache
// remembers is answered at once (no promise, no parsing), and that must never change a decision:
// these properties compare the cached decision with the uncached one, and both with a plain model
// of C-5, over random plans, requests and cache histories.

/** A credential as a fake request carries it: valid, invalid, malformed, or (`nul`) present but unreadable without read(). */
type Value = 'ok1' | 'ok2' | 'bad' | 'malformed' | 'nul';
type FakeRequest = { readonly creds: Readonly<Record<string, Value | undefined>> };

const NAMES = ['a', 'b', 'c', 'd'] as const;

/**
 * `a` and `b` say what was sent through credential(), `c` too but answers `null` for `nul` (a
 * parameter sent twice, say), `d` has no credential() (like a passport strategy): only read().
 */
function scheme(name: (typeof NAMES)[number], verified: string[]): AuthScheme<string> {
  const value = (request: PlatformRequest) => (request as FakeRequest).creds[name];
  const base: AuthScheme<string> = {
    name,
    read(request) {
      const v = value(request);
      if (v === 'malformed' || v === 'nul') {
        throw new AuthenticationError('invalid_request', { scheme: name, message: `${name} ${v}` });
      }
      return v;
    },
    verify(credentials) {
      verified.push(`${name}:${credentials}`);
      return credentials === 'bad'
        ? Promise.reject(new AuthenticationError('credentials_invalid', { scheme: name }))
        : Promise.resolve({ id: `${name}:${credentials}` });
    },
    challenges: () => [name],
    securitySchemes: () => ({}),
  };
  if (name === 'd') return base;
  return {
    ...base,
    credential(request) {
      const v = value(request);
      return name === 'c' && v === 'nul' ? null : v;
    },
  };
}

function planOf(
  schemes: ReadonlyMap<string, AuthScheme>,
  groups: readonly (readonly string[])[],
  optional: boolean,
): RoutePlan {
  return {
    requirement: { public: false, alternatives: groups, optional, roles: [], scopes: [] },
    groups: groups.map((group) => group.map((name) => schemes.get(name)!)),
    schemeNames: [...new Set(groups.flat())],
  };
}

/** A decision, comparable across runs: who was authenticated, or which error. */
type Outcome =
  | { readonly ok: { scheme?: string; principal?: string; principals: Record<string, string> } }
  | { readonly error: { code: string; scheme?: string; message: string } };

function outcomeOfContext(auth: AuthContext): Outcome {
  return {
    ok: {
      scheme: auth.scheme,
      principal: auth.principal?.id,
      principals: Object.fromEntries(
        Object.entries(auth.principals).map(([name, principal]) => [name, principal.id]),
      ),
    },
  };
}

function outcomeOfError(error: unknown): Outcome {
  if (!(error instanceof AuthenticationError)) throw error;
  return { error: { code: error.code, scheme: error.scheme, message: error.message } };
}

async function outcome(result: AuthContext | Promise<AuthContext>): Promise<Outcome> {
  try {
    return outcomeOfContext(await result);
  } catch (error) {
    return outcomeOfError(error);
  }
}

/** C-5 as the contract states it, with nothing remembered and nothing skipped. */
async function model(plan: RoutePlan, request: PlatformRequest): Promise<Outcome> {
  let firstMissing: AuthScheme | undefined;
  try {
    for (const group of plan.groups) {
      const found = group.map((s) => s.read(request));
      const absent = found.indexOf(undefined);
      if (absent === -1) {
        const settled = await Promise.allSettled(group.map((s, i) => s.verify(found[i], request)));
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) return outcomeOfError(failed.reason);
        const principals = Object.fromEntries(
          group.map((s, i) => [
            s.name,
            (settled[i] as PromiseFulfilledResult<{ id: string }>).value.id,
          ]),
        );
        return {
          ok: { scheme: group[0]!.name, principal: principals[group[0]!.name], principals },
        };
      }
      if (firstMissing === undefined && found.some((c) => c !== undefined)) {
        firstMissing = group[absent];
      }
    }
  } catch (error) {
    return outcomeOfError(error);
  }
  if (firstMissing === undefined && plan.requirement.optional) {
    return { ok: { scheme: undefined, principal: undefined, principals: {} } };
  }
  const error = new AuthenticationError('credentials_missing', {
    scheme: firstMissing?.name,
    schemes: plan.schemeNames,
  });
  return outcomeOfError(error);
}

function cachedVerifier(): CredentialVerifier {
  const config = { store: { available: () => true }, throttle: undefined };
  return new CredentialVerifier(config as unknown as ResolvedAuthOptions, new VerificationCache());
}

const group = fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 });
const plans = fc.record({
  groups: fc.array(group, { minLength: 1, maxLength: 3 }),
  optional: fc.boolean(),
});
const value = fc.option(fc.constantFrom<Value>('ok1', 'ok2', 'bad', 'malformed', 'nul'), {
  nil: undefined,
});
const requests = fc
  .record({ a: value, b: value, c: value, d: value })
  .map((creds): FakeRequest => ({ creds }));

describe('authenticate: one decision for remembered and verified credentials (C-5)', () => {
  it('C-5.8: decides as the contract does, with or without the cache, whatever the cache has seen before (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        plans,
        fc.array(requests, { maxLength: 6 }),
        requests,
        async ({ groups, optional }, history, request) => {
          const verified: string[] = [];
          const schemes = new Map(NAMES.map((name) => [name, scheme(name, verified)] as const));
          const plan = planOf(schemes, groups, optional);
          const verifier = cachedVerifier();
          for (const earlier of history) await outcome(authenticate(plan, earlier, verifier));
          const expected = await model(plan, request);
          expect(await outcome(authenticate(plan, request))).toEqual(expected);
          expect(await outcome(authenticate(plan, request, verifier))).toEqual(expected);
        },
      ),
      { numRuns: 3_000 },
    );
  }, 120_000);

  it('C-5: a request whose deciding credentials are remembered is answered at once (no promise), without verifying (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(plans, requests, async ({ groups, optional }, request) => {
        const verified: string[] = [];
        const schemes = new Map(NAMES.map((name) => [name, scheme(name, verified)] as const));
        const plan = planOf(schemes, groups, optional);
        const verifier = cachedVerifier();
        const first = await outcome(authenticate(plan, request, verifier));
        const verifications = verified.length;
        const again = authenticate(plan, request, verifier);
        expect(await outcome(again)).toEqual(first);
        // Which alternative decided: the group of the principal's scheme, every scheme of it cacheable.
        const decided =
          'ok' in first && first.ok.scheme !== undefined
            ? Object.keys((first as { ok: { principals: object } }).ok.principals)
            : undefined;
        if (decided && !decided.includes('d')) {
          expect(again).not.toBeInstanceOf(Promise);
          expect(verified).toHaveLength(verifications);
        }
        if ('ok' in first && first.ok.scheme === undefined) {
          // Anonymous on an optional route: answered at once too.
          expect(again).not.toBeInstanceOf(Promise);
        }
      }),
      { numRuns: 3_000 },
    );
  }, 120_000);
});
