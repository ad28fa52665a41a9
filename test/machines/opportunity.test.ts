/**
 * The opportunity machine: gates (every stage, every field), the happy path to won, rollbacks
 * with dwell history, loss reasons, timers, model-based reachability with `xstate/graph`, and
 * the compiled stepper against XState's own `transition()` on random event sequences.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createActor, initialTransition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  checkAdvance,
  checkGate,
  initialOpportunityContext,
  OPPORTUNITY_STAGES,
  OPPORTUNITY_STATES,
  OPPORTUNITY_TIMER_KEYS,
  type OpportunityContext,
  type OpportunityEvent,
  type OpportunityInput,
  type OpportunityStageId,
  opportunityMachine,
  stageDwellTimes,
} from '../../src/machines/opportunity.js';
import {
  createReferenceStepper,
  createStepper,
  type StepResult,
  stateValueToString,
} from '../../src/machines/xstate-step.js';
import {
  DEFAULT_STAGE_GATES,
  type FieldValues,
  OPPORTUNITY_STAGE_IDS,
  resolveStageGates,
  stageGatesSchema,
} from '../../src/rules/stages.js';
import { createTimerDriver, driveSteps, type EventTemplate, FIRE } from './drivers.js';

const T0 = Date.parse('2026-03-02T01:00:00Z');
const HOUR = 3_600_000;
const DAY = 86_400_000;

const INPUT: OpportunityInput = {
  opportunityId: 'opp-1',
  leadId: 'lead-1',
  customerId: 'cust-1',
  ownerId: 'rep-a',
  name: '新能源电池壳体',
  createdAt: T0,
};

/** Values that satisfy every default gate, per stage. */
const FILLED: Record<OpportunityStageId, FieldValues> = {
  leadConfirmation: { contactConfirmed: true, budgetRange: '50-100万', decisionTimeline: '2026-06-30' },
  needsDiagnosis: {
    painPointsTop3: ['交期不稳', '良率低', '轻量化'],
    decisionChainRoles: [
      { role: '技术决策人', name: '王工' },
      { role: '采购', name: '李经理' },
    ],
    competitorAlternatives: ['A厂压铸方案'],
  },
  solutionMatching: { proposedSolutionId: 'sol-7', technicalFeasibilityConfirmed: true, fitScore: 82 },
  sampleQuotation: {
    sampleAccepted: true,
    quotationAmount: 860_000,
    quotationValidUntil: Date.parse('2026-05-31T00:00:00+08:00'),
  },
  contractReview: { contractDraftId: 'HT-2026-031', legalReviewDone: true, paymentTerms: '30/60/10' },
  deliveryKickoff: {
    purchaseOrderNo: 'PO-88921',
    deliveryDate: '2026-07-15',
    kickoffMeetingAt: Date.parse('2026-06-01T09:30:00+08:00'),
  },
};
const ALL_FIELDS: FieldValues = Object.assign({}, ...Object.values(FILLED));

const stepper = createStepper(opportunityMachine, { engine: 'compiled' });
const reference = createReferenceStepper(opportunityMachine);
type Result = StepResult<OpportunityContext, OpportunityEvent>;

const drive = (events: readonly OpportunityEvent[], input: OpportunityInput = INPUT): Result[] =>
  driveSteps<OpportunityContext, OpportunityEvent, OpportunityInput>(stepper, input, events, T0);
const last = (results: Result[]) => results[results.length - 1]!;
const stateOf = (r: Result) => stateValueToString(r.snapshot.value);
const without = (values: FieldValues, key: string): FieldValues => {
  const { [key]: _dropped, ...rest } = values;
  return rest;
};

/** Advance from creation into `stage`, filling in only the gates of the stages passed. */
function reach(stage: OpportunityStageId, input: OpportunityInput = INPUT): Result {
  const index = OPPORTUNITY_STAGE_IDS.indexOf(stage);
  const events: OpportunityEvent[] = OPPORTUNITY_STAGE_IDS.slice(0, index).map((s, i) => ({
    type: 'ADVANCE',
    fields: FILLED[s],
    at: T0 + (i + 1) * DAY,
  }));
  const r = last(drive(events, input));
  expect(stateOf(r)).toBe(stage);
  return r;
}

