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
  type OutboxMessage,
  type QuarantineRecord,
  type StorageAdapter,
  StorageError,
  type StoredEntity,
  type StoredEvent,
  type StoredState,
  type StoredTimer,
  type TimerRecord,
  toJsonValue,
  UniqueConflictError,
  VersionConflictError,
} from './port.js';
import { wakeChannel } from './postgres-inbox.js';
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

/**
 * A shard lease as a commit checks it.
 *
 * @example
 * ```ts
 * import type { ShardFence } from 'leadflow/adapters/postgres';
 * const fence: ShardFence = { shard: 12, owner: 'host-a/4711/1f2e', token: '7' };
 * ```
 */
export interface ShardFence {
  readonly shard: number;
  readonly owner: string;
  /** The lease's fencing token (a bigint, as text). */
  readonly token: string;
}

/** A {@link StorageAdapter} on PostgreSQL, with what a host needs beyond the port. */
export interface PostgresStorage extends StorageAdapter {
  readonly tenant: string;
  readonly schema: string;
  /** Apply missing migrations now (idempotent; `'auto'` mode calls it before the first use). */
  migrate(): Promise<void>;
  /** Delete every row of this tenant (tests, a tenant leaving). Other tenants are untouched. */
  dropTenant(): Promise<void>;
}

type Row = Record<string, unknown>;

/**
 * A query as a named statement: parsed and planned once per connection, not on every call. The
 * name follows from the text (the schema is in it), so one name never stands for two texts.
 */
