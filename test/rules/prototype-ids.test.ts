import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import { computeLeadMetrics } from '../../src/metrics/lead-metrics.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { parseCustomer } from '../../src/model/customer.js';
import { type Lead, parseLead } from '../../src/model/lead.js';
import { ID_PATTERN } from '../../src/model/primitives.js';
import { parseTeam, type Team, TeamError } from '../../src/model/team.js';
import { type CompiledRuleSet, compileRuleSet, RuleSetError } from '../../src/rules/compile.js';
import { evaluateCustomerRules } from '../../src/rules/customer-rules.js';
import {
  type AssignmentDecision,
  type AssignmentState,
  assignmentsToday,
  decideLead,
  emptyAssignmentState,
  recordAssignment,
} from '../../src/rules/decide.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

/*
 * Ids equal to Object.prototype members are ids like any other: a plain object keyed by ids
 * would read `counts['toString']` as a function (capacity never reached, round robin stuck).
 */

/** Object.prototype members the id patterns accept (they start with a letter). */
const PROTO_IDS = [
  'toString',
  'constructor',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
] as const;

const MONDAY_10AM = Date.parse('2026-03-02T10:00:00+08:00');
const DAY = '2026-03-02';
const TUESDAY = '2026-03-03';
const context = { now: MONDAY_10AM, day: DAY };

