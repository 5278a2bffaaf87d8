import { describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  AuthorizationError,
  AuthUnavailableError,
} from '../errors/auth.error.js';
import { ERROR_CONTENT_TYPES, errorBody } from './error-body.js';

const DOCS = 'https://docs.example/auth-errors';

describe('errorBody', () => {
  describe('json', () => {
    it("C-4: has Nest's shape plus code", () => {
      expect(errorBody(new AuthenticationError('credentials_missing'), 'json', undefined)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Authentication is required to access this resource.',
        code: 'credentials_missing',
      });
    });

    it.each([
      [
        new AuthenticationError('credentials_invalid'),
        401,
        'Unauthorized',
        'credentials_invalid',
        'The credentials provided are invalid.',
      ],
      [
        new AuthenticationError('token_invalid'),
        401,
        'Unauthorized',
        'token_invalid',
        'The access token is invalid.',
      ],
      [
        new AuthenticationError('invalid_request'),
        400,
        'Bad Request',
        'invalid_request',
        'The request carries credentials in a way that is not allowed.',
      ],
      [
        new AuthorizationError({ roles: ['admin'] }),
        403,
        'Forbidden',
        'insufficient_scope',
        'The authenticated principal is not allowed to access this resource.',
      ],
      [
        new AuthUnavailableError(),
        503,
        'Service Unavailable',
        'service_unavailable',
        'Authentication is temporarily unavailable. Try again later.',
      ],
    ])(
      'C-1/C-4: %#: status, reason phrase, message and code',
      (error, statusCode, phrase, code, message) => {
        expect(errorBody(error, 'json', undefined)).toEqual({
          statusCode,
          error: phrase,
          message,
          code,
        });
      },
    );

    it('C-4: adds expires_at (ISO 8601) for an expired token', () => {
      const error = new AuthenticationError('token_expired', {
        expiresAt: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      });
      expect(errorBody(error, 'json', undefined)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'The access token expired.',
        code: 'token_expired',
        expires_at: '2030-01-02T03:04:05.000Z',
      });
    });

    it('C-4: adds documentation_url when configured', () => {
      expect(errorBody(new AuthenticationError('credentials_missing'), 'json', DOCS)).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Authentication is required to access this resource.',
        code: 'credentials_missing',
        documentation_url: DOCS,
      });
    });

    it('C-4: uses a custom message', () => {
      expect(
        errorBody(
          new AuthenticationError('token_invalid', { message: 'Custom.' }),
          'json',
          undefined,
        ),
      ).toMatchObject({
        message: 'Custom.',
      });
    });

    it('C-4: never contains the description, roles or scopes of the error', () => {
      const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2VjcmV0';
      const body = JSON.stringify([
        errorBody(
          new AuthenticationError('token_invalid', { description: `bad ${token}` }),
          'json',
          undefined,
        ),
        errorBody(
          new AuthenticationError('token_invalid', { description: `bad ${token}` }),
          'problem+json',
          undefined,
        ),
        errorBody(
          new AuthorizationError({ roles: ['secret-role'], scopes: ['secret-scope'] }),
          'json',
          undefined,
        ),
      ]);
      expect(body).not.toContain(token);
      expect(body).not.toContain('secret-role');
      expect(body).not.toContain('secret-scope');
    });
  });

  describe('problem+json (RFC 9457)', () => {
    it('C-4: has type about:blank, title, status, detail and code without a documentation URL', () => {
      expect(errorBody(new AuthorizationError(), 'problem+json', undefined)).toEqual({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: 'The authenticated principal is not allowed to access this resource.',
        code: 'insufficient_scope',
      });
    });

    it('C-4: derives the type URI from the documentation URL and the code, with the same extension members', () => {
      const error = new AuthenticationError('token_expired', {
        expiresAt: new Date(Date.UTC(2030, 0, 1)),
      });
      expect(errorBody(error, 'problem+json', DOCS)).toEqual({
        type: `${DOCS}#token_expired`,
        title: 'Unauthorized',
        status: 401,
        detail: 'The access token expired.',
        code: 'token_expired',
        expires_at: '2030-01-01T00:00:00.000Z',
        documentation_url: DOCS,
      });
    });

    it('C-4: carries 400 and 503 too', () => {
      expect(
        errorBody(new AuthenticationError('invalid_request'), 'problem+json', undefined),
      ).toMatchObject({
        status: 400,
        title: 'Bad Request',
        code: 'invalid_request',
      });
      expect(errorBody(new AuthUnavailableError(), 'problem+json', undefined)).toMatchObject({
        status: 503,
        title: 'Service Unavailable',
        code: 'service_unavailable',
      });
    });
  });

  it('C-4: declares the media type of each format', () => {
    expect(ERROR_CONTENT_TYPES).toEqual({
      json: 'application/json; charset=utf-8',
      'problem+json': 'application/problem+json; charset=utf-8',
    });
  });
});
