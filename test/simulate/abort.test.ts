import { describe, expect, it } from 'vitest';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { runSimulation } from '../../src/simulate/run.js';
import { calendar, staffed } from './helpers.js';

/** A small staffed zhikong run; each test adds its length and signal. */
const run = {
  ruleSet: zhikongPreset.ruleSet,
  team: staffed,
  calendar,
  seed: 7,
  start: Date.parse('2026-03-02T00:00:00+08:00'),
};

describe('runSimulation: cancel', () => {
  it('stops at the next step once its signal fires, with ABORTED naming the day', async () => {
    const controller = new AbortController();
    const days: number[] = [];
    const cancelled = runSimulation({
      ...run,
      days: 20,
      leadsPerMonth: 1_000,
      signal: controller.signal,
      onProgress: (day) => {
        days.push(day);
        if (day === 2) controller.abort();
      },
    });
    await expect(cancelled).rejects.toMatchObject({
      code: 'ABORTED',
      message: expect.stringMatching(/day 3 of 20/),
    });
    expect(Math.max(...days)).toBeLessThan(4);
  });

  it('a cancel from another task (a timer, a worker message) lands mid-run, not after it', async () => {
    const controller = new AbortController();
    let lastDay = 0;
    const cancelled = runSimulation({
      ...run,
      days: 60,
      leadsPerMonth: 1_000,
      signal: controller.signal,
      onProgress: (day) => {
        lastDay = day;
        // Not from inside the run: as a worker's message handler would, on a later turn.
        if (day === 1) setTimeout(() => controller.abort(), 0);
      },
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'ABORTED' });
    expect(lastDay).toBeLessThan(60);
  });

  it('an aborted signal before the start runs nothing', async () => {
    const cancelled = runSimulation({ ...run, days: 5, signal: AbortSignal.abort() });
    await expect(cancelled).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
