// Customer rules run on their own (issue #18): recorded purchases, renewals and receivables review
// the customer in the same commit, and a daily review catches facts that age (days past due).
// Seed 003: "当CRM识别出某客户连续3次拒绝续费方案,系统可自动触发服务团队介入,并同步推送该客户过去12个月的
// 工单解决时效、工程师上门次数、备件更换频次等深度服务数据". Seed 000: "当CRM识别到某客户连续3次采购同一型号产品时,
// 系统自动推送'延保服务包'推荐话术,并关联历史故障率数据(如该型号近三年平均故障间隔为1,240小时)".
// Seed 000 (risk): "应收账款超120天且技术联系频次下降".
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { nextDailyReview } from '../../src/engine/customer-review.js';
import type { CustomerKnowledge } from '../../src/rules/customer-rules.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { calendar, DAY, licence, setup, shanghai } from './helpers.js';

const SERVICE_HISTORY = { tickets: 7, meanResolutionHours: 30, onsiteVisits: 3, partsReplaced: 5 };
const knowledge = (): CustomerKnowledge => ({
  failureIntervalHours: { 'PLC-300': 1240 },
  serviceHistory: { 'c-1': SERVICE_HISTORY },
});

async function withCustomer(
  overrides: Parameters<typeof setup>[0] = {},
  extra: Record<string, unknown> = {},
) {
  const context = setup({ customerKnowledge: knowledge, ...overrides });
  await context.engine.upsertCustomer({
    id: 'c-1',
    name: '台州恒锐机械有限公司',
    region: '浙江',
    industry: '汽车零部件',
    ownerRepId: 'rep-a',
    ...licence(1),
    ...extra,
  });
  return context;
}

const kindsOf = async (
  engine: ReturnType<typeof setup>['engine'],
  type: 'customer.risk' | 'customer.crossSell',
) =>
  (await engine.storage.readEvents({ entityId: 'c-1', types: [type] })).map(
    (e) => (e.data as { kind: string }).kind,
  );

