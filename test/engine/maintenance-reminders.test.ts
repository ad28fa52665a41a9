/**
 * Seed 000: ③ 售后部预生成《客户设备档案》并推送保养提醒日历. When the after-sales equipment file is
 * completed, the engine keeps its maintenance calendar itself: each reminder is a durable timer
 * (the next one scheduled when one fires), sent through the outbox to the after-sales head, on a
 * working time, never lost to a short month.
 */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { FieldValues, OpportunityStageId } from '../../src/rules/stages.js';
import { OPPORTUNITY_STAGE_IDS } from '../../src/rules/stages.js';
import { licence, setup, shanghai } from './helpers.js';

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
    deliveryDate: '2026-01-31',
    kickoffMeetingAt: '2026-01-20',
  },
};
const local = (t: number) =>
  DateTime.fromMillis(t, { zone: 'Asia/Shanghai' }).toFormat("yyyy-MM-dd'T'HH:mm ccc");

async function wonWithEquipmentFile(start: string, maintenanceStart: unknown, extra: FieldValues = {}) {
  const context = setup({ start });
  const { engine } = context;
  const log: { type: string; data: Record<string, unknown> }[] = [];
  engine.on('task.event', (event) =>
    log.push({ type: event.type, data: event.data as Record<string, unknown> }),
  );
  await engine.upsertCustomer({
    id: 'c-1',
    name: '台州恒锐',
    region: '浙江',
    industry: '汽车零部件',
    ownerRepId: 'rep-a',
    ...licence(1),
  });
  await engine.createOpportunity({ customerId: 'c-1', name: '壳体产线', opportunityId: 'opp-1' });
  for (const stage of OPPORTUNITY_STAGE_IDS) {
    await engine.opportunity('opp-1', {
      type: stage === 'deliveryKickoff' ? 'WIN' : 'ADVANCE',
      fields: FILLED[stage],
    });
  }
  const file = (await engine.tasksOf('opp-1')).find(
    (t) => t.record.machine.context.kind === 'afterSalesFile',
  )!;
  await engine.task(file.id, {
    type: 'COMPLETE',
    result: { equipmentList: ['CNC-01 加工中心'], maintenanceStart, ...extra } as FieldValues,
    by: 'svc-wu',
  });
  const reminders = () => context.notifier.sent.filter((m) => m.template === 'maintenance-reminder');
  const scheduled = () =>
    log.filter((e) => e.type === 'task.maintenanceScheduled').map((e) => local(e.data.dueAt as number));
  return { ...context, log, file, reminders, scheduled };
}

describe('maintenance reminders scheduled by the engine', () => {
  it('quarterly from a Saturday 31 January delivery: Monday 2 Feb, 30 April (kept), 31 July, Monday 2 Nov', async () => {
    const run = await wonWithEquipmentFile('2026-01-30T10:00:00', '2026-01-31');
    // Completion schedules only the next reminder, as a durable timer.
    expect(run.scheduled()).toEqual(['2026-02-02T09:00 Mon']);
    await run.engine.advanceTo(shanghai('2026-02-02T08:59:00'));
    expect(run.reminders()).toEqual([]);
    await run.engine.advanceTo(shanghai('2026-02-02T09:01:00'));
    expect(run.reminders().map((m) => m.to)).toEqual([['svc-wu']]);
    expect(run.reminders()[0]!.text).toContain('CNC-01');
    await run.engine.advanceTo(shanghai('2026-11-30T00:00:00'));
    expect(run.scheduled()).toEqual([
      '2026-02-02T09:00 Mon', // Sat 31 Jan (a date-only delivery date, read in Shanghai) → Monday
      '2026-04-30T09:00 Thu', // April has no 31st: its last day — the eve of May Day, a working day
      '2026-07-31T09:00 Fri',
      '2026-11-02T09:00 Mon', // Sat 31 Oct → Monday
    ]);
    expect(run.reminders()).toHaveLength(4);
    expect(run.log.filter((e) => e.type === 'task.maintenanceDue').map((e) => e.data.occurrence)).toEqual([
      1, 2, 3, 4,
    ]);
    // January 2027 is past the calendar's holiday data: said, not silently dropped.
    expect(run.log.filter((e) => e.type === 'task.maintenanceUnscheduled')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ occurrence: 5 }) }),
    ]);
  });

  it('a first maintenance due the morning the file is completed is still reminded that day', async () => {
    const run = await wonWithEquipmentFile('2026-03-31T08:00:00', '2026-03-31');
    expect(run.scheduled()).toEqual(['2026-03-31T09:00 Tue']);
  });

  it('a rule that ends (COUNT=2, given with the result) sends two reminders, then schedules nothing', async () => {
    const run = await wonWithEquipmentFile('2026-03-02T10:00:00', '2026-03-16', {
      maintenanceRrule: 'FREQ=MONTHLY;INTERVAL=6;COUNT=2',
    });
    await run.engine.advanceTo(shanghai('2026-12-01T00:00:00'));
    expect(run.scheduled()).toEqual(['2026-03-16T09:00 Mon', '2026-09-16T09:00 Wed']);
    expect(run.reminders()).toHaveLength(2);
    expect(run.log.filter((e) => e.type === 'task.maintenanceUnscheduled')).toEqual([]);
  });
});
