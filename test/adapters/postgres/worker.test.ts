/**
 * Workers on a real server: the inbox ingested exactly once and in order, tenants served in
 * turn, shards shared and taken over, a lost lease fencing its late commits, and LISTEN as a
 * shortcut only (kill it and polling still fires timers).
 */
import { describe, expect, it } from 'vitest';
import { memoryNotifier } from '../../../src/adapters/notify/memory.js';
import { postgresStorage } from '../../../src/adapters/storage/postgres.js';
import { appendToInbox, registerTenant, tenantShard } from '../../../src/adapters/storage/postgres-inbox.js';
import { type PostgresWorker, startPostgresWorker } from '../../../src/adapters/storage/postgres-worker.js';
import { zhikongPreset } from '../../../src/rules/presets/zhikong.js';
import { createVirtualClock } from '../../../src/scheduler/clock.js';
import { calendar, DAY, MIN, rawLead, shanghai } from '../../engine/helpers.js';
import { testDatabase } from './helpers.js';

const db = testDatabase({ max: 10 });
const START = shanghai('2026-03-02T10:00:00');

function workerOptions(schema: string, clock = createVirtualClock(START)) {
  const notifier = memoryNotifier();
  return {
    pool: db.pool,
    schema,
    shards: 8,
    clock,
    engineFor: () => ({ ...zhikongPreset, calendar, notifier }),
    onError: (error: unknown) => {
      throw error;
    },
  };
}

const lead = (i: number, at = START) =>
  rawLead(at, { contact: { phone: `1390000${String(i).padStart(4, '0')}` } });

