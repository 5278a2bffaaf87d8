import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../config/config.error.js';
import { SCHEMA } from './schema.js';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** The in-memory database name of SQLite. */
export const IN_MEMORY = ':memory:';

/**
 * Opens (creating its directory and file if needed) the SQLite database at `path`, or an
 * in-memory one for `:memory:`, and creates the schema.
 * @throws ConfigError naming `SAMPLE_DB` when the file cannot be created or opened
 */
export function openDatabase(path: string): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    if (path !== IN_MEMORY) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`SAMPLE_DB cannot be opened as a SQLite database (${path}): ${reason}`);
  }
}
