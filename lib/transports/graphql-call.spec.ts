import { describe, expect, it } from '@jest/globals';
import { graphqlRequest, queryOf } from './graphql-call.js';

/* docs/contract.md C-7: where the credentials of a GraphQL operation are found, on each server. */

describe('graphqlRequest', () => {
  const http = { headers: { authorization: 'Bearer from-http' }, url: '/graphql' };

  it('C-7: a query over HTTP reads the request itself (Apollo: context.req; Mercurius: context.reply.request)', () => {
    expect(graphqlRequest({ req: http })).toBe(http);
    expect(graphqlRequest({ reply: { request: http }, app: {} })).toBe(http);
  });

  it('C-7: a graphql-ws subscription under Nest and Apollo reads connectionParams over the upgrade headers', () => {
    const upgrade = {
      headers: { authorization: 'Bearer from-upgrade', cookie: 'k=v' },
      url: '/graphql?api_key=q',
      socket: { remoteAddress: '127.0.0.1' },
    };
    const request = graphqlRequest({
      req: {
        connectionParams: { Authorization: 'Bearer from-params' },
        extra: { request: upgrade },
      },
    });
    expect(request).toEqual({
      transport: 'graphql',
      headers: { authorization: 'Bearer from-params', cookie: 'k=v' },
      query: { api_key: 'q' },
      ip: '127.0.0.1',
    });
  });

  it('C-7: a Mercurius subscription reads its connection_init payload', () => {
    const request = graphqlRequest({
      _connectionInit: { authorization: 'Bearer init' },
      reply: { request: { headers: {} } },
    }) as { headers: Record<string, string> };
    expect(request.headers.authorization).toBe('Bearer init');
  });

  it('C-7: values that are not strings are no credentials', () => {
    const request = graphqlRequest({
      connectionParams: { authorization: { toString: () => 'Bearer x' }, 'x-api-key': 42 },
    }) as { headers: Record<string, string> };
    expect(request.headers).toEqual({});
  });

  it('C-7: a context without any request has nothing to read', () => {
    expect(graphqlRequest(undefined)).toBeUndefined();
    expect(graphqlRequest({ user: 'someone' })).toBeUndefined();
  });
});

describe('queryOf', () => {
  it('parses a query string, a repeated parameter being ambiguous (null) and no prototype key taking effect', () => {
    const query = queryOf('/ws?a=1&b=2&a=3&__proto__=x');
    expect({ ...query }).toEqual({ a: null, b: '2', ['__proto__']: 'x' });
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(queryOf('/ws')).toEqual({});
    expect(queryOf(undefined)).toEqual({});
  });
});
