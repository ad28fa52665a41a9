/**
 * `postgresStorage`: the storage port on PostgreSQL (node-postgres 8), one instance per tenant.
 * A commit is one transaction: optimistic versions checked by conditional `UPDATE`s, unique
 * lookups under a primary key, event seqs from a per-tenant counter row (gap-free in commit
 * order), timers upserted and completed by generation. Timers and outbox messages are claimed
 * with `FOR UPDATE SKIP LOCKED` and a lease. Time is always passed in (epoch ms, as
 * `double precision`: exact for any instant the port takes), never `now()`, so a virtual-clock replay is as deterministic here as in memory.
 *
 * @module
 */
import pg from 'pg';
import {
  checkJsonValue,
  checkLease,
  checkLimit,
  checkLookupQueries,
  checkPage,
  checkUniqueClaims,
  invalid,
  type PreparedCommit,
  prepareCommit,
  prepareQuarantine,
  requireString,
  requireText,
  requireTime,
} from './checks.js';
import {
  type ClaimedTimer,
  type CommitInput,
  type CommitResult,
  DEFAULT_CLAIM_LIMIT,
  type JsonValue,
  type KpiQuery,
  type KpiRecord,
  type OutboxMessage,
  type QuarantineRecord,
  type StorageAdapter,
  StorageError,
  type StoredEntity,
  type StoredState,
  type StoredTimer,
  type TimerRecord,
  toJsonValue,
} from './port.js';
import {
  type CommitTarget,
  commitByStatements,
  conflictOf,
  functionCall,
  functionResult,
  insertQuarantine,
  named,
  num,
  type Row,
  type ShardFence,
  toStoredEvent,
  unavailable,
} from './postgres-commit.js';
import { createPostgresKpi } from './postgres-kpi.js';
import { migratePostgres, quoteSchema } from './postgres-schema.js';

/**
 * Options of {@link postgresStorage}.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import type { PostgresStorageOptions } from 'leadflow/adapters/postgres';
 * const options: PostgresStorageOptions = { pool: new pg.Pool(), tenant: 'acme', schema: 'leadflow' };
 * ```
 * @category Storage
 */
export interface PostgresStorageOptions {
  /** The host's pool; `close()` leaves it open. Give this or `connectionString`. */
  pool?: pg.Pool;
  /** A connection string: the storage makes its own pool and ends it on `close()`. */
  connectionString?: string;
  /** The tenant (company) this instance reads and writes; every row carries it. Non-empty. */
  tenant: string;
  /**
   * The PostgreSQL schema holding the tables (a plain identifier).
   * @default 'leadflow'
   */
  schema?: string;
  /**
   * `'auto'`: apply missing migrations before the first call (once per instance); `'manual'`:
   * the host runs `migratePostgres()` (or `postgresSchemaSql()` with its own tool) first.
   * @default 'auto'
   */
  migrate?: 'auto' | 'manual';
  /**
   * A worker's shard lease, checked inside every commit before anything is written (the lease
   * row locked `FOR SHARE`, so a takeover waits for the commit): when the row no longer has this
   * owner and token, or its lease ran out, the commit fails with `STORAGE_FENCED` and writes
   * nothing. Set by `startPostgresWorker`.
   */
  fence?: ShardFence;
  /**
   * How a commit reaches the server: `'function'` sends the whole commit as one JSON argument to
   * the schema's `commit` function (one round trip, plans cached on the server); `'statements'`
   * runs it statement by statement in a transaction (the plain reference; the storage contract
   * runs on both).
   * @default 'function'
   */
  commitVia?: 'function' | 'statements';
  /**
   * Wake the schema's workers (NOTIFY on `wakeChannel(schema)`, sent when the transaction commits)
   * when a commit schedules a timer due within `withinMs` of its `at` — sooner than their next
   * poll. For processes that commit to a tenant they do not run (a host calling engine commands
   * directly); a worker's own engines need not. Polling stays the backstop.
   */
  wake?: { readonly withinMs: number };
  /**
   * Adapter name reported by `storage.name`.
   * @default 'postgres'
   */
  name?: string;
}

