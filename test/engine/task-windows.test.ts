/**
 * Seed 000: 技术部接收《定制化需求说明书》并限时48小时内反馈可行性 … 超时自动升级至部门负责人.
 * "48 小时内反馈" is a working-time promise: the window counts business time (the calendar's
 * hours, 2026 public holidays, 调休 make-up days) unless the rule set says `clock: 'wall'`, and SLA
 * policies may target tasks.
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createWorkSteps } from '../../src/engine/work-steps.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { calendar, HOUR, licence, MIN, setup, shanghai } from './helpers.js';

const confirmation = { contactConfirmed: true, budgetRange: '50-100万', decisionTimeline: '2026-06-30' };
const diagnosis = {
  painPointsTop3: ['换型慢', '良率低', '人工成本高'],
  decisionChainRoles: [{ role: '技术负责人', name: '王工' }],
  competitorAlternatives: ['西门子方案'],
};
const local = (t: number) =>
  DateTime.fromMillis(t, { zone: 'Asia/Shanghai' }).toFormat("yyyy-MM-dd'T'HH:mm ccc");

/**
 * The preset with one department task, technical feasibility on entering solution matching (the
 * presets start all three with the opportunity): each test here watches one task's window.
 */
const TECH_ONLY: RuleSetInput = {
  ...zhikongPreset.ruleSet,
  opportunity: {
    ...zhikongPreset.ruleSet.opportunity,
    tasks: [{ on: 'stageEntered', stage: 'solutionMatching', kind: 'technicalFeasibility' }],
  },
};

function withRules(patch: (rules: RuleSetInput) => RuleSetInput, start: string) {
  return setup({ ruleSet: patch(structuredClone(TECH_ONLY) as RuleSetInput), start });
}

/** Creates an opportunity and enters solution matching now: the technical feasibility task starts. */
async function technicalTask(context: ReturnType<typeof setup>) {
  const { engine } = context;
  await engine.upsertCustomer({
    id: 'c-1',
    name: '台州恒锐',
    region: '浙江',
    industry: '汽车零部件',
    ownerRepId: 'rep-a',
    ...licence(1),
  });
  await engine.createOpportunity({ customerId: 'c-1', name: '壳体产线', opportunityId: 'opp-1' });
  await engine.opportunity('opp-1', { type: 'ADVANCE', fields: confirmation });
  await engine.opportunity('opp-1', { type: 'ADVANCE', fields: diagnosis });
  const tasks = await engine.tasksOf('opp-1');
  return tasks.find((task) => task.record.machine.context.kind === 'technicalFeasibility')!;
}

const overdueMessages = (context: ReturnType<typeof setup>) =>
  context.notifier.sent.filter((m) => m.template === 'task-overdue');

describe('department task windows (rule set opportunity.taskWindows)', () => {
  it('Friday 16:00 + 48 h business → Monday-after-next 16:00; nothing escalates over either weekend', async () => {
    const context = setup({ ruleSet: TECH_ONLY, start: '2026-03-06T16:00:00' });
    const task = await technicalTask(context);
    const due = task.record.machine.context.dueAt!;
    // Fri 2 h, Mon–Fri 40 h, Monday 6 h: 09–12, 13–16.
    expect(local(due)).toBe('2026-03-16T16:00 Mon');
    await context.engine.advanceTo(shanghai('2026-03-08T23:59:00')); // the first Sunday
    await context.engine.advanceTo(due - MIN);
    expect(overdueMessages(context)).toEqual([]);
    await context.engine.advanceTo(due + MIN);
    expect(overdueMessages(context).map((m) => m.to)).toEqual([['eng-sun']]);
  });

  it('logs the window on task.created: clock and length, next to the due time', async () => {
    const context = setup({ ruleSet: TECH_ONLY, start: '2026-03-06T16:00:00' });
    const seen: unknown[] = [];
    context.engine.on('task.event', (event) => {
      if (event.type === 'task.created') seen.push(event.data);
    });
    await technicalTask(context);
    expect(seen).toEqual([
      expect.objectContaining({
        clock: 'business',
        withinMs: 48 * HOUR,
        dueAt: shanghai('2026-03-16T16:00:00'),
      }),
    ]);
  });

  it('clock: wall keeps the plain 48 h when the rule set asks for it (Friday 16:00 → Sunday 16:00)', async () => {
    const context = withRules(
      (rules) => ({
        ...rules,
        opportunity: {
          ...rules.opportunity,
          taskWindows: { technicalFeasibility: { within: '48h', clock: 'wall' } },
        },
      }),
      '2026-03-06T16:00:00',
    );
    const task = await technicalTask(context);
    expect(local(task.record.machine.context.dueAt!)).toBe('2026-03-08T16:00 Sun');
  });

  it('the eve of May Day: Thursday 17:00 + 16 h business skips 1–5 May → Thursday 7 May 17:00', async () => {
    const context = withRules(
      (rules) => ({
        ...rules,
        opportunity: { ...rules.opportunity, taskWindows: { technicalFeasibility: { within: '16h' } } },
      }),
      '2026-04-30T17:00:00',
    );
    const task = await technicalTask(context);
    expect(local(task.record.machine.context.dueAt!)).toBe('2026-05-07T17:00 Thu');
  });

  it('a make-up working Saturday (9 May 2026) counts: Friday 10:00 + 24 h → Tuesday 10:00, not Wednesday', async () => {
    const context = withRules(
      (rules) => ({
        ...rules,
        opportunity: { ...rules.opportunity, taskWindows: { technicalFeasibility: { within: '24h' } } },
      }),
      '2026-05-08T10:00:00',
    );
    const task = await technicalTask(context);
    expect(local(task.record.machine.context.dueAt!)).toBe('2026-05-12T10:00 Tue');
  });

  it('lunch does not count: 11:30 + 2 h → 14:30', async () => {
    const context = withRules(
      (rules) => ({
        ...rules,
        opportunity: { ...rules.opportunity, taskWindows: { technicalFeasibility: { within: '2h' } } },
      }),
      '2026-03-03T11:30:00',
    );
    const task = await technicalTask(context);
    expect(local(task.record.machine.context.dueAt!)).toBe('2026-03-03T14:30 Tue');
  });

  it('refuses an unknown task kind and a bad clock with the JSON path', () => {
    const bad = structuredClone(zhikongPreset.ruleSet) as RuleSetInput;
    (bad as { opportunity: unknown }).opportunity = {
      taskWindows: { legal: { within: '1h' }, technicalFeasibility: { within: '48h', clock: 'lunar' } },
    };
    expect(() => compileRuleSet(bad)).toThrow(/opportunity\.taskWindows/);
  });
});

