import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `GET /catalog`: personalised when the caller sent valid credentials. */
export class CatalogResponse {
  @ApiProperty()
  readonly personalized!: boolean;

  @ApiPropertyOptional({ description: 'Present when personalized.', example: 'alice' })
  readonly username?: string;
}