const statementNames = new Map<string, string>();
function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `leadflow.${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

const num = (value: unknown): number => Number(value);

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
 */
export function postgresStorage(options: PostgresStorageOptions): PostgresStorage {
  const tenant = requireString(options?.tenant, 'postgresStorage(options).tenant');
  const schema = options.schema ?? 'leadflow';
  const s = quoteSchema(schema);
  if (!options.pool && !options.connectionString) {
    throw invalid('postgresStorage(options) needs a pool or a connectionString');
  }
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
    const { at, entities, state, events, complete, cancel, schedule, messages, records } = prepared;
    if (options.commitVia !== 'statements') return commitByFunction(prepared);

    // ---- 2. one transaction: versions and unique claims first, then the rest ----
    return transaction('commit', async (client) => {
      if (options.fence) {
        const lease = await client.query(
          `SELECT 1 FROM ${s}.shard_lease WHERE shard = $1 AND owner = $2 AND fence = $3::bigint
             AND lease_until > (extract(epoch from clock_timestamp()) * 1000) FOR SHARE`,
          [options.fence.shard, options.fence.owner, options.fence.token],
        );
        if (lease.rows.length === 0) throw fenced();
      }
      const versions: number[] = [];
      for (const write of entities) {
        const written =
          write.expectedVersion === 0
            ? await client.query(
                `INSERT INTO ${s}.entity (tenant, kind, id, version, snapshot, updated_at)
                 VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT DO NOTHING RETURNING version`,
                [tenant, write.kind, write.id, json(write.snapshot), at],
              )
            : await client.query(
                `UPDATE ${s}.entity SET version = version + 1, snapshot = $4, updated_at = $5
                 WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $6 RETURNING version`,
                [tenant, write.kind, write.id, json(write.snapshot), at, write.expectedVersion],
              );
        if (written.rows.length === 0) {
          const stored = await client.query(
            `SELECT version FROM ${s}.entity WHERE tenant = $1 AND kind = $2 AND id = $3`,
            [tenant, write.kind, write.id],
          );
          const { kind, id, expectedVersion: expected } = write;
          throw new VersionConflictError({
            scope: 'entity',
            kind,
            id,
            expected,
            actual: (stored.rows[0]?.version as number | undefined) ?? 0,
          });
        }
        versions.push(written.rows[0]!.version as number);
      }

      const stateVersions: number[] = [];
      for (const write of state) {
        const written =
          write.expectedVersion === undefined
            ? await client.query(
                `INSERT INTO ${s}.state AS st (tenant, key, version, value, updated_at) VALUES ($1, $2, 1, $3, $4)
                 ON CONFLICT (tenant, key) DO UPDATE SET version = st.version + 1, value = $3, updated_at = $4
                 RETURNING version`,
                [tenant, write.key, json(write.value), at],
              )
            : write.expectedVersion === 0
              ? await client.query(
                  `INSERT INTO ${s}.state (tenant, key, version, value, updated_at) VALUES ($1, $2, 1, $3, $4)
                   ON CONFLICT DO NOTHING RETURNING version`,
                  [tenant, write.key, json(write.value), at],
                )
              : await client.query(
                  `UPDATE ${s}.state SET version = version + 1, value = $3, updated_at = $4
                   WHERE tenant = $1 AND key = $2 AND version = $5 RETURNING version`,
                  [tenant, write.key, json(write.value), at, write.expectedVersion],
                );
        if (written.rows.length === 0) {
          const stored = await client.query(`SELECT version FROM ${s}.state WHERE tenant = $1 AND key = $2`, [
            tenant,
            write.key,
          ]);
          throw new VersionConflictError({
            scope: 'state',
            kind: 'state',
            id: write.key,
            expected: write.expectedVersion!,
            actual: (stored.rows[0]?.version as number | undefined) ?? 0,
          });
        }
        stateVersions.push(written.rows[0]!.version as number);
      }

      await writeLookups(client, 'lookup', entities, 'lookups');
      // Released before claimed: one commit may move a value between its entities.
      const claims = await writeLookups(client, 'unique_lookup', entities, 'unique');
      if (claims.length > 0) {
        const taken = await client.query(
          `INSERT INTO ${s}.unique_lookup (tenant, kind, key, value, id)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
           ON CONFLICT DO NOTHING RETURNING kind, key, value`,
          [tenant, ...columns(claims, 4)],
        );
        if (taken.rows.length < claims.length) {
          const got = new Set(taken.rows.map((row) => `${row.kind}\u0000${row.key}\u0000${row.value}`));
          const [kind, key, value, id] = claims.find((c) => !got.has(`${c[0]}\u0000${c[1]}\u0000${c[2]}`))!;
          const holder = await client.query(
            `SELECT id FROM ${s}.unique_lookup WHERE tenant = $1 AND kind = $2 AND key = $3 AND value = $4`,
            [tenant, kind, key, value],
          );
          throw new UniqueConflictError({ kind, key, value, id, holder: holder.rows[0]?.id as string });
        }
      }

      let eventSeqs: number[] = [];
      if (events.length > 0) {
        const counter = await client.query(
          `INSERT INTO ${s}.counter AS c (tenant, event_seq) VALUES ($1, $2)
           ON CONFLICT (tenant) DO UPDATE SET event_seq = c.event_seq + $2 RETURNING event_seq`,
          [tenant, events.length],
        );
        const last = num(counter.rows[0]!.event_seq);
        eventSeqs = events.map((_, i) => last - events.length + 1 + i);
        await client.query(
          `INSERT INTO ${s}.event (tenant, seq, entity_id, kind, type, at, data)
           SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::json[])`,
          [
            tenant,
            eventSeqs,
            events.map((e) => e.entityId),
            events.map((e) => e.kind),
            events.map((e) => e.type),
            events.map((e) => e.at),
            events.map((e) => json(e.data)),
          ],
        );
      }

      // Complete, then cancel, then schedule: a fired timer's successor may reuse its key.
      if (complete.length > 0) {
        await client.query(
          `DELETE FROM ${s}.timer t USING unnest($2::text[], $3::text[], $4::bigint[]) AS c(entity_id, timer_key, generation)
           WHERE t.tenant = $1 AND t.entity_id = c.entity_id AND t.timer_key = c.timer_key AND t.generation = c.generation`,
          [tenant, ...columnsOf(complete, ['entityId', 'timerKey', 'generation'])],
        );
      }
      if (cancel.length > 0) {
        await client.query(
          `DELETE FROM ${s}.timer t USING unnest($2::text[], $3::text[]) AS c(entity_id, timer_key)
           WHERE t.tenant = $1 AND t.entity_id = c.entity_id AND t.timer_key = c.timer_key`,
          [tenant, ...columnsOf(cancel, ['entityId', 'timerKey'])],
        );
      }
      if (schedule.length > 0) {
        const timers = schedule;
        await client.query(
          `INSERT INTO ${s}.timer AS t (tenant, entity_id, timer_key, generation, due_at, payload, attempts,
             eligible_at, eligible_seq, lease_until, worker_id)
           SELECT $1, entity_id, timer_key, generation, due_at, payload, 0, due_at, nextval('${s}.eligible_seq'), NULL, NULL
           FROM (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::float8[], $6::json[])
                   WITH ORDINALITY AS u(entity_id, timer_key, generation, due_at, payload, ord)
                 ORDER BY ord) AS ordered
           ON CONFLICT (tenant, entity_id, timer_key) DO UPDATE SET
             generation = excluded.generation, due_at = excluded.due_at, payload = excluded.payload,
             attempts = 0, eligible_at = excluded.due_at, eligible_seq = excluded.eligible_seq,
             lease_until = NULL, worker_id = NULL`,
          [
            tenant,
            timers.map((t) => t.entityId),
            timers.map((t) => t.timerKey),
            timers.map((t) => t.generation),
            timers.map((t) => t.dueAt),
            timers.map((t) => (t.payload === undefined ? null : json(t.payload))),
          ],
        );
      }

      if (wakes(schedule, at)) await client.query('SELECT pg_notify($1, $2)', [wakeChannel(schema), tenant]);

      if (messages.length > 0) {
        // One row per message: each id once (a repeat in the commit is skipped, as in memory).
        for (const message of messages) {
          await client.query(
            `INSERT INTO ${s}.outbox (tenant, id, channel, recipients, payload, created_at, attempts,
               next_attempt_at, eligible_seq, status)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, nextval('${s}.eligible_seq'), 'pending')
             ON CONFLICT DO NOTHING`,
            [
              tenant,
              message.id,
              message.channel,
              message.to,
              json(message.payload),
              message.createdAt,
              message.nextAttemptAt,
            ],
          );
        }
      }
      for (const record of records) await insertQuarantine(client, record);
      return { versions, eventSeqs, stateVersions };
    });
  }

  /** The whole commit in one call of the schema's `commit` function (see postgres-commit-sql.ts). */
  async function commitByFunction(c: PreparedCommit): Promise<CommitResult> {
    const pairs = (lookups: Map<string, string[]> | undefined) =>
      lookups === undefined
        ? undefined
        : [...lookups].flatMap(([key, values]) => values.map((value) => [key, value]));
    let claims = 0;
    // The stored values go beside the shape, as written; the shape refers to them by index.
    const values: string[] = [];
    const value = (v: JsonValue) => values.push(JSON.stringify(v));
    const entities = c.entities.map((write) => {
      const u = pairs(write.unique);
      claims += u?.length ?? 0;
      return {
        k: write.kind,
        i: write.id,
        v: write.expectedVersion,
        s: value(write.snapshot),
        l: pairs(write.lookups),
        u,
      };
    });
    /** A section only when it has items: the function skips the statements of absent ones. */
    const some = <T, U>(items: readonly T[], map: (item: T) => U) =>
      items.length > 0 ? items.map(map) : undefined;
    const rewrites = (field: 'lookups' | 'unique') =>
      c.entities.some((w) => w[field] !== undefined && w.expectedVersion > 0) ? true : undefined;
    const argument = {
      fence: options.fence,
      entities: entities.length > 0 ? entities : undefined,
      relookup: rewrites('lookups'),
      lookups: c.entities.some((w) => (w.lookups?.size ?? 0) > 0) ? true : undefined,
      reclaim: rewrites('unique'),
      claims: claims > 0 ? claims : undefined,
      state: some(c.state, (write) => ({
        k: write.key,
        v: write.expectedVersion ?? null,
        x: value(write.value),
      })),
      events: some(c.events, (e) => ({ e: e.entityId, k: e.kind, t: e.type, a: e.at, d: value(e.data) })),
      complete: some(c.complete, (t) => ({ e: t.entityId, k: t.timerKey, g: t.generation })),
      cancel: some(c.cancel, (t) => ({ e: t.entityId, k: t.timerKey })),
      schedule: some(c.schedule, (t) => ({
        e: t.entityId,
        k: t.timerKey,
        g: t.generation,
        d: t.dueAt,
        ...(t.payload === undefined ? {} : { p: value(t.payload) }),
      })),
      wake: wakes(c.schedule, c.at) ? true : undefined,
      channel: wakeChannel(schema),
      outbox: some(c.messages, (m) => ({
        i: m.id,
        c: m.channel,
        to: m.to,
        p: value(m.payload),
        ca: m.createdAt,
        na: m.nextAttemptAt,
      })),
      quarantine: some(c.records, (r) => ({
        i: r.id,
        r: r.receivedAt,
        raw: value(r.raw),
        iss: value(r.issues as unknown as JsonValue),
        why: r.reason,
      })),
    };
    await open();
    let row: Row;
    try {
      // A named statement: its plan is kept per connection; the function's own plans too.
      const result = await pool.query({
        name: `leadflow.commit.${schema}`,
        text: `SELECT ${s}.commit($1, $2, $3::jsonb, $4::json[]) AS r`,
        values: [tenant, c.at, JSON.stringify(argument), values],
      });
      row = result.rows[0]!.r as Row;
    } catch (error) {
      throw conflictOf(error) ?? unavailable('commit', error);
    }
    const last = num(row.lastSeq);
    return {
      versions: row.versions as number[],
      stateVersions: row.stateVersions as number[],
      eventSeqs: c.events.map((_, i) => last - c.events.length + 1 + i),
    };
  }

  /** Whether a commit schedules a timer the workers should hear of before their next poll. */
  function wakes(timers: readonly TimerRecord[], at: number): boolean {
    return options.wake !== undefined && timers.some((t) => t.dueAt <= at + options.wake!.withinMs);
  }

  function fenced(): StorageError {
    return new StorageError(
      `storage for tenant "${tenant}" is fenced: this process no longer holds its lease; nothing was written`,
      { code: 'STORAGE_FENCED' },
    );
  }

  /** The port's error for a conflict the commit function raised, if it is one. */
  function conflictOf(error: unknown): StorageError | undefined {
    const code = (error as { code?: unknown })?.code;
    if (code === 'LF403') return fenced();
    if (code !== 'LF409' && code !== 'LF410') return undefined;
    const detail = JSON.parse((error as Error).message);
    return code === 'LF409'
      ? new VersionConflictError(detail, { cause: error })
      : new UniqueConflictError(detail);
  }

  /**
   * Replace the (unique) lookups of the entities that give them: delete the old rows; for plain
   * lookups insert the new ones too; for unique ones return the claims to insert (the caller
   * inserts them and names a conflict). Rows are `[kind, key, value, id]`.
   */
  async function writeLookups(
    client: pg.PoolClient,
    table: 'lookup' | 'unique_lookup',
    entities: readonly {
      kind: string;
      id: string;
      lookups: Map<string, string[]> | undefined;
      unique: Map<string, string[]> | undefined;
    }[],
    field: 'lookups' | 'unique',
  ): Promise<[string, string, string, string][]> {
    const given = entities.filter((write) => write[field] !== undefined);
    if (given.length === 0) return [];
    await client.query(
      `DELETE FROM ${s}.${table} l USING unnest($2::text[], $3::text[]) AS e(kind, id)
       WHERE l.tenant = $1 AND l.kind = e.kind AND l.id = e.id`,
      [tenant, given.map((w) => w.kind), given.map((w) => w.id)],
    );
    const rows: [string, string, string, string][] = [];
    for (const write of given) {
      for (const [key, values] of write[field]!) {
        for (const value of values) rows.push([write.kind, key, value, write.id]);
      }
    }
    if (table === 'unique_lookup' || rows.length === 0) return rows;
    await client.query(
      `INSERT INTO ${s}.lookup (tenant, kind, key, value, id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
      [tenant, ...columns(rows, 4)],
    );
    return rows;
  }

  async function insertQuarantine(
    client: pg.PoolClient | pg.Pool,
    record: QuarantineRecord,
  ): Promise<boolean> {
    const inserted = await client.query(
      `INSERT INTO ${s}.quarantine (tenant, id, received_at, raw, issues, reason)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [tenant, record.id, record.receivedAt, json(record.raw), JSON.stringify(record.issues), record.reason],
    );
    return (inserted.rowCount ?? 0) > 0;
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
      return rows.map(
        (row): StoredEvent => ({
          seq: num(row.seq),
          entityId: row.entity_id as string,
          kind: row.kind as string,
          type: row.type as string,
          at: num(row.at),
          data: row.data as JsonValue,
        }),
      );
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
        return await insertQuarantine(pool, prepared);
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

/** Columns of `[a, b, c, …]` rows, as the arrays `unnest` takes. */
function columns(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  return Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
}

function columnsOf<T>(items: readonly T[], fields: readonly (keyof T)[]): unknown[][] {
  return fields.map((field) => items.map((item) => item[field]));
}

/** A driver or server failure, with the driver error as its cause. */
function unavailable(operation: string, error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // 42P01 undefined_table: a schema nobody migrated (migrate: 'manual').
  const hint =
    (error as { code?: unknown })?.code === '42P01'
      ? ' (the schema is not migrated: run migratePostgres() or storage.migrate() first)'
      : '';
  return new StorageError(`postgres ${operation} failed: ${message}${hint}`, {
    code: 'STORAGE_UNAVAILABLE',
    cause: error,
  });
}
