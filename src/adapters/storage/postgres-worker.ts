/**
 * The worker runner of a PostgreSQL deployment: start it in N processes against one database.
 * Tenants are hashed to shards; each worker leases whole shards (a lease row with a fencing
 * token that every commit of those tenants checks), runs one engine per tenant it owns, and
 * gives its shards up on `stop()`. A worker that dies loses its shards when the lease runs out;
 * a late commit from it is refused by the fence; another worker continues from what is stored.
 *
 * Each round visits the owned tenants in turn and takes a bounded batch from each — inbox
 * payloads (ingested as one commit, `engine.ingestMany`), then due timers, then the outbox — so
 * one tenant's 09:15 burst (every overnight
 * lead's timer due in the same second) cannot starve the others.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { createEngine } from '../../engine/engine.js';
import type { Engine, EngineOptions } from '../../engine/types.js';
import { type Clock, systemClock } from '../../scheduler/clock.js';
import { invalid } from './checks.js';
import type { JsonValue } from './port.js';
import { postgresStorage } from './postgres.js';
import { DEFAULT_SHARDS, ensureShards, wakeChannel } from './postgres-inbox.js';
import { migratePostgres, quoteSchema } from './postgres-schema.js';

/**
 * What a worker needs to build the engine of a tenant: everything but storage and clock.
 *
 * @category Storage
 */
export type TenantEngineOptions = Omit<EngineOptions, 'storage' | 'clock'>;

/**
 * Options of {@link startPostgresWorker}.
 *
 * @example
 * ```ts
 * import type { PostgresWorkerOptions } from 'leadflow/adapters/postgres';
 * const options: PostgresWorkerOptions = { pool, engineFor: async (tenant) => ({ ...await loadRules(tenant), notifier }) };
 * ```
 * @category Storage
 */
export interface PostgresWorkerOptions {
  readonly pool: pg.Pool;
  /** For the LISTEN connection (a pool's clients come and go). Default: the pool's own settings. */
  readonly listenConnection?: pg.ClientConfig;
  /** @default 'leadflow' */
  readonly schema?: string;
  /** Must be the same in every worker and intake of the database. @default 64 */
  readonly shards?: number;
  /** Names this worker in the lease rows. @default host name, pid and a random suffix */
  readonly workerId?: string;
  /** The engines' rule set, team, calendar and notifier for a tenant (called once per tenant). */
  readonly engineFor: (tenant: string) => TenantEngineOptions | Promise<TenantEngineOptions>;
  /** The engines' domain clock (leases use the database server's clock). @default systemClock */
  readonly clock?: Clock;
  /** How long a lease lasts without renewal (ms). @default 30_000 */
  readonly leaseMs?: number;
  /** The longest sleep between rounds with nothing to do (ms); NOTIFY wakes it sooner. @default 1_000 */
  readonly pollIntervalMs?: number;
  /** Per tenant and round. @default { inbox: 50, timers: 100 } */
  readonly batch?: { readonly inbox?: number; readonly timers?: number };
  /**
   * How many of its busy tenants a round serves at once. Each serve waits on the database most
   * of the time, so a few at once multiply a worker's throughput; each takes a connection from
   * `pool` while it commits, so it may not exceed the pool's `max`. A tenant is never served
   * twice at once.
   * @default 4 (or the pool's `max`, when that is smaller)
   */
  readonly concurrency?: number;
  /** Something went wrong in a round (it is retried next round); default: `console.error`. */
  readonly onError?: (error: unknown, context: { readonly tenant?: string; readonly step: string }) => void;
  /** Aborting it stops the worker, as `stop()` does. */
  readonly signal?: AbortSignal;
  /**
   * Called at the start of every round, before anything reads the clock: a host whose clock
   * must be refreshed (a replay's virtual time kept in the database) does it here, so one round
   * sees one time.
   */
  readonly beforeRound?: () => Promise<void>;
  /**
   * `false`: no loop and no LISTEN; rounds run only when `round()` is called (tests, or a host
   * with its own scheduler).
   * @default true
   */
  readonly run?: boolean;
}

/**
 * What one round did.
 *
 * @category Storage
 */