describe('stages and gate defaults', () => {
  it('six ordered stages with Chinese labels', () => {
    expect(OPPORTUNITY_STAGES.map((s) => `${s.id}:${s.label}`)).toStrictEqual([
      'leadConfirmation:线索确认',
      'needsDiagnosis:需求诊断',
      'solutionMatching:方案匹配',
      'sampleQuotation:样件报价',
      'contractReview:合同评审',
      'deliveryKickoff:交付启动',
    ]);
    expect(OPPORTUNITY_STATES).toStrictEqual([...OPPORTUNITY_STAGE_IDS, 'won', 'lost']);
  });

  it('three required fields per stage; needs diagnosis follows the seed', () => {
    for (const id of OPPORTUNITY_STAGE_IDS) expect(DEFAULT_STAGE_GATES[id]).toHaveLength(3);
    expect(DEFAULT_STAGE_GATES.needsDiagnosis.map((f) => f.field)).toStrictEqual([
      'painPointsTop3',
      'decisionChainRoles',
      'competitorAlternatives',
    ]);
    // The defaults are themselves a valid gates section.
    expect(stageGatesSchema.parse(DEFAULT_STAGE_GATES)).toStrictEqual(
      JSON.parse(JSON.stringify(DEFAULT_STAGE_GATES)),
    );
  });

  it('the schema refuses options that do not fit the kind, duplicates and empty ranges', () => {
    const bad = stageGatesSchema.safeParse({
      needsDiagnosis: [
        { field: 'a', label: 'A', kind: 'text', minItems: 2 },
        { field: 'a', label: 'A2', kind: 'list', minItems: 3, maxItems: 2 },
        { field: 'n', label: 'N', kind: 'number', min: 5, max: 1 },
        { field: '1x', label: 'bad name', kind: 'boolean' },
      ],
      unknownStage: [],
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining([
        'needsDiagnosis.0.minItems',
        'needsDiagnosis.1.maxItems',
        'needsDiagnosis.1.field',
        'needsDiagnosis.2.max',
        'needsDiagnosis.3.field',
        '',
      ]),
    );
  });

  it('overrides replace whole stages; the rest keep the defaults', () => {
    const section = stageGatesSchema.parse({
      solutionMatching: [{ field: 'demoDone', label: '方案演示', kind: 'boolean' }],
      contractReview: [],
    });
    const gates = resolveStageGates(section);
    expect(gates.solutionMatching).toStrictEqual([{ field: 'demoDone', label: '方案演示', kind: 'boolean' }]);
    expect(gates.contractReview).toStrictEqual([]);
    expect(gates.needsDiagnosis).toBe(DEFAULT_STAGE_GATES.needsDiagnosis);
    expect(resolveStageGates()).toBe(DEFAULT_STAGE_GATES);
  });
});

describe('checkGate', () => {
  it('passes with every field filled in', () => {
    for (const id of OPPORTUNITY_STAGE_IDS) expect(checkGate(id, FILLED[id])).toStrictEqual({ ok: true });
  });

  it('lists every missing field in gate order, with label, reason and message', () => {
    expect(checkGate('needsDiagnosis', {})).toStrictEqual({
      ok: false,
      missing: [
        {
          field: 'painPointsTop3',
          label: '客户痛点TOP3',
          reason: 'missing',
          message: '客户痛点TOP3 (painPointsTop3): required',
        },
        {
          field: 'decisionChainRoles',
          label: '决策链角色图谱',
          reason: 'missing',
          message: '决策链角色图谱 (decisionChainRoles): required',
        },
        {
          field: 'competitorAlternatives',
          label: '竞品替代方案分析',
          reason: 'missing',
          message: '竞品替代方案分析 (competitorAlternatives): required',
        },
      ],
    });
  });

  it.each([
    ['needsDiagnosis', 'painPointsTop3', ['交期', '良率'], 'tooFewItems'],
    ['needsDiagnosis', 'painPointsTop3', ['a', 'b', 'c', 'd'], 'tooManyItems'],
    ['needsDiagnosis', 'painPointsTop3', ['a', ' ', 'c'], 'incompleteItem'],
    ['needsDiagnosis', 'painPointsTop3', '交期, 良率, 成本', 'wrongType'],
    ['needsDiagnosis', 'decisionChainRoles', [], 'blank'],
    ['needsDiagnosis', 'decisionChainRoles', [{ role: '采购' }], 'incompleteItem'],
    ['needsDiagnosis', 'decisionChainRoles', ['王工'], 'incompleteItem'],
    ['leadConfirmation', 'contactConfirmed', false, 'notConfirmed'],
    ['leadConfirmation', 'budgetRange', '   ', 'blank'],
    ['leadConfirmation', 'decisionTimeline', 'next spring', 'invalidDate'],
    ['leadConfirmation', 'decisionTimeline', true, 'wrongType'],
    ['solutionMatching', 'fitScore', 101, 'outOfRange'],
    ['solutionMatching', 'fitScore', '82', 'wrongType'],
    ['sampleQuotation', 'quotationAmount', -1, 'outOfRange'],
    ['deliveryKickoff', 'purchaseOrderNo', null, 'missing'],
  ] as const)('%s.%s = %j → %s', (stage, field, value, reason) => {
    const values = { ...FILLED[stage], [field]: value } as FieldValues;
    const result = checkGate(stage, values);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.missing.map((m) => [m.field, m.reason])).toStrictEqual([[field, reason]]);
    }
  });

  it('reads own properties only, tolerates junk and refuses unknown stages', () => {
    const gates = {
      ...DEFAULT_STAGE_GATES,
      leadConfirmation: [{ field: 'constructor', label: 'c', kind: 'text' }],
    };
    expect(checkGate('leadConfirmation', {}, gates as never).ok).toBe(false);
    expect(checkGate('leadConfirmation', null).ok).toBe(false);
    expect(checkGate('leadConfirmation', [1, 2]).ok).toBe(false);
    expect(() => checkGate('won' as OpportunityStageId, {})).toThrow(/unknown stage "won"/);
  });
});

