import { describe, expect, it } from 'vitest';
import { FIRST_FOLLOW_UP_24H, UNASSIGNED_15M } from '../../src/rules/presets/shared.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { runSimulation } from '../../src/simulate/run.js';
import { calendar } from './helpers.js';

/** Rep, rule, policy, outcome, channel and extension names that are Object.prototype members. */
const ruleSet: RuleSetInput = {
  ...zhikongPreset.ruleSet,
  id: 'prototype-ids',
  pools: [],
  assignment: {
    rules: [{ id: 'constructor', strategy: { type: 'roundRobin', repIds: ['toString', 'valueOf'] } }],
  },
  sla: {
    policies: [
      {
        ...UNASSIGNED_15M,
        id: 'toString',
        onBreach: [
          { type: 'escalate', to: 'supervisor' },
          { type: 'notify', channel: '__proto__', to: 'supervisor', template: 'unassigned-escalation' },
        ],
      },
      { ...FIRST_FOLLOW_UP_24H, id: 'valueOf' },
    ],
  },
  followUp: {
    outcomes: [
      { id: 'toString', label: '已报价', nextContactIn: '3d' },
      { id: 'constructor', label: '搁置', nextContactIn: '7d', moveTo: 'nurturing' },
    ],
  },
};
const team = {
  reps: [
    { id: 'toString', name: '销售 T', dailyCapacity: 3 },
    { id: 'valueOf', name: '销售 V', dailyCapacity: 3 },
  ],
  supervisors: [{ id: 'hasOwnProperty', name: '主管' }],
};
const t = Date.parse('2026-03-03T10:00:00+08:00');
const leads = Array.from({ length: 6 }, (_, i) => ({
  receivedAt: t + i * 60_000,
  channel: 'website_form',
  company: { name: `测试${i}`, region: '浙江', industry: '化工' },
  contact: { phone: `1380000000${i}` },
  need: '需要一套产线自动化改造方案',
}));

describe('runSimulation with ids named like Object.prototype members', () => {
  it('round-robins within capacity and reports per-id counts without losing `__proto__`', async () => {
    const { report } = await runSimulation({
      ruleSet,
      team,
      calendar,
      leads,
      leave: false,
      extensions: [
        {
          name: '__proto__',
          setup(ctx) {
            ctx.engine.on('lead.assigned', (event) =>
              ctx.count(event.repId === 'toString' ? '__proto__' : 'constructor'),
            );
          },
        },
      ],
    });
    expect(report.counts.received).toBe(6);
    // 3 + 3 by round robin on the day they arrive.
    const perRep = report.metrics.leads.perRep;
    expect(Object.entries(perRep).map(([id, rep]) => [id, rep.assigned])).toEqual([
      ['toString', 3],
      ['valueOf', 3],
    ]);
    expect(Object.keys(report.counts.breachesByPolicy)).toEqual(['toString', 'valueOf']);
    expect(Object.keys(report.counts.escalationsByPolicy)).toEqual(['toString', 'valueOf']);
    expect(report.extensions && Object.hasOwn(report.extensions, '__proto__')).toBe(true);
    expect(JSON.stringify(report.extensions)).toBe('{"__proto__":{"__proto__":3,"constructor":3}}');
    // Follow-ups drew the `toString` / `constructor` outcomes (their weights read as own entries).
    expect(report.counts.followedUp).toBeGreaterThan(0);
    expect(report.actions.refused.followUp).toBe(0);
  });
});