export interface WorkerRound {
  readonly shards: number;
  /** Tenants served: those of its shards with something to do. */
  readonly tenants: number;
  readonly ingested: number;
  readonly fired: number;
  /** Whether some tenant had more waiting than its batch (the next round starts at once). */
  readonly more: boolean;
}

/**
 * A running worker.
 *
 * @category Storage
 */
export interface PostgresWorker {
  readonly id: string;
  /** The shards this worker holds now. */
  shards(): number[];
  /** Run one round now (rounds never overlap; a round in flight is waited for). */
  round(): Promise<WorkerRound>;
  /** Stop: finish the round in flight, stop the engines, give the shards up. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped. */
  readonly stopped: Promise<void>;
}

interface Owned {
  readonly shard: number;
  readonly fence: string;
}

interface Tenant {
  readonly shard: number;
  readonly engine: Engine;
}

/** The shortest sleep between rounds that found nothing more to do (ms). */
const MIN_SLEEP_MS = 25;

/** The database server's clock in epoch ms, as SQL (leases are about processes, not domain time). */
const DB_NOW = '(extract(epoch from clock_timestamp()) * 1000)';

/**
 * Start a worker. It migrates the schema, makes the shard rows exist, then runs rounds until
 * stopped: renew or lose its leases, take free or expired shards up to its fair share (shards ÷
 * live workers), build the engines of their tenants, and give each tenant a bounded batch.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { startPostgresWorker } from 'leadflow/adapters/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const worker = await startPostgresWorker({
 *   pool,
 *   engineFor: async (tenant) => ({ ...(await rulesOf(tenant)), calendar, notifier }),
 * });
 * process.on('SIGTERM', () => worker.stop());
 * ```
 * @category Storage
 */
