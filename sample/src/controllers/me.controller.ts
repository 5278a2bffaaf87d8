import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, type AuthContext, CurrentAuth } from 'nest-http-auth';
import type { SamplePrincipal } from '../auth/sample-principal.js';
import { MeResponse } from './dto/me.response.js';

/** `GET /me`: Bearer or Basic, in that order. */
@ApiTags('account')
@Controller('me')
export class MeController {
  @Get()
  @Auth('bearer', 'basic')
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentAuth() context: AuthContext): MeResponse {
    const user = context.principal as SamplePrincipal;
    return { username: user.username, roles: user.roles, scheme: context.scheme ?? '' };
  }
}
