import { describe, expect, it } from 'vitest';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { DAY, HOUR, licence, setup } from './helpers.js';

const confirmation = { contactConfirmed: true, budgetRange: '50-100万', decisionTimeline: '2026-06-30' };
const diagnosis = {
  painPointsTop3: ['换型慢', '良率低', '人工成本高'],
  decisionChainRoles: [{ role: '技术负责人', name: '王工' }],
  competitorAlternatives: ['西门子方案'],
};

async function withCustomers(overrides: Parameters<typeof setup>[0] = {}) {
  const context = setup(overrides);
  await context.engine.upsertCustomer({
    id: 'hq',
    name: '某汽车集团',
    region: '浙江',
    industry: '汽车零部件',
    groupId: 'g-1',
    ownerRepId: 'rep-a',
    ...licence(1),
  });
  await context.engine.upsertCustomer({
    id: 'sub',
    name: '某汽车集团宁波工厂',
    region: '浙江',
    industry: '汽车零部件',
    groupId: 'g-1',
    parentId: 'hq',
    ownerRepId: 'rep-b',
    ...licence(2),
  });
  return context;
}

describe('opportunities through the engine', () => {
  it('warns when the group already has active opportunities, naming their owners', async () => {
    const { engine } = await withCustomers();
    const first = await engine.createOpportunity({
      customerId: 'hq',
      name: '总部产线改造',
      opportunityId: 'opp-1',
    });
    expect(first.warnings).toEqual([]);
    const second = await engine.createOpportunity({
      customerId: 'sub',
      name: '宁波工厂视觉检测',
      opportunityId: 'opp-2',
    });
    expect(second.warnings).toEqual([
      {
        kind: 'groupActiveOpportunities',
        message: '该客户所属集团当前已有1个活跃商机，负责人：销售A 张伟(rep-a)',
        opportunities: [{ id: 'opp-1', name: '总部产线改造', ownerId: 'rep-a', ownerName: '销售A 张伟' }],
      },
    ]);
  });

  it('refuses to advance past a gate with the list of what is missing, changing nothing', async () => {
    const { engine } = await withCustomers();
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    await engine.opportunity('opp-1', { type: 'ADVANCE', fields: confirmation });
    const before = await engine.getOpportunity('opp-1');
    await expect(
      engine.opportunity('opp-1', { type: 'ADVANCE', fields: { painPointsTop3: ['换型慢'] } }),
    ).rejects.toThrow(
      /stage needsDiagnosis gate not met: painPointsTop3 .*; decisionChainRoles .*; competitorAlternatives/,
    );
    expect(await engine.getOpportunity('opp-1')).toEqual(before);
  });

  it('starts department tasks, escalates an overdue one to the department head, and counts rollbacks', async () => {
    const { engine, clock, notifier } = await withCustomers();
    const told: string[] = [];
    engine.on('opportunity.event', (event) => told.push(`${event.opportunityId} ${event.type}`));
    engine.on('task.event', (event) => told.push(`task ${event.type}`));
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    // 将销售商机自动触发三类协同任务 (seed 000): the opportunity starts all three at once.
    const tasks = await engine.tasksOf('opp-1');
    expect(tasks.map((t) => t.record.machine.context.kind).sort()).toEqual([
      'afterSalesFile',
      'productionPlanning',
      'technicalFeasibility',
    ]);
    const technical = tasks.find((t) => t.record.machine.context.kind === 'technicalFeasibility')!;
    const taskId = technical.id;
    expect(technical.record.machine.context.assigneeId).toBe('eng-sun');
    await engine.opportunity('opp-1', { type: 'ADVANCE', fields: confirmation });
    await engine.opportunity('opp-1', { type: 'ADVANCE', fields: diagnosis });
    // 48 h of business time (seed: 限时48小时内反馈): not overdue after 49 wall hours…
    await engine.advanceTo(clock.now() + 49 * HOUR);
    expect((await engine.getTask(taskId))?.machine.context.escalations).toEqual([]);
    // …overdue once six 8-hour working days have passed.
    await engine.advanceTo(technical.record.machine.context.dueAt! + HOUR);
    const overdue = await engine.getTask(taskId);
    expect(overdue?.machine.context.escalations).toEqual([expect.objectContaining({ to: 'eng-sun' })]);
    // Each department's overdue task goes to its own head: the technical one to 孙工 once.
    const overdueTo = notifier.sent.filter((m) => m.template === 'task-overdue').map((m) => m.to);
    expect(overdueTo.filter((to) => to.includes('eng-sun'))).toEqual([['eng-sun']]);
    await engine.task(taskId, {
      type: 'COMPLETE',
      result: { feasible: true, assessment: '节拍满足要求' },
      by: 'eng-sun',
    });
    expect((await engine.getTask(taskId))?.machine.value).toBe('done');

    await engine.opportunity('opp-1', {
      type: 'ROLLBACK',
      toStage: 'needsDiagnosis',
      reason: '客户需求变更',
    });
    const rolledBack = await engine.getOpportunity('opp-1');
    expect(rolledBack?.machine.context.stage).toBe('needsDiagnosis');
    expect(rolledBack?.machine.context.rollbacks.total).toBe(1);
    // Hosts hear every opportunity and task event after it is committed, as logged.
    expect(told).toEqual(
      expect.arrayContaining([
        'opp-1 opportunity.created',
        'opp-1 opportunity.stageEntered',
        'task task.created',
        'task task.overdue',
        'task task.completed',
        'opp-1 opportunity.rolledBack',
      ]),
    );
    expect(told.indexOf('task task.created')).toBeLessThan(told.indexOf('task task.overdue'));
  });

  it('breaches the stalled-stage policy after 5 days in one stage', async () => {
    const { engine, clock } = await withCustomers();
    const breaches: string[] = [];
    engine.on('sla.breached', (event) =>
      breaches.push(`${event.entity} ${event.entityId}:${event.policyId}`),
    );
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    await engine.advanceTo(clock.now() + 4 * DAY);
    expect(breaches).toEqual([]);
    await engine.opportunity('opp-1', { type: 'ADVANCE', fields: confirmation });
    await engine.advanceTo(clock.now() + 5 * DAY + HOUR);
    expect(breaches).toEqual(['opportunity opp-1:stage-stalled-5d']);
  });
});