describe('SLA policies on department tasks', () => {
  const ackPolicy = (rules: RuleSetInput): RuleSetInput => ({
    ...rules,
    sla: {
      policies: [
        ...(rules.sla?.policies ?? []),
        {
          id: 'tech-ack-4h',
          description: '技术部 4 个工作小时内确认收到需求说明书',
          entity: 'task',
          startOn: ['task.created'],
          stopOn: ['task.acknowledged', 'task.done'],
          target: '4h',
          clock: 'business',
          onBreach: [
            { type: 'escalate', to: 'departmentHead' },
            { type: 'notify', channel: 'wecom', to: 'departmentHead', template: 'task-overdue' },
          ],
        },
      ],
    },
  });

  it('Friday 16:00 + 4 h business breaches Monday 11:00 (not Friday 20:00), escalating to the head', async () => {
    const context = withRules(ackPolicy, '2026-03-06T16:00:00');
    const breaches: string[] = [];
    context.engine.on('sla.breached', (e) => breaches.push(`${e.entity} ${e.policyId} ${local(e.dueAt)}`));
    const task = await technicalTask(context);
    await context.engine.advanceTo(shanghai('2026-03-09T10:59:00'));
    expect(breaches).toEqual([]);
    await context.engine.advanceTo(shanghai('2026-03-09T11:01:00'));
    expect(breaches).toEqual([`task tech-ack-4h 2026-03-09T11:00 Mon`]);
    const after = await context.engine.getTask(task.id);
    expect(after?.machine.context.escalations).toEqual([
      expect.objectContaining({ to: 'eng-sun', policyId: 'tech-ack-4h' }),
    ]);
    expect(after?.sla?.clocks['tech-ack-4h']).toBeDefined();
    expect(overdueMessages(context).length).toBeGreaterThan(0);
  });

  it('acknowledged a minute before the threshold: met, never breached', async () => {
    const context = withRules(ackPolicy, '2026-03-06T16:00:00');
    const breaches: string[] = [];
    context.engine.on('sla.breached', (e) => breaches.push(e.policyId));
    const task = await technicalTask(context);
    await context.engine.advanceTo(shanghai('2026-03-09T10:59:00'));
    await context.engine.task(task.id, { type: 'ACKNOWLEDGE', by: 'eng-sun' });
    await context.engine.advanceTo(shanghai('2026-03-09T12:00:00'));
    expect(breaches).toEqual([]);
  });
});

describe('property: a business window never escalates on a non-working day', () => {
  const compiled = compileRuleSet(TECH_ONLY);
  const work = createWorkSteps({ compiled, team: zhikongPreset.team, calendar });

  it('a task created on a 2026 Friday afternoon with 48 h business is due on a working day, at working time', () => {
    // Fridays of 2026 up to November (so the deadline stays inside the calendar's year).
    const fridays: number[] = [];
    for (
      let d = DateTime.fromISO('2026-01-02', { zone: 'Asia/Shanghai' });
      d.month < 12;
      d = d.plus({ weeks: 1 })
    )
      fridays.push(d.toMillis());
    fc.assert(
      fc.property(
        fc.constantFrom(...fridays),
        fc.integer({ min: 12 * 60, max: 18 * 60 - 1 }),
        (friday, minute) => {
          const at = friday + minute * MIN;
          let { record } = work.createOpportunity(
            { opportunityId: 'o', customerId: 'c', name: 'n', ownerId: 'rep-a' },
            at,
          );
          record = work.stepOpportunity(record, { type: 'ADVANCE', fields: confirmation }, at).record;
          const step = work.stepOpportunity(record, { type: 'ADVANCE', fields: diagnosis }, at);
          const [task] = step.effects.tasks;
          const due = task!.record.machine.context.dueAt!;
          // Exactly 48 business hours, ending inside working time (or exactly at an interval's end).
          expect(calendar.businessTimeBetween(at, due)).toBe(48 * HOUR);
          expect(calendar.isBusinessTime(due) || calendar.isBusinessTime(due - 1)).toBe(true);
          const schedule = step.effects.timerOps.find(
            (op) => op.op === 'schedule' && op.timer.timerKey === 'engine:due',
          );
          expect(schedule && schedule.op === 'schedule' ? schedule.timer.dueAt : undefined).toBe(due);
        },
      ),
      { numRuns: 200 },
    );
  });
});