async function until(condition: () => Promise<boolean>, what: string, rounds = 400): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe('the inbox and a worker', () => {
  it('ingests every payload once, in order, bad ones quarantined; a repeated key is appended once', async () => {
    const schema = db.schema();
    const worker = await startPostgresWorker({ ...workerOptions(schema), run: false });
    try {
      for (let i = 0; i < 12; i++)
        await appendToInbox(
          db.pool,
          { tenant: 'acme', payload: lead(i), receivedAt: START },
          { schema, shards: 8 },
        );
      const again = await appendToInbox(
        db.pool,
        { tenant: 'acme', payload: lead(0), receivedAt: START, key: 'form-1' },
        { schema, shards: 8 },
      );
      const repeat = await appendToInbox(
        db.pool,
        { tenant: 'acme', payload: lead(0), receivedAt: START, key: 'form-1' },
        { schema, shards: 8 },
      );
      expect(repeat).toEqual({ seq: again.seq, duplicate: true });
      await appendToInbox(
        db.pool,
        { tenant: 'acme', payload: { channel: 42, note: 'nul\u0000' }, receivedAt: START },
        { schema, shards: 8 },
      );
      const round = await worker.round();
      expect(round).toMatchObject({ shards: 8, tenants: 1, ingested: 14, more: false });
      const storage = postgresStorage({ pool: db.pool, schema, tenant: 'acme' });
      const leads = await storage.list('lead');
      expect(leads.map((l) => l.id)).toEqual(
        Array.from({ length: 12 }, (_, i) => `lead-${String(i + 1).padStart(7, '0')}`),
      );
      // The 13th (phone of the first) merged into lead 1; the bad one kept with its reason.
      const results = (await db.pool.query(`SELECT result FROM "${schema}".inbox ORDER BY seq`)).rows.map(
        (r) => r.result.status,
      );
      expect(results).toEqual([...Array(12).fill('accepted'), 'merged', 'quarantined']);
      expect(await storage.listQuarantine()).toHaveLength(1);
      expect((await worker.round()).ingested).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('serves tenants in turn: a burst of one does not starve the other', async () => {
    const schema = db.schema();
    const worker = await startPostgresWorker({
      ...workerOptions(schema),
      run: false,
      batch: { inbox: 10, timers: 10 },
    });
    try {
      for (let i = 0; i < 35; i++)
        await appendToInbox(
          db.pool,
          { tenant: 'busy', payload: lead(i), receivedAt: START },
          { schema, shards: 8 },
        );
      for (let i = 0; i < 3; i++)
        await appendToInbox(
          db.pool,
          { tenant: 'quiet', payload: lead(100 + i), receivedAt: START },
          { schema, shards: 8 },
        );
      const first = await worker.round();
      expect(first).toMatchObject({ ingested: 13, more: true });
      const quiet = postgresStorage({ pool: db.pool, schema, tenant: 'quiet' });
      expect(await quiet.list('lead')).toHaveLength(3); // all of its leads, in the first round
      let rounds = 1;
      for (;;) {
        rounds++;
        if (!(await worker.round()).more) break;
      }
      expect(rounds).toBe(4); // 13, then 10, 10 and the last 5
      expect(await postgresStorage({ pool: db.pool, schema, tenant: 'busy' }).list('lead')).toHaveLength(35);
    } finally {
      await worker.stop();
    }
  });

  it('fires the timers of its tenants when the clock moves; they are durable across workers', async () => {
    const schema = db.schema();
    const clock = createVirtualClock(START);
    const first = await startPostgresWorker({ ...workerOptions(schema, clock), run: false });
    await appendToInbox(
      db.pool,
      { tenant: 'acme', payload: lead(1), receivedAt: START },
      { schema, shards: 8 },
    );
    await first.round();
    await first.stop();
    const storage = postgresStorage({ pool: db.pool, schema, tenant: 'acme' });
    const timers = await storage.listTimers();
    expect(timers.length).toBeGreaterThan(0);
    clock.advanceTo(START + 3 * DAY);
    const second = await startPostgresWorker({ ...workerOptions(schema, clock), run: false });
    try {
      expect((await second.round()).fired).toBeGreaterThan(0);
    } finally {
      await second.stop();
    }
  });
});

describe('shards and leases', () => {
  it('two workers share the shards; when one stops the other takes them all', async () => {
    const schema = db.schema();
    const a = await startPostgresWorker({ ...workerOptions(schema), run: false, workerId: 'a' });
    const b = await startPostgresWorker({ ...workerOptions(schema), run: false, workerId: 'b' });
    try {
      await a.round(); // a takes all 8 (it is alone)
      await b.round(); // b sees a live: its share is 4, none free yet
      await a.round(); // a gives back 4
      await b.round(); // b takes them
      expect([...a.shards(), ...b.shards()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(a.shards()).toHaveLength(4);
      await b.stop();
      await a.round();
      expect(a.shards()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('a worker whose lease is taken over mid-round is fenced: its late commit writes nothing', async () => {
    const schema = db.schema();
    const tenant = 'acme';
    const shard = () => tenantShard(tenant, 8);
    // The pool of a worker that pauses between reading its inbox and ingesting: meanwhile
    // another worker takes the shard (its lease ran out while this one was stopped).
    let takeOver = false;
    const pausingPool = new Proxy(db.pool, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return async (text: string, values?: unknown[]) => {
          const result = await target.query(text, values);
          if (takeOver && text.includes(`FROM "${schema}".inbox i`)) {
            takeOver = false;
            await target.query(
              `UPDATE "${schema}".shard_lease SET owner = 'new', fence = fence + 1 WHERE shard = $1`,
              [shard()],
            );
          }
          return result;
        };
      },
    });
    const errors: unknown[] = [];
    const worker = await startPostgresWorker({
      ...workerOptions(schema),
      pool: pausingPool,
      run: false,
      workerId: 'old',
      onError: (error) => errors.push(error),
    });
    try {
      await registerTenant(db.pool, tenant, { schema, shards: 8 });
      await worker.round();
      await appendToInbox(db.pool, { tenant, payload: lead(1), receivedAt: START }, { schema, shards: 8 });
      takeOver = true;
      await worker.round();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: 'STORAGE_FENCED' });
      const storage = postgresStorage({ pool: db.pool, schema, tenant });
      expect(await storage.list('lead')).toEqual([]);
      expect((await db.pool.query(`SELECT processed_at FROM "${schema}".inbox`)).rows).toEqual([
        { processed_at: null },
      ]);
      // The next round notices the lost lease and gives the shard's tenants up.
      await worker.round();
      expect(worker.shards()).not.toContain(shard());
    } finally {
      await worker.stop();
    }
  });

  it('a round that outlasts the lease renews it on the way: no other worker takes a shard mid-round', async () => {
    const schema = db.schema();
    const tenants = ['t-a', 't-b', 't-c', 't-d', 't-e', 't-f'];
    // Each tenant's first engine takes 400 ms to set up (rules loaded from a slow service), so
    // the first round takes 2.4 s or more against a 1.5 s lease.
    const slowEngines = {
      ...workerOptions(schema),
      engineFor: async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return workerOptions(schema).engineFor();
      },
    };
    const errors: unknown[] = [];
    const a = await startPostgresWorker({
      ...slowEngines,
      run: false,
      workerId: 'a',
      leaseMs: 1_500,
      pollIntervalMs: 100,
      concurrency: 1, // one tenant after another: the round is long
      onError: (error) => errors.push(error),
    });
    const b = await startPostgresWorker({
      ...workerOptions(schema),
      run: false,
      workerId: 'b',
      leaseMs: 1_500,
      pollIntervalMs: 100,
    });
    try {
      for (const [i, tenant] of tenants.entries())
        await appendToInbox(db.pool, { tenant, payload: lead(i), receivedAt: START }, { schema, shards: 8 });
      const roundOfA = a.round();
      // b looks for free shards after a's first lease would have run out.
      await new Promise((resolve) => setTimeout(resolve, 1_900));
      await b.round();
      expect(await roundOfA).toMatchObject({ shards: 8, tenants: 6, ingested: 6 });
      expect(b.shards()).toEqual([]);
      expect(errors).toEqual([]);
      for (const tenant of tenants)
        expect(await postgresStorage({ pool: db.pool, schema, tenant }).list('lead'), tenant).toHaveLength(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('serves up to `concurrency` busy tenants at once; more than the pool can lend is refused', async () => {
    const schema = db.schema();
    let inFlight = 0;
    let most = 0;
    const worker = await startPostgresWorker({
      ...workerOptions(schema),
      run: false,
      concurrency: 3,
      engineFor: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 100));
        inFlight--;
        return workerOptions(schema).engineFor();
      },
    });
    try {
      for (let i = 0; i < 7; i++)
        await appendToInbox(
          db.pool,
          { tenant: `t-${i}`, payload: lead(i), receivedAt: START },
          { schema, shards: 8 },
        );
      expect(await worker.round()).toMatchObject({ tenants: 7, ingested: 7 });
      expect(most).toBe(3);
      for (let i = 0; i < 7; i++)
        expect(await postgresStorage({ pool: db.pool, schema, tenant: `t-${i}` }).list('lead')).toHaveLength(
          1,
        );
    } finally {
      await worker.stop();
    }
    await expect(
      startPostgresWorker({ ...workerOptions(schema), run: false, concurrency: 11 }),
    ).rejects.toThrow(/concurrency \(11\) must not exceed the pool's max \(10\)/);
  });

  it('refuses a shard count other than the one the database has', async () => {
    const schema = db.schema();
    const worker = await startPostgresWorker({ ...workerOptions(schema), run: false });
    await worker.stop();
    await expect(startPostgresWorker({ ...workerOptions(schema), shards: 16, run: false })).rejects.toThrow(
      /has 8 shards, not 16/,
    );
  });
});

describe('wake-ups', () => {
  it('a commit elsewhere that schedules a timer sooner than the poll wakes the worker, which fires it on time', async () => {
    const schema = db.schema();
    // A clock that flows in real time: the worker sleeps until the timer is due, not a whole poll.
    const origin = Date.now();
    const clock = { now: () => START + (Date.now() - origin) };
    const worker = await startPostgresWorker({
      ...workerOptions(schema),
      clock,
      pollIntervalMs: 60_000,
      leaseMs: 300_000,
    });
    try {
      await registerTenant(db.pool, 'acme', { schema, shards: 8 });
      // Another process (a host calling the storage directly) schedules a timer due in 300 ms.
      const host = postgresStorage({ pool: db.pool, schema, tenant: 'acme', wake: { withinMs: 60_000 } });
      await until(async () => worker.shards().length === 8, 'the worker to take its shards');
      await host.commit({
        at: clock.now(),
        timers: {
          schedule: [{ entityId: 'lead-gone', timerKey: 'sla.x', generation: 1, dueAt: clock.now() + 300 }],
        },
      });
      // Fired (a timer of a lead that does not exist is completed as stale) long before 60 s.
      await until(async () => (await host.listTimers()).length === 0, 'the timer to fire');
    } finally {
      await worker.stop();
    }
  });

  it('NOTIFY wakes a sleeping worker; with its LISTEN connection killed, polling still fires timers', async () => {
    const schema = db.schema();
    const clock = createVirtualClock(START);
    let worker: PostgresWorker | undefined;
    try {
      worker = await startPostgresWorker({
        ...workerOptions(schema, clock),
        pollIntervalMs: 60_000,
        leaseMs: 200_000,
      });
      const storage = postgresStorage({ pool: db.pool, schema, tenant: 'acme' });
      await appendToInbox(
        db.pool,
        { tenant: 'acme', payload: lead(1), receivedAt: START },
        { schema, shards: 8 },
      );
      // Woken by the append's NOTIFY, long before its 60 s poll.
      await until(async () => (await storage.list('lead')).length === 1, 'the NOTIFY to wake the worker');
      await worker.stop();
      // Now: LISTEN killed and a short poll; the timers still fire.
      worker = await startPostgresWorker({
        ...workerOptions(schema, clock),
        pollIntervalMs: 50,
        leaseMs: 10_000,
      });
      await until(
        async () =>
          (
            await db.pool.query(
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN "leadflow_wake_${schema}"%'`,
            )
          ).rows.length > 0,
        'the LISTEN connection to kill',
      );
      const before = (await storage.readEvents()).length;
      clock.advanceTo(START + 30 * MIN);
      await until(async () => (await storage.readEvents()).length > before, 'a timer fired by polling');
    } finally {
      await worker?.stop();
    }
  });
});
