import { ApiProperty } from '@nestjs/swagger';

/** `POST /reports/export`. */
export class ExportResponse {
  @ApiProperty({ enum: [true] })
  readonly exported!: true;
}
