import { describe, expect, expectTypeOf, it } from 'vitest';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import type { Engine } from '../../src/engine/engine.js';
import {
  isLogEvent,
  type LeadflowLogEvent,
  LOG_EVENT_TYPES,
  type LogEventData,
  type LogEventOf,
  type LogEventType,
  logEventDataSchemas,
  narrowLogEvent,
  parseLogEvent,
} from '../../src/engine/log-events.js';
import type { OpportunityEmitted } from '../../src/machines/opportunity.js';
import type { TaskEmitted } from '../../src/machines/task.js';
import { LEAD_METRICS_EVENT_TYPES } from '../../src/metrics/lead-metrics.js';
import { METRICS_EVENT_TYPES } from '../../src/metrics/metrics.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { type FieldValues, OPPORTUNITY_STAGE_IDS, type OpportunityStageId } from '../../src/rules/stages.js';
import {
  DEFAULT_BEHAVIOUR,
  DEFAULT_OPPORTUNITY_BEHAVIOUR,
  type OpportunityBehaviour,
} from '../../src/simulate/behaviour.js';
import { runSimulation, type SimulationExtension } from '../../src/simulate/run.js';
import { calendar as simulationCalendar, staffed } from '../simulate/helpers.js';
import { DAY, HOUR, licence, rawLead, setup } from './helpers.js';

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

