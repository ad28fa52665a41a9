/**
 * `leadflow/adapters/postgres`: the PostgreSQL storage adapter and its migrations. Needs `pg`
 * (node-postgres 8.x), a peer dependency the host installs.
 *
 * @module
 */
export {
  type PostgresStorage,
  type PostgresStorageOptions,
  postgresStorage,
  type ShardFence,
} from './storage/postgres.js';
export {
  appendToInbox,
  DEFAULT_SHARDS,
  type InboxAppend,
  registerTenant,
  tenantShard,
  wakeChannel,
} from './storage/postgres-inbox.js';
export {
  migratePostgres,
  POSTGRES_MIGRATIONS,
  type PostgresMigration,
  postgresSchemaSql,
} from './storage/postgres-schema.js';
export {
  type PostgresWorker,
  type PostgresWorkerOptions,
  startPostgresWorker,
  type TenantEngineOptions,
  type WorkerRound,
} from './storage/postgres-worker.js';