function lead(i: number, channel = 'website_form'): Lead {
  const parsed = parseLead({
    receivedAt: MONDAY_10AM + i * 60_000,
    channel,
    company: { name: `苏州精工${i}`, region: '江苏', city: '苏州', industry: '机械制造' },
    contact: { name: '刘经理', phone: `1380000${String(i).padStart(4, '0')}` },
    need: '需要一套产线自动化改造方案',
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.lead;
}

function team(reps: readonly { id: string; dailyCapacity: number }[]): Team {
  // One similar win each (the leads' industry), so bestMatch ties on score and goes by load.
  const win = { date: '2026-02-20', industry: '机械制造', region: '浙江', amount: 100_000 };
  return parseTeam({
    reps: reps.map((rep) => ({ ...rep, name: `销售 ${rep.id}`, recentWins: [win] })),
    supervisors: [{ id: 'sup', name: '主管' }],
  });
}

function ruleSet(rules: NonNullable<RuleSetInput['assignment']>['rules']): RuleSetInput {
  return { id: 'prototype-ids', version: '1', assignment: { rules } };
}

/** The engine stores the state as JSON: every decision here starts from a round-tripped copy. */
const throughJson = (state: AssignmentState): AssignmentState => JSON.parse(JSON.stringify(state));

/** Decide `leads` in order (broadcasts claimed by the first rep offered), state through JSON. */
function decideAll(
  compiled: CompiledRuleSet,
  t: Team,
  leads: readonly Lead[],
  days: readonly string[] = leads.map(() => DAY),
): { decisions: AssignmentDecision[]; state: AssignmentState } {
  let state = emptyAssignmentState(days[0] ?? DAY);
  const decisions: AssignmentDecision[] = [];
  leads.forEach((l, i) => {
    const day = days[i]!;
    const result = decideLead(compiled, l, t, throughJson(state), {
      now: l.receivedAt,
      day,
      trace: i % 2 === 0,
    });
    decisions.push(result.decision);
    state = result.state;
    if (result.decision.kind === 'offer') state = recordAssignment(state, result.decision.repIds[0]!, day);
  });
  return { decisions, state };
}

const ownerOf = (decision: AssignmentDecision) =>
  decision.kind === 'assign' ? decision.repId : decision.kind;

describe('validation of ids named like Object.prototype members', () => {
  it('accepts toString, constructor, hasOwnProperty, valueOf… as rep and rule ids; refuses __proto__', () => {
    for (const id of PROTO_IDS) expect(ID_PATTERN.test(id), id).toBe(true);
    // The id patterns start with a letter or digit: `__proto__`, `__defineGetter__`… never get in.
    for (const id of ['__proto__', '__defineGetter__', '__lookupSetter__'])
      expect(ID_PATTERN.test(id), id).toBe(false);

    const protoTeam = team(PROTO_IDS.map((id) => ({ id, dailyCapacity: 8 })));
    expect(protoTeam.reps.map((rep) => rep.id)).toEqual([...PROTO_IDS]);
    expect(() => team([{ id: '__proto__', dailyCapacity: 8 }])).toThrow(TeamError);

    const rules = PROTO_IDS.map((id) => ({
      id,
      when: { fact: 'channel', operator: 'equal', value: id },
      strategy: { type: 'owner' as const, repId: id },
    }));
    expect(compileRuleSet(ruleSet(rules), { team: protoTeam }).assignment.rules.map((r) => r.id)).toEqual([
      ...PROTO_IDS,
    ]);
    expect(() =>
      compileRuleSet(ruleSet([{ id: '__proto__', strategy: { type: 'owner', repId: 'toString' } }]), {
        team: protoTeam,
      }),
    ).toThrow(RuleSetError);
  });
});

describe('assignment with rep and rule ids named like Object.prototype members', () => {
  it('holds daily capacity: the 9th lead of the day overflows when capacity is 8', () => {
    const t = team([
      { id: 'toString', dailyCapacity: 8 },
      { id: 'constructor', dailyCapacity: 8 },
    ]);
    const compiled = compileRuleSet(
      ruleSet([{ id: 'valueOf', strategy: { type: 'owner', repId: 'toString' }, onNoCandidate: 'fallback' }]),
      { team: t },
    );
    const leads = Array.from({ length: 9 }, (_, i) => lead(i));
    const { decisions, state } = decideAll(compiled, t, leads);
    expect(decisions.slice(0, 8).map(ownerOf)).toEqual(Array(8).fill('toString'));
    expect(decisions[8]).toMatchObject({ kind: 'queue', supervisorId: 'sup' });
    expect(assignmentsToday(state, 'toString', DAY)).toBe(8);
    expect(assignmentsToday(state, 'constructor', DAY)).toBe(0);
    // The persisted shape is unchanged: plain JSON records keyed by id.
    expect(throughJson(state)).toEqual({ day: DAY, assignedToday: { toString: 8 }, cursors: {} });

    // Full, the rep is explained as such, and the next day starts from zero.
    const full = decideLead(compiled, lead(9), t, throughJson(state), context);
    expect(full.explanation.assignment[0]?.candidates).toEqual([
      { repId: 'toString', eligible: false, reasons: ['capacity 8/8'] },
    ]);
    const tomorrow = decideLead(compiled, lead(9), t, throughJson(state), { ...context, day: TUESDAY });
    expect(tomorrow.decision).toMatchObject({ kind: 'assign', repId: 'toString' });
    expect(tomorrow.state.assignedToday).toEqual({ toString: 1 });
  });

  it('overflows owner → next candidate once the first is full (capacity 8)', () => {
    const t = team([
      { id: 'hasOwnProperty', dailyCapacity: 8 },
      { id: 'constructor', dailyCapacity: 8 },
    ]);
    const compiled = compileRuleSet(
      ruleSet([
        { id: 'toString', strategy: { type: 'owner', repId: 'hasOwnProperty', overflowTo: ['constructor'] } },
      ]),
      { team: t },
    );
    const { decisions, state } = decideAll(
      compiled,
      t,
      Array.from({ length: 17 }, (_, i) => lead(i)),
    );
    expect(decisions.map(ownerOf)).toEqual([
      ...Array(8).fill('hasOwnProperty'),
      ...Array(8).fill('constructor'),
      'queue',
    ]);
    expect(state.assignedToday).toEqual({ hasOwnProperty: 8, constructor: 8 });
  });

  it('rotates round robin evenly, with a rule id that is an Object.prototype member', () => {
    const reps = ['toString', 'valueOf', 'constructor'];
    const t = team(reps.map((id) => ({ id, dailyCapacity: 8 })));
    const compiled = compileRuleSet(
      ruleSet([
        { id: 'constructor', strategy: { type: 'roundRobin', repIds: reps }, onNoCandidate: 'fallback' },
      ]),
      { team: t },
    );
    const { decisions, state } = decideAll(
      compiled,
      t,
      Array.from({ length: 25 }, (_, i) => lead(i)),
    );
    expect(decisions.slice(0, 24).map(ownerOf)).toEqual(Array(8).fill(reps).flat());
    expect(decisions[24]).toMatchObject({ kind: 'queue' });
    expect(state.assignedToday).toEqual({ toString: 8, valueOf: 8, constructor: 8 });
    expect(state.cursors).toEqual({ constructor: 0 });
  });

  it('round-robins over a pool named like a prototype member and skips a full rep', () => {
    const reps = ['isPrototypeOf', 'toLocaleString'];
    const t = team([
      { id: 'isPrototypeOf', dailyCapacity: 1 },
      { id: 'toLocaleString', dailyCapacity: 8 },
    ]);
    const compiled = compileRuleSet(
      {
        ...ruleSet([{ id: 'propertyIsEnumerable', strategy: { type: 'roundRobin', pool: 'valueOf' } }]),
        pools: [{ id: 'valueOf', repIds: reps }],
      },
      { team: t },
    );
    const { decisions } = decideAll(
      compiled,
      t,
      Array.from({ length: 4 }, (_, i) => lead(i)),
    );
    expect(decisions.map(ownerOf)).toEqual([
      'isPrototypeOf',
      'toLocaleString',
      'toLocaleString',
      'toLocaleString',
    ]);
  });

  it('leastLoaded and bestMatch see a prototype-named rep with no entry as load 0', () => {
    const t = team([
      { id: 'toString', dailyCapacity: 8 },
      { id: 'constructor', dailyCapacity: 8 },
    ]);
    // `constructor` has no entry yet: its load is 0, not Object.prototype.constructor.
    const loaded: AssignmentState = throughJson({ day: DAY, assignedToday: { toString: 1 }, cursors: {} });
    for (const type of ['leastLoaded', 'bestMatch'] as const) {
      const rules = ruleSet([{ id: 'valueOf', strategy: { type, repIds: ['toString', 'constructor'] } }]);
      const result = decideLead(compileRuleSet(rules, { team: t }), lead(0), t, loaded, context);
      expect(result.decision, type).toMatchObject({ kind: 'assign', repId: 'constructor' });
      expect(result.state.assignedToday).toEqual({ toString: 1, constructor: 1 });
    }
  });

  it('broadcasts to prototype-named reps, counts claims, and stops offering to a full rep', () => {
    const t = team([
      { id: 'toString', dailyCapacity: 8 },
      { id: 'hasOwnProperty', dailyCapacity: 8 },
    ]);
    const compiled = compileRuleSet(
      ruleSet([
        {
          id: 'hasOwnProperty',
          strategy: { type: 'broadcast', repIds: ['toString', 'hasOwnProperty'], claimTimeout: '10m' },
        },
      ]),
      { team: t },
    );
    let state = emptyAssignmentState(DAY);
    for (let i = 0; i < 8; i++) {
      const result = decideLead(compiled, lead(i), t, throughJson(state), context);
      expect(result.decision).toEqual({
        kind: 'offer',
        repIds: ['toString', 'hasOwnProperty'],
        ruleId: 'hasOwnProperty',
        claimTimeoutMs: 600_000,
      });
      state = recordAssignment(throughJson(result.state), 'toString', DAY);
    }
    expect(assignmentsToday(state, 'toString', DAY)).toBe(8);
    const ninth = decideLead(compiled, lead(8), t, throughJson(state), context);
    expect(ninth.decision).toMatchObject({ kind: 'offer', repIds: ['hasOwnProperty'] });
  });

  it('recordAssignment keeps even a `__proto__` key as an own JSON entry', () => {
    // Ids refuse `__proto__`, but state read back from JSON may hold any key: nothing is lost.
    let state = throughJson({ day: DAY, assignedToday: JSON.parse('{"__proto__": 2}'), cursors: {} });
    expect(assignmentsToday(state, '__proto__', DAY)).toBe(2);
    state = recordAssignment(state, '__proto__', DAY);
    expect(Object.hasOwn(state.assignedToday, '__proto__')).toBe(true);
    expect(assignmentsToday(state, '__proto__', DAY)).toBe(3);
    expect(JSON.stringify(state)).toBe(`{"day":"${DAY}","cursors":{},"assignedToday":{"__proto__":3}}`);
    expect(assignmentsToday(state, 'toString', DAY)).toBe(0);
    expect(assignmentsToday(state, '__proto__', TUESDAY)).toBe(0);
  });
});

describe('property: prototype-named ids behave like any other ids', () => {
  const ID_POOL = [...PROTO_IDS, 'rep-a', 'rep-b', 'rep-c', 'rep-d', 'rep-e'];
  const STRATEGIES = ['owner', 'roundRobin', 'leastLoaded', 'bestMatch', 'broadcast'] as const;

  const scenario = fc
    .uniqueArray(fc.constantFrom(...ID_POOL), { minLength: 1, maxLength: 6 })
    .chain((repIds) =>
      fc.record({
        repIds: fc.constant(repIds),
        capacities: fc.array(fc.integer({ min: 0, max: 3 }), {
          minLength: repIds.length,
          maxLength: repIds.length,
        }),
        rules: fc.uniqueArray(
          fc.record({
            id: fc.constantFrom(...PROTO_IDS, 'rule-1', 'rule-2', 'rule-3'),
            type: fc.constantFrom(...STRATEGIES),
            candidates: fc.shuffledSubarray(
              repIds.map((_, i) => i),
              { minLength: 1 },
            ),
            webOnly: fc.boolean(),
          }),
          { minLength: 1, maxLength: 3, selector: (rule) => rule.id },
        ),
        lastFallsBack: fc.boolean(),
        leads: fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        dayBreak: fc.nat({ max: 30 }),
      }),
    );
  type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

  /** Run the scenario with ids passed through `rename`; decisions are reported in original ids. */
  function run(s: Scenario, rename: (id: string) => string) {
    const back = new Map(s.repIds.map((id) => [rename(id), id]));
    const t = team(s.repIds.map((id, i) => ({ id: rename(id), dailyCapacity: s.capacities[i]! })));
    const rules = s.rules.map((rule, index) => {
      const repIds = rule.candidates.map((i) => rename(s.repIds[i]!));
      const strategy =
        rule.type === 'owner'
          ? { type: 'owner' as const, repId: repIds[0]!, overflowTo: repIds.slice(1) }
          : { type: rule.type, repIds };
      const last = index === s.rules.length - 1;
      return {
        id: rename(rule.id),
        ...(rule.webOnly ? { when: { fact: 'channel', operator: 'equal', value: 'website_form' } } : {}),
        strategy,
        onNoCandidate: last && s.lastFallsBack ? ('fallback' as const) : ('nextRule' as const),
      };
    });
    const compiled = compileRuleSet(ruleSet(rules), { team: t });
    const leads = s.leads.map((web, i) => lead(i, web ? 'website_form' : 'hotline_400'));
    const days = leads.map((_, i) => (i < s.dayBreak ? DAY : TUESDAY));
    const { decisions, state } = decideAll(compiled, t, leads, days);
    const original = (id: string) => back.get(id) ?? id;
    return {
      days,
      decisions: decisions.map((d) =>
        d.kind === 'assign'
          ? { ...d, repId: original(d.repId), ruleId: s.rules.find((r) => rename(r.id) === d.ruleId)!.id }
          : d.kind === 'offer'
            ? {
                ...d,
                repIds: d.repIds.map(original),
                ruleId: s.rules.find((r) => rename(r.id) === d.ruleId)!.id,
              }
            : d,
      ),
      counts: Object.entries(state.assignedToday).map(([id, n]) => [original(id), n] as const),
    };
  }

  test.prop([scenario])(
    'assignments never exceed daily capacity, and the outcome equals the run with safe ids',
    (s) => {
      const result = run(s, (id) => id);
      // Capacity: count the assignments (rule or claimed offer) per rep and day.
      const perRepDay = new Map<string, number>();
      result.decisions.forEach((d, i) => {
        const repId = d.kind === 'assign' ? d.repId : d.kind === 'offer' ? d.repIds[0] : undefined;
        if (repId === undefined) return;
        const key = `${repId}@${result.days[i]}`;
        perRepDay.set(key, (perRepDay.get(key) ?? 0) + 1);
      });
      for (const [key, n] of perRepDay) {
        const capacity = s.capacities[s.repIds.indexOf(key.slice(0, key.indexOf('@')))]!;
        expect(n, key).toBeLessThanOrEqual(capacity);
      }
      // Differential: the same team and rules with every id renamed to a safe one.
      const safe = run(s, (id) => `safe-${id}`);
      expect(result.decisions).toEqual(safe.decisions);
      expect(result.counts).toEqual(safe.counts);
    },
  );
});

describe('metrics with prototype-named rep and policy ids', () => {
  const at = (local: string) => Date.parse(`${local}+08:00`);
  let seq = 0;
  const event = (
    kind: StoredEvent['kind'],
    entityId: string,
    type: string,
    when: number,
    data: unknown = {},
  ): StoredEvent => ({ seq: ++seq, entityId, kind, type, at: when, data: data as StoredEvent['data'] });
  const calendar = chinaCalendar({ years: [2026] });
  const options = {
    from: at('2026-03-02T00:00:00'),
    to: at('2026-03-03T00:00:00'),
    asOf: at('2026-03-05T17:00:00'),
    calendar,
    targets: {
      assignedWithinShare: 0.95,
      assignWithin: 5 * 60_000,
      followedUpWithinShare: 0.9,
      firstFollowUpWithin: 86_400_000,
      advancedOnTimeShare: 0.85,
    },
  };
  const log: StoredEvent[] = [];
  // toString: 3 leads, 2 followed up in time; constructor: 1 lead, opened only.
  for (const [i, repId, followed] of [
    [1, 'toString', true],
    [2, 'toString', true],
    [3, 'toString', false],
    [4, 'constructor', false],
  ] as const) {
    const received = at(`2026-03-02T10:0${i}:00`);
    log.push(
      event(
        'lead',
        `l${i}`,
        'lead.received',
        received,
        JSON.parse(`{"qualified":true,"complete":{"__proto__":${i % 2 === 1},"phone":true}}`),
      ),
      event('lead', `l${i}`, 'lead.assigned', received + 60_000, { repId }),
      event('lead', `l${i}`, 'lead.opened', received + 120_000, { repId }),
    );
    if (followed) log.push(event('lead', `l${i}`, 'lead.followedUp', received + 3_600_000, { repId }));
  }
  log.push(
    event('lead', 'l1', 'sla.breached', at('2026-03-02T11:00:00'), { policyId: 'toString' }),
    event('lead', 'l2', 'sla.breached', at('2026-03-02T11:00:00'), { policyId: 'toString' }),
    event('lead', 'l3', 'sla.breached', at('2026-03-02T11:00:00'), { policyId: '__proto__' }),
    event('task', 't1', 'task.created', at('2026-03-02T11:00:00'), { department: 'toString', dueAt: null }),
    event('task', 't1', 'task.completed', at('2026-03-02T12:00:00')),
  );

  it('computeLeadMetrics counts per rep and per policy, `__proto__` included', () => {
    const report = computeLeadMetrics(log, options);
    expect(report.perRep).toEqual({
      toString: { assigned: 3, opened: 3, followedUp: 2, followedUpWithinTarget: 2, timeliness: 2 / 3 },
      constructor: { assigned: 1, opened: 1, followedUp: 0, followedUpWithinTarget: 0, timeliness: 0 },
    });
    expect(Object.keys(report.breaches)).toEqual(['toString', '__proto__']);
    expect(report.breaches.toString).toBe(2);
    expect(Object.hasOwn(report.breaches, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(report.breaches)).toBe(Object.prototype);
    expect(JSON.stringify(report.breaches)).toBe('{"toString":2,"__proto__":1}');
    expect(Object.hasOwn(report.perRep, 'valueOf')).toBe(false);
  });

  it('computeMetrics counts per rep, department and field', () => {
    const report = computeMetrics(log, options);
    // Read id-keyed records as own entries: `report.perRep.toString` would be typed as the method.
    const rep = (id: string) => (Object.hasOwn(report.perRep, id) ? report.perRep[id] : undefined);
    expect(rep('toString')?.open).toEqual({
      due: 3,
      done: 3,
      onTime: 3,
      completionRate: 1,
      timeliness: 1,
    });
    expect(rep('toString')?.firstFollowUp).toMatchObject({ due: 3, done: 2 });
    expect(rep('constructor')?.open).toMatchObject({ due: 1, done: 1 });
    expect(Object.keys(report.perRep)).toEqual(['toString', 'constructor']);
    expect(Object.entries(report.departmentTasks)).toMatchObject([
      ['toString', { created: 1, done: 1, onTimeShare: 1 }],
    ]);
    expect(JSON.stringify(report.dataCompleteness.fields)).toBe('{"__proto__":0.5,"phone":1}');
  });
});

describe('customer rules with prototype-named models and customers', () => {
  const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
  it('finds no failure interval or service history for a `toString` model or `constructor` customer', () => {
    const parsed = parseCustomer({
      id: 'constructor',
      name: '宁波海天精密',
      region: '浙江',
      industry: '机械制造',
      purchases: ['2025-09-01', '2026-01-10', '2026-05-20'].map((date) => ({
        model: 'toString',
        date,
        quantity: 1,
        amount: 80_000,
      })),
      renewals: ['2024-01-01', '2025-01-01', '2026-01-01'].map((date) => ({ date, outcome: 'declined' })),
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const effects = evaluateCustomerRules(compiled, parsed.customer, Date.parse('2026-06-01T00:00:00Z'), {
      failureIntervalHours: { 'PLC-300': 1240 },
      failureIntervalDays: { 'PLC-300': 540 },
      serviceHistory: {},
    });
    const warranty = effects.find((e) => e.kind === 'extended-warranty');
    expect(warranty?.details).toEqual({ lastModel: 'toString', consecutivePurchasesOfLastModel: 3 });
    const intervention = effects.find((e) => e.kind === 'service-intervention');
    expect(intervention?.details).toEqual({ consecutiveDeclinedRenewals: 3 });
  });
});
