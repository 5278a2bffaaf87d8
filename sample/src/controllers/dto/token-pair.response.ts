import { ApiProperty } from '@nestjs/swagger';
import type { TokenPair } from '../../tokens/token-pair.js';

/** `POST /auth/token` and `POST /auth/refresh`. */
export class TokenPairResponse implements TokenPair {
  @ApiProperty({ description: 'HS256 JWT; send it as `Authorization: Bearer <token>`.' })
  readonly access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  readonly token_type!: 'Bearer';

  @ApiProperty({ description: 'Seconds until the access token expires.', example: 900 })
  readonly expires_in!: number;

  @ApiProperty({ description: 'Single use: exchange it at `POST /auth/refresh` for a new pair.' })
  readonly refresh_token!: string;
}