describe('opportunity SLA policies', () => {
  it('start on opportunity.created as on any other opportunity event', async () => {
    const ruleSet = structuredClone(zhikongPreset.ruleSet);
    const policies = ruleSet.sla?.policies ?? [];
    policies.push({
      id: 'opp-created-1h',
      entity: 'opportunity',
      startOn: ['opportunity.created'],
      stopOn: ['opportunity.won', 'opportunity.lost'],
      target: '1h',
      clock: 'wall',
      onBreach: [{ type: 'notify', channel: 'wecom', to: 'owner', template: 'stage-stalled' }],
    });
    const { engine, clock } = await withCustomers({ ruleSet: { ...ruleSet, sla: { policies } } });
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    await engine.advanceTo(clock.now() + 3 * HOUR);
    const breaches = await engine.storage.readEvents({ entityId: 'opp-1', types: ['sla.breached'] });
    expect(breaches.map((event) => (event.data as { policyId: string }).policyId)).toEqual([
      'opp-created-1h',
    ]);
  });
});

describe('delivery delay', () => {
  it('notifies the opportunity owner when a delivery delay is flagged', async () => {
    const { engine, notifier } = await withCustomers();
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    await engine.opportunity('opp-1', { type: 'FLAG_DELIVERY_DELAY', reason: '伺服电机缺货' });
    await engine.idle(); // delivery runs beside the operations
    expect(notifier.sent.filter((m) => m.template === 'delivery-delay').map((m) => [m.to, m.text])).toEqual([
      [['rep-a'], '商机「总部产线改造」交付被标记延期风险，请启动客户安抚预案。'],
    ]);
    expect((await engine.getOpportunity('opp-1'))?.machine.context.deliveryDelayFlagged).toBe(true);
  });
});

