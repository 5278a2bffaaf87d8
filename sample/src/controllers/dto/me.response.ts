import { ApiProperty } from '@nestjs/swagger';

/** `GET /me`: who is calling, and through which scheme. */
export class MeResponse {
  @ApiProperty({ example: 'alice' })
  readonly username!: string;

  @ApiProperty({ type: [String], example: ['admin'] })
  readonly roles!: readonly string[];

  @ApiProperty({ enum: ['basic', 'bearer'], example: 'bearer' })
  readonly scheme!: string;
}
