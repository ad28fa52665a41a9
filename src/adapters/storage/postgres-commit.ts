/**
 * The commit of `postgresStorage`, both ways: one call of the schema's `commit` function (the
 * default: the commit's shape as `jsonb`, its values as `json[]`, one round trip), or statement
 * by statement inside a transaction (the plain reference; the storage contract runs on both).
 * Also the small SQL helpers the adapter shares.
 *
 * @module
 */
import type pg from 'pg';
import type { PreparedCommit } from './checks.js';
import {
  type CommitResult,
  type JsonValue,
  type QuarantineRecord,
  StorageError,
  type StoredEvent,
  type TimerRecord,
  UniqueConflictError,
  VersionConflictError,
} from './port.js';
import { wakeChannel } from './postgres-inbox.js';

/**
 * A shard lease as a commit checks it.
 *
 * @example
 * ```ts
 * import type { ShardFence } from 'leadflow/adapters/postgres';
 * const fence: ShardFence = { shard: 12, owner: 'host-a/4711/1f2e', token: '7' };
 * ```
 * @category Storage
 */
export interface ShardFence {
  readonly shard: number;
  readonly owner: string;
  /** The lease's fencing token (a bigint, as text). */
  readonly token: string;
}

/**
 * Where a commit goes: the quoted schema, the tenant, and the options a commit reads.
 *
 * @category Storage
 */
export interface CommitTarget {
  /** The quoted schema name, as it appears in SQL. */
  readonly s: string;
  readonly schema: string;
  readonly tenant: string;
  readonly fence: ShardFence | undefined;
  readonly wake: { readonly withinMs: number } | undefined;
}

export type Row = Record<string, unknown>;

/**
 * A query as a named statement: parsed and planned once per connection, not on every call. The
 * name follows from the text (the schema is in it), so one name never stands for two texts.
 */
