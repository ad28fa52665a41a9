import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { durationStats } from '../../src/metrics/stats.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

const calendar = chinaCalendar({ years: [2026] });
const at = (local: string) => Date.parse(`${local}+08:00`);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let seq = 0;
const event = (
  kind: string,
  entityId: string,
  type: string,
  when: number,
  data: Record<string, unknown> = {},
): StoredEvent => ({
  seq: ++seq,
  kind,
  entityId,
  type,
  at: when,
  data: data as StoredEvent['data'],
});
const complete = (all: boolean) => ({
  contactPoint: true,
  contactName: true,
  budget: all,
  need: true,
  city: all,
});

const log: StoredEvent[] = [
  // Leads: two complete, one missing budget and city; one duplicate merged.
  event('lead', 'l1', 'lead.received', at('2026-03-02T10:00:00'), {
    qualified: true,
    complete: complete(true),
  }),
  event('lead', 'l1', 'lead.assigned', at('2026-03-02T10:01:00'), { repId: 'rep-a' }),
  event('lead', 'l1', 'lead.opened', at('2026-03-02T10:20:00'), { repId: 'rep-a' }),
  event('lead', 'l1', 'lead.followedUp', at('2026-03-02T15:00:00'), { repId: 'rep-a' }),
  event('lead', 'l2', 'lead.received', at('2026-03-02T11:00:00'), {
    qualified: true,
    complete: complete(true),
  }),
  event('lead', 'l2', 'lead.assigned', at('2026-03-02T11:02:00'), { repId: 'rep-a' }),
  event('lead', 'l2', 'lead.opened', at('2026-03-02T12:30:00'), { repId: 'rep-a' }), // 88 min: late
  event('lead', 'l3', 'lead.received', at('2026-03-02T14:00:00'), {
    qualified: true,
    complete: complete(false),
  }),
  event('lead', 'l3', 'lead.assigned', at('2026-03-02T14:01:00'), { repId: 'rep-b' }),
  event('lead', 'l1', 'lead.duplicate', at('2026-03-02T16:00:00'), { matchedOn: 'phone' }),
  // Opportunity o1: leadConfirmation left after 2 days, before its planned next contact (on time);
  // needsDiagnosis planned 1 day, rolled back after 2 (missed); back in leadConfirmation, then lost.
  event('opportunity', 'o1', 'opportunity.created', at('2026-03-03T10:00:00'), { ownerId: 'rep-a' }),
  event('opportunity', 'o1', 'opportunity.stageEntered', at('2026-03-03T10:00:00'), {
    stage: 'leadConfirmation',
    ownerId: 'rep-a',
  }),
  event('opportunity', 'o1', 'opportunity.nextContactPlanned', at('2026-03-03T11:00:00'), {
    stage: 'leadConfirmation',
    plannedAt: at('2026-03-06T10:00:00'),
  }),
  event('opportunity', 'o1', 'opportunity.stageLeft', at('2026-03-05T10:00:00'), {
    stage: 'leadConfirmation',
    via: 'advance',
    to: 'needsDiagnosis',
    dwellMs: 2 * DAY,
  }),
  event('opportunity', 'o1', 'opportunity.stageEntered', at('2026-03-05T10:00:00'), {
    stage: 'needsDiagnosis',
    ownerId: 'rep-a',
  }),
  event('opportunity', 'o1', 'opportunity.nextContactPlanned', at('2026-03-05T11:00:00'), {
    stage: 'needsDiagnosis',
    plannedAt: at('2026-03-06T10:00:00'),
  }),
  event('opportunity', 'o1', 'opportunity.stageLeft', at('2026-03-07T10:00:00'), {
    stage: 'needsDiagnosis',
    via: 'rollback',
    to: 'leadConfirmation',
    dwellMs: 2 * DAY,
  }),
  event('opportunity', 'o1', 'opportunity.rolledBack', at('2026-03-07T10:00:00'), {
    from: 'needsDiagnosis',
    to: 'leadConfirmation',
  }),
  event('opportunity', 'o1', 'opportunity.stageEntered', at('2026-03-07T10:00:00'), {
    stage: 'leadConfirmation',
    ownerId: 'rep-a',
  }),
  event('opportunity', 'o1', 'opportunity.nextContactPlanned', at('2026-03-07T11:00:00'), {
    stage: 'leadConfirmation',
    plannedAt: at('2026-03-09T10:00:00'),
  }),
  event('opportunity', 'o1', 'opportunity.stageLeft', at('2026-03-08T10:00:00'), {
    stage: 'leadConfirmation',
    via: 'lost',
    to: 'lost',
    dwellMs: DAY,
  }),
  event('opportunity', 'o1', 'opportunity.lost', at('2026-03-08T10:00:00'), {}),
  // Opportunity o2: stuck in needsDiagnosis since 03-04 → stalled at asOf (03-20).
  event('opportunity', 'o2', 'opportunity.created', at('2026-03-03T12:00:00'), { ownerId: 'rep-b' }),
  event('opportunity', 'o2', 'opportunity.stageEntered', at('2026-03-03T12:00:00'), {
    stage: 'leadConfirmation',
    ownerId: 'rep-b',
  }),
  event('opportunity', 'o2', 'opportunity.stageLeft', at('2026-03-04T12:00:00'), {
    stage: 'leadConfirmation',
    via: 'advance',
    to: 'needsDiagnosis',
    dwellMs: DAY,
  }),
  event('opportunity', 'o2', 'opportunity.stageEntered', at('2026-03-04T12:00:00'), {
    stage: 'needsDiagnosis',
    ownerId: 'rep-b',
  }),
  // Department tasks: technical answered in 30 h (due 48 h), production overdue and still open.
  event('task', 't1', 'task.created', at('2026-03-05T10:00:00'), {
    department: 'technical',
    dueAt: at('2026-03-07T10:00:00'),
  }),
  event('task', 't1', 'task.acknowledged', at('2026-03-05T12:00:00'), {}),
  event('task', 't1', 'task.completed', at('2026-03-06T16:00:00'), {}),
  event('task', 't2', 'task.created', at('2026-03-05T10:00:00'), {
    department: 'production',
    dueAt: at('2026-03-06T10:00:00'),
  }),
  event('task', 't2', 'task.overdue', at('2026-03-06T10:00:00'), {}),
  // Customers: 3 created, 1 duplicate entry; 2 cross-sell findings, 1 risk alert.
  event('customer', 'c1', 'customer.created', at('2026-03-02T09:00:00')),
  event('customer', 'c2', 'customer.created', at('2026-03-02T09:00:00')),
  event('customer', 'c3', 'customer.created', at('2026-03-02T09:00:00')),
  event('customer', 'c1', 'customer.duplicateEntry', at('2026-03-02T09:30:00')),
  event('customer', 'c1', 'customer.crossSell', at('2026-03-10T09:00:00')),
  event('customer', 'c2', 'customer.crossSell', at('2026-03-10T09:00:00')),
  event('customer', 'c3', 'customer.risk', at('2026-03-10T09:00:00')),
];

