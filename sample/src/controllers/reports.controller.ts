import { Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth } from 'nest-http-auth';
import { ExportResponse } from './dto/export.response.js';
import { ReportResponse } from './dto/report.response.js';

/** Demo content of `GET /reports`. */
const REPORTS: readonly ReportResponse[] = [
  { id: 'signups-2026-01', title: 'Sign-ups, January 2026', total: 1284 },
  { id: 'signups-2026-02', title: 'Sign-ups, February 2026', total: 1391 },
];

/** Reports: for API keys with the `reports:read` scope; exports need a key and a user token. */
@ApiTags('reports')
@Controller('reports')
export class ReportsController {
  @Get()
  @Auth('apiKey', { scopes: ['reports:read'] })
  @ApiOkResponse({ type: [ReportResponse] })
  list(): readonly ReportResponse[] {
    return REPORTS;
  }

  /** All-of: the API key (the integration) AND a Bearer token (the user who asks). */
  @Post('export')
  @HttpCode(HttpStatus.OK)
  @Auth({ all: ['apiKey', 'bearer'] })
  @ApiOkResponse({ type: ExportResponse })
  export(): ExportResponse {
    return { exported: true };
  }
}
