/**
 * PostgreSQL storage (issue 15): ingest with durable timers through `postgresStorage`, against the
 * same server's floor for a minimal snapshot + timer transaction, and timer claims by 4 workers.
 *
 *   server   — `LEADFLOW_BENCH_DATABASE_URL`, else `LEADFLOW_TEST_DATABASE_URL`, else the local
 *              PostgreSQL (127.0.0.1:5432, database `test`), as the server is configured (this
 *              machine: fsync and synchronous_commit on — every COMMIT waits for its WAL flush).
 *              One fresh schema `lf_bench_<random>` per run, migrated by `migratePostgres` and
 *              dropped at the end (also when the run fails).
 *   stream   — the simulation generator (seed 15, zhikong market, 30 days from 2026-03-02 at 12,000
 *              leads/month: new leads, resubmissions and malformed payloads) through the zhikong
 *              rules, the zhikong team at 4× its daily capacities. Worker k ingests its own slice
 *              (arrivals k·1,500 … k·1,500 + 1,499) for its own tenant; each engine's virtual clock
 *              is moved to each arrival before its ingest; no timer fires, so every SLA timer an
 *              ingest schedules stays a row (checked: timer rows per tenant > 0, stored leads =
 *              accepted leads, every arrival accepted, merged or quarantined).
 *   workers  — a worker is a separate OS process (this file forked with `--worker <config>`) with
 *              its own `pg.Pool` of POOL_SIZE (1) connection, on the one schema. Every worker first
 *              warms up (its JIT and its connection) on a tenant of its own, then says ready; the
 *              parent starts them together and takes the wall time from "go" to the last "done".
 *              Each worker also counts CPU: its own (`process.cpuUsage`) and its server backend's
 *              (`/proc/<pg_backend_pid()>/stat`, when the server is local), printed per operation.
 *   ours     — `createEngine({ ruleSet, team, calendar, clock, storage: postgresStorage({ pool,
 *              schema, tenant, migrate: 'manual' }), notifier: 'dropAll', trace: false })`, 1 and 4
 *              workers, each ingesting LEADS_PER_WORKER arrivals as a worker takes its inbox:
 *              `engine.ingestMany` of INBOX_BATCH (50) arrivals at a time, one storage commit
 *              each, the clock at each batch's last arrival: total arrivals/s (wall). (The
 *              profile below ingests one arrival per commit, `engine.ingest`.)
 *   floor    — the same server, the same number of processes with the same pool size, each running
 *              LEADS_PER_WORKER minimal transactions on the adapter's own tables (same indexes):
 *              BEGIN; INSERT one `entity` row whose json snapshot is a lead snapshot stored by a
 *              profiled ingest of this run (about 2.4 kB); INSERT one `timer` row (eligible_seq
 *              from the schema's sequence, as the adapter does); COMMIT — through the same driver,
 *              one `pool.connect()` per transaction as the adapter does. Transactions/s (wall).
 *              ratio = ours / floor with the same worker count. Each round runs the floor, ours,
 *              then the floor again (the round's floor is the mean of the two: the shared machine's
 *              drift is bracketed); the medians over the rounds are compared, each round's ratio
 *              printed.
 *   claims   — CLAIM_TIMERS due timers in one tenant, all due at the same instant (the 09:15
 *              herd), scheduled through the adapter (`commit` with 1,000 timers each); then 4
 *              worker processes each loop `claimDueTimers(now, { limit: 100, workerId })` and
 *              complete what they claimed in one `commit({ timers: { complete } })`, until a claim
 *              comes back empty. claims/s = timers claimed and completed per second (wall, go →
 *              last done). Checked: every claimed key collected from every worker, 0 claimed
 *              twice, every scheduled timer claimed, 0 timer rows left.
 *   profile  — one more worker (not compared with anything) ingests PROFILE_LEADS arrivals with
 *              every statement on its connection timed (a wrapper around `client.query`: from
 *              send to result) and classed by verb and table, inside or outside a transaction; the
 *              storage methods are timed too. Printed: statements and round trips per commit and
 *              per arrival, where the time goes (engine code, adapter code, each statement class),
 *              and the floor's transaction timed the same way. Then the commits it captured are
 *              replayed on fresh tenants five ways, each on a new connection, timed with client and
 *              server CPU: as the adapter sends them; pipelined (pg 8.23 `pipeline: true`); as
 *              named (prepared) statements; named + pipelined; as one multi-statement query —
 *              what fewer round trips or cached plans would save, measured rather than guessed.
 *
 * The last line is the JSON report: ours/floor (= baseline) and their ratio for 1 worker, workers4
 * /floor4/ratio4 for 4, claimsPerSec, duplicates, timersLeft. Exits non-zero when a timer is
 * claimed twice or left, a check fails, or ours is below 50% of the floor for 1 or for 4 workers.
 * No timing assertions anywhere else: this is a benchmark.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { CommitInput, StorageAdapter, TimerRecord } from '../src/adapters/storage/port.js';
import { postgresStorage } from '../src/adapters/storage/postgres.js';
import { migratePostgres, quoteSchema } from '../src/adapters/storage/postgres-schema.js';
import { createEngine } from '../src/engine/engine.js';
import { compileRuleSet } from '../src/rules/compile.js';
import { zhikongPreset } from '../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../src/scheduler/calendar.js';
import { createVirtualClock } from '../src/scheduler/clock.js';
import { generateLeadStream } from '../src/simulate/generate.js';
import { report } from './_harness.js';

const DATABASE_URL =
  process.env.LEADFLOW_BENCH_DATABASE_URL ??
  process.env.LEADFLOW_TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const SEED = 15;
const START = Date.parse('2026-03-02T00:00:00+08:00');
const CAPACITY_FACTOR = 4;
const WORKER_COUNTS = [1, 4] as const;
const LEADS_PER_WORKER = 1_500;
/** Arrivals a worker ingests as one commit (`startPostgresWorker`'s default inbox batch). */
const INBOX_BATCH = 50;
const WARMUP_LEADS = 300;
const PROFILE_LEADS = 600;
const POOL_SIZE = 1;
const ROUNDS = 3;
const MIN_RATIO = 0.5;
const CLAIM_TIMERS = 100_000;
const CLAIM_WORKERS = 4;
const CLAIM_LIMIT = 100;
const SCHEDULE_BATCH = 1_000;
/** Where each part of the stream goes: the measured slices first, then warm-ups, then the profile. */
const WARMUP_FROM = LEADS_PER_WORKER * Math.max(...WORKER_COUNTS);
const PROFILE_FROM = WARMUP_FROM + WARMUP_LEADS;

