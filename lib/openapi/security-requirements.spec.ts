import { describe, expect, it } from '@jest/globals';
import type { RoutePlan } from '../core/route-plan.js';
import {
  allowsRolesEverywhere,
  requirementSentence,
  securityRequirements,
} from './security-requirements.js';

function plan(
  alternatives: string[][],
  options: { optional?: boolean; roles?: string[]; scopes?: string[] } = {},
): RoutePlan {
  return {
    requirement: {
      public: false,
      alternatives,
      optional: options.optional ?? false,
      roles: options.roles ?? [],
      scopes: options.scopes ?? [],
    },
    groups: [],
    schemeNames: [...new Set(alternatives.flat())],
  };
}

const names = new Map([
  ['basic', ['basic']],
  ['bearer', ['bearer']],
  ['apiKey', ['apiKey', 'apiKeyQuery']],
]);
const types = new Map([
  ['basic', 'http'],
  ['bearer', 'http'],
  ['apiKey', 'apiKey'],
  ['apiKeyQuery', 'apiKey'],
  ['oidc', 'openIdConnect'],
]);

describe('securityRequirements', () => {
  it('C-6: any-of is one requirement per alternative, in order', () => {
    expect(securityRequirements(plan([['bearer'], ['basic']]), names, types, '3.0.3')).toEqual([
      { bearer: [] },
      { basic: [] },
    ]);
  });

  it('C-6: all-of is one requirement with a key per scheme; API-key locations multiply it', () => {
    expect(securityRequirements(plan([['apiKey', 'bearer']]), names, types, '3.0.0')).toEqual([
      { apiKey: [], bearer: [] },
      { apiKeyQuery: [], bearer: [] },
    ]);
    expect(
      securityRequirements(
        plan([['apiKey', 'apiKey2']]),
        new Map([...names, ['apiKey2', ['k1', 'k2']]]),
        types,
        '3.0.0',
      ),
    ).toEqual([
      { apiKey: [], k1: [] },
      { apiKey: [], k2: [] },
      { apiKeyQuery: [], k1: [] },
      { apiKeyQuery: [], k2: [] },
    ]);
  });

  it('C-6: optional adds {}', () => {
    expect(
      securityRequirements(plan([['basic']], { optional: true }), names, types, '3.1.0'),
    ).toEqual([{ basic: [] }, {}]);
  });

  it('C-6: roles and scopes fill every array in 3.1, only oauth2/openIdConnect arrays in 3.0', () => {
    const guarded = plan([['basic'], ['oidc']], { roles: ['admin'], scopes: ['a:b'] });
    expect(securityRequirements(guarded, names, types, '3.1.0')).toEqual([
      { basic: ['admin', 'a:b'] },
      { oidc: ['admin', 'a:b'] },
    ]);
    expect(securityRequirements(guarded, names, types, '3.0.3')).toEqual([
      { basic: [] },
      { oidc: ['admin', 'a:b'] },
    ]);
  });
});

describe('allowsRolesEverywhere', () => {
  it.each([
    ['3.0.0', false],
    ['3.0.3', false],
    ['3.1.0', true],
    ['3.2.0', true],
    ['4.0.0', true],
    ['2.0', false],
  ])('%s → %s', (version, expected) => {
    expect(allowsRolesEverywhere(version)).toBe(expected);
  });
});

describe('requirementSentence', () => {
  it('names roles and scopes, or nothing', () => {
    expect(requirementSentence(plan([['basic']], { roles: ['admin', 'ops'] }))).toBe(
      'Requires roles `admin`, `ops` (403 otherwise).',
    );
    expect(requirementSentence(plan([['basic']], { roles: ['admin'], scopes: ['x'] }))).toBe(
      'Requires roles `admin` and scopes `x` (403 otherwise).',
    );
    expect(requirementSentence(plan([['basic']]))).toBeUndefined();
  });
});
