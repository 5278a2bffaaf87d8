/** A user of the sample, as stored. */
export interface User {
  readonly username: string;
  /** scrypt hash (see {@link PasswordHasher}); never the password. */
  readonly passwordHash: string;
  readonly roles: readonly string[];
}

/** What the API shows of a user. */
export interface PublicUser {
  readonly username: string;
  readonly roles: readonly string[];
}
