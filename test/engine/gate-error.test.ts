import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.js';
import { GateNotMetError } from '../../src/engine/gate-error.js';
import { createWorkSteps, type OpportunityRecord } from '../../src/engine/work-steps.js';
import { checkGate } from '../../src/machines/opportunity.js';
import { parseTeam } from '../../src/model/team.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import {
  DEFAULT_STAGE_GATES,
  type FieldValues,
  OPPORTUNITY_STAGE_IDS,
  type OpportunityStageId,
} from '../../src/rules/stages.js';
import { calendar, licence, setup } from './helpers.js';

/** Values that pass every default gate, per stage. */
const FILLED: Record<OpportunityStageId, FieldValues> = {
  leadConfirmation: { contactConfirmed: true, budgetRange: '50-100万', decisionTimeline: '2026-06-30' },
  needsDiagnosis: {
    painPointsTop3: ['换型慢', '良率低', '人工成本高'],
    decisionChainRoles: [{ role: '技术负责人', name: '王工' }],
    competitorAlternatives: ['西门子方案'],
  },
  solutionMatching: { proposedSolutionId: 'sol-7', technicalFeasibilityConfirmed: true, fitScore: 82 },
  sampleQuotation: { sampleAccepted: true, quotationAmount: 860_000, quotationValidUntil: '2026-05-31' },
  contractReview: { contractDraftId: 'HT-2026-031', legalReviewDone: true, paymentTerms: '30/60/10' },
  deliveryKickoff: {
    purchaseOrderNo: 'PO-88921',
    deliveryDate: '2026-07-15',
    kickoffMeetingAt: '2026-06-01',
  },
};