describe('gates in the machine', () => {
  it.each(OPPORTUNITY_STAGE_IDS.map((s) => [s]))(
    '%s: leaving forward with any one gate field missing is rejected, snapshot unchanged',
    (stage) => {
      const here = reach(stage);
      const forward = (fields: FieldValues, at: number): OpportunityEvent =>
        stage === 'deliveryKickoff' ? { type: 'WIN', fields, at } : { type: 'ADVANCE', fields, at };
      const at = T0 + 30 * DAY;
      for (const spec of DEFAULT_STAGE_GATES[stage]) {
        const partial = without(FILLED[stage], spec.field);
        const r = stepper.step(here.snapshot, forward(partial, at), at);
        expect(r.changed).toBe(false);
        expect(r.snapshot).toStrictEqual(here.snapshot);
        expect(r.timers).toStrictEqual([]);
        expect(r.emitted).toStrictEqual([]);
        // XState agrees, and the engine gets exactly what is missing.
        expect(opportunityMachine.resolveState(here.snapshot).can(forward(partial, at))).toBe(false);
        expect(checkAdvance(here.snapshot.context, partial)).toStrictEqual({
          ok: false,
          missing: [
            {
              field: spec.field,
              label: spec.label,
              reason: 'missing',
              message: `${spec.label} (${spec.field}): required`,
            },
          ],
        });
      }
      // Nothing given at all: all three are missing, in gate order.
      const none = stepper.step(here.snapshot, forward({}, at), at);
      expect(none.changed).toBe(false);
      const check = checkAdvance(here.snapshot.context);
      expect(check.ok ? [] : check.missing.map((m) => m.field)).toStrictEqual(
        DEFAULT_STAGE_GATES[stage].map((f) => f.field),
      );
      // Everything given: accepted.
      const ok = stepper.step(here.snapshot, forward(FILLED[stage], at), at);
      expect(ok.changed).toBe(true);
      expect(checkAdvance(here.snapshot.context, FILLED[stage])).toStrictEqual({ ok: true });
    },
  );

  it('fields entered earlier with UPDATE_FIELDS count; ADVANCE merges over them', () => {
    const results = drive([
      { type: 'UPDATE_FIELDS', fields: { contactConfirmed: true, budgetRange: '10-50万' }, at: T0 + HOUR },
      { type: 'ADVANCE', at: T0 + 2 * HOUR },
      {
        type: 'ADVANCE',
        fields: { decisionTimeline: '2026-09-01', budgetRange: '50-100万' },
        at: T0 + 3 * HOUR,
      },
    ]);
    expect(results.map((r) => r.changed)).toStrictEqual([true, true, false, true]);
    expect(stateOf(last(results))).toBe('needsDiagnosis');
    expect(last(results).snapshot.context.fields).toStrictEqual({
      contactConfirmed: true,
      budgetRange: '50-100万',
      decisionTimeline: '2026-09-01',
    });
  });

  it('a gate table from the input is pinned in the context', () => {
    const input = { ...INPUT, gates: { leadConfirmation: [], needsDiagnosis: [] } };
    const r = last(
      drive(
        [
          { type: 'ADVANCE', at: T0 + 1 },
          { type: 'ADVANCE', at: T0 + 2 },
          { type: 'ADVANCE', at: T0 + 3 },
        ],
        input,
      ),
    );
    expect(stateOf(r)).toBe('solutionMatching');
    expect(r.snapshot.context.gates.solutionMatching).toBe(DEFAULT_STAGE_GATES.solutionMatching);
  });

  it('malformed fields are refused', () => {
    const first = stepper.initial(INPUT, T0);
    for (const fields of [null, 'x', [1]]) {
      expect(
        stepper.step(first.snapshot, { type: 'ADVANCE', fields, at: T0 } as unknown as OpportunityEvent, T0)
          .changed,
      ).toBe(false);
      expect(
        stepper.step(
          first.snapshot,
          { type: 'UPDATE_FIELDS', fields, at: T0 } as unknown as OpportunityEvent,
          T0,
        ).changed,
      ).toBe(false);
    }
  });
});

