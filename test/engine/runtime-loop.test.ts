import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/engine/runtime.js';

describe('the runtime loop', () => {
  test.prop([fc.array(fc.tuple(fc.nat({ max: 5 }), fc.integer({ min: -5, max: 30 })), { maxLength: 20 })], {
    numRuns: 15,
  })('never runs two rounds at once, however wake-ups and stop interleave', async (wakes) => {
    let active = 0;
    let overlap = false;
    let rounds = 0;
    const runtime = createRuntime({
      clock: { now: () => Date.now() },
      round: async () => {
        active++;
        if (active > 1) overlap = true;
        rounds++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        active--;
      },
    });
    runtime.start({ pollIntervalMs: 3 });
    for (const [pause, ahead] of wakes) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      runtime.wake(Date.now() + ahead);
    }
    await runtime.stop();
    expect(overlap).toBe(false);
    expect(active).toBe(0);
    expect(rounds).toBeGreaterThan(0);
  });

  it('stop resolves after the round in flight, and no round starts after it', async () => {
    let release: () => void = () => {};
    let rounds = 0;
    const runtime = createRuntime({
      clock: { now: () => Date.now() },
      round: () => {
        rounds++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    runtime.start({ pollIntervalMs: 1 });
    let stopped = false;
    const stopping = runtime.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(stopped).toBe(false); // the round is still in flight
    release();
    await stopping;
    expect(rounds).toBe(1);
    expect(runtime.running).toBe(false);
  });

  it('a wake-up sooner than the poll ends the sleep early', async () => {
    const started: number[] = [];
    const runtime = createRuntime({
      clock: { now: () => Date.now() },
      round: async () => {
        started.push(Date.now());
      },
    });
    runtime.start({ pollIntervalMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    runtime.wake(Date.now() + 10);
    const deadline = Date.now() + 5_000;
    while (started.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await runtime.stop();
    expect(started.length).toBeGreaterThanOrEqual(2); // the second round came long before the 60 s poll
  });
});