// ---- the stream and the rules (each process builds the same, seeded) ----
const calendar = chinaCalendar({ years: [2026] });
const team = {
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => ({
    ...rep,
    dailyCapacity: rep.dailyCapacity * CAPACITY_FACTOR,
  })),
};
let streamCache: ReturnType<typeof generateLeadStream> | undefined;
function stream() {
  streamCache ??= generateLeadStream({ seed: SEED, start: START, days: 30, leadsPerMonth: 12_000, calendar });
  if (streamCache.length < PROFILE_FROM + PROFILE_LEADS)
    throw new Error(
      `the generator gave ${streamCache.length} arrivals, fewer than ${PROFILE_FROM + PROFILE_LEADS}`,
    );
  return streamCache;
}

// ---- statement timing: a wrapper around each pooled client's query ----
interface Stat {
  count: number;
  ms: number;
}
const bump = (stats: Map<string, Stat>, key: string, ms: number) => {
  const stat = stats.get(key);
  if (stat) {
    stat.count++;
    stat.ms += ms;
  } else stats.set(key, { count: 1, ms });
};

/** A statement's class: its verb and table (`insert entity`, `select lookup`, `BEGIN`). */
function classify(text: string): string {
  const sql = text
    .replace(/"[A-Za-z0-9_]+"\./g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const verb = /^(BEGIN|COMMIT|ROLLBACK)\b/.exec(sql);
  if (verb) return verb[1]!;
  const write = /^(INSERT INTO|UPDATE|DELETE FROM) (\w+)/.exec(sql);
  if (write) return `${write[1]!.split(' ')[0]!.toLowerCase()} ${write[2]}`;
  const read = /\bFROM (\w+)/.exec(sql);
  return read ? `select ${read[1]}` : sql.slice(0, 40);
}

interface Captured {
  text: string;
  values: unknown[] | undefined;
}
interface Timing {
  /** By class; statements inside a transaction are prefixed `tx ` (a commit's round trips). */
  statements: Map<string, Stat>;
  /** The statements of each finished transaction, in order (kept while `capture` is on). */
  commits: Captured[][];
  capture: boolean;
}

/** Time every statement of every connection `pool` opens (attach before its first query). */
function timeStatements(pool: pg.Pool): Timing {
  const timing: Timing = { statements: new Map(), commits: [], capture: false };
  pool.on('connect', (client) => {
    const original = client.query.bind(client) as (...args: unknown[]) => unknown;
    let inTransaction = false;
    let current: Captured[] = [];
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const config = args[0];
      const text = typeof config === 'string' ? config : (config as { text: string }).text;
      const values = Array.isArray(args[1]) ? (args[1] as unknown[]) : undefined;
      const label = classify(text);
      if (label === 'BEGIN') {
        inTransaction = true;
        current = [];
      }
      const key = inTransaction ? `tx ${label}` : label;
      if (inTransaction && timing.capture) current.push({ text, values });
      if (label === 'COMMIT' || label === 'ROLLBACK') {
        inTransaction = false;
        if (timing.capture && label === 'COMMIT') timing.commits.push(current);
      }
      const started = process.hrtime.bigint();
      const done = () => bump(timing.statements, key, Number(process.hrtime.bigint() - started) / 1e6);
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (...results: unknown[]) => void;
        args[last] = (...results: unknown[]) => {
          done();
          callback(...results);
        };
        return original(...args);
      }
      const result = original(...args) as Promise<unknown>;
      result.then(done, done);
      return result;
    };
  });
  return timing;
}

/** `storage` with each method call timed (the adapter's own code plus its statements). */
function timeMethods(storage: StorageAdapter, stats: Map<string, Stat>): StorageAdapter {
  const wrapped: Record<string, unknown> = {};
  for (const key of Object.keys(storage) as (keyof StorageAdapter)[]) {
    const value = storage[key];
    if (typeof value !== 'function') {
      wrapped[key] = value;
      continue;
    }
    const method = (value as (...args: unknown[]) => unknown).bind(storage);
    wrapped[key] = async (...args: unknown[]) => {
      const started = process.hrtime.bigint();
      try {
        return await method(...args);
      } finally {
        bump(stats, key, Number(process.hrtime.bigint() - started) / 1e6);
      }
    };
  }
  return wrapped as unknown as StorageAdapter;
}

const statsObject = (stats: Map<string, Stat>) => Object.fromEntries(stats);

// ---- the worker processes ----
interface IngestConfig {
  role: 'ingest';
  schema: string;
  tenant: string;
  from: number;
  count: number;
  profile?: boolean;
  /** Arrivals per `engine.ingestMany` (one commit each), as a worker takes its inbox; 1: `ingest`. */
  batch?: number;
}
interface FloorConfig {
  role: 'floor';
  schema: string;
  tenant: string;
  count: number;
  /** The tenant whose stored lead snapshots the floor writes. */
  snapshotsOf: string;
  profile?: boolean;
}
interface ClaimConfig {
  role: 'claims';
  schema: string;
  tenant: string;
  workerId: string;
  now: number;
}
type WorkerConfig = IngestConfig | FloorConfig | ClaimConfig;