export type { ShardFence } from './postgres-commit.js';

/**
 * A {@link StorageAdapter} on PostgreSQL, with what a host needs beyond the port.
 *
 * @category Storage
 */
export interface PostgresStorage extends StorageAdapter {
  readonly tenant: string;
  readonly schema: string;
  /** Apply missing migrations now (idempotent; `'auto'` mode calls it before the first use). */
  migrate(): Promise<void>;
  /** Delete every row of this tenant (tests, a tenant leaving). Other tenants are untouched. */
  dropTenant(): Promise<void>;
  /**
   * The KPI projection: brings the `kpi` table up to the event log (events after the tenant's
   * cursor, folded in batches), then reads the window's records.
   */
  readKpi(query?: KpiQuery): Promise<KpiRecord[]>;
  /**
   * Retention: delete this tenant's events older than `before` (epoch ms), once the KPI
   * projection has folded them — reports do not change; `explain` then lists fewer events.
   * Returns how many were deleted. Call it from a nightly job, e.g. with a 90-day window.
   */
  pruneEvents(before: number): Promise<number>;
}

/**
 * A {@link StorageAdapter} on PostgreSQL 13+ for one tenant. Passes `runStorageContract`
 * unchanged; refuses (with the field's path) every value the memory adapters refuse, including
 * strings PostgreSQL cannot hold (NUL, unpaired surrogates), before any SQL runs. Values are
 * `json` columns, not `jsonb`: a value reads back exactly as written, key order included (replays
 * that iterate a stored object stay byte-identical to memory), and nothing queries inside them.
 *
 * @param options - pool or connection string, tenant, schema, migration mode, fence
 * @example
 * ```ts
 * import pg from 'pg';
 * import { createEngine } from 'leadflow';
 * import { postgresStorage } from 'leadflow/adapters/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const storage = postgresStorage({ pool, tenant: 'zhikong' });
 * const engine = createEngine({ ruleSet, team, calendar, clock, storage, notifier });
 * ```
 * @category Storage
 */
