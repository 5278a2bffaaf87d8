import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Auth } from 'nest-http-auth';
import { UsersService } from '../users/users.service.js';
import { UserResponse } from './dto/user.response.js';

/** Administration: Bearer tokens of users with the `admin` role (403 for everyone else). */
@ApiTags('admin')
@Controller('admin')
export class AdminController {
  constructor(private readonly users: UsersService) {}

  @Get('users')
  @Auth('bearer', { roles: ['admin'] })
  @ApiOkResponse({ type: [UserResponse] })
  list(): UserResponse[] {
    return this.users.list();
  }
}
