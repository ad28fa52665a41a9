import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { EventLogRetention, StorageAdapter } from '../../src/adapters/storage/port.js';
import { replayMemoryStorage } from '../../src/adapters/storage/replay-memory.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { runSimulation } from '../../src/simulate/run.js';
import { calendar } from '../simulate/helpers.js';

const T0 = Date.parse('2026-03-02T09:00:00+08:00');
const MIN = 60_000;
const byKey = (a: { kind: string; id: string }, b: { kind: string; id: string }) =>
  `${a.kind}/${a.id}` < `${b.kind}/${b.id}` ? -1 : 1;

const adapters: [string, (eventLog: EventLogRetention) => StorageAdapter][] = [
  ['memoryStorage', (eventLog) => memoryStorage({ eventLog })],
  ['replayMemoryStorage', (eventLog) => replayMemoryStorage({ eventLog })],
];

/** One commit a minute, each with a lead's arrival and assignment (and a note, which no KPI reads). */
async function feed(storage: StorageAdapter, minutes: number, from = 0): Promise<number[]> {
  const seqs: number[] = [];
  for (let m = from; m < from + minutes; m++) {
    const at = T0 + m * MIN;
    const { eventSeqs } = await storage.commit({
      at,
      events: [
        { entityId: `l-${m}`, kind: 'lead', type: 'lead.received', at, data: { qualified: true } },
        { entityId: `l-${m}`, kind: 'lead', type: 'lead.assigned', at, data: { repId: `rep-${m % 3}` } },
        { entityId: `l-${m}`, kind: 'lead', type: 'lead.note', at },
      ],
    });
    seqs.push(...eventSeqs);
  }
  return seqs;
}

describe.each(adapters)('event log retention: %s', (_name, make) => {
  it("'none' keeps no event, counts seqs on, and leaves the KPI records whole", async () => {
    const none = make('none');
    const all = make('all');
    const seqs = await feed(none, 40);
    await feed(all, 40);
    expect(await none.readEvents()).toEqual([]);
    expect(await none.readEvents({ entityId: 'l-3' })).toEqual([]);
    expect(seqs).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect((await none.readKpi!()).sort(byKey)).toEqual((await all.readKpi!()).sort(byKey));
  });

  it('a window keeps the events of the last keepMs before the latest commit, in log order, seqs unchanged', async () => {
    const storage = make({ keepMs: 10 * MIN });
    const seqs = await feed(storage, 30);
    const kept = await storage.readEvents();
    // Commit at T0 + 29 min keeps events at T0 + 19 min and later.
    expect(kept.map((e) => e.seq)).toEqual(seqs.slice(19 * 3));
    expect(kept[0]).toMatchObject({ entityId: 'l-19', type: 'lead.received', at: T0 + 19 * MIN });
    expect((await storage.readEvents({ entityId: 'l-25' })).map((e) => e.type)).toEqual([
      'lead.received',
      'lead.assigned',
      'lead.note',
    ]);
    expect(await storage.readEvents({ entityId: 'l-5' })).toEqual([]);
    expect((await storage.readKpi!()).filter((r) => r.kind === 'lead')).toHaveLength(30);
  });

  it('stays right through the cuts that forget the dropped part (thousands of events)', async () => {
    const storage = make({ keepMs: 100 * MIN });
    const seqs = await feed(storage, 4000);
    const kept = await storage.readEvents();
    expect(kept.map((e) => e.seq)).toEqual(seqs.slice(3899 * 3));
    expect((await storage.readEvents({ afterSeq: seqs.at(-4)! })).map((e) => e.seq)).toEqual(seqs.slice(-3));
    expect((await storage.readEvents({ entityId: 'l-3950', types: ['lead.assigned'] }))[0]).toMatchObject({
      seq: seqs[3950 * 3 + 1],
      data: { repId: 'rep-2' },
    });
    expect((await storage.readKpi!()).filter((r) => r.kind === 'lead')).toHaveLength(4000);
  });

  it('refuses an option it does not know, naming it', () => {
    expect(() => make('some' as never)).toThrow(/eventLog must be 'all', 'none' or \{ keepMs/);
    expect(() => make({ keepMs: -1 })).toThrow(/eventLog/);
  });
});

describe('retention never changes a KPI', () => {
  test.prop([fc.constantFrom<EventLogRetention>('none', { keepMs: 0 }, { keepMs: 3 * 3_600_000 })], {
    numRuns: 3,
  })(
    'a replay that keeps no log, or a window of it, reports exactly what one that keeps it all reports',
    async (eventLog) => {
      const run = (storage: StorageAdapter) =>
        runSimulation({
          ruleSet: zhikongPreset.ruleSet,
          team: zhikongPreset.team,
          calendar,
          days: 8,
          leadsPerMonth: 3_000,
          seed: 23,
          storage,
        });
      const all = await run(replayMemoryStorage());
      const kept = await run(replayMemoryStorage({ eventLog }));
      expect(JSON.stringify(kept.report)).toBe(JSON.stringify(all.report));
      expect(JSON.stringify(kept.timeline)).toBe(JSON.stringify(all.timeline));
      expect(await kept.engine.metrics()).toEqual(await all.engine.metrics());
      expect((await kept.engine.storage.readEvents()).length).toBeLessThan(
        (await all.engine.storage.readEvents()).length,
      );
    },
  );
});
