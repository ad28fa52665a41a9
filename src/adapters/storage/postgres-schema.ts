/**
 * The PostgreSQL schema of `postgresStorage`, as versioned migrations, and `migrate()`, which
 * applies the missing ones under an advisory lock so that any number of processes may start at
 * once. Every table's primary key starts with `tenant` and no statement crosses tenants, so the
 * tables can be distributed by tenant (Citus `create_distributed_table(…, 'tenant')`) unchanged.
 *
 * @module
 */
import type { Pool, PoolClient } from 'pg';
import { StorageError } from './port.js';
import { COMMIT_FUNCTION_SQL } from './postgres-commit-sql.js';

/**
 * One migration: applied once per schema, in `id` order, each in its own transaction.
 *
 * @category Storage
 */
export interface PostgresMigration {
  readonly id: number;
  readonly name: string;
  /** Statements, with `{schema}` standing for the quoted schema name. */
  readonly statements: readonly string[];
}

/**
 * The migrations, oldest first. Ids and ordering columns are `COLLATE "C"` (binary order, as the
 * port sorts ids); times are epoch-ms `double precision` (the port's instants are any finite
 * number — a replay's are fractional — and a double holds every one exactly), always passed in
 * by the caller, never `now()`.
 * @category Storage
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    id: 1,
    name: 'storage port: entities, lookups, events, timers, outbox, quarantine, state',
    statements: [
      `CREATE TABLE {schema}.entity (
        tenant text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        snapshot json NOT NULL,
        updated_at double precision NOT NULL,
        PRIMARY KEY (tenant, kind, id))`,
      `CREATE TABLE {schema}.lookup (
        tenant text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        PRIMARY KEY (tenant, kind, key, value, id))`,
      'CREATE INDEX lookup_by_entity ON {schema}.lookup (tenant, kind, id)',
      // One holder per (kind, key, value): the primary key is the unique constraint.
      `CREATE TABLE {schema}.unique_lookup (
        tenant text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        PRIMARY KEY (tenant, kind, key, value))`,
      'CREATE INDEX unique_lookup_by_entity ON {schema}.unique_lookup (tenant, kind, id)',
      // The event seq of a tenant is allocated from this row inside the commit: its row lock
      // orders the commits that append events, so seqs are gap-free in commit order (a
      // bigserial is allocated at insert and seen at commit: a reader could pass a gap).
      `CREATE TABLE {schema}.counter (
        tenant text COLLATE "C" NOT NULL,
        event_seq bigint NOT NULL,
        PRIMARY KEY (tenant))`,
      `CREATE TABLE {schema}.event (
        tenant text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        entity_id text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        type text COLLATE "C" NOT NULL,
        at double precision NOT NULL,
        data json NOT NULL,
        PRIMARY KEY (tenant, seq))`,
      'CREATE INDEX event_by_entity ON {schema}.event (tenant, entity_id, seq)',
      // Ties in claim order follow the order rows became eligible: a sequence, never reused.
      'CREATE SEQUENCE {schema}.eligible_seq',
      `CREATE TABLE {schema}.timer (
        tenant text COLLATE "C" NOT NULL,
        entity_id text COLLATE "C" NOT NULL,
        timer_key text COLLATE "C" NOT NULL,
        generation bigint NOT NULL,
        due_at double precision NOT NULL,
        payload json,
        attempts integer NOT NULL DEFAULT 0,
        eligible_at double precision NOT NULL,
        eligible_seq bigint NOT NULL,
        lease_until double precision,
        worker_id text,
        PRIMARY KEY (tenant, entity_id, timer_key))`,
      'CREATE INDEX timer_claim ON {schema}.timer (tenant, eligible_at, eligible_seq)',
      `CREATE TABLE {schema}.outbox (
        tenant text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        channel text NOT NULL,
        recipients text[] NOT NULL,
        payload json NOT NULL,
        created_at double precision NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at double precision NOT NULL,
        eligible_seq bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
        last_error text,
        sent_at double precision,
        result json,
        PRIMARY KEY (tenant, id))`,
      `CREATE INDEX outbox_claim ON {schema}.outbox (tenant, next_attempt_at, eligible_seq)
        WHERE status = 'pending'`,
      `CREATE TABLE {schema}.quarantine (
        tenant text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        received_at double precision NOT NULL,
        raw json NOT NULL,
        issues json NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (tenant, id))`,
      `CREATE TABLE {schema}.state (
        tenant text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        value json NOT NULL,
        updated_at double precision NOT NULL,
        PRIMARY KEY (tenant, key))`,
    ],
  },
  {
    id: 2,
    name: 'workers: tenants by shard, shard leases with fencing tokens, the durable inbox',
    statements: [
      `CREATE TABLE {schema}.tenant (
        tenant text COLLATE "C" NOT NULL,
        shard integer NOT NULL,
        registered_at double precision NOT NULL,
        PRIMARY KEY (tenant))`,
      'CREATE INDEX tenant_by_shard ON {schema}.tenant (shard, tenant)',
      // Coordination, not tenant data (a Citus reference table): who runs which shard until
      // when, and the fencing token every commit of that shard's tenants checks. Lease times
      // are the database server's clock (liveness, not domain time).
      `CREATE TABLE {schema}.shard_lease (
        shard integer NOT NULL,
        owner text,
        fence bigint NOT NULL DEFAULT 0,
        lease_until double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (shard))`,
      // Raw payloads appended by whoever receives them; the shard's owner ingests them in seq
      // order, exactly once (the ingest carries the idempotency key inbox/<seq>).
      `CREATE TABLE {schema}.inbox (
        tenant text COLLATE "C" NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        key text COLLATE "C",
        received_at double precision NOT NULL,
        payload json NOT NULL,
        processed_at double precision,
        result json,
        PRIMARY KEY (tenant, seq))`,
      'CREATE UNIQUE INDEX inbox_by_key ON {schema}.inbox (tenant, key) WHERE key IS NOT NULL',
      'CREATE INDEX inbox_pending ON {schema}.inbox (tenant, seq) WHERE processed_at IS NULL',
      // Live workers (a heartbeat per round): a fair share is the shards over these.
      `CREATE TABLE {schema}.worker (
        id text NOT NULL,
        alive_until double precision NOT NULL,
        PRIMARY KEY (id))`,
    ],
  },
  {
    id: 3,
    name: 'the commit as one server-side function (one round trip per commit)',
    statements: [COMMIT_FUNCTION_SQL],
  },
  {
    id: 4,
    name: 'lookup indexes by entity lead with the id, so lookups by key and value take the primary key',
    // (tenant, kind, id) matched the (tenant, kind) prefix of every lookup too: on a young
    // table without statistics the planner scanned all of a kind's rows through it.
    statements: [
      'DROP INDEX {schema}.lookup_by_entity',
      'CREATE INDEX lookup_by_entity ON {schema}.lookup (tenant, id, kind)',
      'DROP INDEX {schema}.unique_lookup_by_entity',
      'CREATE INDEX unique_lookup_by_entity ON {schema}.unique_lookup (tenant, id, kind)',
    ],
  },
  {
    id: 5,
    name: 'the KPI projection: a record per lead, opportunity, task and counted event, and a cursor into the log',
    statements: [
      `CREATE TABLE {schema}.kpi (
        tenant text COLLATE "C" NOT NULL,
        kind text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        anchor double precision NOT NULL,
        value json NOT NULL,
        PRIMARY KEY (tenant, kind, id))`,
      'CREATE INDEX kpi_by_anchor ON {schema}.kpi (tenant, anchor)',
      `CREATE TABLE {schema}.kpi_cursor (
        tenant text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        PRIMARY KEY (tenant))`,
    ],
  },
];

/**
 * A schema name as a quoted SQL identifier (refusing what is not a plain name).
 *
 * @category Storage
 */