describe('opportunity lifecycle', () => {
  it('starts in leadConfirmation with a plain-JSON context and a creation event', () => {
    const r = stepper.initial(INPUT, T0);
    expect(r.snapshot).toStrictEqual({
      value: 'leadConfirmation',
      status: 'active',
      context: initialOpportunityContext(INPUT),
    });
    expect(JSON.parse(JSON.stringify(r.snapshot))).toStrictEqual(r.snapshot);
    expect(r.emitted).toStrictEqual([
      {
        type: 'opportunity.stageEntered',
        opportunityId: 'opp-1',
        customerId: 'cust-1',
        ownerId: 'rep-a',
        stage: 'leadConfirmation',
        from: null,
        via: 'create',
        at: T0,
      },
    ]);
    expect(r.snapshot.context.stageHistory).toStrictEqual([
      {
        stage: 'leadConfirmation',
        enteredAt: T0,
        leftAt: null,
        via: 'create',
        leftVia: null,
        plannedNextContactAt: null,
        firstPlannedNextContactAt: null,
      },
    ]);
  });

  it('tolerates a missing input', () => {
    const untyped: AnyStateMachine = opportunityMachine;
    const [snapshot] = initialTransition(untyped);
    expect(snapshot.status).toBe('active');
    expect(snapshot.context.opportunityId).toBe('');
    expect(createActor(untyped).getSnapshot().status).toBe('active');
    expect(initialOpportunityContext()).toStrictEqual(initialOpportunityContext({}));
    expect(initialOpportunityContext().stageHistory[0]!.enteredAt).toBeNull();
  });

  it('advances through all six stages to won', () => {
    const events: OpportunityEvent[] = [
      ...OPPORTUNITY_STAGE_IDS.slice(0, 5).map(
        (s, i): OpportunityEvent => ({ type: 'ADVANCE', fields: FILLED[s], at: T0 + (i + 1) * DAY }),
      ),
      { type: 'WIN', contractValue: 1_280_000, fields: FILLED.deliveryKickoff, at: T0 + 6 * DAY },
    ];
    const results = drive(events);
    expect(results.map(stateOf)).toStrictEqual([...OPPORTUNITY_STAGE_IDS, 'won']);
    const won = last(results);
    expect(won.snapshot.status).toBe('active'); // won is not final: delivery runs on
    expect(won.snapshot.context).toMatchObject({
      stage: 'deliveryKickoff',
      outcome: 'won',
      contractValue: 1_280_000,
      closedAt: T0 + 6 * DAY,
      fields: ALL_FIELDS,
    });
    const history = won.snapshot.context.stageHistory;
    expect(history.map((h) => [h.stage, h.enteredAt, h.leftAt, h.via, h.leftVia])).toStrictEqual(
      OPPORTUNITY_STAGE_IDS.map((s, i) => [
        s,
        T0 + i * DAY,
        T0 + (i + 1) * DAY,
        i === 0 ? 'create' : 'advance',
        i === 5 ? 'won' : 'advance',
      ]),
    );
    expect(stageDwellTimes(won.snapshot.context)).toStrictEqual(
      Object.fromEntries(OPPORTUNITY_STAGE_IDS.map((s) => [s, DAY])),
    );
    // One advance: left, then entered — and the stage's next-contact timer is cancelled.
    expect(results[2]!.emitted).toStrictEqual([
      {
        type: 'opportunity.stageLeft',
        opportunityId: 'opp-1',
        customerId: 'cust-1',
        ownerId: 'rep-a',
        stage: 'needsDiagnosis',
        to: 'solutionMatching',
        via: 'advance',
        enteredAt: T0 + DAY,
        dwellMs: DAY,
        at: T0 + 2 * DAY,
      },
      {
        type: 'opportunity.stageEntered',
        opportunityId: 'opp-1',
        customerId: 'cust-1',
        ownerId: 'rep-a',
        stage: 'solutionMatching',
        from: 'needsDiagnosis',
        via: 'advance',
        at: T0 + 2 * DAY,
      },
    ]);
    expect(results[2]!.timers).toStrictEqual([
      { type: 'cancel', timerKey: OPPORTUNITY_TIMER_KEYS.nextContact },
    ]);
    expect(won.emitted.map((e) => e.type)).toStrictEqual(['opportunity.stageLeft', 'opportunity.won']);
    expect(won.emitted[1]).toStrictEqual({
      type: 'opportunity.won',
      opportunityId: 'opp-1',
      customerId: 'cust-1',
      ownerId: 'rep-a',
      leadId: 'lead-1',
      stage: 'deliveryKickoff',
      contractValue: 1_280_000,
      at: T0 + 6 * DAY,
    });
  });

  it('ADVANCE is not accepted in deliveryKickoff; WIN only there, with a sane contract value', () => {
    const kickoff = reach('deliveryKickoff');
    const at = T0 + 10 * DAY;
    expect(stepper.step(kickoff.snapshot, { type: 'ADVANCE', fields: ALL_FIELDS, at }, at).changed).toBe(
      false,
    );
    for (const contractValue of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const win = { type: 'WIN', contractValue, fields: FILLED.deliveryKickoff, at } as const;
      expect(stepper.step(kickoff.snapshot, win, at).changed).toBe(false);
    }
    const noValue = stepper.step(kickoff.snapshot, { type: 'WIN', fields: FILLED.deliveryKickoff, at }, at);
    expect(noValue.snapshot.context.contractValue).toBeNull();
    const early = reach('contractReview');
    expect(stepper.step(early.snapshot, { type: 'WIN', fields: ALL_FIELDS, at }, at).changed).toBe(false);
  });

  it('rollbacks are counted per stage left and in total, with reasons and dwell history', () => {
    const results = drive([
      { type: 'ADVANCE', fields: FILLED.leadConfirmation, at: T0 + DAY },
      { type: 'ADVANCE', fields: FILLED.needsDiagnosis, at: T0 + 3 * DAY },
      { type: 'ADVANCE', fields: FILLED.solutionMatching, at: T0 + 4 * DAY },
      { type: 'ROLLBACK', toStage: 'needsDiagnosis', reason: '客户新增耐腐蚀要求', at: T0 + 6 * DAY },
      { type: 'ADVANCE', at: T0 + 7 * DAY },
      { type: 'ADVANCE', at: T0 + 8 * DAY },
      { type: 'ROLLBACK', toStage: 'leadConfirmation', reason: '预算冻结', at: T0 + 9 * DAY },
    ]);
    expect(results.map(stateOf)).toStrictEqual([
      'leadConfirmation',
      'needsDiagnosis',
      'solutionMatching',
      'sampleQuotation',
      'needsDiagnosis',
      'solutionMatching',
      'sampleQuotation',
      'leadConfirmation',
    ]);
    const ctx = last(results).snapshot.context;
    expect(ctx.rollbacks).toStrictEqual({
      total: 2,
      byStage: {
        leadConfirmation: 0,
        needsDiagnosis: 0,
        solutionMatching: 0,
        sampleQuotation: 2,
        contractReview: 0,
        deliveryKickoff: 0,
      },
    });
    expect(ctx.rollbackLog).toStrictEqual([
      { from: 'sampleQuotation', to: 'needsDiagnosis', reason: '客户新增耐腐蚀要求', at: T0 + 6 * DAY },
      { from: 'sampleQuotation', to: 'leadConfirmation', reason: '预算冻结', at: T0 + 9 * DAY },
    ]);
    expect(ctx.stageHistory.map((h) => [h.stage, h.via, h.leftVia])).toStrictEqual([
      ['leadConfirmation', 'create', 'advance'],
      ['needsDiagnosis', 'advance', 'advance'],
      ['solutionMatching', 'advance', 'advance'],
      ['sampleQuotation', 'advance', 'rollback'],
      ['needsDiagnosis', 'rollback', 'advance'],
      ['solutionMatching', 'advance', 'advance'],
      ['sampleQuotation', 'advance', 'rollback'],
      ['leadConfirmation', 'rollback', null],
    ]);
    // Dwell sums every visit; the open one counts up to `now`.
    expect(stageDwellTimes(ctx, T0 + 10 * DAY)).toStrictEqual({
      leadConfirmation: DAY + DAY,
      needsDiagnosis: 2 * DAY + DAY,
      solutionMatching: DAY + DAY,
      sampleQuotation: 2 * DAY + DAY,
      contractReview: 0,
      deliveryKickoff: 0,
    });
    expect(results[4]!.emitted.map((e) => e.type)).toStrictEqual([
      'opportunity.stageLeft',
      'opportunity.rolledBack',
      'opportunity.stageEntered',
    ]);
    expect(last(results).emitted[1]).toStrictEqual({
      type: 'opportunity.rolledBack',
      opportunityId: 'opp-1',
      customerId: 'cust-1',
      ownerId: 'rep-a',
      from: 'sampleQuotation',
      to: 'leadConfirmation',
      reason: '预算冻结',
      count: 2,
      total: 2,
      at: T0 + 9 * DAY,
    });
  });

  it('a rollback needs an earlier stage and a reason', () => {
    const here = reach('solutionMatching');
    const at = T0 + 9 * DAY;
    const rejected: OpportunityEvent[] = [
      { type: 'ROLLBACK', toStage: 'solutionMatching', reason: 'x', at },
      { type: 'ROLLBACK', toStage: 'contractReview', reason: 'x', at },
      { type: 'ROLLBACK', toStage: 'needsDiagnosis', reason: '  ', at },
      { type: 'ROLLBACK', toStage: 'bogus' as OpportunityStageId, reason: 'x', at },
    ];
    for (const event of rejected) expect(stepper.step(here.snapshot, event, at).changed).toBe(false);
    const first = stepper.initial(INPUT, T0);
    expect(
      stepper.step(first.snapshot, { type: 'ROLLBACK', toStage: 'leadConfirmation', reason: 'x', at }, at)
        .changed,
    ).toBe(false);
  });

  it('LOSE requires a reason, works from any open stage and is final', () => {
    for (const stage of OPPORTUNITY_STAGE_IDS) {
      const here = reach(stage);
      const at = T0 + 20 * DAY;
      for (const reason of ['', '   ', undefined]) {
        const event = { type: 'LOSE', reason, at } as unknown as OpportunityEvent;
        const r = stepper.step(here.snapshot, event, at);
        expect(r.changed).toBe(false);
        expect(r.snapshot).toStrictEqual(here.snapshot);
      }
      const lost = stepper.step(here.snapshot, { type: 'LOSE', reason: '价格不敌竞品', at }, at);
      expect(stateOf(lost)).toBe('lost');
      expect(lost.snapshot.status).toBe('done');
      expect(lost.snapshot.context).toMatchObject({
        stage,
        outcome: 'lost',
        lossReason: '价格不敌竞品',
        closedAt: at,
      });
      expect(lost.snapshot.context.stageHistory.at(-1)).toMatchObject({ stage, leftAt: at, leftVia: 'lost' });
      expect(lost.emitted.map((e) => e.type)).toStrictEqual(['opportunity.stageLeft', 'opportunity.lost']);
      expect(lost.emitted[1]).toMatchObject({ stage, reason: '价格不敌竞品', leadId: 'lead-1' });
      const after: OpportunityEvent[] = [
        { type: 'ADVANCE', fields: ALL_FIELDS, at },
        { type: 'REASSIGN', repId: 'rep-b', at },
        { type: 'FLAG_DELIVERY_DELAY', reason: 'x', at },
        { type: 'UPDATE_FIELDS', fields: {}, at },
      ];
      for (const event of after) expect(stepper.step(lost.snapshot, event, at).changed).toBe(false);
    }
  });

  it('REASSIGN changes the owner (not to the same rep) and emits ownerChanged', () => {
    const first = stepper.initial(INPUT, T0);
    expect(stepper.step(first.snapshot, { type: 'REASSIGN', repId: 'rep-a', at: T0 }, T0).changed).toBe(
      false,
    );
    expect(stepper.step(first.snapshot, { type: 'REASSIGN', repId: ' ', at: T0 }, T0).changed).toBe(false);
    const r = stepper.step(first.snapshot, { type: 'REASSIGN', repId: 'rep-b', at: T0 + 1 }, T0 + 1);
    expect(r.snapshot.context).toMatchObject({ ownerId: 'rep-b', reassignments: 1 });
    expect(r.emitted).toStrictEqual([
      {
        type: 'opportunity.ownerChanged',
        opportunityId: 'opp-1',
        customerId: 'cust-1',
        ownerId: 'rep-a',
        from: 'rep-a',
        to: 'rep-b',
        at: T0 + 1,
      },
    ]);
  });

  it('FLAG_DELIVERY_DELAY is recorded and emitted, also after the win', () => {
    const kickoff = reach('deliveryKickoff');
    const at = T0 + 10 * DAY;
    const flagged = stepper.step(
      kickoff.snapshot,
      { type: 'FLAG_DELIVERY_DELAY', reason: '模具返修', at },
      at,
    );
    expect(flagged.snapshot.context).toMatchObject({
      deliveryDelayFlagged: true,
      deliveryDelays: [{ reason: '模具返修', stage: 'deliveryKickoff', at }],
    });
    expect(flagged.emitted).toStrictEqual([
      {
        type: 'opportunity.deliveryDelayFlagged',
        opportunityId: 'opp-1',
        customerId: 'cust-1',
        ownerId: 'rep-a',
        stage: 'deliveryKickoff',
        reason: '模具返修',
        at,
      },
    ]);
    const won = stepper.step(flagged.snapshot, { type: 'WIN', fields: FILLED.deliveryKickoff, at }, at);
    const later = stepper.step(
      won.snapshot,
      { type: 'FLAG_DELIVERY_DELAY', reason: '物流延误', at: at + DAY },
      at + DAY,
    );
    expect(later.changed).toBe(true);
    expect(later.snapshot.context.deliveryDelays.map((d) => d.stage)).toStrictEqual([
      'deliveryKickoff',
      'won',
    ]);
    expect(stepper.step(won.snapshot, { type: 'FLAG_DELIVERY_DELAY', reason: '', at }, at).changed).toBe(
      false,
    );
  });

  describe('planned next contact', () => {
    it('schedules a timer, kept in the stage history; due marks overdue; leaving the stage cancels it', () => {
      const planned = T0 + 3 * DAY;
      const results = drive([
        { type: 'PLAN_NEXT_CONTACT', plannedAt: T0 + 2 * DAY, at: T0 + HOUR },
        { type: 'PLAN_NEXT_CONTACT', plannedAt: planned, at: T0 + 2 * HOUR },
      ]);
      expect(results[1]!.timers).toStrictEqual([
        {
          type: 'schedule',
          timerKey: 'nextContact',
          dueAt: T0 + 2 * DAY,
          event: { type: 'NEXT_CONTACT_DUE', at: T0 + 2 * DAY },
        },
      ]);
      const ctx = last(results).snapshot.context;
      expect(ctx.plannedNextContactAt).toBe(planned);
      expect(ctx.stageHistory[0]).toMatchObject({
        plannedNextContactAt: planned,
        firstPlannedNextContactAt: T0 + 2 * DAY,
      });
      // The first plan's timer is stale after re-planning.
      const stale = stepper.step(
        last(results).snapshot,
        { type: 'NEXT_CONTACT_DUE', at: T0 + 2 * DAY },
        T0 + 2 * DAY,
      );
      expect(stale.changed).toBe(false);
      const due = stepper.step(last(results).snapshot, { type: 'NEXT_CONTACT_DUE', at: planned }, planned);
      expect(due.snapshot.context.contactOverdue).toBe(true);
      const advanced = stepper.step(
        due.snapshot,
        { type: 'ADVANCE', fields: FILLED.leadConfirmation, at: planned + HOUR },
        planned + HOUR,
      );
      expect(advanced.timers).toStrictEqual([{ type: 'cancel', timerKey: 'nextContact' }]);
      expect(advanced.snapshot.context).toMatchObject({ plannedNextContactAt: null, contactOverdue: false });
      expect(advanced.snapshot.context.stageHistory[0]).toMatchObject({
        leftAt: planned + HOUR,
        leftVia: 'advance',
        plannedNextContactAt: planned,
      });
    });

    it('a plan must be a finite time; NEXT_CONTACT_DUE without a plan is not accepted', () => {
      const first = stepper.initial(INPUT, T0);
      const bad = {
        type: 'PLAN_NEXT_CONTACT',
        plannedAt: '2026-03-05',
        at: T0,
      } as unknown as OpportunityEvent;
      expect(stepper.step(first.snapshot, bad, T0).changed).toBe(false);
      expect(stepper.step(first.snapshot, { type: 'NEXT_CONTACT_DUE', at: T0 + DAY }, T0 + DAY).changed).toBe(
        false,
      );
    });
  });
});

