import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type Lead, type LeadInput, parseLead } from '../../src/model/lead.js';
import { parseTeam } from '../../src/model/team.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { type AssignmentState, decideLead, emptyAssignmentState } from '../../src/rules/decide.js';
import { decideLeadWithReference } from '../../src/rules/decide-reference.js';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

const MONDAY_10AM = Date.parse('2026-03-02T10:00:00+08:00');
const DAY = '2026-03-02';

function lead(
  overrides: Partial<Omit<LeadInput, 'company'>> & { company?: Partial<LeadInput['company']> } = {},
): Lead {
  const { company, ...rest } = overrides;
  const parsed = parseLead({
    receivedAt: MONDAY_10AM,
    channel: 'website_form',
    company: { name: '苏州精工', region: '江苏', city: '苏州', industry: '机械制造', ...company },
    contact: { name: '刘经理', phone: '13800000000' },
    need: '需要一套产线自动化改造方案',
    ...rest,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.lead;
}

const zhikong = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const hengrui = compileRuleSet(hengruiPreset.ruleSet, { team: hengruiPreset.team });
const context = { now: MONDAY_10AM, day: DAY };

describe('decideLead with the zhikong preset', () => {
  const suzhouAutoParts = lead({ company: { park: '苏州工业园区', industry: '汽车零部件' } });

  it('sends Suzhou Industrial Park + auto parts to rep A, and to rep B once A has 8 today', () => {
    const first = decideLead(
      zhikong,
      suzhouAutoParts,
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(first.decision).toEqual({
      kind: 'assign',
      repId: 'rep-a',
      ruleId: 'suzhou-park-auto-parts',
      strategy: 'owner',
    });
    expect(first.state.assignedToday['rep-a']).toBe(1);

    const aIsFull: AssignmentState = { day: DAY, assignedToday: { 'rep-a': 8 }, cursors: {} };
    const overflow = decideLead(zhikong, suzhouAutoParts, zhikongPreset.team, aIsFull, context);
    expect(overflow.decision).toMatchObject({ kind: 'assign', repId: 'rep-b' });
    const rule = overflow.explanation.assignment.find((entry) => entry.ruleId === 'suzhou-park-auto-parts');
    expect(rule?.candidates).toEqual([
      { repId: 'rep-a', eligible: false, reasons: ['capacity 8/8'] },
      { repId: 'rep-b', eligible: true, reasons: ['load 0/10'] },
    ]);
    expect(rule?.conditions.map((c) => [c.fact, c.factValue, c.result])).toEqual([
      ['park', '苏州工业园区', true],
      ['industry', '汽车零部件', true],
    ]);
  });

  it("resets today's counts when the day changes", () => {
    const yesterdayFull: AssignmentState = { day: '2026-02-27', assignedToday: { 'rep-a': 8 }, cursors: {} };
    const result = decideLead(zhikong, suzhouAutoParts, zhikongPreset.team, yesterdayFull, context);
    expect(result.decision).toMatchObject({ repId: 'rep-a' });
    expect(result.state).toMatchObject({ day: DAY, assignedToday: { 'rep-a': 1 } });
  });

  it('round-robins Shanghai leads over A, B, C with the cursor as explicit state', () => {
    let state = emptyAssignmentState(DAY);
    const owners: string[] = [];
    for (let i = 0; i < 6; i++) {
      const result = decideLead(
        zhikong,
        lead({ company: { region: '上海', city: '上海' } }),
        zhikongPreset.team,
        state,
        context,
      );
      if (result.decision.kind !== 'assign') throw new Error('expected an assignment');
      owners.push(result.decision.repId);
      state = result.state;
    }
    expect(owners).toEqual(['rep-a', 'rep-b', 'rep-c', 'rep-a', 'rep-b', 'rep-c']);
    expect(state.cursors['shanghai-round-robin']).toBe(0);
  });

  it('skips a rep on leave in the round robin and says why', () => {
    const team = parseTeam({
      ...zhikongPreset.team,
      reps: zhikongPreset.team.reps.map((rep) =>
        rep.id === 'rep-b' ? { ...rep, leave: [{ from: '2026-03-02', to: '2026-03-06' }] } : rep,
      ),
    });
    const state: AssignmentState = { day: DAY, assignedToday: {}, cursors: { 'shanghai-round-robin': 1 } };
    const result = decideLead(zhikong, lead({ company: { region: '上海' } }), team, state, context);
    expect(result.decision).toMatchObject({ repId: 'rep-c' });
    const candidates = result.explanation.assignment.at(-1)?.candidates;
    expect(candidates?.find((c) => c.repId === 'rep-b')?.reasons).toEqual([
      'on leave 2026-03-02..2026-03-06',
    ]);
  });

  it('gives education leads to D only, and queues them for the supervisor when D is full', () => {
    const education = lead({ company: { industry: '教育', region: '上海' } });
    expect(
      decideLead(zhikong, education, zhikongPreset.team, emptyAssignmentState(DAY), context).decision,
    ).toMatchObject({
      repId: 'rep-d',
    });
    const dFull: AssignmentState = { day: DAY, assignedToday: { 'rep-d': 10 }, cursors: {} };
    const queued = decideLead(zhikong, education, zhikongPreset.team, dFull, context);
    // Exclusive: it must not fall through to the Shanghai round robin.
    expect(queued.decision).toEqual({
      kind: 'queue',
      supervisorId: 'sup-wang',
      reason: 'every matching rule was out of eligible candidates',
    });
  });

  it('offers urgent tenders to every available rep (first to claim wins)', () => {
    const tender = lead({ priority: 'urgent', tags: ['tender'] });
    const result = decideLead(
      zhikong,
      tender,
      zhikongPreset.team,
      { day: DAY, assignedToday: { 'rep-c': 10 }, cursors: {} },
      context,
    );
    expect(result.tags).toContain('urgent-tender');
    expect(result.decision).toEqual({
      kind: 'offer',
      repIds: ['rep-a', 'rep-b', 'rep-d', 'rep-e', 'rep-f'],
      ruleId: 'urgent-tender',
      claimTimeoutMs: 600_000,
    });
    // After the claim window expires the engine re-decides without that rule.
    const fallthrough = decideLead(zhikong, tender, zhikongPreset.team, emptyAssignmentState(DAY), {
      ...context,
      skipRules: new Set(['urgent-tender']),
    });
    expect(fallthrough.decision.kind).toBe('assign');
  });

  it('tags Douyin live-stream leads price-sensitive and grades intent', () => {
    const result = decideLead(
      zhikong,
      lead({
        channel: 'douyin_live',
        budget: { amount: 80_000, currency: 'CNY' },
        need: '想了解视觉检测设备价格，越快越好',
      }),
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(result.tags).toEqual(
      expect.arrayContaining([
        'channel/douyin_live',
        'budget/under-100k',
        'high-intent/price-sensitive',
        'intent/A',
      ]),
    );
    expect(result.intentGrade).toBe('A');
  });

  it('tags a whitepaper download with a long video watch as technical / long decision chain', () => {
    const result = decideLead(
      zhikong,
      lead({
        channel: 'whitepaper_download',
        behaviours: [
          { type: 'download', at: MONDAY_10AM - 60_000, asset: '工业传感器白皮书' },
          { type: 'video_watch', at: MONDAY_10AM - 30_000, seconds: 300 },
        ],
      }),
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(result.tags).toContain('technical/long-decision-chain');
    expect(result.intentGrade).toBe('B');
  });

  it('sends leads that fail the valid-lead contract to incubation with the failed parts named', () => {
    const noContact = parseLead({
      receivedAt: MONDAY_10AM,
      channel: 'api',
      company: { name: 'X', region: '江苏', industry: '化工' },
      contact: { name: '匿名' },
    });
    if (!noContact.ok) throw new Error('fixture');
    const result = decideLead(
      zhikong,
      noContact.lead,
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(result.qualified).toBe(false);
    expect(result.decision).toEqual({
      kind: 'nurture',
      untilMs: MONDAY_10AM + 60 * 86_400_000,
      reason: 'not a valid lead: credibleSource, completeInfo, explicitNeed failed',
    });
  });

  it('prefers the rep with similar recent wins (bestMatch) and explains the scores', () => {
    const result = decideLead(
      zhikong,
      lead({ company: { region: '浙江', industry: '化工' } }),
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(result.decision).toMatchObject({ repId: 'rep-e', ruleId: 'similar-wins' });
    const candidates = result.explanation.assignment.at(-1)?.candidates ?? [];
    expect(candidates.find((c) => c.repId === 'rep-e')?.score).toBe(3);
    expect(candidates.find((c) => c.repId === 'rep-a')?.score).toBe(0);
  });

  it('bestMatch names the wins that scored: which deal, when, on what it matched', () => {
    const result = decideLead(
      zhikong,
      lead({ company: { region: '浙江', industry: '化工' } }),
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    const rule = result.explanation.assignment.at(-1)!;
    const chosen = rule.candidates!.find((c) => c.repId === 'rep-e')!;
    const wins = zhikongPreset.team.reps.find((r) => r.id === 'rep-e')!.recentWins;
    const expected = wins
      .filter((w) => w.date >= '2025-12-02' && (w.industry === '化工' || w.region === '浙江'))
      .map((w) => ({
        date: w.date,
        points: (w.industry === '化工' ? 2 : 0) + (w.region === '浙江' ? 1 : 0),
      }))
      .sort((a, b) => (a.date < b.date ? 1 : -1));
    expect(chosen.scoredWins!.map((w) => ({ date: w.date, points: w.points }))).toEqual(expected);
    expect(chosen.scoredWins!.reduce((sum, w) => sum + w.points, 0)).toBe(chosen.score);
    for (const win of chosen.scoredWins!) expect(chosen.reasons.at(-1)).toContain(win.date);
    const none = rule.candidates!.find((c) => c.repId === 'rep-a')!;
    expect(none.scoredWins).toEqual([]);
    expect(none.reasons.at(-1)).toBe('score 0: no win in 化工 or 浙江 since 2025-12-02');
  });

  it('bestMatch with nobody similar does not claim a match: the lead falls through to the next rule', async () => {
    const result = decideLead(
      zhikong,
      lead({ company: { region: '新疆', industry: '纺织' } }),
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(result.decision).toMatchObject({
      kind: 'assign',
      ruleId: 'no-similar-win',
      strategy: 'leastLoaded',
    });
    const rule = result.explanation.assignment.find((r) => r.ruleId === 'similar-wins')!;
    expect(rule.outcome).toBe('best similar-win score 0 is below the minimum 1');
    expect(rule.candidates!.every((c) => c.score === 0)).toBe(true);
    // The reference evaluator decides the same.
    const reference = await decideLeadWithReference(
      zhikong,
      lead({ company: { region: '新疆', industry: '纺织' } }),
      zhikongPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(reference.decision).toEqual(result.decision);
  });

  it('bestMatch minScore: a rep below it is not chosen, the next rule takes the lead', () => {
    const rules = structuredClone(zhikongPreset.ruleSet) as {
      assignment: { rules: Record<string, unknown>[] };
    };
    const similar = rules.assignment.rules.find((r) => r.id === 'similar-wins')!;
    similar.strategy = { ...(similar.strategy as object), minScore: 4 };
    const compiled = compileRuleSet(rules, { team: zhikongPreset.team });
    const input = lead({ company: { region: '浙江', industry: '化工' } }); // rep-e scores 3
    const result = decideLead(compiled, input, zhikongPreset.team, emptyAssignmentState(DAY), context);
    expect(result.decision).toMatchObject({ kind: 'assign', ruleId: 'no-similar-win' });
    expect(result.explanation.assignment.find((r) => r.ruleId === 'similar-wins')?.outcome).toBe(
      'best similar-win score 3 is below the minimum 4',
    );
  });
});

describe('decideLead with the hengrui preset', () => {
  it('splits by region and industry, skipping reps that do not cover the region', () => {
    const result = decideLead(
      hengrui,
      lead({ company: { region: '浙江', industry: '汽车零部件' } }),
      hengruiPreset.team,
      emptyAssignmentState(DAY),
      context,
    );
    expect(result.decision).toMatchObject({ repId: 'hr-zhao', ruleId: 'east-similar-wins' });
    const qian = result.explanation.assignment[0]?.candidates?.find((c) => c.repId === 'hr-qian');
    expect(qian?.reasons).toEqual(['region mismatch (lead 浙江; rep covers 江苏, 上海)']);
  });

  it('queues for the supervisor when every rep is at capacity — never no decision', () => {
    const full = Object.fromEntries(hengruiPreset.team.reps.map((rep) => [rep.id, rep.dailyCapacity]));
    const result = decideLead(
      hengrui,
      lead(),
      hengruiPreset.team,
      { day: DAY, assignedToday: full, cursors: {} },
      context,
    );
    expect(result.decision).toMatchObject({ kind: 'queue', supervisorId: 'hr-sup-chen' });
  });
});

const regions = ['上海', '江苏', '浙江', '广东', '山东', '安徽'];
const industries = ['汽车零部件', '教育', '机械制造', '化工', '电子制造', '新能源'];
const leadArb = fc
  .record({
    region: fc.constantFrom(...regions),
    industry: fc.constantFrom(...industries),
    park: fc.option(fc.constant('苏州工业园区'), { nil: undefined }),
    channel: fc.constantFrom('website_form', 'douyin_live', 'hotline_400', 'whitepaper_download', 'api'),
    urgent: fc.boolean(),
    budget: fc.option(fc.integer({ min: 0, max: 3_000_000 }), { nil: undefined }),
    need: fc.option(fc.constantFrom('需要方案', '询价', '产线改造，预算已批'), { nil: undefined }),
  })
  .map((r) =>
    lead({
      channel: r.channel,
      company: { region: r.region, industry: r.industry, park: r.park },
      priority: r.urgent ? 'urgent' : 'normal',
      tags: r.urgent ? ['tender'] : [],
      budget: r.budget === undefined ? undefined : { amount: r.budget, currency: 'CNY' },
      need: r.need,
    }),
  );

describe('decideLead invariants', () => {
  test.prop([fc.array(leadArb, { maxLength: 150 }), fc.constantFrom(zhikong, hengrui)], { numRuns: 60 })(
    'every lead gets a decision, and no rep ever exceeds daily capacity over a stream',
    (leads, compiled) => {
      const team = compiled === zhikong ? zhikongPreset.team : hengruiPreset.team;
      let state = emptyAssignmentState(DAY);
      for (const next of leads) {
        const result = decideLead(compiled, next, team, state, { ...context, trace: false });
        expect(['assign', 'offer', 'queue', 'nurture']).toContain(result.decision.kind);
        const decision = result.decision;
        if (decision.kind === 'assign') {
          const rep = team.reps.find((r) => r.id === decision.repId)!;
          expect(state.assignedToday[rep.id] ?? 0).toBeLessThan(rep.dailyCapacity);
        }
        state = result.state;
      }
      for (const rep of team.reps)
        expect(state.assignedToday[rep.id] ?? 0).toBeLessThanOrEqual(rep.dailyCapacity);
    },
  );

  test.prop([fc.array(leadArb, { maxLength: 60 })], { numRuns: 40 })(
    'is deterministic, and tracing does not change the decision',
    (leads) => {
      let traced = emptyAssignmentState(DAY);
      let untraced = emptyAssignmentState(DAY);
      for (const next of leads) {
        const a = decideLead(zhikong, next, zhikongPreset.team, traced, context);
        const b = decideLead(zhikong, next, zhikongPreset.team, untraced, { ...context, trace: false });
        expect(b.decision).toEqual(a.decision);
        expect(b.tags).toEqual(a.tags);
        traced = a.state;
        untraced = b.state;
      }
      expect(untraced).toEqual(traced);
    },
  );
});

describe('decideLeadWithReference (json-rules-engine as the reference semantics)', () => {
  test.prop([fc.array(leadArb, { minLength: 1, maxLength: 25 }), fc.constantFrom(zhikong, hengrui)], {
    numRuns: 30,
  })('makes exactly the decisions the compiled closures make, over a stream', async (leads, compiled) => {
    const team = compiled === zhikong ? zhikongPreset.team : hengruiPreset.team;
    let fastState = emptyAssignmentState(DAY);
    let referenceState = emptyAssignmentState(DAY);
    for (const next of leads) {
      const fast = decideLead(compiled, next, team, fastState, context);
      const reference = await decideLeadWithReference(compiled, next, team, referenceState, context);
      expect(reference.decision).toEqual(fast.decision);
      expect(reference.tags).toEqual(fast.tags);
      expect(reference.qualified).toBe(fast.qualified);
      fastState = fast.state;
      referenceState = reference.state;
    }
  });
});
