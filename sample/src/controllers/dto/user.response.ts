import { ApiProperty } from '@nestjs/swagger';

/** A user as `GET /admin/users` lists it (never a password hash). */
export class UserResponse {
  @ApiProperty({ example: 'bob' })
  readonly username!: string;

  @ApiProperty({ type: [String], example: ['user'] })
  readonly roles!: readonly string[];
}