describe('recorded history reviews the customer in the same commit', () => {
  it('the third declined renewal in a row brings the service team in, with 12 months of service data', async () => {
    const { engine, notifier } = await withCustomer();
    const decline = (date: string) =>
      engine.recordCustomerHistory('c-1', { renewals: [{ date, outcome: 'declined' }] });
    expect((await decline('2026-01-05')).reported).toEqual([]);
    expect((await decline('2026-02-05')).reported).toEqual([]);
    const third = await decline('2026-03-01');
    expect(third.reported).toEqual(['declined-renewals']);
    expect(third.customer.findings?.['declined-renewals']).toMatchObject({
      section: 'risk',
      kind: 'service-intervention',
    });
    await engine.idle();
    const sent = notifier.sent.filter((m) => m.template === 'renewal-intervention');
    expect(sent).toHaveLength(1);
    const [risk] = await engine.storage.readEvents({ entityId: 'c-1', types: ['customer.risk'] });
    expect(risk?.data).toMatchObject({
      ruleId: 'declined-renewals',
      details: { consecutiveDeclinedRenewals: 3, serviceHistory: SERVICE_HISTORY },
    });
  });

  it('a finding that still holds is not sent again; once it stops holding, the next run reports it again', async () => {
    const { engine, clock, notifier } = await withCustomer();
    for (const date of ['2026-01-05', '2026-02-05', '2026-03-01'])
      await engine.recordCustomerHistory('c-1', { renewals: [{ date, outcome: 'declined' }] });
    clock.advanceBy(DAY);
    expect(
      (await engine.recordCustomerHistory('c-1', { renewals: [{ date: '2026-03-02', outcome: 'declined' }] }))
        .reported,
    ).toEqual([]);
    const accepted = await engine.recordCustomerHistory('c-1', {
      renewals: [{ date: '2026-03-03', outcome: 'accepted' }],
    });
    expect(accepted.customer.findings?.['declined-renewals']).toBeUndefined();
    for (const date of ['2026-03-04', '2026-03-05'])
      await engine.recordCustomerHistory('c-1', { renewals: [{ date, outcome: 'declined' }] });
    clock.advanceBy(DAY);
    const again = await engine.recordCustomerHistory('c-1', {
      renewals: [{ date: '2026-03-06', outcome: 'declined' }],
    });
    expect(again.reported).toEqual(['declined-renewals']);
    expect(await kindsOf(engine, 'customer.risk')).toEqual(['service-intervention', 'service-intervention']);
    await engine.idle();
    expect(notifier.sent.filter((m) => m.template === 'renewal-intervention')).toHaveLength(2);
  });

  it('the third purchase of the same model recommends the extended warranty with its MTBF in hours', async () => {
    const { engine } = await withCustomer();
    const buy = (date: string, model = 'PLC-300') =>
      engine.recordCustomerHistory('c-1', { purchases: [{ model, date, quantity: 1, amount: 50_000 }] });
    await buy('2026-01-05');
    await buy('2026-01-20', 'HMI-10');
    await buy('2026-02-01');
    expect((await buy('2026-02-20')).reported).toEqual([]); // PLC, HMI, PLC, PLC: two in a row
    const third = await buy('2026-02-27');
    expect(third.reported).toEqual(['extended-warranty']);
    const [event] = await engine.storage.readEvents({ entityId: 'c-1', types: ['customer.crossSell'] });
    expect(event?.data).toMatchObject({
      details: {
        lastModel: 'PLC-300',
        consecutivePurchasesOfLastModel: 3,
        failureIntervalHours: 1240,
      },
    });
  });

  it('upsertCustomer reviews when the history it writes changed, and not otherwise', async () => {
    const renewals = ['2026-01-05', '2026-02-05', '2026-03-01'].map((date) => ({
      date,
      outcome: 'declined',
    }));
    const { engine } = await withCustomer({}, { renewals });
    expect(await kindsOf(engine, 'customer.risk')).toEqual(['service-intervention']);
    await engine.upsertCustomer({
      id: 'c-1',
      name: '台州恒锐机械股份有限公司',
      region: '浙江',
      industry: '汽车零部件',
      ownerRepId: 'rep-a',
      ...licence(1),
      renewals,
    });
    expect(await kindsOf(engine, 'customer.risk')).toEqual(['service-intervention']);
    expect((await engine.getCustomer('c-1'))?.findings).toHaveProperty('declined-renewals');
  });

  it('a bad entry is refused naming it, and nothing is recorded', async () => {
    const { engine } = await withCustomer();
    await expect(
      engine.recordCustomerHistory('c-1', { renewals: [{ date: '2026-03-01', outcome: 'maybe' }] }),
    ).rejects.toThrow(/renewals\.0\.outcome|renewals\[0\]\.outcome/);
    await expect(engine.recordCustomerHistory('c-1', { payments: [] } as never)).rejects.toThrow(
      /unknown history list\(s\) payments/,
    );
    await expect(engine.recordCustomerHistory('nobody', { renewals: [] })).rejects.toThrow(/nobody/);
    expect((await engine.getCustomer('c-1'))?.customer.renewals).toEqual([]);
  });

  it('a payment replaces its invoice: the risk stops holding', async () => {
    const { engine } = await withCustomer();
    const invoice = { invoiceId: 'INV-1', amount: 80_000, invoiceDate: '2025-10-01', dueDate: '2025-10-31' };
    await engine.recordCustomerHistory('c-1', { receivables: [invoice] });
    const paid = await engine.recordCustomerHistory('c-1', {
      receivables: [{ ...invoice, paidAt: '2026-03-02' }],
    });
    expect(paid.customer.customer.receivables).toEqual([{ ...invoice, paidAt: '2026-03-02' }]);
  });
});