describe('model-based: xstate/graph', () => {
  const at = T0;
  const events: OpportunityEvent[] = [
    { type: 'ADVANCE', fields: ALL_FIELDS, at },
    { type: 'ADVANCE', fields: {}, at },
    ...OPPORTUNITY_STAGE_IDS.map(
      (toStage): OpportunityEvent => ({ type: 'ROLLBACK', toStage, reason: 'x', at }),
    ),
    { type: 'WIN', fields: ALL_FIELDS, at },
    { type: 'LOSE', reason: 'lost to competitor', at },
    { type: 'LOSE', reason: '', at },
    { type: 'REASSIGN', repId: 'rep-b', at },
    { type: 'FLAG_DELIVERY_DELAY', reason: 'late', at },
    { type: 'UPDATE_FIELDS', fields: { note: 'x' }, at },
    { type: 'PLAN_NEXT_CONTACT', plannedAt: at, at },
    { type: 'NEXT_CONTACT_DUE', at },
  ];
  const paths = getShortestPaths(opportunityMachine, {
    input: INPUT,
    events,
    serializeState: (snapshot) => JSON.stringify(snapshot.value),
  });

  it('every state is reachable', () => {
    const reached = new Set(paths.map((p) => stateValueToString(p.state.value)));
    expect([...reached].sort()).toStrictEqual([...OPPORTUNITY_STATES].sort());
  });

  it('lost is the only final state', () => {
    expect(paths.filter((p) => p.state.status === 'done').map((p) => p.state.value)).toStrictEqual(['lost']);
  });

  it.each(paths.map((p) => [stateValueToString(p.state.value), p] as const))(
    'the stepper follows the shortest path to %s, and the gate there rejects an ADVANCE missing any field',
    (_name, path) => {
      let r = stepper.initial(INPUT, T0);
      for (const step of path.steps.filter((s) => (s.event as { type: string }).type !== 'xstate.init')) {
        const next = stepper.step(r.snapshot, step.event, T0);
        expect(next.changed).toBe(true);
        expect(next.snapshot.value).toStrictEqual(step.state.value);
        r = next;
      }
      const state = stateValueToString(r.snapshot.value);
      if (!(OPPORTUNITY_STAGE_IDS as readonly string[]).includes(state)) return;
      const stage = state as OpportunityStageId;
      // Forget this stage's gate values (the path filled everything), then try each "all but one".
      const cleared = { ...r.snapshot.context.fields };
      for (const spec of DEFAULT_STAGE_GATES[stage]) delete cleared[spec.field];
      const here = { ...r.snapshot, context: { ...r.snapshot.context, fields: cleared } };
      for (const spec of DEFAULT_STAGE_GATES[stage]) {
        const fields = without(FILLED[stage], spec.field);
        const event: OpportunityEvent =
          stage === 'deliveryKickoff' ? { type: 'WIN', fields, at: T0 } : { type: 'ADVANCE', fields, at: T0 };
        const rejected = stepper.step(here, event, T0);
        expect(rejected.changed).toBe(false);
        expect(rejected.snapshot).toStrictEqual(here);
        const check = checkAdvance(here.context, fields);
        expect(check.ok ? [] : check.missing.map((m) => m.field)).toStrictEqual([spec.field]);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Differential: compiled stepper vs XState's transition() on random sequences

type Template = EventTemplate & { make: (now: number) => Record<string, unknown> };

const fieldsArb: fc.Arbitrary<FieldValues> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ALL_FIELDS) },
  { weight: 3, arbitrary: fc.constantFrom(...Object.values(FILLED)) },
  {
    weight: 3,
    arbitrary: fc
      .subarray(Object.keys(ALL_FIELDS))
      .map((keys) => Object.fromEntries(keys.map((k) => [k, ALL_FIELDS[k]!]))),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<FieldValues>(
      { painPointsTop3: ['a', 'b'] },
      { contactConfirmed: false },
      { fitScore: 500 },
      { decisionChainRoles: [{ role: 'x' }] },
      {},
    ),
  },
);
const stageArb = fc.constantFrom(...OPPORTUNITY_STAGE_IDS, 'won' as OpportunityStageId);
const reasonArb = fc.constantFrom('客户预算冻结', 'price', '', '  ');
const offsetArb = fc.integer({ min: -HOUR, max: 20 * DAY });

const makerArb: fc.Arbitrary<(now: number) => Record<string, unknown>> = fc.oneof(
  // Biased towards progress so sequences also reach won (five passed gates, then WIN).
  { weight: 10, arbitrary: fc.constant(() => ({ type: 'ADVANCE', fields: ALL_FIELDS })) },
  { weight: 6, arbitrary: fieldsArb.map((fields) => () => ({ type: 'ADVANCE', fields })) },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'ADVANCE' })) },
  { weight: 2, arbitrary: fieldsArb.map((fields) => () => ({ type: 'UPDATE_FIELDS', fields })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ toStage: stageArb, reason: reasonArb })
      .map((e) => () => ({ type: 'ROLLBACK', ...e })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ offset: offsetArb, bad: fc.boolean() })
      .map(({ offset, bad }) => (now: number) => ({
        type: 'PLAN_NEXT_CONTACT',
        plannedAt: bad ? String(now + offset) : now + offset,
      })),
  },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'NEXT_CONTACT_DUE' })) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        fields: fc.option(fieldsArb, { nil: undefined }),
        contractValue: fc.option(fc.constantFrom(1_000_000, 0, -5), { nil: undefined }),
      })
      .map((e) => () => {
        const out: Record<string, unknown> = { type: 'WIN' };
        if (e.fields !== undefined) out.fields = e.fields;
        if (e.contractValue !== undefined) out.contractValue = e.contractValue;
        return out;
      }),
  },
  { weight: 1, arbitrary: reasonArb.map((reason) => () => ({ type: 'LOSE', reason })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('rep-a', 'rep-b', '').map((repId) => () => ({ type: 'REASSIGN', repId })),
  },
  { weight: 2, arbitrary: reasonArb.map((reason) => () => ({ type: 'FLAG_DELIVERY_DELAY', reason })) },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'NOT_AN_EVENT' })) },
  { weight: 3, arbitrary: fc.constant(() => ({ type: FIRE })) },
);

