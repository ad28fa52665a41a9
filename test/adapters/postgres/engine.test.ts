/**
 * The whole engine on PostgreSQL: a seeded replay through `postgresStorage` gives the
 * byte-identical report and timeline of the same replay in memory (leads, assignments, timers
 * fired, escalations, notifications), and what the database holds afterwards agrees with it.
 */
import { describe, expect, it } from 'vitest';
import { postgresStorage } from '../../../src/adapters/storage/postgres.js';
import { replayMemoryStorage } from '../../../src/adapters/storage/replay-memory.js';
import { zhikongPreset } from '../../../src/rules/presets/zhikong.js';
import { runSimulation } from '../../../src/simulate/run.js';
import { calendar, staffed } from '../../simulate/helpers.js';
import { testDatabase } from './helpers.js';

const db = testDatabase({ max: 4 });

describe('the engine on postgresStorage', () => {
  it('replays two seeded days exactly as in memory; the database holds every lead, event and timer', async () => {
    const options = {
      ruleSet: zhikongPreset.ruleSet,
      team: staffed,
      calendar,
      days: 2,
      leadsPerMonth: 3_000,
      seed: 15,
    };
    const memory = replayMemoryStorage();
    const inMemory = await runSimulation({ ...options, storage: memory });
    const storage = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'zhikong' });
    const onPostgres = await runSimulation({ ...options, storage });
    expect(JSON.stringify(onPostgres.report)).toBe(JSON.stringify(inMemory.report));
    expect(JSON.stringify(onPostgres.timeline)).toBe(JSON.stringify(inMemory.timeline));
    expect(inMemory.report.counts.received).toBeGreaterThan(100);

    const strip = (xs: { id: string; version: number; snapshot: unknown }[]) =>
      xs.map(({ id, version, snapshot }) => ({ id, version, snapshot }));
    expect(strip(await storage.list('lead'))).toEqual(strip(await memory.list('lead')));
    expect(await storage.readEvents()).toEqual(await memory.readEvents());
    expect(await storage.listTimers()).toEqual(await memory.listTimers());
    expect(await storage.listOutbox()).toEqual(await memory.listOutbox());
    expect(await storage.listQuarantine()).toEqual(await memory.listQuarantine());
    // The KPI projection: the same records, folded by the database's cursor instead of in the commit.
    const byKey = (a: { kind: string; id: string }, b: { kind: string; id: string }) =>
      `${a.kind}/${a.id}` < `${b.kind}/${b.id}` ? -1 : 1;
    const records = (await storage.readKpi()).sort(byKey);
    expect(records).toEqual((await memory.readKpi!()).sort(byKey));
    expect(records.length).toBeGreaterThan(inMemory.report.counts.received);
  }, 180_000);
});

describe('engine.ingestMany on postgresStorage', () => {
  it('batches written as one commit each store exactly what they store in memory', async () => {
    const { createEngine } = await import('../../../src/engine/engine.js');
    const { createVirtualClock } = await import('../../../src/scheduler/clock.js');
    const { generateLeadStream } = await import('../../../src/simulate/generate.js');
    const start = Date.parse('2026-03-02T09:00:00+08:00');
    const stream = generateLeadStream({ seed: 33, start, days: 2, leadsPerMonth: 6_000, calendar }).slice(
      0,
      120,
    );
    const ingestAll = async (storage: import('../../../src/adapters/storage/port.js').StorageAdapter) => {
      const clock = createVirtualClock(start);
      const engine = createEngine({
        ...zhikongPreset,
        calendar,
        clock,
        storage,
        notifier: 'dropAll',
        trace: false,
      });
      const results = [];
      for (let i = 0; i < stream.length; i += 20) {
        const batch = stream.slice(i, i + 20);
        clock.advanceTo(Math.max(clock.now(), batch.at(-1)!.at));
        results.push(
          ...(await engine.ingestMany(
            batch.map((a, j) => ({ payload: a.payload, idempotencyKey: `k${i + j}` })),
          )),
        );
      }
      await engine.stop();
      return results;
    };
    const memory = replayMemoryStorage();
    const storage = postgresStorage({ pool: db.pool, schema: db.schema(), tenant: 'batch' });
    expect(await ingestAll(storage)).toEqual(await ingestAll(memory));
    const strip = (xs: { id: string; version: number; snapshot: unknown }[]) =>
      xs.map(({ id, version, snapshot }) => ({ id, version, snapshot }));
    expect(strip(await storage.list('lead'))).toEqual(strip(await memory.list('lead')));
    expect(await storage.readEvents()).toEqual(await memory.readEvents());
    expect(await storage.listTimers()).toEqual(await memory.listTimers());
    expect(await storage.listQuarantine()).toEqual(await memory.listQuarantine());
    expect(await storage.lookupMany('lead', [{ key: 'phone', value: '0' }])).toEqual([[]]);
  }, 120_000);
});