/** Every stored event that does not match the catalogue, as one line each. */
function mismatches(events: readonly StoredEvent[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    const result = parseLogEvent(event);
    if (!result.ok)
      out.push(
        `${event.type} (${event.kind}) #${event.seq}: ${result.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      );
  }
  // One line per distinct problem is enough to read.
  return [...new Set(out.map((line) => line.replace(/ #\d+:/, ':')))];
}

/** A short simulation with opportunities that win, lose, roll back and get delivery delays. */
async function simulatedLog(): Promise<StoredEvent[]> {
  let engine: Engine | undefined;
  const capture: SimulationExtension = {
    name: 'capture',
    setup(context) {
      engine = context.engine;
    },
  };
  const opportunities: OpportunityBehaviour = {
    ...DEFAULT_OPPORTUNITY_BEHAVIOUR,
    stages: Object.fromEntries(
      OPPORTUNITY_STAGE_IDS.map((id) => [
        id,
        { planMedianMs: DAY, planSigma: 0.3, loseShare: 0.1, rollbackShare: 0.1 },
      ]),
    ) as OpportunityBehaviour['stages'],
    stallShare: 0.2,
    deliveryDelayShare: 0.5,
    deliveryDelayMinMs: DAY,
    deliveryDelayMaxMs: 2 * DAY,
  };
  await runSimulation({
    ruleSet: zhikongPreset.ruleSet,
    team: staffed,
    calendar: simulationCalendar,
    seed: 7,
    days: 30,
    leadsPerMonth: 1_500,
    behaviour: { ...DEFAULT_BEHAVIOUR, opportunities },
    extensions: [capture],
  });
  return engine!.storage.readEvents();
}

/** What the simulation does not do: pauses, recycles, merges, handovers, customer reviews, task commands. */
async function drivenLog(): Promise<StoredEvent[]> {
  const ruleSet = structuredClone(zhikongPreset.ruleSet);
  ruleSet.sla = {
    policies: [
      ...(ruleSet.sla?.policies ?? []),
      {
        id: 'decision-3d',
        entity: 'lead',
        startOn: ['lead.assigned'],
        stopOn: ['lead.converted', 'lead.disqualified', 'lead.merged'],
        pauseOn: ['lead.nurturing'],
        resumeOn: ['lead.recycled'],
        target: '3d',
        clock: 'wall',
        onBreach: [{ type: 'escalate', to: 'supervisor' }],
      },
    ],
  };
  // The after-sales equipment file early too, so its maintenance reminders show in a short run.
  ruleSet.opportunity = {
    tasks: [
      { on: 'stageEntered', stage: 'needsDiagnosis', kind: 'afterSalesFile' },
      { on: 'stageEntered', stage: 'solutionMatching', kind: 'technicalFeasibility' },
    ],
  };
  const { engine, clock } = setup({ ruleSet });
  await engine.ingest({ nonsense: true });

  const customer = {
    id: 'hq',
    name: '某汽车集团',
    region: '浙江',
    industry: '汽车零部件',
    groupId: 'g-1',
    ownerRepId: 'rep-a',
    uscc: '91350100M000100Y43',
    registeredAddress: '浙江省宁波市北仑区新碶街道 12 号',
  };
  await engine.upsertCustomer(customer);
  await engine.upsertCustomer({
    ...customer,
    id: 'sub',
    ...licence(2),
    name: '某汽车集团宁波工厂',
    parentId: 'hq',
  });
  await engine.upsertCustomer({ ...customer, id: 'hq-again', name: '某汽车集团(重复录入)' });
  await engine.upsertCustomer({
    ...customer,
    purchases: ['2026-01-05', '2026-02-01', '2026-02-20'].map((date) => ({
      model: 'PLC-300',
      date,
      quantity: 1,
      amount: 50_000,
    })),
    renewals: ['accepted', 'declined', 'declined', 'declined'].map((outcome, i) => ({
      date: `2025-0${i + 1}-15`,
      outcome,
    })),
  });
  await engine.reviewCustomer('hq', { failureIntervalDays: { 'PLC-300': 540 } });

  // A lead put on hold (its clock pauses) and recycled (it resumes); another merged into it.
  const first = await engine.ingest(rawLead(clock.now(), { contact: { phone: '13900000001' } }));
  if (first.status !== 'accepted' || first.decision.kind !== 'assign') throw new Error('fixture');
  await engine.open(first.leadId, first.decision.repId);
  await engine.recordFollowUp(first.leadId, {
    status: '客户预算冻结',
    nextAction: '季度末再联系',
    outcome: 'on-hold',
  });
  clock.advanceBy(HOUR);
  await engine.dispatch(first.leadId, { type: 'RECYCLE', reason: '客户转向竞品' });
  const second = await engine.ingest(rawLead(clock.now(), { contact: { phone: '13900000002' } }));
  if (second.status !== 'accepted') throw new Error('fixture');
  await engine.dispatch(second.leadId, { type: 'MERGE', intoLeadId: first.leadId });
  const third = await engine.ingest(rawLead(clock.now(), { contact: { phone: '13900000003' } }));
  if (third.status !== 'accepted' || third.decision.kind !== 'assign') throw new Error('fixture');
  const owner = third.decision.repId;

  // Opportunities with department tasks: one escalated and reassigned by hand, one cancelled.
  await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
  await engine.createOpportunity({ customerId: 'hq', name: '总部视觉检测', opportunityId: 'opp-2' });
  for (const id of ['opp-1', 'opp-2'])
    for (const stage of OPPORTUNITY_STAGE_IDS.slice(0, 2))
      await engine.opportunity(id, { type: 'ADVANCE', fields: FILLED[stage] });
  const technical = (id: string) =>
    engine
      .tasksOf(id)
      .then((all) => all.filter((t) => t.record.machine.context.kind === 'technicalFeasibility'));
  const [task1] = await technical('opp-1');
  const [task2] = await technical('opp-2');
  // Maintenance: one reminder due within the run, one the calendar (2026 only) cannot place.
  for (const [id, maintenanceStart] of [
    ['opp-1', '2026-03-04'],
    ['opp-2', '2027-01-15'],
  ] as const) {
    const file = (await engine.tasksOf(id)).find((t) => t.record.machine.context.kind === 'afterSalesFile')!;
    await engine.task(file.id, {
      type: 'COMPLETE',
      result: { equipmentList: ['PLC-300'], maintenanceStart },
    });
  }
  await engine.task(task1!.id, {
    type: 'ACKNOWLEDGE',
    by: task1!.record.machine.context.assigneeId ?? 'eng',
  });
  await engine.task(task1!.id, { type: 'ESCALATE', to: 'eng-head' });
  await engine.task(task1!.id, { type: 'REASSIGN', to: 'eng-li' });
  await engine.task(task2!.id, { type: 'CANCEL', reason: '商机已丢单' });

  // Handovers: the customer and its opportunities (rep-a), and the third lead's owner.
  await engine.handover('rep-a', 'rep-b');
  if (owner !== 'rep-b') await engine.handover(owner, 'rep-b');
  await engine.advanceTo(clock.now() + 6 * DAY);
  return engine.storage.readEvents();
}

describe('the event log catalogue', () => {
  it('lists each type once, with a data schema per type and nothing else', () => {
    expect(new Set(LOG_EVENT_TYPES).size).toBe(LOG_EVENT_TYPES.length);
    expect(Object.keys(logEventDataSchemas).sort()).toEqual([...LOG_EVENT_TYPES].sort());
  });

  it('has every type the metrics read', () => {
    const known = new Set<string>(LOG_EVENT_TYPES);
    expect(METRICS_EVENT_TYPES.filter((type) => !known.has(type))).toEqual([]);
    expect(LEAD_METRICS_EVENT_TYPES.filter((type) => !known.has(type))).toEqual([]);
  });

  it('types each event by its type (and kind), inferred from the schemas', () => {
    expectTypeOf<LeadflowLogEvent['type']>().toEqualTypeOf<LogEventType>();
    expectTypeOf<LeadflowLogEvent>().toExtend<StoredEvent>();
    expectTypeOf<LogEventData<'lead.assigned'>>().toEqualTypeOf<{ repId: string; by: string }>();
    expectTypeOf<LogEventOf<'lead.quarantined'>['kind']>().toEqualTypeOf<'quarantine'>();
    expectTypeOf<LogEventOf<'sla.breached'>['kind']>().toEqualTypeOf<'lead' | 'opportunity' | 'task'>();
    expectTypeOf<Extract<LogEventOf<'sla.met'>, { kind: 'lead' }>['data']['cycle']>().toEqualTypeOf<number>();
    expectTypeOf<Extract<LogEventOf<'sla.met'>, { kind: 'opportunity' }>['data']>().not.toHaveProperty(
      'cycle',
    );
    // The machines' emitted events are logged as emitted: the same types.
    expectTypeOf<LogEventData<'opportunity.stageEntered'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.stageEntered' }>
    >();
    expectTypeOf<LogEventData<'opportunity.stageLeft'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.stageLeft' }>
    >();
    expectTypeOf<LogEventData<'opportunity.rolledBack'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.rolledBack' }>
    >();
    expectTypeOf<LogEventData<'opportunity.won'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.won' }>
    >();
    expectTypeOf<LogEventData<'opportunity.lost'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.lost' }>
    >();
    expectTypeOf<LogEventData<'opportunity.ownerChanged'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.ownerChanged' }>
    >();
    expectTypeOf<LogEventData<'opportunity.deliveryDelayFlagged'>>().branded.toEqualTypeOf<
      Extract<OpportunityEmitted, { type: 'opportunity.deliveryDelayFlagged' }>
    >();
    expectTypeOf<LogEventData<'task.acknowledged'>>().branded.toEqualTypeOf<
      Extract<TaskEmitted, { type: 'task.acknowledged' }>
    >();
    expectTypeOf<LogEventData<'task.escalated'>>().branded.toEqualTypeOf<
      Extract<TaskEmitted, { type: 'task.escalated' }>
    >();
    expectTypeOf<LogEventData<'task.reassigned'>>().branded.toEqualTypeOf<
      Extract<TaskEmitted, { type: 'task.reassigned' }>
    >();
    expectTypeOf<LogEventData<'task.cancelled'>>().branded.toEqualTypeOf<
      Extract<TaskEmitted, { type: 'task.cancelled' }>
    >();
    expectTypeOf<Omit<LogEventData<'task.completed'>, 'result'>>().branded.toEqualTypeOf<
      Omit<Extract<TaskEmitted, { type: 'task.completed' }>, 'result'>
    >();
  });

  it('narrows stored events by type; a host’s own types and kinds are left out', () => {
    const assigned: StoredEvent = {
      seq: 1,
      entityId: 'lead-1',
      kind: 'lead',
      type: 'lead.assigned',
      at: 0,
      data: { repId: 'rep-a', by: 'claim' },
    };
    const custom: StoredEvent = { ...assigned, seq: 2, type: 'host.custom', data: null };
    const otherKind: StoredEvent = { ...assigned, seq: 3, kind: 'host' };
    expect(isLogEvent(assigned, 'lead.assigned')).toBe(true);
    expect(isLogEvent(assigned, 'lead.opened')).toBe(false);
    expect(isLogEvent(otherKind, 'lead.assigned')).toBe(false);
    if (isLogEvent(assigned, 'lead.assigned')) expectTypeOf(assigned.data.repId).toEqualTypeOf<string>();
    expect(narrowLogEvent(custom)).toBeUndefined();
    expect(narrowLogEvent(otherKind)).toBeUndefined();
    const event = narrowLogEvent(assigned);
    expect(event?.type === 'lead.assigned' ? event.data.repId : undefined).toBe('rep-a');
  });

  it('names what does not match: unknown type, wrong kind, missing and extra data fields', () => {
    const base = { seq: 1, entityId: 'lead-1', kind: 'lead', at: 0 } as const;
    expect(parseLogEvent({ ...base, type: 'host.custom', data: null })).toEqual({
      ok: false,
      issues: [{ path: 'type', message: '"host.custom" is not an event type leadflow writes' }],
    });
    expect(parseLogEvent({ ...base, kind: 'customer', type: 'sla.met', data: null })).toEqual({
      ok: false,
      issues: [
        { path: 'kind', message: 'sla.met is written under kind lead, opportunity or task, not "customer"' },
      ],
    });
    const wrong = parseLogEvent({ ...base, type: 'lead.assigned', data: { repId: 7, extra: true } });
    expect(wrong.ok ? [] : wrong.issues.map((i) => i.path)).toEqual(['data.repId', 'data.by', 'data.extra']);
    expect(parseLogEvent({ ...base, type: 'lead.assigned', data: { repId: 'rep-a', by: 'claim' } })).toEqual({
      ok: true,
      value: { ...base, type: 'lead.assigned', data: { repId: 'rep-a', by: 'claim' } },
    });
  });

  it('describes every event a simulation and a driven engine write, and every catalogued type occurs', async () => {
    const simulated = await simulatedLog();
    const driven = await drivenLog();
    expect(simulated.length).toBeGreaterThan(1_000);
    expect(mismatches(simulated)).toEqual([]);
    expect(mismatches(driven)).toEqual([]);
    const seen = new Set([...simulated, ...driven].map((event) => event.type));
    expect(LOG_EVENT_TYPES.filter((type) => !seen.has(type))).toEqual([]);
    // Both kinds of SLA clock occur.
    const slaKinds = new Set(
      [...simulated, ...driven].filter((e) => e.type.startsWith('sla.')).map((e) => e.kind),
    );
    expect(slaKinds).toEqual(new Set(['lead', 'opportunity']));
  });
});