const templateArb: fc.Arbitrary<Template> = fc.record({
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: HOUR }), fc.integer({ min: 0, max: 10 * DAY })),
  atMode: fc.constantFrom('now', 'now', 'omit', 'earlier'),
  make: makerArb,
});
const sequenceArb = fc.array(templateArb, { minLength: 1, maxLength: 40 });
const inputArb: fc.Arbitrary<OpportunityInput> = fc.oneof(
  fc.constant(INPUT),
  fc.constant({ ...INPUT, gates: { solutionMatching: [], contractReview: [] } }),
  fc.constant({ opportunityId: 'opp-2' }),
  fc.constant({ ...INPUT, gates: Object.fromEntries(OPPORTUNITY_STAGE_IDS.map((id) => [id, []])) }),
);

const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('createStepper(opportunityMachine)', () => {
  it('compiles (no fallback to XState)', () => {
    expect(createStepper(opportunityMachine).mode).toBe('compiled');
    expect(createStepper(opportunityMachine).fallbackReason).toBeUndefined();
    expect(stepper.mode).toBe('compiled');
  });

  test.prop([inputArb, sequenceArb], { numRuns: 500 })(
    'is identical to xstate transition() on random event sequences (and stays plain JSON)',
    (input, seq) => {
      const driver = createTimerDriver<OpportunityEvent>(T0, 'NEXT_CONTACT_DUE');
      let a = stepper.initial(input, T0);
      let b = reference.initial(input, T0);
      expect(a).toStrictEqual(b);
      for (const template of seq) {
        const event = driver.next(template);
        const before = a.snapshot;
        a = stepper.step(before, event, driver.now);
        b = reference.step(b.snapshot, event, driver.now);
        expect(a).toStrictEqual(b);
        // Plain JSON: a persisted-and-restored snapshot steps to the same result.
        expect(json(a.snapshot)).toStrictEqual(a.snapshot);
        expect(stepper.step(json(before), json(event), driver.now)).toStrictEqual(a);
        driver.track(a);
      }
    },
  );

  it('random sequences reach every state and accept every event type', () => {
    const seen = new Set<string>();
    for (const [input, seq] of fc.sample(fc.tuple(inputArb, sequenceArb), { numRuns: 400, seed: 11 })) {
      const driver = createTimerDriver<OpportunityEvent>(T0, 'NEXT_CONTACT_DUE');
      let r = stepper.initial(input, T0);
      for (const template of seq) {
        const event = driver.next(template);
        r = stepper.step(r.snapshot, event, driver.now);
        driver.track(r);
        seen.add(stateValueToString(r.snapshot.value));
        if (r.changed) seen.add(`accepted ${event.type}`);
      }
    }
    expect(OPPORTUNITY_STATES.filter((s) => !seen.has(s))).toStrictEqual([]);
    const types = [
      'ADVANCE',
      'UPDATE_FIELDS',
      'ROLLBACK',
      'PLAN_NEXT_CONTACT',
      'NEXT_CONTACT_DUE',
      'WIN',
      'LOSE',
      'REASSIGN',
      'FLAG_DELIVERY_DELAY',
    ];
    expect(types.filter((t) => !seen.has(`accepted ${t}`))).toStrictEqual([]);
  });

  it('never mutates the snapshot or event it is given', () => {
    const here = reach('needsDiagnosis');
    const frozen = deepFreeze(json(here.snapshot));
    const event = deepFreeze({ type: 'ADVANCE', fields: FILLED.needsDiagnosis, at: T0 + 9 * DAY } as const);
    expect(() => stepper.step(frozen, event, T0 + 9 * DAY)).not.toThrow();
    const rollback = deepFreeze({
      type: 'ROLLBACK',
      toStage: 'leadConfirmation',
      reason: 'x',
      at: T0,
    } as const);
    expect(() => stepper.step(frozen, rollback, T0)).not.toThrow();
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
