import { describe, expect, it } from 'vitest';
import { STRINGS } from '../../playground/src/i18n.js';
import {
  checkParams,
  describeRuleSet,
  RunInputError,
  simulationInputs,
} from '../../playground/src/inputs.js';
import { breachRows, duration, headline, percent, targetRows } from '../../playground/src/shape.js';
import { tryCompileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { SimulationReport } from '../../src/simulate/report.js';

const targets: SimulationReport['targets'] = [
  {
    id: 'assignedWithin',
    label: 'x',
    target: 0.95,
    achieved: 0.9712,
    met: 1_203,
    missed: 36,
    pending: 0,
    passed: true,
  },
  {
    id: 'followedUpWithin',
    label: 'x',
    target: 0.9,
    achieved: 0.8,
    met: 8,
    missed: 2,
    pending: 3,
    passed: false,
  },
  {
    id: 'advancedOnTime',
    label: 'x',
    target: 0.85,
    achieved: null,
    met: 0,
    missed: 0,
    pending: 4,
    passed: false,
  },
];
const config = { assignWithinMs: 300_000, firstFollowUpWithinMs: 86_400_000 };

describe('playground report shaping', () => {
  it('targets table: ✔/✘, the target described in words with its duration, shares to one decimal', () => {
    expect(targetRows({ targets }, config, 'zh-CN')).toEqual([
      {
        id: 'assignedWithin',
        passed: true,
        state: 'met',
        mark: '✔',
        description: '线索分配时效：5 分钟内完成分配（工作时间，节假日除外）',
        target: '≥ 95.0%',
        achieved: '97.1%',
        metDecided: '1,203 / 1,239',
        pending: '0',
      },
      {
        id: 'followedUpWithin',
        passed: false,
        state: 'missed',
        mark: '✘',
        description: '销售跟进动作：24 小时内完成首次跟进',
        target: '≥ 90.0%',
        achieved: '80.0%',
        metDecided: '8 / 10',
        pending: '3',
      },
      {
        id: 'advancedOnTime',
        passed: false,
        // Nothing decided: neither ✔ nor ✘, whatever the core's flag says.
        state: 'undecided',
        mark: '—',
        description: '阶段推进：在计划的下次联系时间前推进至少一个阶段',
        target: '≥ 85.0%',
        achieved: '—',
        metDecided: '0 / 0',
        pending: '4',
      },
    ]);
    expect(targetRows({ targets }, { ...config, assignWithinMs: 600_000 }, 'en')[0]?.description).toBe(
      'Lead assignment: assigned within 10 min (business time, holidays excluded)',
    );
  });

  it('durations: whole hours as hours, else rounded minutes', () => {
    expect(duration(86_400_000, STRINGS.en)).toBe('24 h');
    expect(duration(90_000, STRINGS['zh-CN'])).toBe('2 分钟');
    expect(percent(null)).toBe('—');
    expect(percent(1)).toBe('100.0%');
  });

  it('breaches: described by the policy, most first, ties by id, zero counts left out, unknown ids kept', () => {
    const counts = {
      breachesByPolicy: { b: 3, a: 3, c: 7, zero: 0, unknown: 1 },
    } as unknown as SimulationReport['counts'];
    const policies = [
      { id: 'a', description: '策略 A' },
      { id: 'b', description: null },
      { id: 'c', description: '策略 C' },
    ];
    expect(breachRows({ counts }, policies)).toEqual([
      { policyId: 'c', description: '策略 C', count: '7' },
      { policyId: 'a', description: '策略 A', count: '3' },
      { policyId: 'b', description: 'b', count: '3' },
      { policyId: 'unknown', description: 'unknown', count: '1' },
    ]);
  });

  it('headline counts in the UI language, with thousands separators', () => {
    const counts = {
      received: 12_345,
      valid: 10_000,
      assigned: 9_999,
      followedUp: 9_000,
      converted: 321,
      escalations: 12,
      queuedAtEnd: 0,
      quarantined: 4,
    } as unknown as SimulationReport['counts'];
    const items = headline({ counts }, 'zh-CN');
    expect(items.map((i) => i.key)).toEqual([
      'received',
      'valid',
      'assigned',
      'followedUp',
      'converted',
      'escalations',
      'queuedAtEnd',
      'quarantined',
    ]);
    expect(items[0]).toEqual({ key: 'received', label: '收到线索', value: '12,345' });
    expect(headline({ counts }, 'en')[0]?.label).toBe('Leads received');
  });

  it('every UI string exists in both languages', () => {
    expect(Object.keys(STRINGS.en).sort()).toEqual(Object.keys(STRINGS['zh-CN']).sort());
  });
});

describe('playground run inputs', () => {
  it('refuses out-of-range numbers naming the field', () => {
    const ok = { preset: 'zhikong', days: 7, leadsPerMonth: 600, seed: 7 } as const;
    expect(() => checkParams(ok)).not.toThrow();
    for (const bad of [{ days: 0 }, { days: 1.5 }, { leadsPerMonth: -1 }, { seed: Number.NaN }] as const) {
      const field = Object.keys(bad)[0];
      expect(() => checkParams({ ...ok, ...bad })).toThrow(RunInputError);
      expect(() => checkParams({ ...ok, ...bad })).toThrow(new RegExp(`^${field}:`));
    }
  });

  it('a period past the shipped holiday data is refused with the year', () => {
    expect(() =>
      simulationInputs({
        params: { preset: 'zhikong', days: 366, leadsPerMonth: 600, seed: 1 },
        ruleSet: null,
        team: null,
        leads: null,
      }),
    ).toThrow(/holiday data for 2027/);
  });

  it("describes the preset's targets and SLA policies by their own descriptions", () => {
    const compiled = tryCompileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
    if (!compiled.ok) throw new Error('preset does not compile');
    const described = describeRuleSet(compiled.ruleSet);
    expect(described.targets).toEqual({ assignWithinMs: 300_000, firstFollowUpWithinMs: 86_400_000 });
    expect(described.policies.length).toBeGreaterThan(0);
    expect(described.policies.every((p) => typeof p.description === 'string' && p.description !== p.id)).toBe(
      true,
    );
  });
});
