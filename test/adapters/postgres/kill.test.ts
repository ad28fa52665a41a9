/**
 * The kill test of issue 15: 4 worker processes serve 200 tenants through a replayed month of
 * the seeded stream, one of them SIGKILLed every few simulated days and replaced by a new one.
 * A single worker process replays the same stream into a second schema. Afterwards every
 * tenant's leads (ids, states, snapshots), events, timers, quarantine and KPIs are equal in
 * the two; every outbox message was delivered exactly once (the idempotent notifier counts the
 * repeats it absorbed); nothing is left pending.
 *
 * Time is virtual and kept in the database (sim_clock), moved by this test one step at a time:
 * arrivals of a step are appended, then the clock moves, then the test waits until every
 * arrival is ingested and every timer due by then has fired — in both schemas.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStorage } from '../../../src/adapters/storage/postgres.js';
import { appendToInbox, registerTenant, wakeChannel } from '../../../src/adapters/storage/postgres-inbox.js';
import { migratePostgres } from '../../../src/adapters/storage/postgres-schema.js';
import { createEngine } from '../../../src/engine/engine.js';
import { zhikongPreset } from '../../../src/rules/presets/zhikong.js';
import { createVirtualClock } from '../../../src/scheduler/clock.js';
import { generateLeadStream } from '../../../src/simulate/generate.js';
import { calendar, DAY, HOUR, shanghai } from '../../engine/helpers.js';
import { DATABASE_URL, testDatabase } from './helpers.js';

const db = testDatabase({ max: 8 });
const TENANTS = Number(process.env.LEADFLOW_KILL_TENANTS ?? 200);
const SHARDS = 16;
const WORKERS = 4;
const LEASE_MS = 1_500;
const START = shanghai('2026-03-02T00:00:00');
const DAYS = Number(process.env.LEADFLOW_KILL_DAYS ?? 30);
const STEP = 3 * HOUR;
/** A kill every this many steps (8 steps = a simulated day). */
const KILL_EVERY = 20;
const workerSource = fileURLToPath(new URL('./fixtures/kill-worker.ts', import.meta.url));
// Bundled once, so each of the ~17 workers this test starts loads one file instead of
// transpiling the source again (under node_modules/, where its imports of pg resolve).
const workerScript = fileURLToPath(
  new URL('../../../node_modules/.cache/leadflow-kill-test/kill-worker.mjs', import.meta.url),
);
beforeAll(async () => {
  mkdirSync(dirname(workerScript), { recursive: true });
  await build({
    entryPoints: [workerSource],
    outfile: workerScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
});

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
});

