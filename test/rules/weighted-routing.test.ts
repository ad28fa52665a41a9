/**
 * Issue #18, weighted routing: "Weights on round robin, capacity weighted by lead grade (an A
 * lead counts more), and matching on the skills reps already carry."
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type Lead, parseLead } from '../../src/model/lead.js';
import type { RepInput } from '../../src/model/rep.js';
import { parseTeam, type Team } from '../../src/model/team.js';
import { compileRuleSet, tryCompileRuleSet } from '../../src/rules/compile.js';
import {
  type AssignmentState,
  assignmentsToday,
  decideLead,
  emptyAssignmentState,
  loadToday,
  recordAssignment,
  weightedRotation,
} from '../../src/rules/decide.js';
import { decideLeadWithReference } from '../../src/rules/decide-reference.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

const calendar = chinaCalendar({ years: [2026] });
const MONDAY_10AM = Date.parse('2026-03-02T10:00:00+08:00');
const DAY = '2026-03-02';
const context = { now: MONDAY_10AM, day: DAY };

/** Budget decides the grade: ≥ 1,000,000 → A, ≥ 100,000 → B, else C. */
const intentGrades = [
  { grade: 'A', when: { all: [{ fact: 'budget', operator: 'greaterThanInclusive', value: 1_000_000 }] } },
  { grade: 'B', when: { all: [{ fact: 'budget', operator: 'greaterThanInclusive', value: 100_000 }] } },
];

function ruleSet(strategy: Record<string, unknown>, assignment: Record<string, unknown> = {}) {
  return {
    id: 'weighted',
    version: '1',
    tagging: {
      intentGrades,
      rules: [
        {
          id: 'english',
          // The source marks foreign-language enquiries; a tagging rule turns that into a need.
          when: { all: [{ fact: 'sourceTags', operator: 'contains', value: 'lang/en' }] },
          tags: ['skill/english'],
        },
      ],
    },
    assignment: {
      rules: [{ id: 'pool', strategy, onNoCandidate: 'fallback' }],
      fallback: { type: 'supervisorQueue', supervisorId: 'sup' },
      ...assignment,
    },
  };
}

function team(reps: Partial<Record<string, Partial<RepInput>>>, ids = ['rep-a', 'rep-b', 'rep-c']): Team {
  return parseTeam({
    reps: ids.map((id) => ({ id, name: id, dailyCapacity: 1_000, ...reps[id] })),
    supervisors: [{ id: 'sup', name: '主管' }],
  });
}

function lead(budget?: number, tags: string[] = []): Lead {
  const parsed = parseLead({
    receivedAt: MONDAY_10AM,
    channel: 'website_form',
    company: { name: '苏州精工', region: '上海', industry: '机械制造' },
    contact: { phone: '13800000000' },
    need: '产线改造',
    tags,
    ...(budget !== undefined ? { budget: { amount: budget, currency: 'CNY' } } : {}),
  });
  if (!parsed.ok) throw new Error('invalid lead');
  return parsed.lead;
}

const A = 2_000_000;
const B = 200_000;

function owners(
  compiled: ReturnType<typeof compileRuleSet>,
  t: Team,
  leads: readonly Lead[],
  state: AssignmentState = emptyAssignmentState(DAY),
) {
  const result: string[] = [];
  let current = state;
  for (const next of leads) {
    const decided = decideLead(compiled, next, t, current, context);
    result.push(decided.decision.kind === 'assign' ? decided.decision.repId : decided.decision.kind);
    current = decided.state;
  }
  return { owners: result, state: current };
}

