import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { OPPORTUNITY_STAGE_IDS, type OpportunityStageId } from '../../src/rules/stages.js';
import {
  type BehaviourModel,
  DEFAULT_BEHAVIOUR,
  DEFAULT_OPPORTUNITY_BEHAVIOUR,
  type OpportunityBehaviour,
} from '../../src/simulate/behaviour.js';
import {
  type RunSimulationOptions,
  runSimulation,
  type SimulationAction,
  type SimulationExtension,
} from '../../src/simulate/run.js';
import { calendar, DAY, staffed } from './helpers.js';

const base = { ruleSet: zhikongPreset.ruleSet, team: staffed, calendar } as const;

/** Stages of a day or two and no losses: opportunities reach the win within a short run. */
const quickDeals: OpportunityBehaviour = {
  ...DEFAULT_OPPORTUNITY_BEHAVIOUR,
  stages: Object.fromEntries(
    OPPORTUNITY_STAGE_IDS.map((id) => [
      id,
      { planMedianMs: DAY, planSigma: 0.3, loseShare: 0, rollbackShare: 0 },
    ]),
  ) as OpportunityBehaviour['stages'],
  stallShare: 0,
  deliveryDelayShare: 1,
  deliveryDelayMinMs: DAY,
  deliveryDelayMaxMs: 2 * DAY,
};

/** Run and keep the engine (for checks against its own records) and every host action. */
async function run(options: Partial<RunSimulationOptions> & { behaviour?: BehaviourModel }) {
  let engine: Engine | undefined;
  const log: SimulationAction[] = [];
  const capture: SimulationExtension = {
    name: 'capture',
    setup(ctx) {
      engine = ctx.engine;
    },
  };
  const result = await runSimulation({
    ...base,
    seed: 7,
    days: 40,
    leadsPerMonth: 1_500,
    ...options,
    extensions: [capture],
    onAction: (action) => log.push(action),
  });
  return { ...result, engine: engine!, log };
}

/**
 * The default 40-day run, made once: four tests only read its report, log and engine records
 * (none sends the engine a command), so they share it instead of replaying it four times.
 */
let defaultRun: ReturnType<typeof run> | undefined;
const runDefault = () => {
  defaultRun ??= run({});
  return defaultRun;
};