export async function startPostgresWorker(options: PostgresWorkerOptions): Promise<PostgresWorker> {
  const schema = options.schema ?? 'leadflow';
  const s = quoteSchema(schema);
  const shardCount = options.shards ?? DEFAULT_SHARDS;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const inboxBatch = options.batch?.inbox ?? 50;
  const timerBatch = options.batch?.timers ?? 100;
  const poolMax = options.pool.options?.max ?? 10;
  const concurrency = options.concurrency ?? Math.min(4, poolMax);
  for (const [name, value] of [
    ['leaseMs', leaseMs],
    ['pollIntervalMs', pollIntervalMs],
    ['batch.inbox', inboxBatch],
    ['batch.timers', timerBatch],
    ['concurrency', concurrency],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw invalid(`startPostgresWorker(options).${name} must be a positive integer, got ${String(value)}`);
    }
  }
  if (concurrency > poolMax) {
    throw invalid(
      `startPostgresWorker: concurrency (${concurrency}) must not exceed the pool's max (${poolMax}): each tenant served at once holds a connection while it commits`,
    );
  }
  if (pollIntervalMs * 3 > leaseMs) {
    // Leases are renewed once a round: at least three rounds per lease leave room for a slow one.
    throw invalid(
      `startPostgresWorker: pollIntervalMs (${pollIntervalMs}) must be at most a third of leaseMs (${leaseMs})`,
    );
  }
  const id = options.workerId ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const clock = options.clock ?? systemClock;
  const pool = options.pool;
  const report =
    options.onError ??
    ((error: unknown, context: { tenant?: string; step: string }) =>
      console.error(
        `leadflow worker ${id}: ${context.step}${context.tenant ? ` (${context.tenant})` : ''}:`,
        error,
      ));

  await migratePostgres(pool, { schema });
  await ensureShards(pool, schema, shardCount);

  const owned = new Map<number, Owned>();
  const tenants = new Map<string, Tenant>();
  let turn = 0;
  let stopping = false;
  let inFlight: Promise<WorkerRound> | undefined;
  let wake: (() => void) | undefined;
  let woken = false;

  // ---- leases ----
  /** When this worker last renewed its leases (its own monotonic clock, not the engines'). */
  let renewedAt = 0;

  /** Extends the leases still held; a shard whose lease ran out or was taken is given up. */
  async function renewLeases(): Promise<void> {
    renewedAt = performance.now();
    const renewed = await pool.query(
      `UPDATE ${s}.shard_lease SET lease_until = ${DB_NOW} + $2
       WHERE owner = $1 AND lease_until > ${DB_NOW} RETURNING shard, fence::text AS fence`,
      [id, leaseMs],
    );
    const kept = new Set<number>();
    for (const row of renewed.rows) {
      const shard = row.shard as number;
      if (owned.get(shard)?.fence === row.fence) kept.add(shard);
    }
    for (const shard of [...owned.keys()]) if (!kept.has(shard)) await loseShard(shard);
  }

  async function maintainLeases(): Promise<void> {
    await renewLeases();
    // A fair share: the shards over the live workers (this one included), seen by heartbeat.
    await pool.query(
      `INSERT INTO ${s}.worker (id, alive_until) VALUES ($1, ${DB_NOW} + $2)
       ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until`,
      [id, leaseMs],
    );
    const live = await pool.query(`SELECT count(*)::int AS n FROM ${s}.worker WHERE alive_until > ${DB_NOW}`);
    const share = Math.ceil(shardCount / Math.max(1, live.rows[0]!.n as number));
    if (owned.size < share) {
      const taken = await pool.query(
        `UPDATE ${s}.shard_lease l SET owner = $1, fence = l.fence + 1, lease_until = ${DB_NOW} + $2
         FROM (SELECT shard FROM ${s}.shard_lease WHERE owner IS NULL OR lease_until <= ${DB_NOW}
               ORDER BY shard LIMIT $3 FOR UPDATE SKIP LOCKED) AS free
         WHERE l.shard = free.shard RETURNING l.shard, l.fence::text AS fence`,
        [id, leaseMs, share - owned.size],
      );
      for (const row of taken.rows)
        owned.set(row.shard as number, { shard: row.shard as number, fence: row.fence as string });
      if (taken.rows.length > 0) await reclaimTimers(taken.rows.map((row) => row.shard as number));
    } else if (owned.size > share) {
      // Others joined: hand the extra shards back, highest first, after stopping their engines.
      const extra = [...owned.keys()].sort((a, b) => b - a).slice(0, owned.size - share);
      for (const shard of extra) await releaseShard(shard);
    }
  }

  /**
   * Timers a previous owner of these shards claimed but never completed come back now, not when
   * their lease runs out: that owner is fenced, so nothing it still does can commit.
   */
  async function reclaimTimers(shards: number[]): Promise<void> {
    await pool.query(
      `UPDATE ${s}.timer t SET eligible_at = t.due_at, lease_until = NULL, worker_id = NULL
       FROM ${s}.tenant n WHERE n.shard = ANY($1::int[]) AND t.tenant = n.tenant AND t.lease_until IS NOT NULL`,
      [shards],
    );
  }

  async function stopEnginesOf(shard: number): Promise<void> {
    for (const [tenant, entry] of [...tenants]) {
      if (entry.shard !== shard) continue;
      tenants.delete(tenant);
      await entry.engine
        .stop()
        .catch((error: unknown) => report(error, { tenant, step: 'stopping the engine' }));
    }
  }

  /** The lease is gone (expired, or taken): drop the engines; their commits would be fenced anyway. */
  async function loseShard(shard: number): Promise<void> {
    owned.delete(shard);
    await stopEnginesOf(shard);
  }

  async function releaseShard(shard: number): Promise<void> {
    await stopEnginesOf(shard);
    const held = owned.get(shard);
    owned.delete(shard);
    if (!held) return;
    await pool.query(
      `UPDATE ${s}.shard_lease SET owner = NULL, lease_until = 0 WHERE shard = $1 AND owner = $2 AND fence = $3`,
      [shard, id, held.fence],
    );
  }

  // ---- engines ----
  async function engineOf(tenant: string, shard: number): Promise<Engine> {
    const known = tenants.get(tenant);
    if (known) return known.engine;
    const lease = owned.get(shard)!;
    const storage = postgresStorage({
      pool,
      schema,
      tenant,
      migrate: 'manual',
      // Checked in every commit (FOR SHARE: a takeover's UPDATE waits until that commit ends).
      fence: { shard, owner: id, token: lease.fence },
    });
    const engine = createEngine({ ...(await options.engineFor(tenant)), storage, clock });
    tenants.set(tenant, { shard, engine });
    return engine;
  }

  async function serveTenant(tenant: string, shard: number) {
    const engine = await engineOf(tenant, shard);
    const pending = await pool.query(
      // Not before it was received on the engines' clock (a replay's virtual time).
      `SELECT i.seq::text AS seq, i.payload FROM ${s}.inbox i
       WHERE i.tenant = $1 AND i.processed_at IS NULL AND i.received_at <= $3 ORDER BY i.seq LIMIT $2`,
      [tenant, inboxBatch, clock.now()],
    );
    let ingested = 0;
    if (pending.rows.length > 0 && owned.has(shard)) {
      // The whole batch as one commit; each payload keyed by its seq, so a repeat (a crash after
      // the ingest, before the mark) returns the first result and changes nothing.
      const results = await engine.ingestMany(
        pending.rows.map((row) => ({ payload: row.payload, idempotencyKey: `inbox/${row.seq}` })),
      );
      await pool.query(
        `UPDATE ${s}.inbox i SET processed_at = $2, result = r.result
         FROM unnest($3::bigint[], $4::json[]) AS r(seq, result) WHERE i.tenant = $1 AND i.seq = r.seq`,
        [
          tenant,
          clock.now(),
          pending.rows.map((row) => row.seq),
          results.map((result) => JSON.stringify(summary(result))),
        ],
      );
      ingested = results.length;
    }
    // runDue also delivers what is due (retries come due without a commit to start them).
    const due = await engine.runDue({ limit: timerBatch });
    return { ingested, fired: due.fired, more: pending.rows.length === inboxBatch || due.more };
  }

  /**
   * The owned tenants with something to do now — inbox payloads received, timers or outbox
   * messages due — found with three index probes, not one visit per tenant: a worker holding
   * thousands of quiet tenants does work in proportion to the busy ones.
   */
  async function busyTenants(
    shards: readonly number[],
    now: number,
  ): Promise<{ tenant: string; shard: number }[]> {
    const { rows } = await pool.query(
      `WITH owned AS (SELECT tenant, shard FROM ${s}.tenant WHERE shard = ANY($1::int[]))
       SELECT o.tenant, o.shard FROM owned o
       WHERE EXISTS (SELECT 1 FROM ${s}.inbox i WHERE i.tenant = o.tenant AND i.processed_at IS NULL AND i.received_at <= $2)
          OR EXISTS (SELECT 1 FROM ${s}.timer t WHERE t.tenant = o.tenant AND t.eligible_at <= $2)
          OR EXISTS (SELECT 1 FROM ${s}.outbox m WHERE m.tenant = o.tenant AND m.status = 'pending' AND m.next_attempt_at <= $2)
       ORDER BY o.tenant`,
      [shards, now],
    );
    return rows as { tenant: string; shard: number }[];
  }

  /**
   * How long to sleep: until the earliest timer or outbox retry of the owned tenants, at most a
   * poll interval (a commit elsewhere that schedules something sooner NOTIFYs, when asked to).
   */
  async function untilNextDue(): Promise<number> {
    const shards = [...owned.keys()];
    if (shards.length === 0 || stopping) return pollIntervalMs;
    try {
      const { rows } = await pool.query(
        `SELECT min(next) AS next FROM ${s}.tenant n CROSS JOIN LATERAL (
           (SELECT eligible_at AS next FROM ${s}.timer t WHERE t.tenant = n.tenant ORDER BY eligible_at LIMIT 1)
           UNION ALL
           (SELECT next_attempt_at FROM ${s}.outbox m WHERE m.tenant = n.tenant AND m.status = 'pending'
            ORDER BY next_attempt_at LIMIT 1)
         ) AS due WHERE n.shard = ANY($1::int[])`,
        [shards],
      );
      const next = rows[0]?.next;
      if (next === null || next === undefined) return pollIntervalMs;
      // Never a busy loop: something due that a round could not take (a tenant whose engine
      // keeps failing) is retried after a short pause, not at once.
      return Math.min(pollIntervalMs, Math.max(MIN_SLEEP_MS, Math.ceil(Number(next) - clock.now())));
    } catch (error) {
      report(error, { step: 'finding the next due time' });
      return pollIntervalMs;
    }
  }

  async function runRound(): Promise<WorkerRound> {
    await options.beforeRound?.();
    await maintainLeases();
    const shards = [...owned.keys()];
    const rows = shards.length === 0 ? [] : await busyTenants(shards, clock.now());
    let ingested = 0;
    let fired = 0;
    let more = false;
    // Rotate the starting tenant so the first one is not always served first.
    const start = rows.length === 0 ? 0 : turn++ % rows.length;
    let next = 0;
    let renewing: Promise<void> | undefined;
    // `concurrency` lanes take the busy tenants in turn; each tenant is in the list once.
    async function lane(): Promise<void> {
      while (!stopping && next < rows.length) {
        const { tenant, shard } = rows[(start + next++) % rows.length]!;
        try {
          // A round over many busy tenants can outlast a lease: renew on the way, at the pace
          // of the rounds, instead of losing every shard to the next worker mid-round.
          if (performance.now() - renewedAt > leaseMs / 3) {
            renewing ??= renewLeases().finally(() => {
              renewing = undefined;
            });
            await renewing;
          }
          if (!owned.has(shard)) continue;
          const served = await serveTenant(tenant, shard);
          ingested += served.ingested;
          fired += served.fired;
          more ||= served.more;
        } catch (error) {
          report(error, { tenant, step: 'serving the tenant' });
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, lane));
    return { shards: owned.size, tenants: rows.length, ingested, fired, more };
  }

  function round(): Promise<WorkerRound> {
    if (inFlight) return inFlight.then(() => round());
    inFlight = runRound().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  // ---- wake-ups: LISTEN as a shortcut, polling as the backstop ----
  let listener: pg.Client | undefined;
  async function listen(): Promise<void> {
    if (stopping) return;
    const client = new pg.Client(options.listenConnection ?? (pool.options as pg.ClientConfig));
    client.on('notification', () => interrupt());
    // A dead listener is replaced on the next round; polling never depended on it.
    client.on('error', () => {
      if (listener === client) listener = undefined;
      client.end().catch(() => undefined);
    });
    client.on('end', () => {
      if (listener === client) listener = undefined;
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${wakeChannel(schema)}"`);
      listener = client;
    } catch (error) {
      client.end().catch(() => undefined);
      report(error, { step: 'listening for wake-ups (polling continues)' });
    }
  }

  function interrupt(): void {
    woken = true;
    wake?.();
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopping) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  async function loop(): Promise<void> {
    await listen();
    while (!stopping) {
      woken = false;
      let more = false;
      try {
        more = (await round()).more;
      } catch (error) {
        report(error, { step: 'round' });
      }
      if (!listener && !stopping) await listen();
      if (!more) await sleep(await untilNextDue());
    }
  }

  const running = options.run === false ? Promise.resolve() : loop();
  let stopPromise: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopPromise ??= (async () => {
      stopping = true;
      interrupt();
      await running.catch(() => undefined);
      await inFlight?.catch(() => undefined);
      for (const shard of [...owned.keys()]) {
        await releaseShard(shard).catch((error: unknown) => report(error, { step: 'releasing a shard' }));
      }
      await listener?.end().catch(() => undefined);
      await pool
        .query(`DELETE FROM ${s}.worker WHERE id = $1`, [id])
        .catch((error: unknown) => report(error, { step: 'leaving the worker list' }));
      resolveStopped();
    })();
    return stopPromise;
  }
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted) void stop();

  return { id, shards: () => [...owned.keys()].sort((a, b) => a - b), round, stop, stopped };
}

/** What the inbox row keeps of an ingest result (its id and outcome, not the whole lead). */
function summary(result: { status: string; leadId?: string; record?: { id: string } }): JsonValue {
  const out: Record<string, JsonValue> = { status: result.status };
  if (result.leadId !== undefined) out.leadId = result.leadId;
  if (result.record !== undefined) out.quarantineId = result.record.id;
  return out;
}
