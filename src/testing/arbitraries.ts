import fc from 'fast-check';
import { LEAD_CHANNELS, type LeadInput } from '../model/lead.js';
import type { TeamInput } from '../model/team.js';
import { hengruiPreset } from '../rules/presets/hengrui.js';
import { zhikongPreset } from '../rules/presets/zhikong.js';
import type { RuleSetInput } from '../rules/ruleset.js';

const REGIONS = ['上海', '江苏', '浙江', '广东', '山东', '安徽'] as const;
const CITIES: Record<(typeof REGIONS)[number], readonly string[]> = {
  上海: ['上海'],
  江苏: ['苏州', '无锡', '南京'],
  浙江: ['杭州', '宁波', '台州'],
  广东: ['深圳', '东莞'],
  山东: ['青岛', '济南'],
  安徽: ['合肥'],
};
const INDUSTRIES = ['汽车零部件', '机械制造', '电子制造', '新能源', '化工', '教育', '食品饮料'] as const;
const NEEDS = [
  '需要产线自动化改造方案，预计下季度采购',
  '询价',
  '想了解视觉检测设备的价格和交期',
  '',
  '急需PLC控制柜报价',
];

/**
 * A valid raw lead payload received at `receivedAt` (as a source would send it). Contact phones
 * are drawn from a small range so streams contain duplicates.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { leadArbitrary } from 'leadflow/testing';
 * fc.assert(fc.property(leadArbitrary(Date.parse('2026-03-02T02:00:00Z')), (lead) => lead.company.name.length > 0));
 * ```
 * @category Testing
 */
export function leadArbitrary(receivedAt: number): fc.Arbitrary<LeadInput> {
  return leadShapeArbitrary().map((shape) => buildLead(shape, receivedAt));
}

/** The random parts of a lead, independent of its arrival time (so streams shrink well). */
function leadShapeArbitrary() {
  return fc.record({
    region: fc.constantFrom(...REGIONS),
    cityIndex: fc.nat(2),
    inPark: fc.boolean(),
    industry: fc.constantFrom(...INDUSTRIES),
    channel: fc.constantFrom(...LEAD_CHANNELS),
    urgentTender: fc.oneof(
      { arbitrary: fc.constant(false), weight: 9 },
      { arbitrary: fc.constant(true), weight: 1 },
    ),
    budget: fc.option(fc.integer({ min: 0, max: 3_000_000 }), { nil: undefined }),
    // Mostly valid leads (an explicit need, a phone), with a realistic tail of poor ones.
    need: fc.oneof(
      { arbitrary: fc.constantFrom(NEEDS[0]!, NEEDS[2]!, NEEDS[4]!), weight: 4 },
      { arbitrary: fc.constantFrom(NEEDS[1]!, NEEDS[3]!), weight: 1 },
    ),
    phone: fc.integer({ min: 0, max: 400 }),
    hasPhone: fc.oneof(
      { arbitrary: fc.constant(true), weight: 9 },
      { arbitrary: fc.constant(false), weight: 1 },
    ),
    videoSeconds: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
    downloads: fc.nat(2),
  });
}

type LeadShape = ReturnType<typeof leadShapeArbitrary> extends fc.Arbitrary<infer T> ? T : never;

function buildLead(r: LeadShape, receivedAt: number): LeadInput {
  const cities = CITIES[r.region];
  const city = cities[r.cityIndex % cities.length]!;
  const behaviours: LeadInput['behaviours'] = [];
  for (let i = 0; i < r.downloads; i++) {
    behaviours.push({ type: 'download', at: receivedAt - (i + 1) * 60_000, asset: '白皮书' });
  }
  if (r.videoSeconds !== undefined)
    behaviours.push({ type: 'video_watch', at: receivedAt - 30_000, seconds: r.videoSeconds });
  return {
    receivedAt,
    channel: r.channel,
    company: {
      name: `${city}企业${r.phone}`,
      region: r.region,
      city,
      ...(r.inPark && city === '苏州' ? { park: '苏州工业园区' } : {}),
      industry: r.industry,
    },
    contact: r.hasPhone
      ? { name: '联系人', phone: `1380000${String(r.phone).padStart(4, '0')}` }
      : { name: '联系人' },
    ...(r.budget !== undefined ? { budget: { amount: r.budget, currency: 'CNY' } } : {}),
    need: r.need,
    behaviours,
    priority: r.urgentTender ? ('urgent' as const) : ('normal' as const),
    tags: r.urgentTender ? ['tender'] : [],
  };
}

/**
 * A stream of arrivals starting at `start`: leads in time order, gaps of up to `maxGapMs`,
 * with an optional share of malformed payloads (which must end in quarantine).
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { arrivalStreamArbitrary } from 'leadflow/testing';
 * fc.sample(arrivalStreamArbitrary({ start: Date.parse('2026-03-02T01:00:00Z'), maxLeads: 20 }), 1);
 * ```
 * @category Testing
 */