describe('handover with opportunities', () => {
  it('moves open opportunities with the rest and lists them in the matrix', async () => {
    const { engine } = await withCustomers();
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    await engine.createOpportunity({ customerId: 'hq', name: '已丢单', opportunityId: 'opp-2' });
    await engine.opportunity('opp-2', { type: 'LOSE', reason: '预算取消' });
    const result = await engine.handover('rep-a', 'rep-c');
    expect(result.rows.filter((row) => row.kind === 'opportunity')).toEqual([
      {
        kind: 'opportunity',
        id: 'opp-1',
        name: '总部产线改造',
        state: 'leadConfirmation',
        from: 'rep-a',
        to: 'rep-c',
        access: 'rep-c:owner;sup-wang:read',
      },
    ]);
    expect(result.counts).toMatchObject({ customer: 1, opportunity: 1 });
    expect((await engine.getOpportunity('opp-1'))?.machine.context.ownerId).toBe('rep-c');
    expect(await engine.storage.lookup('opportunity', 'owner', 'rep-a')).toEqual(['opp-2']); // lost stays as history
  });
});

describe('engine KPIs and customer reviews', () => {
  it('reports every KPI through engine.metrics() and logs cross-sell / risk findings', async () => {
    const { engine, clock, notifier } = await withCustomers();
    await engine.ingest({
      receivedAt: clock.now(),
      channel: 'website_form',
      company: { name: '某汽车集团', region: '浙江', city: '宁波', industry: '汽车零部件' },
      contact: { name: '王', phone: '13500000001' },
      need: '需要一套产线自动化改造方案，下季度采购',
    });
    await engine.createOpportunity({ customerId: 'hq', name: '总部产线改造', opportunityId: 'opp-1' });
    await engine.opportunity('opp-1', { type: 'PLAN_NEXT_CONTACT', plannedAt: clock.now() + 2 * DAY });
    clock.advanceBy(DAY);
    await engine.opportunity('opp-1', { type: 'ADVANCE', fields: confirmation });
    await engine.upsertCustomer({
      id: 'hq',
      name: '某汽车集团',
      region: '浙江',
      industry: '汽车零部件',
      groupId: 'g-1',
      ownerRepId: 'rep-a',
      ...licence(1),
      purchases: ['2026-01-05', '2026-02-01', '2026-02-20'].map((date) => ({
        model: 'PLC-300',
        date,
        quantity: 1,
        amount: 50_000,
      })),
    });
    // The purchases recorded through upsertCustomer reviewed the customer in that commit.
    const logged = await engine.storage.readEvents({ entityId: 'hq', types: ['customer.crossSell'] });
    expect(logged.map((e) => (e.data as { kind: string }).kind)).toEqual([
      'extended-warranty',
      'group-cross-sell',
    ]);
    const findings = await engine.reviewCustomer('hq', { failureIntervalDays: { 'PLC-300': 540 } });
    expect(findings.map((f) => f.kind)).toEqual(['extended-warranty']);
    await engine.reviewCustomer('hq'); // still holding: neither logged nor sent again
    expect(notifier.sent.filter((m) => m.template === 'extended-warranty')).toHaveLength(1);
    const report = await engine.metrics();
    expect(report.funnel).toMatchObject({ leads: 1, opportunities: 1 });
    expect(report.actionCertainty.advancedOnTime).toMatchObject({ met: 1, missed: 0 });
    // 1 rule finding + 1 group suggestion (hq active, sub quiet), each counted once while it holds.
    expect(report.crossSellIdentified).toBe(2);
    expect(report.targets).toHaveLength(3);
  });
});
