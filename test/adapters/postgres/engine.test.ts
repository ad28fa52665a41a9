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
  }, 180_000);
});
