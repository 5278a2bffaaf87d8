// A tiny Nest app: one controller guarded by Basic, with a service injected by type (which works
// only if the test runner's TypeScript transform emits decorator metadata).
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { Auth, AuthModule, Principal, type AuthPrincipal } from 'nest-http-auth';

@Injectable()
export class GreetingService {
  greet(id: string) {
    return `hello ${id}`;
  }
}

@Controller('me')
export class MeController {
  constructor(private readonly greetings: GreetingService) {}

  @Get()
  @Auth('basic')
  me(@Principal() user: AuthPrincipal) {
    return { id: user.id, greeting: this.greetings.greet(user.id) };
  }
}

@Module({
  imports: [
    AuthModule.forRoot({
      realm: 'my-api',
      basic: {
        validate: (username, password) =>
          username === 'alice' && password === 'a:b' ? { id: username } : null,
      },
    }),
  ],
  controllers: [MeController],
  providers: [GreetingService],
})
export class AppModule {}
