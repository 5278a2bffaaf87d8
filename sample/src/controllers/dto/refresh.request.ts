import { BadRequestException } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';

/** The body of `POST /auth/refresh`. */
export class RefreshRequest {
  @ApiProperty({ description: 'The refresh token of the last pair issued.' })
  readonly refresh_token!: string;
}

/** Longest refresh token read; ours are 43 characters. */
const MAX_LENGTH = 512;

/**
 * The refresh token of a `POST /auth/refresh` body, or a 400 that says what is wrong with the body.
 * (A body that is well formed but carries an unknown token is a 401, decided by the caller.)
 */
export function refreshTokenOf(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestException('The body must be a JSON object: {"refresh_token": "..."}.');
  const token = (body as Record<string, unknown>)['refresh_token'];
  if (typeof token !== 'string' || token === '')
    throw new BadRequestException('refresh_token must be a non-empty string.');
  if (token.length > MAX_LENGTH)
    throw new BadRequestException(`refresh_token must be at most ${MAX_LENGTH} characters.`);
  return token;
}