describe('the daily review (customers.dailyReviewAt, 09:00 by default)', () => {
  it('is armed for the next working morning: Friday 10:00 → Monday 09:00', async () => {
    const { engine } = await withCustomer({ start: '2026-03-06T10:00:00' });
    await engine.recordCustomerHistory('c-1', { renewals: [{ date: '2026-03-01', outcome: 'declined' }] });
    expect((await engine.getCustomer('c-1'))?.reviewTimer?.dueAt).toBe(shanghai('2026-03-09T09:00:00'));
  });

  it('a customer without history or group, or a rule set without it, gets no daily review', async () => {
    const { engine } = await withCustomer();
    expect((await engine.getCustomer('c-1'))?.reviewTimer).toBeUndefined();
    const off = await withCustomer({
      ruleSet: {
        ...zhikongPreset.ruleSet,
        customers: { ...zhikongPreset.ruleSet.customers, dailyReviewAt: null },
      },
    });
    await off.engine.recordCustomerHistory('c-1', {
      renewals: [{ date: '2026-03-01', outcome: 'declined' }],
    });
    expect((await off.engine.getCustomer('c-1'))?.reviewTimer).toBeUndefined();
  });

  it('catches a receivable that ages past 120 days with no new record: day 120 stays quiet, day 121 alerts the manager', async () => {
    // Due 2025-11-10: 120 days at Tuesday 10 March 09:00, 121 at Wednesday 11 March 09:00.
    const { engine, notifier } = await withCustomer({ start: '2026-03-09T10:00:00' });
    const contacts = ['2025-12-01', '2025-12-15', '2026-01-05', '2026-01-12', '2026-01-20', '2026-01-28'];
    await engine.recordCustomerHistory('c-1', {
      receivables: [
        { invoiceId: 'INV-7', amount: 120_000, invoiceDate: '2025-10-20', dueDate: '2025-11-10' },
      ],
      technicalContacts: contacts.map((at) => ({ at })),
    });
    await engine.advanceTo(shanghai('2026-03-10T12:00:00'));
    expect(await kindsOf(engine, 'customer.risk')).toEqual([]);
    await engine.advanceTo(shanghai('2026-03-11T08:59:00'));
    expect(await kindsOf(engine, 'customer.risk')).toEqual([]);
    await engine.advanceTo(shanghai('2026-03-11T09:00:00'));
    const [risk] = await engine.storage.readEvents({ entityId: 'c-1', types: ['customer.risk'] });
    expect(risk).toMatchObject({ at: shanghai('2026-03-11T09:00:00'), data: { kind: 'high-risk' } });
    expect(notifier.sent.filter((m) => m.template === 'receivables-risk')).toHaveLength(1);
    // It keeps holding: the following days' reviews do not repeat it.
    await engine.advanceTo(shanghai('2026-03-16T10:00:00'));
    expect(await kindsOf(engine, 'customer.risk')).toEqual(['high-risk']);
    expect(notifier.sent.filter((m) => m.template === 'receivables-risk')).toHaveLength(1);
    expect((await engine.getCustomer('c-1'))?.reviewTimer?.dueAt).toBe(shanghai('2026-03-17T09:00:00'));
  });
});

test.prop([
  fc.integer({ min: shanghai('2026-01-01T00:00:00'), max: shanghai('2026-12-20T00:00:00') }),
  fc.constantFrom('09:00', '08:30', '13:30', '23:59', '00:00'),
])(
  'the next daily review is later than now, within working time, and no later than the first working time after the next local HH:mm',
  (at, time) => {
    const next = nextDailyReview(at, time, calendar);
    expect(next).toBeGreaterThan(at);
    expect(calendar.isBusinessTime(next)).toBe(true);
    expect(next - at).toBeLessThanOrEqual(12 * DAY); // the longest run of days off (Spring Festival) is shorter
  },
);

test.prop([fc.array(fc.constantFrom('declined', 'accepted'), { minLength: 1, maxLength: 12 })], {
  numRuns: 25,
})('a run of declined renewals is reported once each time it reaches three', async (outcomes) => {
  const { engine } = await withCustomer();
  let expected = 0;
  let run = 0;
  for (const [i, outcome] of outcomes.entries()) {
    run = outcome === 'declined' ? run + 1 : 0;
    if (run === 3) expected++;
    const date = new Date(Date.UTC(2025, 0, 1) + i * DAY).toISOString().slice(0, 10);
    await engine.recordCustomerHistory('c-1', { renewals: [{ date, outcome }] });
  }
  expect(await kindsOf(engine, 'customer.risk')).toHaveLength(expected);
});