interface IngestResult {
  seconds: number;
  cpu: Cpu;
  outcomes: Record<string, number>;
  errors: string[];
  statements?: Record<string, Stat>;
  methods?: Record<string, Stat>;
  replay?: Awaited<ReturnType<typeof replayCommits>>;
}
interface FloorResult {
  seconds: number;
  cpu: Cpu;
  snapshotBytes: number;
  statements?: Record<string, Stat>;
}
interface ClaimResult {
  seconds: number;
  claimed: string[];
  batches: number;
}

/** A worker's pool: POOL_SIZE connections, never closed for idleness (one backend per worker). */
const newPool = () => new pg.Pool({ connectionString: DATABASE_URL, max: POOL_SIZE, idleTimeoutMillis: 0 });

const BACKEND_PID_SQL = 'SELECT pg_backend_pid() AS pid';

/** CPU seconds of a run: this process's, and its server backend's (null when not readable). */
interface Cpu {
  client: number;
  server: number | null;
}

/** CPU seconds (user + system) of a local process from /proc, in Linux's 100 ticks per second. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined; // a remote server, or no /proc
  }
}

/**
 * Start counting CPU: this process's, and that of the server backend behind the pool's (one)
 * connection, read from /proc when the server is local. The returned function stops the count.
 */
async function cpuMeter(pool: pg.Pool): Promise<() => Promise<Cpu>> {
  const backend = async () => Number((await pool.query(BACKEND_PID_SQL)).rows[0].pid);
  const pid = await backend();
  const client = process.cpuUsage();
  const server = processCpuSeconds(pid);
  return async () => {
    const used = process.cpuUsage(client);
    const serverAfter = processCpuSeconds(pid);
    const same = (await backend()) === pid; // the same connection throughout
    return {
      client: (used.user + used.system) / 1e6,
      server: server !== undefined && serverAfter !== undefined && same ? serverAfter - server : null,
    };
  };
}

/** Tell the parent we are ready, wait for its go. */
async function ready(): Promise<void> {
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send!({ type: 'ready' });
  });
}