export function arrivalStreamArbitrary(options: {
  start: number;
  maxLeads?: number;
  maxGapMs?: number;
  malformed?: boolean;
}): fc.Arbitrary<{ at: number; payload: unknown }[]> {
  const maxGap = options.maxGapMs ?? 3 * 3_600_000;
  // One array of independent items mapped to payloads: fast-check can drop and simplify items
  // one by one when shrinking a failure.
  const item = fc.record({
    gap: fc.integer({ min: 0, max: maxGap }),
    shape: leadShapeArbitrary(),
    junk: fc.integer({ min: 0, max: 19 }),
  });
  return fc.array(item, { maxLength: options.maxLeads ?? 40, size: 'max' }).map((items) => {
    let at = options.start;
    return items.map(({ gap, shape, junk }) => {
      at += gap;
      const payload = options.malformed && junk === 0 ? malformedLead(at, shape.phone) : buildLead(shape, at);
      return { at, payload };
    });
  });
}

/** A payload that must be refused: wrong types, missing company, hostile keys. */
function malformedLead(at: number, variant: number): unknown {
  const variants: unknown[] = [
    { receivedAt: at, channel: 7, company: { name: 'x', region: 'y', industry: 'z' }, contact: {} },
    { receivedAt: at, channel: 'api', contact: {} },
    JSON.parse(
      `{"receivedAt": ${at}, "channel": "api", "company": {"name": "x", "region": "y", "industry": "z"}, "contact": {}, "custom": {"__proto__": {"x": 1}}}`,
    ),
    null,
    'lead',
  ];
  return variants[variant % variants.length];
}

/**
 * How a simulated rep reacts to an assigned lead: whether and when they open it and make the
 * first follow-up (ms after assignment).
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { followUpBehaviourArbitrary } from 'leadflow/testing';
 * fc.sample(followUpBehaviourArbitrary(), 3);
 * ```
 * @category Testing
 */
export function followUpBehaviourArbitrary(): fc.Arbitrary<{
  opensAfterMs: number | null;
  followsUpAfterMs: number | null;
  outcome: 'quoted' | 'needs-technical-confirmation' | 'comparing-competitors' | 'on-hold';
}> {
  return fc.record({
    opensAfterMs: fc.option(fc.integer({ min: 0, max: 2 * 3_600_000 }), { nil: null }),
    followsUpAfterMs: fc.option(fc.integer({ min: 0, max: 48 * 3_600_000 }), { nil: null }),
    outcome: fc.constantFrom('quoted', 'needs-technical-confirmation', 'comparing-competitors', 'on-hold'),
  });
}

/**
 * A valid team: the preset's reps with random daily capacities, leave and activity.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { teamArbitrary } from 'leadflow/testing';
 * fc.sample(teamArbitrary('zhikong'), 1);
 * ```
 * @category Testing
 */
export function teamArbitrary(preset: 'zhikong' | 'hengrui'): fc.Arbitrary<TeamInput> {
  const base = preset === 'zhikong' ? zhikongPreset.team : hengruiPreset.team;
  return fc
    .array(
      fc.record({ capacity: fc.integer({ min: 0, max: 6 }), active: fc.boolean(), onLeave: fc.boolean() }),
      { minLength: base.reps.length, maxLength: base.reps.length },
    )
    .map((variations) => ({
      ...base,
      reps: base.reps.map((rep, index) => {
        const variation = variations[index]!;
        return {
          ...rep,
          dailyCapacity: variation.capacity,
          active: variation.active || index === 0,
          leave: variation.onLeave ? [{ from: '2026-03-02', to: '2026-03-04' }] : [],
        };
      }),
    }));
}

/**
 * A valid rule set: one of the shipped presets, with random SLA targets and claim timeouts.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { compileRuleSet } from 'leadflow';
 * import { ruleSetArbitrary } from 'leadflow/testing';
 * fc.assert(fc.property(ruleSetArbitrary(), ({ ruleSet, preset }) => !!compileRuleSet(ruleSet)));
 * ```
 * @category Testing
 */
export function ruleSetArbitrary(): fc.Arbitrary<{ preset: 'zhikong' | 'hengrui'; ruleSet: RuleSetInput }> {
  return fc
    .record({
      preset: fc.constantFrom('zhikong' as const, 'hengrui' as const),
      unassignedMinutes: fc.integer({ min: 1, max: 60 }),
      unopenedMinutes: fc.integer({ min: 5, max: 120 }),
    })
    .map(({ preset, unassignedMinutes, unopenedMinutes }) => {
      const base = (preset === 'zhikong' ? zhikongPreset : hengruiPreset).ruleSet;
      const policies = (base.sla?.policies ?? []).map((policy) =>
        policy.id === 'unassigned-15m'
          ? { ...policy, target: `${unassignedMinutes}m` }
          : policy.id === 'unopened-30m'
            ? { ...policy, target: `${unopenedMinutes}m` }
            : policy,
      );
      return { preset, ruleSet: { ...base, sla: { policies } } };
    });
}