async function withOpportunity(overrides: Parameters<typeof setup>[0] = {}) {
  const context = setup(overrides);
  await context.engine.upsertCustomer({
    id: 'hq',
    name: '某汽车集团',
    region: '浙江',
    industry: '汽车零部件',
    ownerRepId: 'rep-a',
    ...licence(1),
  });
  await context.engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
  return context;
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('GATE_NOT_MET with the list of missing fields', () => {
  it('names the stage, the target and every missing field with its label, kind and reason; writes nothing', async () => {
    const { engine } = await withOpportunity();
    await engine.opportunity('opp-1', { type: 'ADVANCE', fields: FILLED.leadConfirmation });
    const before = await engine.getOpportunity('opp-1');
    const logged = (await engine.storage.readEvents()).length;
    const error = await refusal(
      engine.opportunity('opp-1', {
        type: 'ADVANCE',
        fields: { painPointsTop3: ['换型慢'], decisionChainRoles: [{ role: '技术负责人' }] },
      }),
    );
    expect(error).toBeInstanceOf(GateNotMetError);
    expect(error).toBeInstanceOf(EngineError);
    const gate = error as GateNotMetError;
    expect(gate.code).toBe('GATE_NOT_MET');
    expect(gate.name).toBe('GateNotMetError');
    expect({
      opportunityId: gate.opportunityId,
      command: gate.command,
      stage: gate.stage,
      to: gate.to,
    }).toEqual({
      opportunityId: 'opp-1',
      command: 'ADVANCE',
      stage: 'needsDiagnosis',
      to: 'solutionMatching',
    });
    expect(gate.missing).toStrictEqual([
      {
        field: 'painPointsTop3',
        label: '客户痛点TOP3',
        kind: 'list',
        reason: 'tooFewItems',
        message: '客户痛点TOP3 (painPointsTop3): needs 3 items, has 1',
      },
      {
        field: 'decisionChainRoles',
        label: '决策链角色图谱',
        kind: 'list',
        reason: 'incompleteItem',
        message: '决策链角色图谱 (decisionChainRoles): item 1 has no name',
      },
      {
        field: 'competitorAlternatives',
        label: '竞品替代方案分析',
        kind: 'list',
        reason: 'missing',
        message: '竞品替代方案分析 (competitorAlternatives): required',
      },
    ]);
    expect(Object.isFrozen(gate.missing)).toBe(true);
    // The message is the one hosts already log and match.
    expect(gate.message).toBe(
      'opportunity "opp-1": stage needsDiagnosis gate not met: ' +
        'painPointsTop3 (客户痛点TOP3 (painPointsTop3): needs 3 items, has 1); ' +
        'decisionChainRoles (决策链角色图谱 (decisionChainRoles): item 1 has no name); ' +
        'competitorAlternatives (竞品替代方案分析 (competitorAlternatives): required)',
    );
    expect(await engine.getOpportunity('opp-1')).toEqual(before);
    expect(await engine.storage.readEvents()).toHaveLength(logged);
  });

  it('at every stage, the empty advance lists that stage’s gate in order; WIN reports the last gate and `won`', async () => {
    const { engine } = await withOpportunity();
    for (const [index, stage] of OPPORTUNITY_STAGE_IDS.entries()) {
      const last = index === OPPORTUNITY_STAGE_IDS.length - 1;
      const command = last ? 'WIN' : 'ADVANCE';
      const error = (await refusal(engine.opportunity('opp-1', { type: command }))) as GateNotMetError;
      expect(error).toBeInstanceOf(GateNotMetError);
      expect([error.command, error.stage, error.to]).toEqual([
        command,
        stage,
        last ? 'won' : OPPORTUNITY_STAGE_IDS[index + 1],
      ]);
      expect(error.missing.map(({ field, label, kind }) => ({ field, label, kind }))).toEqual(
        DEFAULT_STAGE_GATES[stage].map(({ field, label, kind }) => ({ field, label, kind })),
      );
      expect(new Set(error.missing.map((m) => m.reason))).toEqual(new Set(['missing']));
      // Fields given with an earlier command count: only the rest is missing.
      const [first, ...rest] = Object.keys(FILLED[stage]);
      await engine.opportunity('opp-1', {
        type: 'UPDATE_FIELDS',
        fields: { [first!]: FILLED[stage][first!]! },
      });
      const partial = (await refusal(engine.opportunity('opp-1', { type: command }))) as GateNotMetError;
      expect(partial.missing.map((m) => m.field)).toEqual(rest);
      await engine.opportunity('opp-1', { type: command, fields: FILLED[stage] });
    }
    expect((await engine.getOpportunity('opp-1'))?.machine.value).toBe('won');
  });

  it('reports the rule set’s own gate fields, pinned when the opportunity was created', async () => {
    const ruleSet = structuredClone(zhikongPreset.ruleSet);
    ruleSet.opportunity = {
      ...ruleSet.opportunity,
      gates: {
        leadConfirmation: [
          { field: 'siteVisitDone', label: '现场勘查完成', kind: 'boolean' },
          { field: 'lineCount', label: '产线数量', kind: 'number', min: 1 },
        ],
      },
    };
    const { engine } = await withOpportunity({ ruleSet });
    const error = (await refusal(
      engine.opportunity('opp-1', { type: 'ADVANCE', fields: { siteVisitDone: false, lineCount: 0 } }),
    )) as GateNotMetError;
    expect(error.missing).toStrictEqual([
      {
        field: 'siteVisitDone',
        label: '现场勘查完成',
        kind: 'boolean',
        reason: 'notConfirmed',
        message: '现场勘查完成 (siteVisitDone): must be confirmed',
      },
      {
        field: 'lineCount',
        label: '产线数量',
        kind: 'number',
        reason: 'outOfRange',
        message: '产线数量 (lineCount): must be within 1..∞',
      },
    ]);
  });

  it('is not raised where the command is refused whatever the fields: EVENT_NOT_ACCEPTED there', async () => {
    const { engine } = await withOpportunity();
    // WIN before the last stage, ADVANCE from the last stage, anything on a lost opportunity.
    const early = await refusal(engine.opportunity('opp-1', { type: 'WIN' }));
    expect(early).toBeInstanceOf(EngineError);
    expect(early).not.toBeInstanceOf(GateNotMetError);
    expect((early as EngineError).code).toBe('EVENT_NOT_ACCEPTED');
    for (const stage of OPPORTUNITY_STAGE_IDS.slice(0, -1))
      await engine.opportunity('opp-1', { type: 'ADVANCE', fields: FILLED[stage] });
    const past = await refusal(engine.opportunity('opp-1', { type: 'ADVANCE' }));
    expect((past as EngineError).code).toBe('EVENT_NOT_ACCEPTED');
    await engine.opportunity('opp-1', { type: 'LOSE', reason: '预算取消' });
    for (const type of ['ADVANCE', 'WIN'] as const) {
      const closed = await refusal(engine.opportunity('opp-1', { type }));
      expect((closed as EngineError).code).toBe('EVENT_NOT_ACCEPTED');
    }
  });
});

describe('GATE_NOT_MET from the pure work step', () => {
  const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
  const work = createWorkSteps({ compiled, team: parseTeam(zhikongPreset.team), calendar });
  const T0 = Date.parse('2026-03-02T10:00:00+08:00');
  const atStage: OpportunityRecord[] = [];
  let record = work.createOpportunity(
    { opportunityId: 'opp-1', customerId: 'c-1', name: '产线改造', ownerId: 'rep-a' },
    T0,
  ).record;
  for (const stage of OPPORTUNITY_STAGE_IDS) {
    atStage.push(record);
    if (stage !== 'deliveryKickoff')
      record = work.stepOpportunity(record, { type: 'ADVANCE', fields: FILLED[stage] }, T0).record;
  }

  // Each field of the stage: mostly filled (so that some draws pass), else absent or a wrong value.
  const value = (filled: FieldValues[string] | undefined) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(filled) },
      fc.constantFrom<FieldValues[string] | undefined>(
        undefined,
        null,
        '',
        ' ',
        0,
        -1,
        true,
        false,
        [],
        ['x'],
        [{}],
      ),
    );
  const stageAndFields = fc.nat(OPPORTUNITY_STAGE_IDS.length - 1).chain((index) => {
    const stage = OPPORTUNITY_STAGE_IDS[index]!;
    return fc.tuple(
      fc.constant(index),
      fc.record(Object.fromEntries(Object.entries(FILLED[stage]).map(([k, v]) => [k, value(v)]))),
    );
  });

  let passed = 0;
  test.prop([stageAndFields], { numRuns: 300 })(
    'refuses exactly when checkGate does, listing checkGate’s problems with the gate’s kinds',
    ([index, drawn]) => {
      const stage = OPPORTUNITY_STAGE_IDS[index]!;
      const fields = Object.fromEntries(
        Object.entries(drawn).filter(([, v]) => v !== undefined),
      ) as FieldValues;
      const type = stage === 'deliveryKickoff' ? 'WIN' : 'ADVANCE';
      const check = checkGate(stage, fields);
      let thrown: unknown;
      try {
        work.stepOpportunity(atStage[index]!, { type, fields }, T0);
      } catch (error) {
        thrown = error;
      }
      passed += check.ok ? 1 : 0;
      if (check.ok) {
        expect(thrown).toBeUndefined();
        return;
      }
      expect(thrown).toBeInstanceOf(GateNotMetError);
      const kinds = new Map(DEFAULT_STAGE_GATES[stage].map((spec) => [spec.field, spec.kind]));
      expect((thrown as GateNotMetError).missing).toStrictEqual(
        check.missing.map((m) => ({ ...m, kind: kinds.get(m.field) })),
      );
    },
  );

  it('the draws above include advances that pass', () => {
    expect(passed).toBeGreaterThan(0);
  });
});
