/**
 * `leadflow/adapters/postgres`: the PostgreSQL storage adapter and its migrations. Needs `pg`
 * (node-postgres 8.x), a peer dependency the host installs.
 *
 * @module
 */
export { type PostgresStorage, type PostgresStorageOptions, postgresStorage } from './storage/postgres.js';
export {
  migratePostgres,
  POSTGRES_MIGRATIONS,
  type PostgresMigration,
  postgresSchemaSql,
} from './storage/postgres-schema.js';
