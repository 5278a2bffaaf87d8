import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Auth, AuthenticationError, Principal, Public } from 'nest-http-auth';
import { AUTH_ERROR_SCHEMA } from 'nest-http-auth/openapi';
import type { SamplePrincipal } from '../auth/sample-principal.js';
import { TokenService } from '../tokens/token.service.js';
import { RefreshRequest, refreshTokenOf } from './dto/refresh.request.js';
import { TokenPairResponse } from './dto/token-pair.response.js';

/** Why a refresh was refused; says what to do, never why exactly (no oracle for stolen tokens). */
export const REFRESH_REJECTED =
  'The refresh token is invalid, expired, revoked or already used. Log in again with Basic at POST /auth/token.';

/** Tokens: log in with Basic, refresh (rotation), log out. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly tokens: TokenService) {}

  /** Exchanges Basic credentials for an access token and a refresh token. */
  @Post('token')
  @HttpCode(HttpStatus.OK)
  @Auth('basic')
  @ApiOkResponse({ type: TokenPairResponse })
  token(@Principal() user: SamplePrincipal): Promise<TokenPairResponse> {
    return this.tokens.login(user);
  }

  /**
   * Exchanges a refresh token, once, for a new pair. A refused token is a 401 whose challenge is
   * Basic: the client has to log in again.
   */
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Public()
  @ApiBody({ type: RefreshRequest })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiBadRequestResponse({ description: 'The body is not `{"refresh_token": "<string>"}`.' })
  @ApiUnauthorizedResponse({
    description:
      'The refresh token is unknown, expired, revoked or already used (`code`: `token_invalid`); a reused token also revokes every token of its family.',
    headers: {
      'WWW-Authenticate': {
        description: 'Basic: log in again at `POST /auth/token`.',
        schema: { type: 'string' },
      },
    },
    schema: { $ref: `#/components/schemas/${AUTH_ERROR_SCHEMA}` },
  })
  async refresh(@Body() body: unknown): Promise<TokenPairResponse> {
    const pair = await this.tokens.refresh(refreshTokenOf(body));
    if (!pair)
      throw new AuthenticationError('token_invalid', {
        schemes: ['basic'],
        message: REFRESH_REJECTED,
      });
    return pair;
  }

  /** Revokes the access token of the call and its refresh token family. */
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Auth('bearer')
  @ApiNoContentResponse({ description: 'The access token and its refresh tokens are revoked.' })
  async logout(@Principal() user: SamplePrincipal): Promise<void> {
    if (user.tokenId !== undefined && user.tokenExpiresAt !== undefined)
      await this.tokens.logout(user.username, user.tokenId, user.tokenExpiresAt);
  }
}