export function postgresStorage(options: PostgresStorageOptions): PostgresStorage {
  const tenant = requireString(options?.tenant, 'postgresStorage(options).tenant');
  const schema = options.schema ?? 'leadflow';
  const s = quoteSchema(schema);
  if (!options.pool && !options.connectionString) {
    throw invalid('postgresStorage(options) needs a pool or a connectionString');
  }
  const target: CommitTarget = { s, schema, tenant, fence: options.fence, wake: options.wake };
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString });
  const autoMigrate = options.migrate !== 'manual';
  let ready: Promise<void> | undefined;
  let closed = false;

  function migrate(): Promise<void> {
    ready ??= migratePostgres(pool, { schema }).then(
      () => undefined,
      (error: unknown) => {
        ready = undefined; // a failed migration is retried by the next call
        throw unavailable('migrate', error);
      },
    );
    return ready;
  }

  async function open(): Promise<void> {
    if (closed) throw new StorageError('storage is closed', { code: 'STORAGE_CLOSED' });
    if (autoMigrate) await migrate();
  }

  /** One statement on the pool; driver failures become `STORAGE_UNAVAILABLE`. */
  async function query(operation: string, text: string, values: unknown[]): Promise<Row[]> {
    await open();
    try {
      return (await pool.query(named(text, values))).rows;
    } catch (error) {
      throw unavailable(operation, error);
    }
  }

  /** Run `work` in one transaction; a thrown error rolls it back and is rethrown. */
  async function transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    await open();
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw unavailable(operation, error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof StorageError ? error : unavailable(operation, error);
    } finally {
      client.release();
    }
  }

  const toEntity = (row: Row): StoredEntity => ({
    kind: row.kind as string,
    id: row.id as string,
    version: row.version as number,
    snapshot: row.snapshot as JsonValue,
    updatedAt: num(row.updated_at),
  });

  const toTimer = (row: Row): StoredTimer => {
    const timer: StoredTimer = {
      entityId: row.entity_id as string,
      timerKey: row.timer_key as string,
      generation: num(row.generation),
      dueAt: num(row.due_at),
      attempts: row.attempts as number,
    };
    // SQL NULL is "no payload"; a JSON null payload is kept as json 'null'.
    if (!row.payload_absent) timer.payload = row.payload as JsonValue;
    if (row.lease_until !== null) timer.leaseUntil = num(row.lease_until);
    if (row.worker_id !== null) timer.workerId = row.worker_id as string;
    return timer;
  };

  const toMessage = (row: Row): OutboxMessage => {
    const message: OutboxMessage = {
      id: row.id as string,
      channel: row.channel as string,
      to: row.recipients as string[],
      payload: row.payload as JsonValue,
      createdAt: num(row.created_at),
      attempts: row.attempts as number,
      nextAttemptAt: num(row.next_attempt_at),
      status: row.status as OutboxMessage['status'],
    };
    if (row.last_error !== null) message.lastError = row.last_error as string;
    if (row.sent_at !== null) message.sentAt = num(row.sent_at);
    if (row.result !== null) message.result = row.result as JsonValue;
    return message;
  };

  const json = (value: JsonValue): string => JSON.stringify(value);
  const kpi = createPostgresKpi({ s, tenant, query, transaction });

  /** `AND id > $n LIMIT $m` of a paged read, its parameters appended to `values`. */
  function paging(page: { afterId?: string; limit?: number } | undefined, column: string, values: unknown[]) {
    let sql = '';
    if (page?.afterId !== undefined) {
      values.push(page.afterId);
      sql += ` AND ${column} > $${values.length}`;
    }
    const order = ` ORDER BY ${column}`;
    if (page?.limit !== undefined && Number.isFinite(page.limit)) {
      values.push(page.limit);
      return { where: sql, tail: `${order} LIMIT $${values.length}` };
    }
    return { where: sql, tail: order };
  }

  async function commit(input: CommitInput): Promise<CommitResult> {
    if (closed) throw new StorageError('storage is closed', { code: 'STORAGE_CLOSED' });
    // ---- 1. check and copy everything; no SQL runs before every check has passed ----
    // The function path serialises every value before this call first yields, so it checks
    // without copying; the statement path writes after awaits, so it takes copies.
    const checked = prepareCommit(input, options.commitVia === 'statements' ? toJsonValue : checkJsonValue);
    // Two writes of this commit claiming one value; stored holders are the primary key's job.
    checkUniqueClaims(checked.entities, () => undefined);
    // The last schedule of a key wins, as when applied one by one; claim ties follow the order.
    const latest = new Map<string, TimerRecord>();
    for (const timer of checked.schedule) {
      const key = `${timer.entityId}\u0000${timer.timerKey}`;
      latest.delete(key);
      latest.set(key, timer);
    }
    const prepared: PreparedCommit = { ...checked, schedule: [...latest.values()] };
    if (options.commitVia !== 'statements') return commitByFunction(prepared);

    // ---- 2. one transaction: versions and unique claims first, then the rest ----
    return transaction('commit', (client) => commitByStatements(client, target, prepared));
  }

  /** The whole commit in one call of the schema's `commit` function (see postgres-commit-sql.ts). */
  async function commitByFunction(c: PreparedCommit): Promise<CommitResult> {
    const call = functionCall(target, c);
    await open();
    try {
      return functionResult((await pool.query(call)).rows[0]!.r as Row, c);
    } catch (error) {
      throw conflictOf(error, tenant) ?? unavailable('commit', error);
    }
  }

  /**
   * Claim up to `limit` rows of `table` eligible at `now` in claim order, giving each a fresh
   * eligibility seq in that order (ties among rows claimed together follow their claim order).
   */
  async function claim(
    table: 'timer' | 'outbox',
    now: number,
    limit: number,
    leaseMs: number,
    workerId: string | undefined,
  ): Promise<Row[]> {
    if (limit === 0) return [];
    const isTimer = table === 'timer';
    const due = isTimer ? 'eligible_at' : 'next_attempt_at';
    const key = isTimer ? 'entity_id, timer_key' : 'id';
    return transaction(isTimer ? 'claimDueTimers' : 'claimOutbox', async (client) => {
      const picked = await client.query(
        named(
          `SELECT ${key} FROM ${s}.${table}
         WHERE tenant = $1 AND ${due} <= $2 ${isTimer ? '' : "AND status = 'pending'"}
         ORDER BY ${due}, eligible_seq LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [tenant, now, Number.isFinite(limit) ? limit : null],
        ),
      );
      if (picked.rows.length === 0) return [];
      const seqs = await client.query(
        `SELECT nextval('${s}.eligible_seq') AS seq FROM generate_series(1, $1::int)`,
        [picked.rows.length],
      );
      const order = seqs.rows.map((row) => num(row.seq)).sort((a, b) => a - b);
      const until = now + leaseMs;
      const updated = isTimer
        ? await client.query(
            `UPDATE ${s}.timer t SET attempts = t.attempts + 1, lease_until = $2, eligible_at = $2,
               eligible_seq = c.seq, worker_id = $3
             FROM unnest($4::text[], $5::text[], $6::bigint[]) AS c(entity_id, timer_key, seq)
             WHERE t.tenant = $1 AND t.entity_id = c.entity_id AND t.timer_key = c.timer_key
             RETURNING t.*, t.payload IS NULL AS payload_absent, c.seq AS claim_seq`,
            [
              tenant,
              until,
              workerId ?? null,
              picked.rows.map((row) => row.entity_id),
              picked.rows.map((row) => row.timer_key),
              order,
            ],
          )
        : await client.query(
            `UPDATE ${s}.outbox o SET attempts = o.attempts + 1, next_attempt_at = $2, eligible_seq = c.seq
             FROM unnest($3::text[], $4::bigint[]) AS c(id, seq)
             WHERE o.tenant = $1 AND o.id = c.id
             RETURNING o.*, c.seq AS claim_seq`,
            [tenant, until, picked.rows.map((row) => row.id), order],
          );
      return updated.rows.sort((a, b) => num(a.claim_seq) - num(b.claim_seq));
    });
  }

  return {
    name: options.name ?? 'postgres',
    tenant,
    schema,
    migrate,

    async load(kind, id) {
      const rows = await query(
        'load',
        `SELECT * FROM ${s}.entity WHERE tenant = $1 AND kind = $2 AND id = $3`,
        [tenant, kind, id],
      );
      return rows[0] ? toEntity(rows[0]) : undefined;
    },

    async list(kind, page) {
      checkPage(page, 'list(options)');
      const values: unknown[] = [tenant, kind];
      const { where, tail } = paging(page, 'id', values);
      const rows = await query(
        'list',
        `SELECT * FROM ${s}.entity WHERE tenant = $1 AND kind = $2${where}${tail}`,
        values,
      );
      return rows.map(toEntity);
    },

    async lookup(kind, key, value, page) {
      checkPage(page, 'lookup(options)');
      const values: unknown[] = [tenant, kind, key, value];
      const { where, tail } = paging(page, 'id', values);
      const rows = await query(
        'lookup',
        `SELECT id FROM (
           SELECT id FROM ${s}.lookup WHERE tenant = $1 AND kind = $2 AND key = $3 AND value = $4
           UNION SELECT id FROM ${s}.unique_lookup WHERE tenant = $1 AND kind = $2 AND key = $3 AND value = $4
         ) AS ids WHERE true${where}${tail}`,
        values,
      );
      return rows.map((row) => row.id as string);
    },

    async lookupMany(kind, queries) {
      const checked = checkLookupQueries(queries);
      if (checked.length === 0) return [];
      // One read for all: each query's ids from both lookup tables, grouped by the query's index.
      const rows = await query(
        'lookupMany',
        `SELECT q.n, ids.id FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS q(key, value, n)
         CROSS JOIN LATERAL (
           SELECT id FROM ${s}.lookup l WHERE l.tenant = $1 AND l.kind = $2 AND l.key = q.key AND l.value = q.value
           UNION ALL
           SELECT id FROM ${s}.unique_lookup u WHERE u.tenant = $1 AND u.kind = $2 AND u.key = q.key AND u.value = q.value
         ) AS ids ORDER BY q.n, ids.id`,
        [tenant, kind, checked.map((q) => q.key), checked.map((q) => q.value)],
      );
      // An id in both tables for one query comes twice, adjacent (ordered): kept once.
      const ids: string[][] = checked.map(() => []);
      for (const row of rows) {
        const list = ids[Number(row.n) - 1]!;
        if (list.at(-1) !== row.id) list.push(row.id as string);
      }
      return ids;
    },

    commit,

    readKpi: (q) => kpi.read(q),

    async pruneEvents(before) {
      requireTime(before, 'pruneEvents(before)');
      await kpi.catchUp();
      const rows = await query(
        'pruneEvents',
        `WITH gone AS (
           DELETE FROM ${s}.event WHERE tenant = $1 AND at < $2
             AND seq <= (SELECT seq FROM ${s}.kpi_cursor WHERE tenant = $1)
           RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [tenant, before],
      );
      return num(rows[0]?.n ?? 0);
    },

    async readEvents(q = {}) {
      checkLimit(q.limit, 'readEvents(query).limit', 1);
      const values: unknown[] = [tenant, q.afterSeq ?? 0];
      const where: string[] = [];
      const add = (sql: string, value: unknown) => {
        values.push(value);
        where.push(sql.replace('?', `$${values.length}`));
      };
      if (q.entityId !== undefined) add('entity_id = ?', q.entityId);
      if (q.kind !== undefined) add('kind = ?', q.kind);
      if (q.types !== undefined) add('type = ANY(?::text[])', [...q.types]);
      if (q.from !== undefined) add('at >= ?', q.from);
      if (q.to !== undefined) add('at < ?', q.to);
      let limit = '';
      if (q.limit !== undefined && Number.isFinite(q.limit)) {
        values.push(q.limit);
        limit = ` LIMIT $${values.length}`;
      }
      const rows = await query(
        'readEvents',
        `SELECT seq, entity_id, kind, type, at, data FROM ${s}.event WHERE tenant = $1 AND seq > $2
         ${where.map((w) => `AND ${w}`).join(' ')} ORDER BY seq${limit}`,
        values,
      );
      return rows.map(toStoredEvent);
    },

    async claimDueTimers(now, options = {}) {
      requireTime(now, 'claimDueTimers(now)');
      checkLimit(options.limit, 'claimDueTimers(options).limit', 0);
      const leaseMs = checkLease(options.leaseMs, 'claimDueTimers(options).leaseMs');
      const rows = await claim('timer', now, options.limit ?? DEFAULT_CLAIM_LIMIT, leaseMs, options.workerId);
      return rows.map((row) => toTimer(row) as ClaimedTimer);
    },

    async completeTimer(entityId, timerKey, generation) {
      const rows = await query(
        'completeTimer',
        `DELETE FROM ${s}.timer WHERE tenant = $1 AND entity_id = $2 AND timer_key = $3 AND generation = $4
         RETURNING 1`,
        [tenant, entityId, timerKey, generation],
      );
      return rows.length > 0;
    },

    async listTimers(q = {}) {
      const values: unknown[] = [tenant];
      let where = '';
      if (q.entityId !== undefined) {
        values.push(q.entityId);
        where = ' AND entity_id = $2';
      }
      const rows = await query(
        'listTimers',
        `SELECT *, payload IS NULL AS payload_absent FROM ${s}.timer WHERE tenant = $1${where}
         ORDER BY entity_id, timer_key`,
        values,
      );
      return rows.map(toTimer);
    },

    async claimOutbox(now, options = {}) {
      requireTime(now, 'claimOutbox(now)');
      checkLimit(options.limit, 'claimOutbox(options).limit', 0);
      const leaseMs = checkLease(options.leaseMs, 'claimOutbox(options).leaseMs');
      const rows = await claim('outbox', now, options.limit ?? DEFAULT_CLAIM_LIMIT, leaseMs, undefined);
      return rows.map(toMessage);
    },

    async markSent(id, at, result) {
      requireTime(at, 'markSent(at)');
      const copied = result === undefined ? null : json(toJsonValue(result, 'markSent(result)'));
      const rows = await query(
        'markSent',
        `UPDATE ${s}.outbox SET status = 'sent', sent_at = $3, result = COALESCE($4::json, result)
         WHERE tenant = $1 AND id = $2 AND status <> 'sent' RETURNING 1`,
        [tenant, id, at, copied],
      );
      return rows.length > 0;
    },

    async markFailed(id, failure) {
      requireText(failure?.error, 'markFailed(failure).error');
      const retryAt = requireTime(failure.retryAt, 'markFailed(failure).retryAt');
      const rows = await query(
        'markFailed',
        `UPDATE ${s}.outbox SET last_error = $3, next_attempt_at = $4, eligible_seq = nextval('${s}.eligible_seq')
         WHERE tenant = $1 AND id = $2 AND status = 'pending' RETURNING 1`,
        [tenant, id, failure.error, retryAt],
      );
      return rows.length > 0;
    },

    async markDead(id, error) {
      requireText(error, 'markDead(error)');
      const rows = await query(
        'markDead',
        `UPDATE ${s}.outbox SET status = 'dead', last_error = $3 WHERE tenant = $1 AND id = $2 AND status = 'pending'
         RETURNING 1`,
        [tenant, id, error],
      );
      return rows.length > 0;
    },

    async listOutbox(q = {}) {
      checkPage(q, 'listOutbox(options)');
      const values: unknown[] = [tenant];
      let where = '';
      if (q.status !== undefined) {
        values.push(q.status);
        where = ` AND status = $${values.length}`;
      }
      const paged = paging(q, 'id', values);
      const rows = await query(
        'listOutbox',
        `SELECT * FROM ${s}.outbox WHERE tenant = $1${where}${paged.where}${paged.tail}`,
        values,
      );
      return rows.map(toMessage);
    },

    async quarantine(record) {
      const prepared = prepareQuarantine(record, 'quarantine(record)', toJsonValue);
      await open();
      try {
        return await insertQuarantine(pool, target, prepared);
      } catch (error) {
        throw unavailable('quarantine', error);
      }
    },

    async listQuarantine(page) {
      checkPage(page, 'listQuarantine(options)');
      const values: unknown[] = [tenant];
      const { where, tail } = paging(page, 'id', values);
      const rows = await query(
        'listQuarantine',
        `SELECT * FROM ${s}.quarantine WHERE tenant = $1${where}${tail}`,
        values,
      );
      return rows.map(
        (row): QuarantineRecord => ({
          id: row.id as string,
          receivedAt: num(row.received_at),
          raw: row.raw as JsonValue,
          issues: row.issues as QuarantineRecord['issues'],
          reason: row.reason as string,
        }),
      );
    },

    async loadState(key) {
      const rows = await query('loadState', `SELECT * FROM ${s}.state WHERE tenant = $1 AND key = $2`, [
        tenant,
        key,
      ]);
      const row = rows[0];
      return row
        ? ({
            key: row.key as string,
            value: row.value as JsonValue,
            version: row.version as number,
            updatedAt: num(row.updated_at),
          } satisfies StoredState)
        : undefined;
    },

    async dropTenant() {
      await transaction('dropTenant', async (client) => {
        for (const table of [
          'entity',
          'lookup',
          'unique_lookup',
          'counter',
          'event',
          'timer',
          'outbox',
          'quarantine',
          'state',
          'kpi',
          'kpi_cursor',
        ]) {
          await client.query(`DELETE FROM ${s}.${table} WHERE tenant = $1`, [tenant]);
        }
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      if (ownPool) await pool.end();
    },
  };
}
