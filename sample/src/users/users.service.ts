import { Injectable } from '@nestjs/common';
import { PasswordHasher } from './password-hasher.js';
import type { PublicUser } from './user.js';
import { UsersRepository } from './users.repository.js';

/** Checks passwords against the stored hashes. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /**
   * The user whose name and password match, else `undefined`. An unknown name costs a hash too, so
   * that response times do not tell which names exist.
   */
  async authenticate(username: string, password: string): Promise<PublicUser | undefined> {
    const user = this.users.find(username);
    const valid = await this.hasher.verify(password, user?.passwordHash);
    return valid && user ? { username: user.username, roles: user.roles } : undefined;
  }

  /** A user's name and current roles, if the user exists. */
  find(username: string): PublicUser | undefined {
    const user = this.users.find(username);
    return user && { username: user.username, roles: user.roles };
  }

  /** Every user, without password hashes. */
  list(): PublicUser[] {
    return this.users.list();
  }
}
