import { ApiProperty } from '@nestjs/swagger';

/** `GET /health`. */
export class HealthResponse {
  @ApiProperty({ enum: ['ok'] })
  readonly status!: 'ok';
}
