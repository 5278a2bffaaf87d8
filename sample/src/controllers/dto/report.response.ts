import { ApiProperty } from '@nestjs/swagger';

/** One entry of `GET /reports`. */
export class ReportResponse {
  @ApiProperty({ example: 'signups-2026-01' })
  readonly id!: string;

  @ApiProperty({ example: 'Sign-ups, January 2026' })
  readonly title!: string;

  @ApiProperty({ example: 1284 })
  readonly total!: number;
}
