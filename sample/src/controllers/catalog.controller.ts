import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth, Principal } from 'nest-http-auth';
import type { SamplePrincipal } from '../auth/sample-principal.js';
import { CatalogResponse } from './dto/catalog.response.js';

/** `GET /catalog`: anyone; personalised for callers with valid Bearer or Basic credentials. */
@ApiTags('catalog')
@Controller('catalog')
export class CatalogController {
  @Get()
  @Auth.optional('bearer', 'basic')
  @ApiOkResponse({ type: CatalogResponse })
  catalog(@Principal() user: SamplePrincipal | undefined): CatalogResponse {
    return user ? { personalized: true, username: user.username } : { personalized: false };
  }
}
