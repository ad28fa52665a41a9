/**
 * engine.ingestMany: a batch of intake written as one storage commit gives exactly what the
 * same payloads ingested one by one give — leads, events, timers, outbox, quarantine, the
 * results — and a batch whose commit fails is run again one by one, losing nothing.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { memoryNotifier } from '../../src/adapters/notify/memory.js';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import type { StorageAdapter } from '../../src/adapters/storage/port.js';
import { createEngine } from '../../src/engine/engine.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { createVirtualClock } from '../../src/scheduler/clock.js';
import { generateLeadStream } from '../../src/simulate/generate.js';
import { calendar, shanghai } from './helpers.js';

const START = shanghai('2026-03-02T09:00:00');
const stream = generateLeadStream({ seed: 21, start: START, days: 3, leadsPerMonth: 6_000, calendar });

async function everything(storage: StorageAdapter) {
  // Not the versions: they count commits, and a batch is one commit (a lead made and merged
  // into within one batch is at version 1, not 2).
  const strip = (xs: { id: string; snapshot: unknown }[]) => xs.map(({ id, snapshot }) => ({ id, snapshot }));
  return {
    leads: strip(await storage.list('lead')),
    events: (await storage.readEvents()).map(({ seq: _, ...rest }) => rest),
    timers: await storage.listTimers(),
    outbox: (await storage.listOutbox()).map(({ id, channel, to, payload }) => ({
      id,
      channel,
      to,
      payload,
    })),
    quarantine: await storage.listQuarantine(),
  };
}

/**
 * Ingest `count` arrivals in batches of the given sizes, the clock at each batch's last arrival:
 * each batch through `ingestMany`, or (the reference) its items through `ingest` one by one.
 */
async function run(
  count: number,
  sizes: readonly number[],
  mode: 'many' | 'one',
  wrap: (s: StorageAdapter) => StorageAdapter = (s) => s,
) {
  const storage = memoryStorage();
  const clock = createVirtualClock(START);
  const told: string[] = [];
  const engine = createEngine({
    ...zhikongPreset,
    calendar,
    clock,
    storage: wrap(storage),
    notifier: memoryNotifier(),
    trace: false,
  });
  engine.on('lead.assigned', (e) => told.push(e.leadId));
  const results: unknown[] = [];
  let i = 0;
  for (let b = 0; i < count; b++) {
    const size = Math.max(1, sizes[b % sizes.length]!);
    const batch = stream.slice(i, Math.min(count, i + size));
    i += batch.length;
    const at = batch.at(-1)!.at;
    if (at > clock.now()) clock.advanceTo(at);
    // Every third item carries a key; one key repeats inside a batch.
    const items = batch.map((a, j) => ({
      payload: a.payload,
      ...(j % 3 === 0 ? { idempotencyKey: `k${i}-${j % 6}` } : {}),
    }));
    if (mode === 'many') results.push(...(await engine.ingestMany(items)));
    else for (const item of items) results.push(await engine.ingest(item.payload, item));
  }
  await engine.idle();
  return { results, stored: await everything(storage), told };
}

describe('engine.ingestMany', () => {
  test.prop([fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 6 })], { numRuns: 12 })(
    'any batching gives what one-by-one gives: the same results, leads, events, timers, outbox and quarantine',
    async (sizes) => {
      const one = await run(150, sizes, 'one');
      const batched = await run(150, sizes, 'many');
      expect(batched.results).toEqual(one.results);
      expect(batched.stored).toEqual(one.stored);
      expect([...batched.told].sort()).toEqual([...one.told].sort());
    },
  );

  it('writes a batch as one commit; when that commit fails, runs it again one by one and loses nothing', async () => {
    let commits = 0;
    let failNextBig = true;
    // Every call passed through, but the batch's first big commit fails once.
    const flaky = (inner: StorageAdapter): StorageAdapter =>
      new Proxy(inner, {
        get(target, property) {
          if (property === 'commit') {
            return async (input: Parameters<StorageAdapter['commit']>[0]) => {
              commits++;
              if (failNextBig && (input.entities?.length ?? 0) > 3) {
                failNextBig = false;
                throw new Error('the database went away for a moment');
              }
              return target.commit(input);
            };
          }
          const value = Reflect.get(target, property);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const one = await run(40, [40], 'one', flaky);
    const sequentialCommits = commits;
    commits = 0;
    failNextBig = true;
    const batched = await run(40, [40], 'many', flaky);
    expect(failNextBig).toBe(false); // the batch's one commit did fail …
    expect(commits).toBe(1 + sequentialCommits); // … then each arrival was committed on its own
    expect(batched.results).toEqual(one.results);
    expect(batched.stored).toEqual(one.stored);
    expect([...batched.told].sort()).toEqual([...one.told].sort()); // told once each, not twice
    commits = 0;
    await run(40, [40], 'many', flaky);
    expect(commits).toBe(1); // and without a failure: one commit for the whole batch
  });
});
