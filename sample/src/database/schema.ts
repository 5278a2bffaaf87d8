/**
 * The sample's tables. Secrets are never stored: users keep a scrypt hash, API keys a lookup
 * prefix and a SHA-256 digest, refresh tokens a SHA-256 digest. `IF NOT EXISTS` makes it idempotent.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  username      TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  roles         TEXT NOT NULL DEFAULT '[]'  -- JSON array of role names
) STRICT;

CREATE TABLE IF NOT EXISTS api_keys (
  id         INTEGER PRIMARY KEY,
  prefix     TEXT NOT NULL UNIQUE,          -- the key's first characters: lookup and display only
  digest     BLOB NOT NULL,                 -- SHA-256 of the whole key
  owner      TEXT NOT NULL REFERENCES users (username),
  scopes     TEXT NOT NULL DEFAULT '[]',    -- JSON array of scope names
  created_at INTEGER NOT NULL               -- seconds since the epoch
) STRICT;

CREATE TABLE IF NOT EXISTS refresh_tokens (
  digest            BLOB PRIMARY KEY,       -- SHA-256 of the token
  family_id         TEXT NOT NULL,          -- every token rotated from one login
  username          TEXT NOT NULL REFERENCES users (username),
  access_jti        TEXT NOT NULL,          -- the access token issued with it
  access_expires_at INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  used_at           INTEGER,                -- set when rotated: a second use is a reuse
  revoked_at        INTEGER                 -- set on logout or when the family is revoked
) STRICT;

CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_access_jti ON refresh_tokens (access_jti);
`;
