/** Injection token of the sample's {@link SqliteDatabase} connection. */
export const SQLITE = Symbol('sample:sqlite');