function spawnWorker(schema: string, id: string): Promise<ChildProcess> {
  const child = fork(workerScript, [], {
    execArgv: [],
    env: {
      ...process.env,
      LEADFLOW_SCHEMA: schema,
      LEADFLOW_TEST_DATABASE_URL: DATABASE_URL,
      LEADFLOW_SHARDS: String(SHARDS),
      LEADFLOW_WORKER_ID: id,
      LEADFLOW_LEASE_MS: String(LEASE_MS),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${id} exited with ${code} before it was ready`)));
  });
}

async function prepare(schema: string): Promise<void> {
  await migratePostgres(db.pool, { schema });
  await db.pool.query(`CREATE TABLE "${schema}".sim_clock (now double precision NOT NULL)`);
  await db.pool.query(`INSERT INTO "${schema}".sim_clock VALUES ($1)`, [START]);
  await db.pool.query(
    `CREATE TABLE "${schema}".delivered (tenant text, key text, repeats integer NOT NULL, PRIMARY KEY (tenant, key))`,
  );
  for (let k = 0; k < TENANTS; k++)
    await registerTenant(db.pool, tenantOf(k), { schema, shards: SHARDS, at: START });
}

const tenantOf = (k: number) => `tenant-${String(k).padStart(3, '0')}`;

/** Every arrival is ingested and every timer due by `t` has fired (or been rescheduled). */
async function quiescent(schema: string, t: number): Promise<boolean> {
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*) FROM "${schema}".inbox WHERE processed_at IS NULL)::int
          + (SELECT count(*) FROM "${schema}".timer WHERE due_at <= $1)::int AS left`,
    [t],
  );
  return rows[0].left === 0;
}

/** What is left and who holds it, for the message of a run that does not settle. */
async function stuck(schema: string, t: number): Promise<string> {
  const query = async (sql: string, values: unknown[] = []) =>
    JSON.stringify((await db.pool.query(sql, values)).rows);
  const [inbox, timers, leases, workers] = await Promise.all([
    query(
      `SELECT n.shard, i.tenant, count(*)::int AS n FROM "${schema}".inbox i JOIN "${schema}".tenant n USING (tenant)
       WHERE i.processed_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 20`,
    ),
    query(
      `SELECT n.shard, t.tenant, t.due_at, t.eligible_at, t.lease_until, t.worker_id FROM "${schema}".timer t
       JOIN "${schema}".tenant n USING (tenant) WHERE t.due_at <= $1 ORDER BY t.due_at LIMIT 20`,
      [t],
    ),
    query(
      `SELECT shard, owner, fence::text, lease_until - (extract(epoch FROM clock_timestamp()) * 1000) AS left_ms
       FROM "${schema}".shard_lease ORDER BY shard`,
    ),
    query(
      `SELECT id, alive_until - (extract(epoch FROM clock_timestamp()) * 1000) AS left_ms FROM "${schema}".worker`,
    ),
  ]);
  return `inbox ${inbox}; timers ${timers}; leases ${leases}; workers ${workers}`;
}

async function settle(schemas: readonly string[], t: number, what: string): Promise<void> {
  const deadline = Date.now() + 60_000; // a stuck run fails here instead of hanging the suite
  for (const schema of schemas) {
    while (!(await quiescent(schema, t))) {
      if (Date.now() > deadline)
        throw new Error(
          `${schema} did not settle at ${new Date(t).toISOString()} (${what}): ${await stuck(schema, t)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function moveClock(schema: string, t: number): Promise<void> {
  await db.pool.query(`UPDATE "${schema}".sim_clock SET now = $1`, [t]);
  await db.pool.query('SELECT pg_notify($1, $2)', [wakeChannel(schema), 'clock']);
}

describe('workers killed at random', () => {
  it(
    'leave every tenant exactly as one worker would: no lead, timer or notification lost or doubled',
    async () => {
      const killed = db.schema();
      const reference = db.schema();
      await prepare(killed);
      await prepare(reference);

      const arrivals = Array.from({ length: TENANTS }, (_, k) =>
        generateLeadStream({ seed: 1_000 + k, start: START, days: DAYS, leadsPerMonth: 10, calendar }).map(
          (a) => ({
            tenant: tenantOf(k),
            ...a,
          }),
        ),
      )
        .flat()
        .sort((a, b) => a.at - b.at || a.tenant.localeCompare(b.tenant));
      expect(arrivals.length).toBeGreaterThan(TENANTS * DAYS * 0.2);

      const live: ChildProcess[] = [];
      let next = 0;
      for (let i = 0; i < WORKERS; i++) live.push(await spawnWorker(killed, `w${next++}`));
      const single = await spawnWorker(reference, 'reference');
      let random = 7;
      const pick = (n: number) => {
        random = (random * 1_103_515_245 + 12_345) % 2 ** 31;
        return random % n;
      };

      let kills = 0;
      let cursor = 0;
      let step = 0;
      for (let t = START + STEP; t <= START + DAYS * DAY; t += STEP, step++) {
        for (; cursor < arrivals.length && arrivals[cursor]!.at <= t; cursor++) {
          const { tenant, payload, at } = arrivals[cursor]!;
          for (const schema of [killed, reference]) {
            await appendToInbox(db.pool, { tenant, payload, receivedAt: at }, { schema, shards: SHARDS });
          }
        }
        await moveClock(killed, t);
        await moveClock(reference, t);
        if (step % KILL_EVERY === KILL_EVERY - 1) {
          // Mid-step, while they work: SIGKILL one, start another.
          const victim = live.splice(pick(live.length), 1)[0]!;
          victim.kill('SIGKILL');
          kills++;
          live.push(await spawnWorker(killed, `w${next++}`));
        }
        await settle([killed, reference], t, `step ${step}`);
      }
      // Flush: time moves on until every retry and lease is behind it, and the outbox is empty.
      const end = START + (DAYS + 3) * DAY;
      await moveClock(killed, end);
      await moveClock(reference, end);
      await settle([killed, reference], end, 'the flush');
      for (const schema of [killed, reference]) {
        const deadline = Date.now() + 60_000;
        for (;;) {
          const { rows } = await db.pool.query(
            `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE status = 'pending'`,
          );
          if (rows[0].n === 0) break;
          if (Date.now() > deadline) throw new Error(`${schema}: ${rows[0].n} outbox messages still pending`);
          await moveClock(schema, end);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      for (const child of [...live, single]) child.kill('SIGTERM');
      await Promise.all(
        [...live, single].map((child) => new Promise((resolve) => child.once('exit', resolve))),
      );
      expect(kills).toBeGreaterThanOrEqual(Math.floor((DAYS * DAY) / STEP / KILL_EVERY));

      // ---- every tenant: the same as the single worker made it ----
      let leads = 0;
      let events = 0;
      const clock = createVirtualClock(end);
      for (let k = 0; k < TENANTS; k++) {
        const tenant = tenantOf(k);
        const a = postgresStorage({ pool: db.pool, schema: killed, tenant, migrate: 'manual' });
        const b = postgresStorage({ pool: db.pool, schema: reference, tenant, migrate: 'manual' });
        const entities = (s: typeof a) =>
          s.list('lead').then((xs) => xs.map(({ id, version, snapshot }) => ({ id, version, snapshot })));
        const [leadsA, leadsB] = await Promise.all([entities(a), entities(b)]);
        expect(leadsA, tenant).toEqual(leadsB);
        const [eventsA, eventsB] = await Promise.all([a.readEvents(), b.readEvents()]);
        expect(eventsA, tenant).toEqual(eventsB);
        expect(await a.listTimers(), tenant).toEqual(await b.listTimers());
        expect(await a.listQuarantine(), tenant).toEqual(await b.listQuarantine());
        const outbox = (s: typeof a) =>
          s.listOutbox().then((xs) => xs.map(({ id, status }) => ({ id, status })));
        expect(await outbox(a), tenant).toEqual(await outbox(b));
        const kpis = async (storage: typeof a) =>
          createEngine({ ...zhikongPreset, calendar, clock, storage, notifier: 'dropAll' }).metrics();
        expect(await kpis(a), tenant).toEqual(await kpis(b));
        leads += leadsA.length;
        events += eventsA.length;
      }
      expect(leads).toBeGreaterThan(TENANTS * DAYS * 0.15);
      // Delivered once each: the recorded keys are the sent messages; repeats were absorbed.
      let absorbed = 0;
      for (const schema of [killed, reference]) {
        const sent = await db.pool.query(
          `SELECT count(*)::int AS n FROM "${schema}".outbox WHERE status = 'sent'`,
        );
        const delivered = await db.pool.query(
          `SELECT count(*)::int AS n, sum(repeats)::int AS repeats FROM "${schema}".delivered`,
        );
        if (process.env.LEADFLOW_KILL_KEEP) console.log(schema, sent.rows[0].n, delivered.rows[0]);
        expect(delivered.rows[0].n).toBe(sent.rows[0].n);
        if (schema === reference) expect(delivered.rows[0].repeats).toBe(0);
        else absorbed = delivered.rows[0].repeats;
      }
      const inboxLeft = await db.pool.query(
        `SELECT count(*)::int AS n FROM "${killed}".inbox WHERE processed_at IS NULL`,
      );
      expect(inboxLeft.rows[0].n).toBe(0);
      console.log(
        `kill test: ${TENANTS} tenants, ${arrivals.length} arrivals, ${leads} leads, ${events} events, ${kills} workers killed, ${absorbed} repeated sends absorbed by the idempotent notifier`,
      );
    },
    15 * 60_000,
  );
});
