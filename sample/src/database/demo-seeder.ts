import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { DEMO_API_KEY, DEMO_USERS } from '../demo-data.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { UsersRepository } from '../users/users.repository.js';

/**
 * Seeds the demo users and API key when the application starts. Idempotent: rows that exist are
 * left as they are (and their passwords are not hashed again), so restarting on the same file
 * changes nothing.
 */
@Injectable()
export class DemoSeeder implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const { username, password, roles } of DEMO_USERS) {
      if (this.users.find(username)) continue;
      this.users.insert({ username, passwordHash: await this.hasher.hash(password), roles });
    }
    const { key, owner, scopes } = DEMO_API_KEY;
    this.apiKeys.insert(key, { owner, scopes });
  }
}
