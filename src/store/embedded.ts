/**
 * The embedded store (no MONGODB_URI): SQLite under DATA_DIR. The implementation lives in
 * `./sqlite/`; this module keeps the name the rest of the gateway imports.
 */
export { SqliteStore as EmbeddedStore, type EmbeddedStoreOptions } from './sqlite/sqliteStore';