const statementNames = /* @__PURE__ */ (() => new Map<string, string>())();
export function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `leadflow.${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

export const num = (value: unknown): number => Number(value);

/**
 * An `event` row (`seq, entity_id, kind, type, at, data`) as the port's {@link StoredEvent}.
 * @category Storage
 */
export const toStoredEvent = (row: Row): StoredEvent => ({
  seq: num(row.seq),
  entityId: row.entity_id as string,
  kind: row.kind as string,
  type: row.type as string,
  at: num(row.at),
  data: row.data as JsonValue,
});

const json = (value: JsonValue): string => JSON.stringify(value);

/**
 * The call of the schema's `commit` function for a checked commit (see postgres-commit-sql.ts).
 *
 * @category Storage
 */
export function functionCall(t: CommitTarget, c: PreparedCommit): pg.QueryConfig {
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
    fence: t.fence,
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
    wake: wakes(t, c.schedule, c.at) ? true : undefined,
    channel: wakeChannel(t.schema),
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
  // A named statement: its plan is kept per connection; the function's own plans too.
  return {
    name: `leadflow.commit.${t.schema}`,
    text: `SELECT ${t.s}.commit($1, $2, $3::jsonb, $4::json[]) AS r`,
    values: [t.tenant, c.at, JSON.stringify(argument), values],
  };
}

/**
 * The port's result from what the `commit` function returned.
 *
 * @category Storage
 */
export function functionResult(row: Row, c: PreparedCommit): CommitResult {
  const last = num(row.lastSeq);
  return {
    versions: row.versions as number[],
    stateVersions: row.stateVersions as number[],
    eventSeqs: c.events.map((_, i) => last - c.events.length + 1 + i),
  };
}

/**
 * The port's error for a conflict the commit function raised, if it is one.
 *
 * @category Storage
 */
export function conflictOf(error: unknown, tenant: string): StorageError | undefined {
  const code = (error as { code?: unknown })?.code;
  if (code === 'LF403') return fencedError(tenant);
  if (code !== 'LF409' && code !== 'LF410') return undefined;
  const detail = JSON.parse((error as Error).message);
  return code === 'LF409'
    ? new VersionConflictError(detail, { cause: error })
    : new UniqueConflictError(detail);
}

/**
 * The statement-by-statement commit, inside the caller's transaction (the plain reference).
 *
 * @category Storage
 */
export async function commitByStatements(
  client: pg.PoolClient,
  t: CommitTarget,
  c: PreparedCommit,
): Promise<CommitResult> {
  const { at, entities, state, events, complete, cancel, schedule, messages, records } = c;
  if (t.fence) {
    const lease = await client.query(
      `SELECT 1 FROM ${t.s}.shard_lease WHERE shard = $1 AND owner = $2 AND fence = $3::bigint
         AND lease_until > (extract(epoch from clock_timestamp()) * 1000) FOR SHARE`,
      [t.fence.shard, t.fence.owner, t.fence.token],
    );
    if (lease.rows.length === 0) throw fencedError(t.tenant);
  }
  const versions: number[] = [];
  for (const write of entities) {
    const written =
      write.expectedVersion === 0
        ? await client.query(
            `INSERT INTO ${t.s}.entity (tenant, kind, id, version, snapshot, updated_at)
             VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT DO NOTHING RETURNING version`,
            [t.tenant, write.kind, write.id, json(write.snapshot), at],
          )
        : await client.query(
            `UPDATE ${t.s}.entity SET version = version + 1, snapshot = $4, updated_at = $5
             WHERE tenant = $1 AND kind = $2 AND id = $3 AND version = $6 RETURNING version`,
            [t.tenant, write.kind, write.id, json(write.snapshot), at, write.expectedVersion],
          );
    if (written.rows.length === 0) {
      const stored = await client.query(
        `SELECT version FROM ${t.s}.entity WHERE tenant = $1 AND kind = $2 AND id = $3`,
        [t.tenant, write.kind, write.id],
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
            `INSERT INTO ${t.s}.state AS st (tenant, key, version, value, updated_at) VALUES ($1, $2, 1, $3, $4)
             ON CONFLICT (tenant, key) DO UPDATE SET version = st.version + 1, value = $3, updated_at = $4
             RETURNING version`,
            [t.tenant, write.key, json(write.value), at],
          )
        : write.expectedVersion === 0
          ? await client.query(
              `INSERT INTO ${t.s}.state (tenant, key, version, value, updated_at) VALUES ($1, $2, 1, $3, $4)
               ON CONFLICT DO NOTHING RETURNING version`,
              [t.tenant, write.key, json(write.value), at],
            )
          : await client.query(
              `UPDATE ${t.s}.state SET version = version + 1, value = $3, updated_at = $4
               WHERE tenant = $1 AND key = $2 AND version = $5 RETURNING version`,
              [t.tenant, write.key, json(write.value), at, write.expectedVersion],
            );
    if (written.rows.length === 0) {
      const stored = await client.query(`SELECT version FROM ${t.s}.state WHERE tenant = $1 AND key = $2`, [
        t.tenant,
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

  await writeLookups(client, t, 'lookup', entities, 'lookups');
  // Released before claimed: one commit may move a value between its entities.
  const claims = await writeLookups(client, t, 'unique_lookup', entities, 'unique');
  if (claims.length > 0) {
    const taken = await client.query(
      `INSERT INTO ${t.s}.unique_lookup (tenant, kind, key, value, id)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT DO NOTHING RETURNING kind, key, value`,
      [t.tenant, ...columns(claims, 4)],
    );
    if (taken.rows.length < claims.length) {
      const got = new Set(taken.rows.map((row) => `${row.kind}\u0000${row.key}\u0000${row.value}`));
      const [kind, key, value, id] = claims.find((c) => !got.has(`${c[0]}\u0000${c[1]}\u0000${c[2]}`))!;
      const holder = await client.query(
        `SELECT id FROM ${t.s}.unique_lookup WHERE tenant = $1 AND kind = $2 AND key = $3 AND value = $4`,
        [t.tenant, kind, key, value],
      );
      throw new UniqueConflictError({ kind, key, value, id, holder: holder.rows[0]?.id as string });
    }
  }

  let eventSeqs: number[] = [];
  if (events.length > 0) {
    const counter = await client.query(
      `INSERT INTO ${t.s}.counter AS c (tenant, event_seq) VALUES ($1, $2)
       ON CONFLICT (tenant) DO UPDATE SET event_seq = c.event_seq + $2 RETURNING event_seq`,
      [t.tenant, events.length],
    );
    const last = num(counter.rows[0]!.event_seq);
    eventSeqs = events.map((_, i) => last - events.length + 1 + i);
    await client.query(
      `INSERT INTO ${t.s}.event (tenant, seq, entity_id, kind, type, at, data)
       SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::json[])`,
      [
        t.tenant,
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
      `DELETE FROM ${t.s}.timer t USING unnest($2::text[], $3::text[], $4::bigint[]) AS c(entity_id, timer_key, generation)
       WHERE t.tenant = $1 AND t.entity_id = c.entity_id AND t.timer_key = c.timer_key AND t.generation = c.generation`,
      [t.tenant, ...columnsOf(complete, ['entityId', 'timerKey', 'generation'])],
    );
  }
  if (cancel.length > 0) {
    await client.query(
      `DELETE FROM ${t.s}.timer t USING unnest($2::text[], $3::text[]) AS c(entity_id, timer_key)
       WHERE t.tenant = $1 AND t.entity_id = c.entity_id AND t.timer_key = c.timer_key`,
      [t.tenant, ...columnsOf(cancel, ['entityId', 'timerKey'])],
    );
  }
  if (schedule.length > 0) {
    const timers = schedule;
    await client.query(
      `INSERT INTO ${t.s}.timer AS t (tenant, entity_id, timer_key, generation, due_at, payload, attempts,
         eligible_at, eligible_seq, lease_until, worker_id)
       SELECT $1, entity_id, timer_key, generation, due_at, payload, 0, due_at, nextval('${t.s}.eligible_seq'), NULL, NULL
       FROM (SELECT * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::float8[], $6::json[])
               WITH ORDINALITY AS u(entity_id, timer_key, generation, due_at, payload, ord)
             ORDER BY ord) AS ordered
       ON CONFLICT (tenant, entity_id, timer_key) DO UPDATE SET
         generation = excluded.generation, due_at = excluded.due_at, payload = excluded.payload,
         attempts = 0, eligible_at = excluded.due_at, eligible_seq = excluded.eligible_seq,
         lease_until = NULL, worker_id = NULL`,
      [
        t.tenant,
        timers.map((t) => t.entityId),
        timers.map((t) => t.timerKey),
        timers.map((t) => t.generation),
        timers.map((t) => t.dueAt),
        timers.map((t) => (t.payload === undefined ? null : json(t.payload))),
      ],
    );
  }

  if (wakes(t, schedule, at))
    await client.query('SELECT pg_notify($1, $2)', [wakeChannel(t.schema), t.tenant]);

  if (messages.length > 0) {
    // One row per message: each id once (a repeat in the commit is skipped, as in memory).
    for (const message of messages) {
      await client.query(
        `INSERT INTO ${t.s}.outbox (tenant, id, channel, recipients, payload, created_at, attempts,
           next_attempt_at, eligible_seq, status)
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, nextval('${t.s}.eligible_seq'), 'pending')
         ON CONFLICT DO NOTHING`,
        [
          t.tenant,
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
  for (const record of records) await insertQuarantine(client, t, record);
  return { versions, eventSeqs, stateVersions };
}

/** Whether a commit schedules a timer the workers should hear of before their next poll. */
function wakes(t: CommitTarget, timers: readonly TimerRecord[], at: number): boolean {
  return t.wake !== undefined && timers.some((timer) => timer.dueAt <= at + t.wake!.withinMs);
}

/**
 * A commit refused because this process no longer holds the tenant's shard lease.
 *
 * @category Storage
 */
export function fencedError(tenant: string): StorageError {
  return new StorageError(
    `storage for tenant "${tenant}" is fenced: this process no longer holds its lease; nothing was written`,
    { code: 'STORAGE_FENCED' },
  );
}

/**
 * Replace the (unique) lookups of the entities that give them: delete the old rows; for plain
 * lookups insert the new ones too; for unique ones return the claims to insert (the caller
 * inserts them and names a conflict). Rows are `[kind, key, value, id]`.
 */
async function writeLookups(
  client: pg.PoolClient,
  t: CommitTarget,
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
    `DELETE FROM ${t.s}.${table} l USING unnest($2::text[], $3::text[]) AS e(kind, id)
     WHERE l.tenant = $1 AND l.kind = e.kind AND l.id = e.id`,
    [t.tenant, given.map((w) => w.kind), given.map((w) => w.id)],
  );
  const rows: [string, string, string, string][] = [];
  for (const write of given) {
    for (const [key, values] of write[field]!) {
      for (const value of values) rows.push([write.kind, key, value, write.id]);
    }
  }
  if (table === 'unique_lookup' || rows.length === 0) return rows;
  await client.query(
    `INSERT INTO ${t.s}.lookup (tenant, kind, key, value, id)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
    [t.tenant, ...columns(rows, 4)],
  );
  return rows;
}

/**
 * Keep a quarantine record (an id that exists is skipped); whether it was new.
 *
 * @category Storage
 */
export async function insertQuarantine(
  client: pg.PoolClient | pg.Pool,
  t: CommitTarget,
  record: QuarantineRecord,
): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO ${t.s}.quarantine (tenant, id, received_at, raw, issues, reason)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [t.tenant, record.id, record.receivedAt, json(record.raw), JSON.stringify(record.issues), record.reason],
  );
  return (inserted.rowCount ?? 0) > 0;
}

/** Columns of `[a, b, c, …]` rows, as the arrays `unnest` takes. */
function columns(rows: readonly (readonly unknown[])[], width: number): unknown[][] {
  return Array.from({ length: width }, (_, i) => rows.map((row) => row[i]));
}

function columnsOf<T>(items: readonly T[], fields: readonly (keyof T)[]): unknown[][] {
  return fields.map((field) => items.map((item) => item[field]));
}

/**
 * A driver or server failure, with the driver error as its cause.
 *
 * @category Storage
 */
export function unavailable(operation: string, error: unknown): StorageError {
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