async function ingestWorker(config: IngestConfig): Promise<IngestResult> {
  const pool = newPool();
  const timing = config.profile ? timeStatements(pool) : undefined;
  const methods = new Map<string, Stat>();
  const compiled = compileRuleSet(zhikongPreset.ruleSet, { team });
  const arrivals = stream();
  const engineFor = (tenant: string, at: number, profile: boolean) => {
    const clock = createVirtualClock(at);
    const plain = postgresStorage({ pool, schema: config.schema, tenant, migrate: 'manual' });
    const storage = profile ? timeMethods(plain, methods) : plain;
    const engine = createEngine({
      ruleSet: compiled,
      team,
      calendar,
      clock,
      storage,
      notifier: 'dropAll',
      trace: false,
    });
    return { engine, clock };
  };
  const ingestSlice = async (tenant: string, from: number, count: number, profile: boolean, batch = 1) => {
    const slice = arrivals.slice(from, from + count);
    const { engine, clock } = engineFor(tenant, slice[0]!.at, profile);
    const outcomes: Record<string, number> = { accepted: 0, merged: 0, quarantined: 0, failed: 0 };
    const errors: string[] = [];
    // As a worker takes its inbox: a batch at a time, the clock at the batch's last arrival.
    for (let i = 0; batch > 1 && i < slice.length; i += batch) {
      const chunk = slice.slice(i, i + batch);
      const last = chunk.at(-1)!.at;
      if (last > clock.now()) clock.advanceTo(last);
      try {
        for (const result of await engine.ingestMany(
          chunk.map((arrival) => ({ payload: arrival.payload })),
        )) {
          outcomes[result.status] = (outcomes[result.status] ?? 0) + 1;
        }
      } catch (error) {
        outcomes.failed = (outcomes.failed ?? 0) + chunk.length;
        if (errors.length < 3) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    for (const arrival of batch > 1 ? [] : slice) {
      if (arrival.at > clock.now()) clock.advanceTo(arrival.at);
      try {
        const result = await engine.ingest(arrival.payload);
        outcomes[result.status] = (outcomes[result.status] ?? 0) + 1;
      } catch (error) {
        outcomes.failed = (outcomes.failed ?? 0) + 1;
        if (errors.length < 3) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
    await engine.stop();
    return { outcomes, errors };
  };
  await ingestSlice(`${config.tenant}-warmup`, WARMUP_FROM, WARMUP_LEADS, false, config.batch);
  if (timing) {
    timing.statements.clear();
    timing.capture = true;
  }
  const stopCpu = await cpuMeter(pool);
  await ready();
  const started = process.hrtime.bigint();
  const { outcomes, errors } = await ingestSlice(
    config.tenant,
    config.from,
    config.count,
    !!config.profile,
    config.batch,
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = await stopCpu();
  timing?.statements.delete(classify(BACKEND_PID_SQL));
  let replay: IngestResult['replay'];
  if (timing) {
    timing.capture = false;
    replay = await replayCommits(timing.commits, config.tenant);
  }
  await pool.end();
  return {
    seconds,
    cpu,
    outcomes,
    errors,
    ...(timing && {
      statements: statsObject(timing.statements),
      methods: statsObject(methods),
      replay,
    }),
  };
}

/** How the captured commits are sent again (see {@link replayCommits}). */
const REPLAY_MODES = ['asSent', 'pipelined', 'prepared', 'preparedPipelined', 'oneRoundTrip'] as const;
type ReplayMode = (typeof REPLAY_MODES)[number];

/** A parameter as an SQL literal (the types a commit sends: text, numbers, null, flat arrays). */
function literal(client: pg.Client, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return `(${String(value)})`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (Array.isArray(value)) {
    const items = value.map((item) =>
      item === null || item === undefined ? 'NULL' : `"${String(item).replace(/[\\"]/g, (c) => `\\${c}`)}"`,
    );
    return client.escapeLiteral(`{${items.join(',')}}`);
  }
  return client.escapeLiteral(String(value));
}

/**
 * The captured commits replayed on a fresh tenant per mode, on one new connection each: `asSent`
 * (statement by statement, unnamed, one round trip each — what the adapter does); `pipelined`
 * (pg's `pipeline: true`: every statement of a commit written before the first answer is read);
 * `prepared` and `preparedPipelined` (the same, as named statements: parsed and planned once per
 * connection); `oneRoundTrip` (the commit as one multi-statement simple query, parameters inlined
 * as literals — about what a server-side function taking the whole commit would cost). The
 * statements are the adapter's, with the tenant parameter ($1) replaced: the same rows, keys and
 * versions in the same order. Nothing is checked: results are ignored.
 */
async function replayCommits(commits: Captured[][], tenant: string) {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `lf_replay_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  const run = async (mode: ReplayMode) => {
    const replayTenant = `${tenant}-replay-${mode}`;
    const pipeline = mode === 'pipelined' || mode === 'preparedPipelined';
    const prepared = mode === 'prepared' || mode === 'preparedPipelined';
    const client = new pg.Client({ connectionString: DATABASE_URL, pipeline });
    await client.connect();
    const retarget = (values: unknown[] | undefined) =>
      values && values[0] === tenant ? [replayTenant, ...values.slice(1)] : values;
    const queries = commits.map((statements) =>
      statements.map(({ text, values }) => ({
        text,
        values: retarget(values),
        ...(prepared && values !== undefined && { name: nameOf(text) }),
      })),
    );
    const scripts =
      mode === 'oneRoundTrip'
        ? queries.map((statements) =>
            statements
              .map(({ text, values }) =>
                text.replace(/\$(\d+)/g, (_, n: string) => literal(client, values![Number(n) - 1])),
              )
              .join(';\n'),
          )
        : [];
    const pid = Number((await client.query(BACKEND_PID_SQL)).rows[0].pid); // and the connection warm
    const serverBefore = processCpuSeconds(pid);
    const clientBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    for (let i = 0; i < queries.length; i++) {
      if (mode === 'oneRoundTrip') await client.query(scripts[i]!);
      else if (pipeline) await Promise.all(queries[i]!.map((query) => client.query(query)));
      else for (const query of queries[i]!) await client.query(query);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const clientCpu = process.cpuUsage(clientBefore);
    const serverAfter = processCpuSeconds(pid);
    await client.end();
    const per = (x: number) => x / commits.length;
    return {
      ms: per(ms),
      clientCpuMs: per((clientCpu.user + clientCpu.system) / 1e3),
      serverCpuMs:
        serverBefore === undefined || serverAfter === undefined
          ? null
          : per((serverAfter - serverBefore) * 1e3),
    };
  };
  const perCommit: Partial<
    Record<ReplayMode, { ms: number; clientCpuMs: number; serverCpuMs: number | null }>
  > = {};
  for (const mode of REPLAY_MODES) perCommit[mode] = await run(mode);
  return {
    commits: commits.length,
    statements: commits.reduce((n, c) => n + c.length, 0),
    perCommit: perCommit as Record<
      ReplayMode,
      { ms: number; clientCpuMs: number; serverCpuMs: number | null }
    >,
  };
}

async function floorWorker(config: FloorConfig): Promise<FloorResult> {
  const pool = newPool();
  const timing = config.profile ? timeStatements(pool) : undefined;
  const s = quoteSchema(config.schema);
  const { rows } = await pool.query<{ snapshot: string }>(
    `SELECT snapshot::text AS snapshot FROM ${s}.entity WHERE tenant = $1 AND kind = 'lead' ORDER BY id`,
    [config.snapshotsOf],
  );
  if (rows.length === 0) throw new Error(`no lead snapshots stored for tenant ${config.snapshotsOf}`);
  const snapshots = rows.map((row) => row.snapshot);
  const snapshotBytes = snapshots.reduce((n, text) => n + Buffer.byteLength(text), 0) / snapshots.length;
  let at = START;
  const transactions = async (tenant: string, count: number) => {
    for (let i = 0; i < count; i++) {
      at += 1_000;
      const id = `lead-${String(i).padStart(7, '0')}`;
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          `INSERT INTO ${s}.entity (tenant, kind, id, version, snapshot, updated_at) VALUES ($1, 'lead', $2, 1, $3, $4)`,
          [tenant, id, snapshots[i % snapshots.length], at],
        );
        await client.query(
          `INSERT INTO ${s}.timer (tenant, entity_id, timer_key, generation, due_at, payload, attempts, eligible_at, eligible_seq)
           VALUES ($1, $2, 'sla.assign', 1, $3, NULL, 0, $3, nextval('${s}.eligible_seq'))`,
          [tenant, id, at + 900_000],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
  };
  await transactions(`${config.tenant}-warmup`, WARMUP_LEADS);
  const stopCpu = await cpuMeter(pool);
  timing?.statements.clear();
  await ready();
  const started = process.hrtime.bigint();
  await transactions(config.tenant, config.count);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = await stopCpu();
  timing?.statements.delete(classify(BACKEND_PID_SQL));
  await pool.end();
  return { seconds, cpu, snapshotBytes, ...(timing && { statements: statsObject(timing.statements) }) };
}

async function claimWorker(config: ClaimConfig): Promise<ClaimResult> {
  const pool = newPool();
  const storage = postgresStorage({ pool, schema: config.schema, tenant: config.tenant, migrate: 'manual' });
  await storage.loadState('warm-up'); // the connection opened before the clock starts
  await ready();
  const claimed: string[] = [];
  let batches = 0;
  const started = process.hrtime.bigint();
  for (;;) {
    const batch = await storage.claimDueTimers(config.now, { limit: CLAIM_LIMIT, workerId: config.workerId });
    if (batch.length === 0) break;
    batches++;
    for (const timer of batch) claimed.push(`${timer.entityId}/${timer.timerKey}/${timer.generation}`);
    await storage.commit({
      at: config.now,
      timers: {
        complete: batch.map(({ entityId, timerKey, generation }) => ({ entityId, timerKey, generation })),
      },
    });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();
  return { seconds, claimed, batches };
}

// ---- the parent: fork workers, start them together, collect ----
const script = fileURLToPath(import.meta.url);

/**
 * Fork one worker per config; when all are ready, start them together; the wall seconds from the
 * go to the last worker's done, and the results.
 */
async function runWorkers<R>(configs: WorkerConfig[]): Promise<{ seconds: number; results: R[] }> {
  const children: ChildProcess[] = [];
  const readyPromises: Promise<void>[] = [];
  const donePromises: Promise<R>[] = [];
  /** When each worker's "done" arrived: the wall time ends there, not at its process's exit. */
  const doneAt: bigint[] = [];
  for (const [index, config] of configs.entries()) {
    const child = fork(script, ['--worker', JSON.stringify(config)], {
      execArgv: process.execArgv,
      serialization: 'advanced',
    });
    children.push(child);
    let markReady: () => void = () => undefined;
    readyPromises.push(new Promise<void>((resolve) => (markReady = resolve)));
    donePromises.push(
      new Promise<R>((resolve, reject) => {
        let result: R | undefined;
        child.on('message', (message: { type: string; result?: R; error?: string }) => {
          if (message.type === 'ready') markReady();
          else if (message.type === 'done') {
            doneAt[index] = process.hrtime.bigint();
            result = message.result;
          } else if (message.type === 'error') reject(new Error(`${config.role} worker: ${message.error}`));
        });
        child.on('exit', (code) => {
          if (code === 0 && result !== undefined) resolve(result);
          else reject(new Error(`${config.role} worker ${JSON.stringify(config)} exited with ${code}`));
        });
        child.on('error', reject);
      }),
    );
  }
  try {
    // A worker failing during its warm-up rejects here instead of leaving the others waiting.
    await Promise.race([Promise.all(readyPromises), Promise.all(donePromises)]);
    const started = process.hrtime.bigint();
    for (const child of children) child.send({ type: 'go' });
    const results = await Promise.all(donePromises);
    return { seconds: (Math.max(...doneAt.map(Number)) - Number(started)) / 1e9, results };
  } catch (error) {
    for (const child of children) if (child.exitCode === null) child.kill();
    await Promise.allSettled(donePromises);
    throw error;
  }
}

// ---- the run ----
async function main(): Promise<void> {
  const began = process.hrtime.bigint();
  const schema = `lf_bench_${randomBytes(6).toString('hex')}`;
  const s = quoteSchema(schema);
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const problems: string[] = [];
  try {
    const server = await pool.query<{ version: string; fsync: string; synchronous_commit: string }>(
      "SELECT version() AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
    );
    await migratePostgres(pool, { schema });
    const { version, fsync, synchronous_commit } = server.rows[0]!;
    console.log(
      `server: ${version.split(' on ')[0]}; fsync ${fsync}, synchronous_commit ${synchronous_commit}; schema ${schema}`,
    );
    console.log(
      `stream: seed ${SEED}, zhikong rules, team at ${CAPACITY_FACTOR}× capacity; ${LEADS_PER_WORKER} arrivals per worker, ` +
        `a pool of ${POOL_SIZE} connection per worker process; ${ROUNDS} rounds of floor, ours, floor`,
    );

    // The profile first: it also gives the floor its lead snapshots.
    const profile = await runWorkers<IngestResult>([
      { role: 'ingest', schema, tenant: 'profile', from: PROFILE_FROM, count: PROFILE_LEADS, profile: true },
    ]);
    const profiled = profile.results[0]!;
    checkOutcomes('profile', profiled, PROFILE_LEADS, problems);
    const floorProfile = await runWorkers<FloorResult>([
      {
        role: 'floor',
        schema,
        tenant: 'floor-profile',
        count: PROFILE_LEADS,
        snapshotsOf: 'profile',
        profile: true,
      },
    ]);

    const rates = new Map<number, { ours: number[]; floor: number[]; oursCpu: Cpu[]; floorCpu: Cpu[] }>();
    let snapshotBytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of WORKER_COUNTS) {
        const entry = rates.get(n) ?? { ours: [], floor: [], oursCpu: [], floorCpu: [] };
        rates.set(n, entry);
        const floors: number[] = [];
        // The floor before and after ours: the machine's drift during the round is bracketed.
        for (const [i, side] of (['floor', 'ours', 'floor'] as const).entries()) {
          const tenants = Array.from({ length: n }, (_, k) => `r${round}-${side}${n}-${i}-${k}`);
          if (side === 'ours') {
            const run = await runWorkers<IngestResult>(
              tenants.map((tenant, k) => ({
                role: 'ingest',
                schema,
                tenant,
                from: k * LEADS_PER_WORKER,
                count: LEADS_PER_WORKER,
                batch: INBOX_BATCH,
              })),
            );
            for (const [k, result] of run.results.entries())
              checkOutcomes(tenants[k]!, result, LEADS_PER_WORKER, problems);
            const stored = await checkStored(pool, s, tenants, run.results, problems);
            const rate = (n * LEADS_PER_WORKER) / run.seconds;
            entry.ours.push(rate);
            const cpu = cpuPer(run.results, n * LEADS_PER_WORKER);
            entry.oursCpu.push(cpu);
            console.log(
              `round ${round + 1}, ${n} worker${n > 1 ? 's' : ' '}, ours : ${rate.toFixed(0)} arrivals/s in ${run.seconds.toFixed(2)} s` +
                ` (per worker ${run.results.map((r) => (LEADS_PER_WORKER / r.seconds).toFixed(0)).join(', ')}; ` +
                `${stored.leads} leads and ${stored.timers} timer rows stored; ${describeCpu(cpu, 'arrival')})`,
            );
          } else {
            const run = await runWorkers<FloorResult>(
              tenants.map((tenant) => ({
                role: 'floor',
                schema,
                tenant,
                count: LEADS_PER_WORKER,
                snapshotsOf: 'profile',
              })),
            );
            snapshotBytes = run.results[0]!.snapshotBytes;
            const rate = (n * LEADS_PER_WORKER) / run.seconds;
            floors.push(rate);
            const cpu = cpuPer(run.results, n * LEADS_PER_WORKER);
            entry.floorCpu.push(cpu);
            console.log(
              `round ${round + 1}, ${n} worker${n > 1 ? 's' : ' '}, floor: ${rate.toFixed(0)} transactions/s in ${run.seconds.toFixed(2)} s` +
                ` (per worker ${run.results.map((r) => (LEADS_PER_WORKER / r.seconds).toFixed(0)).join(', ')}; ${describeCpu(cpu, 'transaction')})`,
            );
          }
        }
        entry.floor.push((floors[0]! + floors[1]!) / 2);
      }
    }
    const summary = new Map(
      WORKER_COUNTS.map((n) => {
        const { ours, floor, oursCpu, floorCpu } = rates.get(n)!;
        const result = {
          ours: median(ours),
          floor: median(floor),
          roundRatios: ours.map((rate, i) => Number((rate / floor[i]!).toFixed(3))),
          oursCpu: meanCpu(oursCpu),
          floorCpu: meanCpu(floorCpu),
        };
        console.log(
          `${n} worker${n > 1 ? 's' : ' '}: ours ${result.ours.toFixed(0)} arrivals/s, floor ${result.floor.toFixed(0)} transactions/s ` +
            `(one ${snapshotBytes.toFixed(0)}-byte snapshot + one timer) → ${((result.ours / result.floor) * 100).toFixed(1)}% ` +
            `(each round's ratio against the mean of its two floors: ${result.roundRatios.join(', ')}; medians of ${ROUNDS} rounds); ` +
            `mean ${describeCpu(result.oursCpu, 'arrival')}; floor ${describeCpu(result.floorCpu, 'transaction')}`,
        );
        return [n, result] as const;
      }),
    );

    // ---- claims ----
    const claims = await claimBenchmark(pool, schema, problems);

    // ---- the profile, printed ----
    const profileSummary = printProfile(profiled, floorProfile.results[0]!, PROFILE_LEADS);

    const one = summary.get(1)!;
    const four = summary.get(4)!;
    const ratio = one.ours / one.floor;
    const ratio4 = four.ours / four.floor;
    if (ratio < MIN_RATIO)
      problems.push(`1 worker: ours at ${(ratio * 100).toFixed(1)}% of the floor (< 50%)`);
    if (ratio4 < MIN_RATIO)
      problems.push(`4 workers: ours at ${(ratio4 * 100).toFixed(1)}% of the floor (< 50%)`);
    const seconds = Number(process.hrtime.bigint() - began) / 1e9;
    console.log(`took ${seconds.toFixed(1)} s`);
    report({
      name: 'postgres',
      ours: one.ours,
      baseline: one.floor,
      floor: one.floor,
      ratio,
      workers4: four.ours,
      floor4: four.floor,
      ratio4,
      claimsPerSec: claims.claimsPerSec,
      duplicates: claims.duplicates,
      timersLeft: claims.left,
      unclaimed: claims.unclaimed,
      unit: 'arrivals/s (ours), transactions/s (floor)',
      roundRatios: one.roundRatios,
      roundRatios4: four.roundRatios,
      cpuMsPerArrival: roundCpu(one.oursCpu),
      cpuMsPerFloorTransaction: roundCpu(one.floorCpu),
      cpuMsPerArrival4: roundCpu(four.oursCpu),
      cpuMsPerFloorTransaction4: roundCpu(four.floorCpu),
      leadsPerWorker: LEADS_PER_WORKER,
      poolSizePerWorker: POOL_SIZE,
      snapshotBytes,
      claimTimers: CLAIM_TIMERS,
      claimWorkers: CLAIM_WORKERS,
      scheduledTimersPerSec: claims.scheduledPerSec,
      ...profileSummary,
      seconds,
      passed: problems.length === 0,
    });
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
    console.error(error);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch((error: unknown) => {
      console.error(`could not drop schema ${schema}: ${error}`);
    });
    await pool.end();
  }
  if (problems.length > 0) {
    console.error(`postgres: FAILED — ${problems.join('; ')}`);
    process.exit(1);
  }
}

function checkOutcomes(tenant: string, result: IngestResult, expected: number, problems: string[]): void {
  const { accepted = 0, merged = 0, quarantined = 0, failed = 0 } = result.outcomes;
  if (accepted + merged + quarantined !== expected || failed > 0)
    problems.push(
      `${tenant}: outcomes ${JSON.stringify(result.outcomes)} ≠ ${expected} (${result.errors.join('; ')})`,
    );
}

/** Every accepted lead stored, and timer rows written, for each tenant of a run; the totals. */
async function checkStored(
  pool: pg.Pool,
  s: string,
  tenants: string[],
  results: IngestResult[],
  problems: string[],
): Promise<{ leads: number; timers: number }> {
  const { rows } = await pool.query<{ tenant: string; leads: string; timers: string }>(
    `SELECT t.tenant,
       (SELECT count(*) FROM ${s}.entity e WHERE e.tenant = t.tenant AND e.kind = 'lead') AS leads,
       (SELECT count(*) FROM ${s}.timer m WHERE m.tenant = t.tenant) AS timers
     FROM unnest($1::text[]) AS t(tenant)`,
    [tenants],
  );
  for (const row of rows) {
    const accepted = results[tenants.indexOf(row.tenant)]!.outcomes.accepted ?? 0;
    if (Number(row.leads) !== accepted)
      problems.push(`${row.tenant}: ${row.leads} leads stored, ${accepted} accepted`);
    if (Number(row.timers) === 0) problems.push(`${row.tenant}: no timer rows written`);
  }
  const total = (field: 'leads' | 'timers') => rows.reduce((n, row) => n + Number(row[field]), 0);
  return { leads: total('leads'), timers: total('timers') };
}

/** CPU milliseconds per operation over a run's workers (server: null when not readable). */
function cpuPer(results: readonly { cpu: Cpu }[], operations: number): Cpu {
  const client = results.reduce((n, r) => n + r.cpu.client, 0);
  const servers = results.map((r) => r.cpu.server);
  const server = servers.every((x) => x !== null) ? servers.reduce((n: number, x) => n + x!, 0) : null;
  return {
    client: (client * 1000) / operations,
    server: server === null ? null : (server * 1000) / operations,
  };
}

const describeCpu = (cpu: Cpu, per: string) =>
  `CPU per ${per}: client ${cpu.client.toFixed(3)} ms, server ${cpu.server === null ? 'n/a' : `${cpu.server.toFixed(3)} ms`}`;

/** The mean of some CPU figures (server: null if any is). */
function meanCpu(cpus: readonly Cpu[]): Cpu {
  const client = cpus.reduce((n, c) => n + c.client, 0) / cpus.length;
  const server = cpus.every((c) => c.server !== null)
    ? cpus.reduce((n, c) => n + c.server!, 0) / cpus.length
    : null;
  return { client, server };
}

const roundCpu = (cpu: Cpu): Cpu => ({
  client: Number(cpu.client.toPrecision(3)),
  server: cpu.server === null ? null : Number(cpu.server.toPrecision(3)),
});

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function claimBenchmark(pool: pg.Pool, schema: string, problems: string[]) {
  const s = quoteSchema(schema);
  const tenant = 'claims';
  const storage = postgresStorage({ pool, schema, tenant, migrate: 'manual' });
  const dueAt = Date.parse('2026-03-03T09:15:00+08:00');
  const now = dueAt + 1;
  const keys = new Set<string>();
  const scheduleStarted = process.hrtime.bigint();
  for (let from = 0; from < CLAIM_TIMERS; from += SCHEDULE_BATCH) {
    const schedule: TimerRecord[] = [];
    for (let i = from; i < Math.min(CLAIM_TIMERS, from + SCHEDULE_BATCH); i++) {
      const entityId = `lead-${String(i).padStart(7, '0')}`;
      schedule.push({
        entityId,
        timerKey: 'sla.assign',
        generation: 1,
        dueAt,
        payload: { policy: 'assign' },
      });
      keys.add(`${entityId}/sla.assign/1`);
    }
    const commit: CommitInput = { at: dueAt - 3_600_000, timers: { schedule } };
    await storage.commit(commit);
  }
  const scheduleSeconds = Number(process.hrtime.bigint() - scheduleStarted) / 1e9;
  const scheduledPerSec = CLAIM_TIMERS / scheduleSeconds;
  const run = await runWorkers<ClaimResult>(
    Array.from({ length: CLAIM_WORKERS }, (_, k) => ({
      role: 'claims' as const,
      schema,
      tenant,
      workerId: `worker-${k}`,
      now,
    })),
  );
  const seen = new Set<string>();
  let duplicates = 0;
  let claimedTotal = 0;
  for (const result of run.results) {
    for (const key of result.claimed) {
      claimedTotal++;
      if (seen.has(key)) duplicates++;
      else seen.add(key);
    }
  }
  const unclaimed = [...keys].filter((key) => !seen.has(key)).length;
  const strangers = [...seen].filter((key) => !keys.has(key)).length;
  const left = Number(
    (await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${s}.timer WHERE tenant = $1`, [tenant]))
      .rows[0]!.n,
  );
  const claimsPerSec = claimedTotal / run.seconds;
  console.log(
    `claims: ${CLAIM_TIMERS} timers due at one instant scheduled in ${scheduleSeconds.toFixed(2)} s (${scheduledPerSec.toFixed(0)}/s, ` +
      `commits of ${SCHEDULE_BATCH}); ${CLAIM_WORKERS} workers claiming ${CLAIM_LIMIT} at a time and completing each batch in a commit: ` +
      `${claimsPerSec.toFixed(0)} claims/s (${run.seconds.toFixed(2)} s; batches per worker ${run.results.map((r) => r.batches).join(', ')}; ` +
      `claimed per worker ${run.results.map((r) => r.claimed.length).join(', ')}); ${duplicates} claimed twice, ${unclaimed} never claimed, ${left} left`,
  );
  if (duplicates > 0) problems.push(`claims: ${duplicates} timers claimed twice`);
  if (unclaimed > 0) problems.push(`claims: ${unclaimed} timers never claimed`);
  if (strangers > 0) problems.push(`claims: ${strangers} claimed keys that were never scheduled`);
  if (left > 0) problems.push(`claims: ${left} timer rows left`);
  return { claimsPerSec, duplicates, unclaimed, left, scheduledPerSec };
}

/** Where one arrival's time goes, from the profiled ingest; the floor timed the same way. */
function printProfile(profiled: IngestResult, floor: FloorResult, leads: number) {
  const statements = Object.entries(profiled.statements ?? {});
  const methods = Object.entries(profiled.methods ?? {});
  const wallMs = profiled.seconds * 1000;
  const sum = (entries: [string, Stat][], field: 'count' | 'ms') =>
    entries.reduce((n, [, s]) => n + s[field], 0);
  const commits = profiled.statements?.['tx BEGIN']?.count ?? 0;
  const inTx = statements.filter(([key]) => key.startsWith('tx '));
  const outside = statements.filter(([key]) => !key.startsWith('tx '));
  const storageMs = sum(methods, 'ms');
  const statementMs = sum(statements, 'ms');
  const fmt = (n: number, digits = 2) => n.toFixed(digits);
  console.log(
    `profile (1 worker, ${leads} arrivals, every statement timed): ${fmt(wallMs / leads, 3)} ms per arrival = ` +
      `engine code ${fmt((wallMs - storageMs) / leads, 3)} + storage calls ${fmt(storageMs / leads, 3)} ` +
      `(of which statement round trips ${fmt(statementMs / leads, 3)}, adapter code ${fmt((storageMs - statementMs) / leads, 3)})`,
  );
  console.log(
    `  ${fmt(sum(statements, 'count') / leads)} statements per arrival: ${commits} commits of ${fmt(sum(inTx, 'count') / commits, 1)} ` +
      `round trips each (${fmt(sum(inTx, 'ms') / commits, 3)} ms per commit), ${fmt(sum(outside, 'count') / leads)} reads outside ` +
      `(${fmt(sum(outside, 'ms') / leads, 3)} ms per arrival)`,
  );
  console.log(
    `  storage calls per arrival: ${methods
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([key, st]) => `${key} ${fmt(st.count / leads)}× ${fmt(st.ms / st.count, 3)} ms`)
      .join(', ')}`,
  );
  console.log('  statements (count per arrival, mean ms, share of the arrival):');
  for (const [key, st] of statements.sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(
      `    ${key.padEnd(26)} ${fmt(st.count / leads).padStart(5)}  ${fmt(st.ms / st.count, 3).padStart(6)} ms  ${fmt((st.ms / wallMs) * 100, 1).padStart(5)}%`,
    );
  }
  const floorStatements = Object.entries(floor.statements ?? {}).filter(([key]) => key.startsWith('tx '));
  console.log(
    `  the floor's transaction, timed the same way: ${fmt((floor.seconds * 1000) / leads, 3)} ms each = ${floorStatements
      .map(([key, st]) => `${key.slice(3)} ${fmt(st.ms / st.count, 3)}`)
      .join(' + ')} ms (+ pool and driver)`,
  );
  const replay = profiled.replay;
  if (replay) {
    const labels: Record<ReplayMode, string> = {
      asSent: 'as the adapter sends them (unnamed, one round trip per statement)',
      pipelined: "pipelined (pg 'pipeline: true')",
      prepared: 'named statements (parsed and planned once per connection)',
      preparedPipelined: 'named + pipelined',
      oneRoundTrip: 'one multi-statement simple query (literals inlined)',
    };
    console.log(
      `  the ${replay.commits} captured commits (${fmt(replay.statements / replay.commits, 1)} statements each) replayed on fresh tenants, per commit:`,
    );
    for (const mode of REPLAY_MODES) {
      const { ms, clientCpuMs, serverCpuMs } = replay.perCommit[mode];
      console.log(
        `    ${labels[mode].padEnd(68)} ${fmt(ms, 3)} ms wall, CPU client ${fmt(clientCpuMs, 3)} ms, server ${serverCpuMs === null ? 'n/a' : `${fmt(serverCpuMs, 3)} ms`}`,
      );
    }
  }
  return {
    profileMsPerArrival: wallMs / leads,
    profileEngineMsPerArrival: (wallMs - storageMs) / leads,
    profileStatementsPerArrival: sum(statements, 'count') / leads,
    profileRoundTripsPerCommit: sum(inTx, 'count') / commits,
    profileCommitMs: sum(inTx, 'ms') / commits,
    profileReadsPerArrival: sum(outside, 'count') / leads,
    floorTransactionMs: (floor.seconds * 1000) / leads,
    replayPerCommit: replay
      ? Object.fromEntries(
          REPLAY_MODES.map((mode) => {
            const { ms, clientCpuMs, serverCpuMs } = replay.perCommit[mode];
            const r = (x: number | null) => (x === null ? null : Number(x.toPrecision(3)));
            return [mode, { ms: r(ms), clientCpuMs: r(clientCpuMs), serverCpuMs: r(serverCpuMs) }];
          }),
        )
      : null,
  };
}

// ---- entry: a worker when forked with --worker, else the parent ----
const workerIndex = process.argv.indexOf('--worker');
if (workerIndex >= 0) {
  const config = JSON.parse(process.argv[workerIndex + 1]!) as WorkerConfig;
  try {
    const result =
      config.role === 'ingest'
        ? await ingestWorker(config)
        : config.role === 'floor'
          ? await floorWorker(config)
          : await claimWorker(config);
    process.send!({ type: 'done', result }, () => process.disconnect());
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.send!({ type: 'error', error: message }, () => process.exit(1));
  }
} else {
  await main();
}
