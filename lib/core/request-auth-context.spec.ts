import { describe, expect, it } from '@jest/globals';
import type { AuthContext } from '../interfaces/auth-principal.interface.js';
import { attachAuthContext, authContextOf } from './request-auth-context.js';

const context: AuthContext = {
  principal: { id: 'alice' },
  scheme: 'basic',
  principals: { basic: { id: 'alice' } },
};

describe('request auth context', () => {
  it('finds a context attached on the request', () => {
    const request = {};
    attachAuthContext(request, context, true);
    expect(authContextOf(request)).toBe(context);
    expect(Object.getOwnPropertySymbols(request)).toHaveLength(1);
  });

  it('finds a context kept beside the request, which then carries no extra property', () => {
    const request = {};
    attachAuthContext(request, context, false);
    expect(authContextOf(request)).toBe(context);
    expect(Reflect.ownKeys(request)).toEqual([]);
  });

  it('finds nothing where no guard ran', () => {
    expect(authContextOf({})).toBeUndefined();
  });
});
