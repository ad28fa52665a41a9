/**
 * The durable inbox of a PostgreSQL deployment: any process (the HTTP service receiving a
 * website form, a WeChat push, a hotline callback) appends a raw lead payload for a tenant and
 * returns at once; the worker that owns the tenant's shard ingests it in order, exactly once. A
 * crash between receipt and processing loses nothing: the payload is committed before the
 * append returns, and the ingest carries the idempotency key `inbox/<seq>`.
 *
 * @module
 */
import type pg from 'pg';
import { invalid, requireString, requireTime } from './checks.js';
import { StorageError } from './port.js';
import { quoteSchema } from './postgres-schema.js';

/**
 * The LISTEN/NOTIFY channel of a schema's workers (at most 63 bytes, as PostgreSQL allows).
 *
 * @category Storage
 */
export function wakeChannel(schema: string): string {
  return `leadflow_wake_${schema}`.slice(0, 63);
}

/**
 * The shard of a tenant among `shards`: FNV-1a of its UTF-8 bytes, stable across processes.
 *
 * @category Storage
 */
export function tenantShard(tenant: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(tenant)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * The default number of shards tenants are hashed to.
 *
 * @category Storage
 */
export const DEFAULT_SHARDS = 64;

/**
 * Make the shard lease rows `0 … shards-1` exist, and refuse a different count than the one the
 * database already has (workers must agree on it, or a tenant would live in two shards).
 * @category Storage
 */
export async function ensureShards(
  client: pg.Pool | pg.PoolClient,
  schema: string,
  shards: number,
): Promise<void> {
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > 100_000) {
    throw invalid(`shards must be an integer from 1 to 100000, got ${String(shards)}`);
  }
  const s = quoteSchema(schema);
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${s}.shard_lease`);
  const have = rows[0]!.n as number;
  if (have === 0) {
    await client.query(
      `INSERT INTO ${s}.shard_lease (shard) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING`,
      [shards],
    );
    const again = await client.query(`SELECT count(*)::int AS n FROM ${s}.shard_lease`);
    if (again.rows[0]!.n === shards) return;
    throw invalid(
      `schema ${schema} has ${again.rows[0]!.n} shards, not ${shards}: every worker and intake must use one count`,
    );
  }
  if (have !== shards) {
    throw invalid(
      `schema ${schema} has ${have} shards, not ${shards}: every worker and intake must use one count`,
    );
  }
}

/**
 * Options of {@link appendToInbox}.
 *
 * @example
 * ```ts
 * import type { InboxAppend } from 'leadflow/adapters/postgres';
 * const append: InboxAppend = { tenant: 'zhikong', payload: { channel: 'website_form' }, receivedAt: Date.now(), key: 'form-8812' };
 * ```
 * @category Storage
 */
export interface InboxAppend {
  readonly tenant: string;
  /** The raw payload as received (any JSON; a bad one is quarantined by the worker, with its reason). */
  readonly payload: unknown;
  /** When it was received (epoch ms). */
  readonly receivedAt: number;
  /** The sender's id for this payload (a form submission id): a repeat with the same key is not appended twice. */
  readonly key?: string;
}

/**
 * Append a raw payload to a tenant's inbox and wake the workers; registers the tenant (in its
 * shard) the first time. Resolves once the payload is committed. The schema must be migrated.
 *
 * @example
 * ```ts
 * import { appendToInbox } from 'leadflow/adapters/postgres';
 * const { seq, duplicate } = await appendToInbox(pool, { tenant: 'zhikong', payload: body, receivedAt: Date.now() });
 * ```
 * @category Storage
 */
export async function appendToInbox(
  pool: pg.Pool,
  append: InboxAppend,
  options: { schema?: string; shards?: number } = {},
): Promise<{ seq: number; duplicate: boolean }> {
  const schema = options.schema ?? 'leadflow';
  const s = quoteSchema(schema);
  const tenant = requireString(append?.tenant, 'append.tenant');
  const receivedAt = requireTime(append.receivedAt, 'append.receivedAt');
  const key = append.key === undefined ? null : requireString(append.key, 'append.key');
  let text: string | undefined;
  try {
    // JSON text keeps anything JSON can say, NUL and lone surrogates too (escaped); the worker
    // quarantines what the lead model refuses.
    text = JSON.stringify(append.payload);
  } catch (error) {
    throw invalid(`append.payload cannot be written as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw invalid('append.payload cannot be written as JSON (undefined or a function)');
  const client = await pool.connect().catch((error: unknown) => {
    throw new StorageError(`postgres appendToInbox failed: ${(error as Error).message}`, {
      code: 'STORAGE_UNAVAILABLE',
      cause: error,
    });
  });
  try {
    await client.query('BEGIN');
    await registerTenantWith(client, schema, tenant, options.shards ?? DEFAULT_SHARDS, receivedAt);
    const inserted = await client.query(
      `INSERT INTO ${s}.inbox (tenant, key, received_at, payload) VALUES ($1, $2, $3, $4::json)
       ON CONFLICT (tenant, key) WHERE key IS NOT NULL DO NOTHING RETURNING seq`,
      [tenant, key, receivedAt, text],
    );
    let seq: number;
    let duplicate = false;
    if (inserted.rows.length > 0) seq = Number(inserted.rows[0]!.seq);
    else {
      const existing = await client.query(`SELECT seq FROM ${s}.inbox WHERE tenant = $1 AND key = $2`, [
        tenant,
        key,
      ]);
      seq = Number(existing.rows[0]!.seq);
      duplicate = true;
    }
    await client.query('SELECT pg_notify($1, $2)', [wakeChannel(schema), tenant]);
    await client.query('COMMIT');
    return { seq, duplicate };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof StorageError) throw error;
    throw new StorageError(`postgres appendToInbox failed: ${(error as Error).message}`, {
      code: 'STORAGE_UNAVAILABLE',
      cause: error,
    });
  } finally {
    client.release();
  }
}

/**
 * Register a tenant so that the workers run it (in shard `tenantShard(tenant, shards)`).
 * Idempotent; `appendToInbox` does it on first use.
 *
 * @example
 * ```ts
 * import { registerTenant } from 'leadflow/adapters/postgres';
 * await registerTenant(pool, 'zhikong', { at: Date.now() });
 * ```
 * @category Storage
 */
export async function registerTenant(
  pool: pg.Pool,
  tenant: string,
  options: { schema?: string; shards?: number; at?: number } = {},
): Promise<{ shard: number }> {
  const client = await pool.connect();
  try {
    const shard = await registerTenantWith(
      client,
      options.schema ?? 'leadflow',
      requireString(tenant, 'registerTenant(tenant)'),
      options.shards ?? DEFAULT_SHARDS,
      options.at ?? Date.now(),
    );
    return { shard };
  } finally {
    client.release();
  }
}

async function registerTenantWith(
  client: pg.PoolClient,
  schema: string,
  tenant: string,
  shards: number,
  at: number,
): Promise<number> {
  const s = quoteSchema(schema);
  const known = await client.query(`SELECT shard FROM ${s}.tenant WHERE tenant = $1`, [tenant]);
  if (known.rows.length > 0) return known.rows[0]!.shard as number;
  await ensureShards(client, schema, shards);
  const shard = tenantShard(tenant, shards);
  await client.query(
    `INSERT INTO ${s}.tenant (tenant, shard, registered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [tenant, shard, at],
  );
  return shard;
}