export function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new StorageError(
      `postgresStorage: schema must be a plain identifier (letters, digits, _; at most 63), got ${JSON.stringify(schema)}`,
    );
  }
  return `"${schema}"`;
}

/**
 * The SQL of every migration for `schema`, for hosts that run their own migration tool.
 *
 * @example
 * ```ts
 * import { postgresSchemaSql } from 'leadflow/adapters/postgres';
 * console.log(postgresSchemaSql('leadflow').join(';\n'));
 * ```
 * @category Storage
 */
export function postgresSchemaSql(schema = 'leadflow'): string[] {
  const quoted = quoteSchema(schema);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoted}`,
    ...POSTGRES_MIGRATIONS.flatMap((m) => m.statements.map((sql) => sql.replaceAll('{schema}', quoted))),
  ];
}

/**
 * Apply the migrations `schema` lacks; returns the ids applied now. Safe when several processes
 * start at once: a transaction-scoped advisory lock per schema serialises them, and each sees
 * what the others applied. Time is passed in (`at`, epoch ms) like everything else.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { migratePostgres } from 'leadflow/adapters/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * await migratePostgres(pool, { schema: 'leadflow' }); // [1] the first time, [] after
 * ```
 * @category Storage
 */
export async function migratePostgres(
  pool: Pool,
  options: { schema?: string; at?: number } = {},
): Promise<number[]> {
  const schema = options.schema ?? 'leadflow';
  const quoted = quoteSchema(schema);
  const client: PoolClient = await pool.connect();
  try {
    await client.query('BEGIN');
    // hashtext is stable across servers and versions; the key names the schema.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leadflow:migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.migration (id integer PRIMARY KEY, name text NOT NULL, applied_at double precision NOT NULL)`,
    );
    const { rows } = await client.query<{ id: number }>(`SELECT id FROM ${quoted}.migration`);
    const applied = new Set(rows.map((row) => row.id));
    const now = options.at ?? Date.now();
    const done: number[] = [];
    for (const migration of POSTGRES_MIGRATIONS) {
      if (applied.has(migration.id)) continue;
      for (const sql of migration.statements) await client.query(sql.replaceAll('{schema}', quoted));
      await client.query(`INSERT INTO ${quoted}.migration (id, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.id,
        migration.name,
        now,
      ]);
      done.push(migration.id);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
