import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/adapters/storage/memory.js';
import { computeLeadMetrics } from '../../src/metrics/lead-metrics.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { runSimulation } from '../../src/simulate/run.js';
import { calendar, DAY } from '../simulate/helpers.js';

const START = Date.parse('2026-03-02T00:00:00+08:00');

describe('engine.metrics() reads the KPI projection', () => {
  it('gives what the full-log fold gives, for the whole run, a day and an unaligned window', async () => {
    const { engine } = await runSimulation({
      ruleSet: zhikongPreset.ruleSet,
      team: zhikongPreset.team,
      calendar,
      start: START,
      days: 12,
      leadsPerMonth: 3_000,
      seed: 5,
      storage: memoryStorage(),
    });
    const events = await engine.storage.readEvents();
    const asOf = (await engine.metrics()).window.asOf;
    const targets = engine.ruleSet.source.targets;
    for (const window of [
      { from: 0, to: asOf + 1 },
      { from: START + 3 * DAY, to: START + 4 * DAY },
      { from: START + 2.5 * DAY + 17, to: START + 9 * DAY - 3 },
    ]) {
      const report = await engine.metrics(window);
      expect(report).toEqual(computeMetrics(events, { ...window, asOf, calendar, targets }));
      expect(await engine.leadMetrics(window)).toEqual(
        computeLeadMetrics(events, { ...window, asOf, calendar, targets }),
      );
    }
    const whole = await engine.metrics();
    // The run did reach the parts the projection follows.
    expect(whole.funnel.opportunities).toBeGreaterThan(0);
    expect(Object.keys(whole.departmentTasks).length).toBeGreaterThan(0);
    expect(whole.leads.received).toBeGreaterThan(500);
  });
});