describe('weights on round robin', () => {
  const weighted = compileRuleSet(
    ruleSet({ type: 'roundRobin', repIds: ['rep-a', 'rep-b', 'rep-c'], weights: { 'rep-a': 2 } }),
    { calendar },
  );

  it('a rep of weight 2 gets two leads for every one of the others, spread over the round', () => {
    const { owners: got } = owners(
      weighted,
      team({}),
      Array.from({ length: 8 }, () => lead()),
    );
    expect(got).toEqual(['rep-a', 'rep-b', 'rep-c', 'rep-a', 'rep-a', 'rep-b', 'rep-c', 'rep-a']);
    expect(weightedRotation([1, 2])).toEqual([1, 0, 1]);
    expect(weightedRotation([5, 3, 2])).toEqual([0, 1, 0, 2, 0, 1, 0, 2, 1, 0]);
  });

  it('explains the weight of each free candidate', () => {
    const decided = decideLead(weighted, lead(), team({}), emptyAssignmentState(DAY), context);
    expect(decided.explanation.assignment[0]?.candidates?.map((c) => c.reasons)).toEqual([
      ['load 0/1000', 'weight 2 of 4'],
      ['load 0/1000', 'weight 1 of 4'],
      ['load 0/1000', 'weight 1 of 4'],
    ]);
  });

  it('an unavailable rep’s turns go to the next in the rotation; the heavy rep still comes back', () => {
    const { owners: got } = owners(
      weighted,
      team({ 'rep-b': { away: true } }),
      Array.from({ length: 4 }, () => lead()),
    );
    expect(got).toEqual(['rep-a', 'rep-c', 'rep-a', 'rep-a']);
  });

  it('equal weights decide exactly like the plain round robin', () => {
    const plain = compileRuleSet(ruleSet({ type: 'roundRobin', repIds: ['rep-a', 'rep-b', 'rep-c'] }));
    const equal = compileRuleSet(
      ruleSet({
        type: 'roundRobin',
        repIds: ['rep-a', 'rep-b', 'rep-c'],
        weights: { 'rep-a': 3, 'rep-b': 3, 'rep-c': 3 },
      }),
    );
    const t = team({ 'rep-c': { dailyCapacity: 2 } });
    const leads = Array.from({ length: 9 }, () => lead());
    expect(owners(equal, t, leads)).toEqual(owners(plain, t, leads));
  });

  it('refuses weights of a rep who is not a candidate, and rounds longer than 10,000', () => {
    const result = tryCompileRuleSet(
      ruleSet({ type: 'roundRobin', repIds: ['rep-a', 'rep-b'], weights: { 'rep-a': 2, 'rep-x': 3 } }),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      {
        path: 'assignment.rules[0].strategy.weights.rep-x',
        message: '"rep-x" is not a candidate of this rule',
      },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => `r${i}`);
    const long = tryCompileRuleSet(
      ruleSet({ type: 'roundRobin', repIds: many, weights: Object.fromEntries(many.map((id) => [id, 100])) }),
    );
    expect(long.ok ? [] : long.problems.map((p) => p.path)).toEqual(['assignment.rules[0].strategy.weights']);
    expect(
      tryCompileRuleSet(ruleSet({ type: 'roundRobin', repIds: ['rep-a'], weights: { 'rep-a': 0 } })).ok,
    ).toBe(false);
  });
});

