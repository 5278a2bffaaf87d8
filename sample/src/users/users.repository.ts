import { Inject, Injectable } from '@nestjs/common';
import { SQLITE } from '../database/database.tokens.js';
import type { SqliteDatabase } from '../database/open-database.js';
import type { PublicUser, User } from './user.js';

interface UserRow {
  readonly username: string;
  readonly password_hash: string;
  readonly roles: string;
}

function toUser(row: UserRow): User {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    roles: JSON.parse(row.roles) as string[],
  };
}

/** The `users` table. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(SQLITE) private readonly db: SqliteDatabase) {}

  /** The user named `username` (exact match), if any. */
  find(username: string): User | undefined {
    const row = this.db
      .prepare<[string], UserRow>(
        'SELECT username, password_hash, roles FROM users WHERE username = ?',
      )
      .get(username);
    return row && toUser(row);
  }

  /** Every user, by name, without password hashes. */
  list(): PublicUser[] {
    return this.db
      .prepare<[], UserRow>('SELECT username, password_hash, roles FROM users ORDER BY username')
      .all()
      .map((row) => ({ username: row.username, roles: toUser(row).roles }));
  }

  /** Adds a user unless one with that name exists; `true` when added. */
  insert(user: User): boolean {
    return (
      this.db
        .prepare(
          'INSERT INTO users (username, password_hash, roles) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        )
        .run(user.username, user.passwordHash, JSON.stringify(user.roles)).changes === 1
    );
  }
}
