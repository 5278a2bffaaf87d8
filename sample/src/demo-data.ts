/**
 * The seeded demo data of sample/README.md. These values exist in clear only here (to seed and
 * to print the start-up banner); the database holds hashes of them.
 */
export const DEMO_USERS = [
  /** The password contains a colon: the Basic user-id ends at the first one (RFC 7617 §2). */
  { username: 'alice', password: 'wonder:land-2026', roles: ['admin'] },
  /** A non-ASCII password: Basic credentials are UTF-8 (RFC 7617 §2.1). */
  { username: 'bob', password: 'builder£42', roles: ['user'] },
] as const;

/** The seeded API key. */
export const DEMO_API_KEY = {
  key: 'ak_demo_7Hq2xR9pLm4vT8wZ',
  owner: 'bob',
  scopes: ['reports:read'],
} as const;