describe('capacity weighted by intent grade', () => {
  const weightedCapacity = compileRuleSet(
    ruleSet({ type: 'leastLoaded', repIds: ['rep-a', 'rep-b'] }, { capacityWeights: { A: 2 } }),
    { calendar },
  );
  const eight = team({ 'rep-a': { dailyCapacity: 8 }, 'rep-b': { dailyCapacity: 8 } }, ['rep-a', 'rep-b']);

  it('an A lead uses 2 units of dailyCapacity: a rep at 7 of 8 takes a B lead, not an A one', () => {
    // rep-a: three A leads and one C lead → 4 leads, 7 units.
    let state = emptyAssignmentState(DAY);
    for (const units of [2, 2, 2, 1]) state = recordAssignment(state, 'rep-a', DAY, units);
    state = recordAssignment(state, 'rep-b', DAY, 1);
    for (let i = 0; i < 7; i++) state = recordAssignment(state, 'rep-b', DAY, 1); // rep-b 8/8
    expect([assignmentsToday(state, 'rep-a', DAY), loadToday(state, 'rep-a', DAY)]).toEqual([4, 7]);

    const a = decideLead(weightedCapacity, lead(A), eight, state, context);
    expect(a.intentGrade).toBe('A');
    expect(a.decision).toMatchObject({ kind: 'queue' });
    expect(a.explanation.assignment[0]?.candidates).toEqual([
      { repId: 'rep-a', eligible: false, reasons: ['capacity 7/8 units (4 leads), this lead 2'] },
      { repId: 'rep-b', eligible: false, reasons: ['capacity 8/8 units (8 leads), this lead 2'] },
    ]);

    const b = decideLead(weightedCapacity, lead(B), eight, state, context);
    expect(b.decision).toMatchObject({ kind: 'assign', repId: 'rep-a' });
    expect(b.explanation.assignment[0]?.candidates?.[0]?.reasons).toEqual([
      'load 7/8 units (4 leads), this lead 1',
    ]);
    expect([assignmentsToday(b.state, 'rep-a', DAY), loadToday(b.state, 'rep-a', DAY)]).toEqual([5, 8]);
  });

  it('leastLoaded compares load units: two A leads weigh more than three C leads', () => {
    let state = emptyAssignmentState(DAY);
    state = recordAssignment(recordAssignment(state, 'rep-a', DAY, 2), 'rep-a', DAY, 2);
    for (let i = 0; i < 3; i++) state = recordAssignment(state, 'rep-b', DAY, 1);
    const decided = decideLead(weightedCapacity, lead(), eight, state, context);
    expect(decided.decision).toMatchObject({ repId: 'rep-b' });
  });

  it('keeps every existing count meaning: without capacityWeights the state is as before', () => {
    const plain = compileRuleSet(ruleSet({ type: 'leastLoaded', repIds: ['rep-a', 'rep-b'] }));
    const decided = decideLead(plain, lead(A), eight, emptyAssignmentState(DAY), context);
    expect(decided.state).toEqual({ day: DAY, cursors: {}, assignedToday: { 'rep-a': 1 } });
    expect(decided.explanation.assignment[0]?.candidates?.[0]?.reasons).toEqual(['load 0/8']);
    // A 1-unit lead under capacityWeights does not split the counts either.
    const c = decideLead(weightedCapacity, lead(), eight, emptyAssignmentState(DAY), context);
    expect(c.state).toEqual({ day: DAY, cursors: {}, assignedToday: { 'rep-a': 1 } });
    // The next day starts from zero, units included.
    const tomorrow = recordAssignment(recordAssignment(c.state, 'rep-a', DAY, 2), 'rep-a', '2026-03-03');
    expect(tomorrow).toEqual({ day: '2026-03-03', cursors: {}, assignedToday: { 'rep-a': 1 } });
  });

  it('the presets keep their decisions and state shape', () => {
    const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
    expect(compiled.assignment.capacityWeights).toBeUndefined();
    const decided = decideLead(compiled, lead(A), zhikongPreset.team, emptyAssignmentState(DAY), context);
    expect(Object.keys(decided.state).sort()).toEqual(['assignedToday', 'cursors', 'day']);
  });
});