describe('runSimulation with opportunities', () => {
  it('opens one opportunity per converted lead, with its customer, and moves it through the stages', async () => {
    const { report, engine, log } = await runDefault();
    const o = report.opportunities!;
    expect(o.created).toBeGreaterThan(50);
    // Nothing is lost: every conversion has its opportunity or is still waiting for its owner.
    expect(o.created + o.pendingAtEnd).toBe(report.counts.converted);
    expect(o.won + o.lost + o.open).toBe(o.created);
    expect(Object.values(o.openByStage).reduce((a, b) => a + b, 0)).toBe(o.open);
    const converted = new Set(log.filter((a) => a.type === 'convert' && a.accepted).map((a) => a.leadId));
    const opened = log.filter((a) => a.type === 'opportunity');
    expect(new Set(opened.map((a) => a.leadId)).size).toBe(opened.length);
    for (const action of opened) expect(converted.has(action.leadId)).toBe(true);
    // Owner, lead link and customer as the engine stored them.
    for (const action of opened.slice(0, 20)) {
      if (action.type !== 'opportunity') continue;
      const record = await engine.getOpportunity(action.opportunityId);
      expect(record?.machine.context).toMatchObject({ leadId: action.leadId, ownerId: action.repId });
      const lead = await engine.getLead(action.leadId);
      expect(lead?.machine.context.ownerId).toBe(action.repId);
      const customer = await engine.getCustomer(action.customerId);
      expect(customer?.customer.name).toBe(lead?.lead.company.name);
    }
    // Stage visits: every one was entered by a creation, an advance or a rollback, and planned.
    const entered = o.stages.reduce((sum, stage) => sum + stage.entered, 0);
    expect(entered).toBe(o.created + report.actions.advances + report.actions.rollbacks);
    expect(report.actions.plans).toBeGreaterThanOrEqual(entered);
    expect(o.stages[1]!.entered).toBeGreaterThan(0);
    expect(o.stages[2]!.entered).toBeGreaterThan(0);
    expect(o.lost).toBeGreaterThan(0);
    expect(report.actions.losses).toBe(o.lost);
    expect(report.actions.wins).toBe(o.won);
    expect(report.actions.refused.opportunity).toBe(0);
  });

  it('supplies the gate fields: refusals stay near zero, a forgotten field is refused and supplied', async () => {
    const { report } = await runDefault();
    const attempts = report.actions.advances + report.actions.wins + report.actions.refused.advance;
    expect(report.actions.advances).toBeGreaterThan(0);
    expect(report.actions.refused.advance).toBeLessThanOrEqual(Math.ceil(attempts * 0.03));

    const forgetful = await run({
      days: 20,
      behaviour: {
        ...DEFAULT_BEHAVIOUR,
        opportunities: { ...DEFAULT_OPPORTUNITY_BEHAVIOUR, gateSlipShare: 1 },
      },
    });
    const refused = forgetful.log.filter((a) => a.type === 'advance' && !a.accepted);
    expect(refused.length).toBeGreaterThan(0);
    expect(forgetful.report.actions.refused.advance).toBe(refused.length);
    // Each refusal is followed by an accepted advance of the same opportunity from the same stage.
    for (const action of refused) {
      if (action.type !== 'advance') continue;
      const retry = forgetful.log.find(
        (a) =>
          a.type === 'advance' &&
          a.accepted &&
          a.opportunityId === action.opportunityId &&
          a.stage === action.stage &&
          a.at > action.at,
      );
      if (retry === undefined) {
        // Only when the run ended before the retry (within the hour, in business time).
        expect(calendar.businessTimeBetween(action.at, Date.parse(forgetful.report.period.end))).toBeLessThan(
          4 * 3_600_000,
        );
      }
    }
  });

  it('reps work opportunities in business hours and not on leave; departments answer in business hours', async () => {
    const { report, log } = await runDefault();
    const leaveDays = new Map<string, Set<string>>();
    for (const [repId, ranges] of Object.entries(report.leave)) {
      const days = new Set<string>();
      for (const range of ranges) {
        const [from, to] = range.split('..') as [string, string];
        for (let t = Date.parse(`${from}T12:00:00Z`); t <= Date.parse(`${to}T12:00:00Z`); t += DAY)
          days.add(new Date(t).toISOString().slice(0, 10));
      }
      leaveDays.set(repId, days);
    }
    const localDay = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10);
    let checked = 0;
    for (const action of log) {
      if (action.type === 'acknowledgeTask' || action.type === 'answerTask') {
        expect(calendar.isBusinessTime(action.at)).toBe(true);
        checked++;
      }
      if (action.type === 'opportunity' || action.type === 'plan' || action.type === 'advance') {
        expect(calendar.isBusinessTime(action.at)).toBe(true);
        expect(leaveDays.get(action.repId)?.has(localDay(action.at)) ?? false).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('departments answer the tasks opportunities start; some go overdue and are escalated to the head', async () => {
    const { report, engine, log } = await runDefault();
    const technical = report.departments.find((d) => d.department === 'technical')!;
    expect(technical.name).toBe('技术部');
    expect(technical.created).toBeGreaterThan(20);
    expect(technical.done).toBeGreaterThan(0);
    expect(technical.overdue).toBeGreaterThan(0);
    expect(technical.onTimeShare!).toBeGreaterThan(0.4);
    expect(technical.onTimeShare!).toBeLessThan(1);
    const answered = log.filter((a) => a.type === 'answerTask' && a.accepted);
    expect(answered.length).toBe(report.actions.taskAnswers);
    expect(report.actions.refused.task).toBe(0);
    // An overdue technical task: escalated to the department head, and still answered with its result.
    let escalated = 0;
    const technicalAnswers = answered.filter((a) => a.type === 'answerTask' && a.department === 'technical');
    expect(technicalAnswers.length).toBeGreaterThan(0);
    for (const action of technicalAnswers.slice(0, 200)) {
      if (action.type !== 'answerTask') continue;
      const task = (await engine.getTask(action.taskId))!;
      expect(task.machine.value).toBe('done');
      expect(task.machine.context.completedBy).toBe('eng-sun');
      if (task.machine.context.escalated) {
        escalated++;
        expect(task.machine.context.escalations[0]?.to).toBe('eng-sun');
        expect(task.machine.context.doneAt!).toBeGreaterThan(task.machine.context.dueAt!);
      }
    }
    expect(escalated).toBeGreaterThan(0);
  });

  it('wins, starts the after-sales file and flags delivery delays when deals move fast', async () => {
    const { report, engine, log } = await run({
      days: 25,
      behaviour: { ...DEFAULT_BEHAVIOUR, opportunities: quickDeals },
    });
    const o = report.opportunities!;
    expect(o.won).toBeGreaterThan(10);
    expect(o.lost).toBe(0);
    expect(o.winRate).toBe(1);
    expect(o.deliveryDelays).toBeGreaterThan(0);
    expect(report.departments.map((d) => d.department)).toEqual(['afterSales', 'production', 'technical']);
    const win = log.find((a) => a.type === 'win' && a.accepted)!;
    if (win.type !== 'win') throw new Error('no win');
    const record = (await engine.getOpportunity(win.opportunityId))!;
    expect(record.machine.context.outcome).toBe('won');
    // Every gate was passed with its fields, and the stage history has all six stages.
    expect(record.machine.context.stageHistory.map((visit) => visit.stage)).toEqual(OPPORTUNITY_STAGE_IDS);
    expect(record.machine.context.fields).toMatchObject({ contactConfirmed: true, legalReviewDone: true });
    const kinds = (await engine.tasksOf(win.opportunityId)).map((task) => task.record.machine.context.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['technicalFeasibility', 'productionPlanning', 'afterSalesFile']),
    );
  });

  it('reports the figures of engine.metrics(): targets, funnel, stalled TOP5, department response times', async () => {
    const { report, engine } = await run({ days: 30 });
    const metrics = await engine.metrics();
    expect(report.metrics).toEqual(metrics);
    const certainty = metrics.actionCertainty;
    expect(report.targets.map((t) => t.achieved)).toEqual([
      certainty.assignedWithinTarget.share,
      certainty.followedUpWithinTarget.share,
      certainty.advancedOnTime.share,
    ]);
    expect(report.targets[2]).toMatchObject({
      id: 'advancedOnTime',
      met: certainty.advancedOnTime.met,
      missed: certainty.advancedOnTime.missed,
      pending: certainty.advancedOnTime.pending,
      passed: certainty.advancedOnTime.passed,
    });
    expect(report.metrics.leads.received).toBe(report.counts.received);
    expect(report.opportunities).toMatchObject({
      created: metrics.funnel.opportunities,
      won: metrics.funnel.won,
      lost: metrics.funnel.lost,
      winRate: metrics.funnel.winRate,
      leadToOpportunity: metrics.funnel.leadToOpportunity,
    });
    expect(report.stalled.map((s) => [s.opportunityId, s.stage, s.dwellMs])).toEqual(
      metrics.stalled.top5.map((s) => [s.opportunityId, s.stage, s.dwellMs]),
    );
    expect(metrics.stalledTop5).toEqual(metrics.stalled.top5);
    expect(report.stalled.length).toBeGreaterThan(0);
    for (const s of report.stalled) expect(s.dwellMs).toBeGreaterThan(5 * DAY);
    // The counts behind the TOP5: every stalled opportunity, by stage; none beyond the open ones.
    expect(metrics.stalled.count).toBeGreaterThanOrEqual(report.stalled.length);
    expect(Object.values(metrics.stalled.byStage).reduce((a, b) => a + b, 0)).toBe(metrics.stalled.count);
    expect(metrics.stalled.count).toBeLessThanOrEqual(report.opportunities!.open);
    for (const [stage, n] of Object.entries(metrics.stalled.byStage))
      expect(n).toBeLessThanOrEqual(report.opportunities!.openByStage[stage as OpportunityStageId]);
    // The stalled leads: the engine's view, with each lead's company.
    expect(report.stalledLeads.count).toBe(metrics.leads.stalled.count);
    expect(report.stalledLeads.byState).toEqual(metrics.leads.stalled.byState);
    expect(report.stalledLeads.top5.map((s) => [s.leadId, s.state, s.dwellMs, s.ownerId])).toEqual(
      metrics.leads.stalled.top5.map((s) => [s.leadId, s.state, s.dwellMs, s.ownerId]),
    );
    expect(report.stalledLeads.count).toBeGreaterThan(0);
    for (const s of report.stalledLeads.top5) {
      expect(s.dwellMs).toBeGreaterThan(5 * DAY);
      expect(s.company).toEqual(expect.any(String));
    }
    for (const d of report.departments)
      expect(d.onTimeShare).toBe(metrics.departmentTasks[d.department]!.onTimeShare);
    // The driver's own mirror agrees with the engine's log.
    expect(report.actions.opportunities).toBe(metrics.funnel.opportunities);
    expect(report.actions.rollbacks).toBe(
      Object.values(metrics.stages).reduce((sum, stage) => sum + stage.rollbacks, 0),
    );
  });

  it('plans past the end need no calendar beyond it: a run ending near the last covered day completes', async () => {
    // Ends 2026-12-24 with 2026 the last year of holiday data; stalled opportunities and slow
    // stages plan weeks past the end (into 2027), where nothing happens and no calendar is asked.
    const slowStages: OpportunityBehaviour = {
      ...DEFAULT_OPPORTUNITY_BEHAVIOUR,
      stages: Object.fromEntries(
        OPPORTUNITY_STAGE_IDS.map((id) => [
          id,
          { planMedianMs: 30 * DAY, planSigma: 0.3, loseShare: 0, rollbackShare: 0 },
        ]),
      ) as OpportunityBehaviour['stages'],
      stallShare: 0.5,
    };
    const { report } = await run({
      start: Date.parse('2026-10-25T00:00:00+08:00'),
      days: 60,
      leadsPerMonth: 600,
      behaviour: { ...DEFAULT_BEHAVIOUR, opportunities: slowStages },
    });
    expect(report.opportunities?.created).toBeGreaterThan(0);
    expect(report.period.end).toBe('2026-12-23T16:00:00.000Z');
  });

  it('is deterministic with opportunities, and can be turned off', async () => {
    const options = { ...base, seed: 3, days: 12, leadsPerMonth: 1_200 } as const;
    const first = await runSimulation(options);
    const again = await runSimulation(options);
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(first.report));
    expect(first.report.opportunities!.created).toBeGreaterThan(0);
    const off = await runSimulation({ ...options, behaviour: { ...DEFAULT_BEHAVIOUR, opportunities: null } });
    expect(off.report.opportunities).toBeNull();
    expect(off.report.actions.opportunities).toBe(0);
    expect(off.report.metrics.funnel.opportunities).toBe(0);
    expect(off.report.departments).toEqual([]);
    expect(off.report.stalled).toEqual([]);
    expect(off.report.counts.converted).toBeGreaterThan(0);
  });

  test.prop(
    [
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.integer({ min: 4, max: 14 }),
      fc.integer({ min: 300, max: 1_200 }),
      fc.boolean(),
    ],
    { numRuns: 6 },
  )('nothing is lost: counts add up on short runs', async (seed, days, leadsPerMonth, quick) => {
    const log: SimulationAction[] = [];
    const { report } = await runSimulation({
      ...base,
      seed,
      days,
      leadsPerMonth,
      ...(quick ? { behaviour: { ...DEFAULT_BEHAVIOUR, opportunities: quickDeals } } : {}),
      onAction: (action) => log.push(action),
    });
    const c = report.counts;
    expect(c.received + c.quarantined + c.duplicatesMerged).toBe(c.arrivals);
    const o = report.opportunities!;
    expect(o.created + o.pendingAtEnd).toBe(c.converted);
    expect(o.won + o.lost + o.open).toBe(o.created);
    expect(Object.values(o.openByStage).reduce((a, b) => a + b, 0)).toBe(o.open);
    const opened = log.filter((a) => a.type === 'opportunity').map((a) => a.leadId);
    expect(new Set(opened).size).toBe(o.created);
    const entered = o.stages.reduce((sum, stage) => sum + stage.entered, 0);
    expect(entered).toBe(o.created + report.actions.advances + report.actions.rollbacks);
    const created = report.departments.reduce((sum, d) => sum + d.created, 0);
    const answered = report.departments.reduce((sum, d) => sum + d.done, 0);
    expect(answered).toBe(report.actions.taskAnswers);
    expect(answered).toBeLessThanOrEqual(created);
  });
});