const report = computeMetrics(log, {
  from: at('2026-03-01T00:00:00'),
  to: at('2026-04-01T00:00:00'),
  asOf: at('2026-03-20T10:00:00'),
  calendar,
  targets: {
    assignedWithinShare: 0.95,
    assignWithin: 5 * 60_000,
    followedUpWithinShare: 0.9,
    firstFollowUpWithin: DAY,
    advancedOnTimeShare: 0.85,
  },
});

describe('computeMetrics on a hand-computed log', () => {
  it('computes the three action-certainty figures with pass/fail', () => {
    expect(report.actionCertainty.assignedWithinTarget).toMatchObject({ met: 3, missed: 0, passed: true });
    expect(report.actionCertainty.followedUpWithinTarget).toMatchObject({
      met: 1,
      missed: 2,
      share: 1 / 3,
      passed: false,
    });
    // leadConfirmation visit advanced before its plan (met); needsDiagnosis visit rolled back
    // (missed); the second leadConfirmation visit closed lost before its plan (met: decided).
    expect(report.actionCertainty.advancedOnTime).toMatchObject({
      met: 2,
      missed: 1,
      pending: 0,
      share: 2 / 3,
      passed: false,
    });
    expect(report.targets.map((t) => [t.name, t.passed])).toEqual([
      ['assigned within target', true],
      ['first follow-up within target', false],
      ['advanced by planned next contact', false],
    ]);
  });

  it('computes the funnel, stage dwell and rollbacks, and the stalled opportunities with their counts', () => {
    expect(report.funnel).toEqual({
      leads: 3,
      validLeads: 3,
      opportunities: 2,
      won: 0,
      lost: 1,
      leadToOpportunity: 2 / 3,
      winRate: 0,
    });
    expect(report.stages.leadConfirmation).toEqual({
      dwell: durationStats([2 * DAY, DAY, DAY]),
      rollbacks: 0,
    });
    expect(report.stages.needsDiagnosis).toEqual({ dwell: durationStats([2 * DAY]), rollbacks: 1 });
    const o2 = {
      opportunityId: 'o2',
      stage: 'needsDiagnosis',
      dwellMs: at('2026-03-20T10:00:00') - at('2026-03-04T12:00:00'),
      ownerId: 'rep-b',
    };
    expect(report.stalled).toEqual({
      afterMs: 5 * DAY,
      count: 1,
      byStage: {
        leadConfirmation: 0,
        needsDiagnosis: 1,
        solutionMatching: 0,
        sampleQuotation: 0,
        contractReview: 0,
        deliveryKickoff: 0,
      },
      top5: [o2],
    });
    // The compatibility field keeps the same rows.
    expect(report.stalledTop5).toEqual([o2]);
  });

  it('lists the leads stalled in one state for more than 5 days, with their counts', () => {
    // As of 03-20: l1 followed up on 03-02 15:00, l2 opened at 12:30, l3 assigned at 14:01.
    expect(report.leads.stalled).toMatchObject({
      count: 3,
      byState: { assigned: 1, opened: 1, contacted: 1, 'awaitingAssignment.queued': 0 },
      top5: [
        { leadId: 'l2', state: 'opened', ownerId: 'rep-a' },
        { leadId: 'l3', state: 'assigned', ownerId: 'rep-b' },
        { leadId: 'l1', state: 'contacted', dwellMs: at('2026-03-20T10:00:00') - at('2026-03-02T15:00:00') },
      ],
    });
  });

  it('computes data completeness, department response times and duplicate / cross-sell counts', () => {
    expect(report.dataCompleteness).toEqual({
      all: 2 / 3,
      fields: { contactPoint: 1, contactName: 1, budget: 2 / 3, need: 1, city: 2 / 3 },
      leads: 3,
      complete: 2,
      filled: { contactPoint: 3, contactName: 3, budget: 2, need: 3, city: 2 },
    });
    expect(report.departmentTasks.technical).toEqual({
      created: 1,
      done: 1,
      overdue: 0,
      acknowledge: durationStats([2 * HOUR]),
      complete: durationStats([30 * HOUR]),
      onTime: 1,
      onTimeShare: 1,
    });
    expect(report.departmentTasks.production).toMatchObject({
      created: 1,
      done: 0,
      overdue: 1,
      onTimeShare: null,
    });
    expect(report.duplicateEntryRate).toEqual({ leads: 1 / 4, customers: 1 / 4 });
    expect(report.duplicateEntries).toEqual({
      leads: { duplicates: 1, entries: 4 },
      customers: { duplicates: 1, entries: 4 },
    });
    expect(report.crossSellIdentified).toBe(2);
    expect(report.riskAlerts).toBe(1);
  });

  it('computes per-rep completion and timeliness by action type', () => {
    expect(report.perRep['rep-a']).toEqual({
      open: { due: 2, done: 2, onTime: 1, completionRate: 1, timeliness: 0.5 },
      firstFollowUp: { due: 2, done: 1, onTime: 1, completionRate: 0.5, timeliness: 1 },
      stageAdvance: { due: 3, done: 2, onTime: 2, completionRate: 2 / 3, timeliness: 1 },
    });
    expect(report.perRep['rep-b']?.open).toEqual({
      due: 1,
      done: 0,
      onTime: 0,
      completionRate: 0,
      timeliness: null,
    });
  });
});