describe('matching on skills', () => {
  const skilled = team({
    'rep-a': { skills: ['technical'] },
    'rep-b': { skills: ['technical', 'english'] },
    'rep-c': {},
  });

  it('requireSkills: only reps carrying every listed skill are candidates', () => {
    const compiled = compileRuleSet(
      ruleSet({ type: 'roundRobin', repIds: ['rep-a', 'rep-b', 'rep-c'], requireSkills: ['technical'] }),
    );
    const decided = decideLead(compiled, lead(), skilled, emptyAssignmentState(DAY), context);
    expect(
      decided.explanation.assignment[0]?.candidates?.map((c) => [c.repId, c.eligible, c.reasons[0]]),
    ).toEqual([
      ['rep-a', true, 'load 0/1000'],
      ['rep-b', true, 'load 0/1000'],
      ['rep-c', false, 'lacks skill technical'],
    ]);
  });

  it("match.skills: the lead's skill/<name> tags name what it needs; a lead without one needs nothing", () => {
    const compiled = compileRuleSet(
      ruleSet({ type: 'roundRobin', repIds: ['rep-a', 'rep-b', 'rep-c'], match: { skills: true } }),
    );
    const english = decideLead(
      compiled,
      lead(undefined, ['lang/en']),
      skilled,
      emptyAssignmentState(DAY),
      context,
    );
    expect(english.tags).toContain('skill/english');
    expect(english.decision).toMatchObject({ repId: 'rep-b' });
    expect(english.explanation.assignment[0]?.candidates?.map((c) => c.reasons[0])).toEqual([
      'lacks skill english',
      'load 0/1000',
      'lacks skill english',
    ]);
    const plain = decideLead(compiled, lead(), skilled, emptyAssignmentState(DAY), context);
    expect(plain.decision).toMatchObject({ repId: 'rep-a' });
    // Nobody speaks English and technical at once but rep-b: with requireSkills too, rep-b only;
    // without rep-b the lead is queued, never given to a rep without the skill.
    const both = compileRuleSet(
      ruleSet({
        type: 'roundRobin',
        repIds: ['rep-a', 'rep-c'],
        match: { skills: true },
        requireSkills: ['technical'],
      }),
    );
    const queued = decideLead(
      both,
      lead(undefined, ['skill/english']),
      skilled,
      emptyAssignmentState(DAY),
      context,
    );
    expect(queued.decision).toMatchObject({ kind: 'queue' });
    expect(queued.explanation.assignment[0]?.candidates?.map((c) => c.reasons)).toEqual([
      ['lacks skill english'],
      ['lacks skill technical, english'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const weightsArb = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 7 });

describe('weighted routing invariants', () => {
  test.prop([weightsArb, fc.integer({ min: 1, max: 200 })])(
    'over n leads with everyone free, each rep’s share is within 1 of weight / total × n',
    (weights, n) => {
      const ids = weights.map((_, i) => `r${i}`);
      const compiled = compileRuleSet(
        ruleSet({
          type: 'roundRobin',
          repIds: ids,
          weights: Object.fromEntries(ids.map((id, i) => [id, weights[i]!])),
        }),
      );
      const t = team({}, ids);
      const total = weights.reduce((a, b) => a + b, 0);
      const counts = new Map<string, number>();
      let state = emptyAssignmentState(DAY);
      for (let k = 1; k <= n; k++) {
        const decided = decideLead(compiled, lead(), t, state, { ...context, trace: false });
        if (decided.decision.kind !== 'assign') throw new Error('everyone is free');
        counts.set(decided.decision.repId, (counts.get(decided.decision.repId) ?? 0) + 1);
        state = decided.state;
        ids.forEach((id, i) => {
          expect(Math.abs((counts.get(id) ?? 0) - (k * weights[i]!) / total)).toBeLessThan(1);
        });
      }
    },
  );

  test.prop([weightsArb])('a round holds each rep weight / gcd times, and repeats', (weights) => {
    const rotation = weightedRotation(weights);
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    const g = weights.reduce(gcd, 0);
    expect(weights.map((_, i) => rotation.filter((r) => r === i).length)).toEqual(weights.map((w) => w / g));
  });

  const streamArb = fc.record({
    capacities: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 3, maxLength: 3 }),
    away: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    weights: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
    capacityWeights: fc.record({ A: fc.integer({ min: 1, max: 4 }), B: fc.integer({ min: 1, max: 3 }) }),
    strategy: fc.constantFrom('roundRobin', 'leastLoaded', 'broadcast'),
    budgets: fc.array(fc.constantFrom(undefined, 5_000, B, A), { maxLength: 60 }),
  });

  test.prop([streamArb], { numRuns: 80 })(
    'no rep ever exceeds its weighted capacity, and an away rep is never assigned or offered',
    async (s) => {
      const ids = ['rep-a', 'rep-b', 'rep-c'];
      const compiled = compileRuleSet(
        ruleSet(
          {
            type: s.strategy,
            repIds: ids,
            ...(s.strategy === 'roundRobin'
              ? { weights: Object.fromEntries(ids.map((id, i) => [id, s.weights[i]!])) }
              : {}),
          },
          { capacityWeights: s.capacityWeights },
        ),
      );
      const t = team(
        Object.fromEntries(ids.map((id, i) => [id, { dailyCapacity: s.capacities[i]!, away: s.away[i]! }])),
      );
      const unitsOf = { A: s.capacityWeights.A, B: s.capacityWeights.B, C: 1 };
      const used = new Map<string, number>();
      let state = emptyAssignmentState(DAY);
      let reference = emptyAssignmentState(DAY);
      for (const budget of s.budgets) {
        const decided = decideLead(compiled, lead(budget), t, state, { ...context, trace: false });
        const referenced = await decideLeadWithReference(compiled, lead(budget), t, reference, context);
        expect(referenced.decision).toEqual(decided.decision);
        reference = referenced.state;
        const d = decided.decision;
        if (d.kind === 'offer') for (const id of d.repIds) expect(s.away[ids.indexOf(id)]).toBe(false);
        if (d.kind === 'assign') {
          expect(s.away[ids.indexOf(d.repId)]).toBe(false);
          used.set(d.repId, (used.get(d.repId) ?? 0) + unitsOf[decided.intentGrade]);
        }
        state = decided.state;
        ids.forEach((id, i) => {
          expect(loadToday(state, id, DAY)).toBe(used.get(id) ?? 0);
          expect(loadToday(state, id, DAY)).toBeLessThanOrEqual(s.capacities[i]!);
        });
      }
    },
  );
});
