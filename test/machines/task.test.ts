/**
 * The department task machine: lifecycle, result validation, escalation records, response times,
 * maintenance reminders in business time (China's holidays and make-up working days), model-based
 * reachability and the compiled stepper against XState's `transition()`.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, createActor, initialTransition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import {
  checkTaskResult,
  DEFAULT_TASK_TEMPLATES,
  initialTaskContext,
  isTaskOverdue,
  maintenanceReminders,
  TASK_KINDS,
  TASK_STATES,
  type TaskContext,
  type TaskEvent,
  type TaskInput,
  taskMachine,
  taskMaintenanceReminders,
  taskResponseTimes,
} from '../../src/machines/task.js';
import {
  createReferenceStepper,
  createStepper,
  type StepResult,
  stateValueToString,
} from '../../src/machines/xstate-step.js';
import type { FieldValues } from '../../src/rules/stages.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { occurrences } from '../../src/scheduler/recurrence.js';
import { driveSteps } from './drivers.js';

const T0 = Date.parse('2026-03-02T01:00:00Z');
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const INPUT: TaskInput = {
  taskId: 'task-1',
  kind: 'technicalFeasibility',
  opportunityId: 'opp-1',
  customerId: 'cust-1',
  assigneeId: 'eng-li',
  createdAt: T0,
};

/** A complete result per kind. */
const RESULTS: Record<(typeof TASK_KINDS)[number], FieldValues> = {
  technicalFeasibility: { feasible: true, assessment: '镁合金壳体可行，需追加热处理' },
  productionPlanning: {
    bom: [
      { partNo: 'SH-201', qty: 2 },
      { partNo: 'BLT-M6', qty: 12 },
    ],
    deliveryConstraints: ['模具交期 25 天', '首批 500 件'],
  },
  afterSalesFile: {
    equipmentList: ['压铸单元 DC-800 #A17'],
    maintenanceStart: Date.parse('2026-01-01T10:00:00+08:00'),
  },
};

const stepper = createStepper(taskMachine, { engine: 'compiled' });
const reference = createReferenceStepper(taskMachine);
type Result = StepResult<TaskContext, TaskEvent>;

const drive = (events: readonly TaskEvent[], input: TaskInput = INPUT): Result[] =>
  driveSteps<TaskContext, TaskEvent, TaskInput>(stepper, input, events, T0);
const last = (results: Result[]) => results[results.length - 1]!;
const stateOf = (r: Result) => stateValueToString(r.snapshot.value);

describe('templates and result checks', () => {
  it('defaults per kind: department, answer-within, required result, after-sales RRULE', () => {
    expect(
      TASK_KINDS.map((k) => {
        const t = DEFAULT_TASK_TEMPLATES[k];
        return [
          k,
          t.department,
          t.answerWithinMs / HOUR,
          t.requiredResult.map((f) => f.field),
          t.maintenanceRrule,
        ];
      }),
    ).toStrictEqual([
      ['technicalFeasibility', 'technical', 48, ['feasible', 'assessment'], null],
      ['productionPlanning', 'production', 24, ['bom', 'deliveryConstraints'], null],
      ['afterSalesFile', 'afterSales', 72, ['equipmentList', 'maintenanceStart'], 'FREQ=MONTHLY;INTERVAL=3'],
    ]);
  });

  it('checkTaskResult names what is missing, per kind', () => {
    for (const kind of TASK_KINDS) expect(checkTaskResult(kind, RESULTS[kind])).toStrictEqual([]);
    expect(checkTaskResult('productionPlanning', { bom: ['壳体 x2'] })).toStrictEqual([
      {
        field: 'deliveryConstraints',
        label: '交期约束',
        reason: 'missing',
        message: '交期约束 (deliveryConstraints): required',
      },
    ]);
    expect(checkTaskResult('productionPlanning', { bom: [], deliveryConstraints: ['x'] })).toMatchObject([
      { field: 'bom', reason: 'blank' },
    ]);
    expect(checkTaskResult('technicalFeasibility', {}).map((p) => p.field)).toStrictEqual([
      'feasible',
      'assessment',
    ]);
    // "Not feasible" is an answer.
    expect(
      checkTaskResult('technicalFeasibility', { feasible: false, assessment: '公差无法满足' }),
    ).toStrictEqual([]);
    expect(
      checkTaskResult('afterSalesFile', { equipmentList: ['x'], maintenanceStart: 'soon' }),
    ).toMatchObject([{ field: 'maintenanceStart', reason: 'invalidDate' }]);
    expect(() => checkTaskResult('marketing' as never, {})).toThrow(/unknown task kind/);
  });
});

describe('task lifecycle', () => {
  it('starts open with a plain-JSON context; dueAt = createdAt + answer-within', () => {
    const r = stepper.initial(INPUT, T0);
    expect(r.snapshot).toStrictEqual({ value: 'open', status: 'active', context: initialTaskContext(INPUT) });
    expect(JSON.parse(JSON.stringify(r.snapshot))).toStrictEqual(r.snapshot);
    expect(r.snapshot.context).toMatchObject({ department: 'technical', dueAt: T0 + 48 * HOUR });
    expect(initialTaskContext({ ...INPUT, dueAt: T0 + 5 * DAY }).dueAt).toBe(T0 + 5 * DAY);
    expect(r.timers).toStrictEqual([]);
    expect(r.emitted).toStrictEqual([]);
  });

  it('tolerates a missing input', () => {
    const untyped: AnyStateMachine = taskMachine;
    const [snapshot] = initialTransition(untyped);
    expect(snapshot.status).toBe('active');
    expect(snapshot.context).toMatchObject({ taskId: '', kind: 'technicalFeasibility', dueAt: null });
    expect(createActor(untyped).getSnapshot().status).toBe('active');
    expect(initialTaskContext()).toStrictEqual(initialTaskContext({}));
  });

  it('open → acknowledged → done, with response times and emitted events', () => {
    const results = drive([
      { type: 'ACKNOWLEDGE', by: 'eng-li', at: T0 + 2 * HOUR },
      { type: 'COMPLETE', result: RESULTS.technicalFeasibility, by: 'eng-li', at: T0 + 20 * HOUR },
    ]);
    expect(results.map(stateOf)).toStrictEqual(['open', 'acknowledged', 'done']);
    const done = last(results);
    expect(done.snapshot.status).toBe('done');
    expect(done.snapshot.context).toMatchObject({
      acknowledgedAt: T0 + 2 * HOUR,
      acknowledgedBy: 'eng-li',
      doneAt: T0 + 20 * HOUR,
      completedBy: 'eng-li',
      result: RESULTS.technicalFeasibility,
    });
    expect(taskResponseTimes(done.snapshot.context)).toStrictEqual({
      acknowledgeMs: 2 * HOUR,
      completeMs: 20 * HOUR,
      workMs: 18 * HOUR,
      onTime: true,
    });
    expect(results[1]!.emitted).toStrictEqual([
      {
        type: 'task.acknowledged',
        taskId: 'task-1',
        kind: 'technicalFeasibility',
        department: 'technical',
        opportunityId: 'opp-1',
        assigneeId: 'eng-li',
        by: 'eng-li',
        at: T0 + 2 * HOUR,
      },
    ]);
    expect(done.emitted).toStrictEqual([
      {
        type: 'task.completed',
        taskId: 'task-1',
        kind: 'technicalFeasibility',
        department: 'technical',
        opportunityId: 'opp-1',
        assigneeId: 'eng-li',
        result: RESULTS.technicalFeasibility,
        onTime: true,
        at: T0 + 20 * HOUR,
      },
    ]);
  });

  it('completing straight from open counts as the acknowledgement; late is not on time', () => {
    const r = last(drive([{ type: 'COMPLETE', result: RESULTS.technicalFeasibility, at: T0 + 50 * HOUR }]));
    expect(stateOf(r)).toBe('done');
    expect(taskResponseTimes(r.snapshot.context)).toStrictEqual({
      acknowledgeMs: 50 * HOUR,
      completeMs: 50 * HOUR,
      workMs: 0,
      onTime: false,
    });
    expect(r.snapshot.context.acknowledgedBy).toBeNull();
    expect(taskResponseTimes(initialTaskContext(INPUT))).toStrictEqual({
      acknowledgeMs: null,
      completeMs: null,
      workMs: null,
      onTime: null,
    });
  });

  it('COMPLETE without the required result fields is rejected, snapshot unchanged', () => {
    for (const kind of TASK_KINDS) {
      const open = stepper.initial({ ...INPUT, kind }, T0);
      for (const field of Object.keys(RESULTS[kind])) {
        const { [field]: _dropped, ...partial } = RESULTS[kind];
        const event: TaskEvent = { type: 'COMPLETE', result: partial, at: T0 + HOUR };
        const r = stepper.step(open.snapshot, event, T0 + HOUR);
        expect(r.changed).toBe(false);
        expect(r.snapshot).toStrictEqual(open.snapshot);
        expect(checkTaskResult(kind, partial).map((p) => p.field)).toStrictEqual([field]);
      }
      for (const result of [null, 'done', []]) {
        const event = { type: 'COMPLETE', result, at: T0 } as unknown as TaskEvent;
        expect(stepper.step(open.snapshot, event, T0).changed).toBe(false);
      }
      expect(
        stateOf(stepper.step(open.snapshot, { type: 'COMPLETE', result: RESULTS[kind], at: T0 }, T0)),
      ).toBe('done');
    }
  });

  it('required result fields from the input override the template', () => {
    const input: TaskInput = {
      ...INPUT,
      requiredResult: [{ field: 'reportUrl', label: '评估报告', kind: 'text' }],
    };
    const open = stepper.initial(input, T0);
    expect(
      stepper.step(open.snapshot, { type: 'COMPLETE', result: RESULTS.technicalFeasibility, at: T0 }, T0)
        .changed,
    ).toBe(false);
    expect(
      stepper.step(open.snapshot, { type: 'COMPLETE', result: { reportUrl: 'r/1' }, at: T0 }, T0).changed,
    ).toBe(true);
  });

  it('ESCALATE is recorded (flag + log + event) and the task carries on', () => {
    const results = drive([
      { type: 'ESCALATE', to: 'head-technical', policyId: 'task-overdue-48h', at: T0 + 48 * HOUR },
      { type: 'ESCALATE', to: 'cto', at: T0 + 72 * HOUR },
      { type: 'ESCALATE', to: ' ', at: T0 + 73 * HOUR },
      { type: 'ACKNOWLEDGE', by: 'eng-li', at: T0 + 74 * HOUR },
      { type: 'COMPLETE', result: RESULTS.technicalFeasibility, at: T0 + 80 * HOUR },
    ]);
    expect(results.map((r) => r.changed)).toStrictEqual([true, true, true, false, true, true]);
    expect(results.map(stateOf)).toStrictEqual(['open', 'open', 'open', 'open', 'acknowledged', 'done']);
    expect(last(results).snapshot.context).toMatchObject({
      escalated: true,
      escalations: [
        { to: 'head-technical', policyId: 'task-overdue-48h', at: T0 + 48 * HOUR },
        { to: 'cto', policyId: null, at: T0 + 72 * HOUR },
      ],
    });
    expect(results[1]!.emitted).toStrictEqual([
      {
        type: 'task.escalated',
        taskId: 'task-1',
        kind: 'technicalFeasibility',
        department: 'technical',
        opportunityId: 'opp-1',
        assigneeId: 'eng-li',
        to: 'head-technical',
        policyId: 'task-overdue-48h',
        at: T0 + 48 * HOUR,
      },
    ]);
    expect(
      stepper.step(last(results).snapshot, { type: 'ESCALATE', to: 'cto', at: T0 + 90 * HOUR }, T0).changed,
    ).toBe(false);
  });

  it('isTaskOverdue: open past dueAt only', () => {
    const ctx = initialTaskContext(INPUT);
    expect(isTaskOverdue(ctx, T0 + 48 * HOUR)).toBe(false);
    expect(isTaskOverdue(ctx, T0 + 48 * HOUR + 1)).toBe(true);
    expect(isTaskOverdue({ ...ctx, doneAt: T0 }, T0 + 99 * HOUR)).toBe(false);
    expect(isTaskOverdue({ ...ctx, cancelledAt: T0 }, T0 + 99 * HOUR)).toBe(false);
    expect(isTaskOverdue(initialTaskContext(), T0)).toBe(false);
  });

  it('CANCEL needs a reason and is final', () => {
    const open = stepper.initial(INPUT, T0);
    expect(stepper.step(open.snapshot, { type: 'CANCEL', reason: '', at: T0 }, T0).changed).toBe(false);
    const r = stepper.step(open.snapshot, { type: 'CANCEL', reason: '商机已丢单', at: T0 + MINUTE }, T0);
    expect(stateOf(r)).toBe('cancelled');
    expect(r.snapshot).toMatchObject({
      status: 'done',
      context: { cancelledAt: T0 + MINUTE, cancelReason: '商机已丢单' },
    });
    expect(r.emitted[0]).toMatchObject({ type: 'task.cancelled', reason: '商机已丢单' });
    const after: TaskEvent[] = [
      { type: 'ACKNOWLEDGE', by: 'x', at: T0 },
      { type: 'COMPLETE', result: RESULTS.technicalFeasibility, at: T0 },
      { type: 'REASSIGN', to: 'eng-wu', at: T0 },
    ];
    for (const event of after) expect(stepper.step(r.snapshot, event, T0).changed).toBe(false);
  });

  it('REASSIGN changes the assignee and keeps the acknowledgement', () => {
    const results = drive([
      { type: 'ACKNOWLEDGE', by: 'eng-li', at: T0 + HOUR },
      { type: 'REASSIGN', to: 'eng-li', at: T0 + 2 * HOUR },
      { type: 'REASSIGN', to: 'eng-wu', at: T0 + 3 * HOUR },
    ]);
    expect(results.map((r) => r.changed)).toStrictEqual([true, true, false, true]);
    expect(stateOf(last(results))).toBe('acknowledged');
    expect(last(results).snapshot.context).toMatchObject({
      assigneeId: 'eng-wu',
      reassignments: 1,
      acknowledgedAt: T0 + HOUR,
    });
    expect(last(results).emitted[0]).toMatchObject({ type: 'task.reassigned', from: 'eng-li', to: 'eng-wu' });
  });
});

describe('maintenance reminders (business time, Asia/Shanghai)', () => {
  const calendar = chinaCalendar({ years: [2026] });
  const from = Date.parse('2026-01-01T00:00:00+08:00');
  const to = Date.parse('2026-12-31T23:59:59+08:00');
  const iso = (ts: number[]) =>
    ts.map((t) => new Date(t).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 16));

  it('quarterly from New Year’s Day: holidays move to the next business time, 调休 days count', () => {
    const rule = DEFAULT_TASK_TEMPLATES.afterSalesFile.maintenanceRrule!;
    const start = Date.parse('2026-01-01T10:00:00+08:00');
    // Unshifted, two reminders fall on public holidays.
    expect(iso(occurrences(rule, { start, zone: 'Asia/Shanghai', from, to }))).toStrictEqual([
      '2026-01-01 10:00',
      '2026-04-01 10:00',
      '2026-07-01 10:00',
      '2026-10-01 10:00',
    ]);
    expect(iso(maintenanceReminders(rule, { start, calendar, from, to }))).toStrictEqual([
      '2026-01-04 09:00', // Sunday, but a make-up working day for New Year
      '2026-04-01 10:00',
      '2026-07-01 10:00',
      '2026-10-08 09:00', // National Day holiday 10-01..10-07
    ]);
  });

  it('weekends move to Monday; a make-up Saturday stays', () => {
    const start = Date.parse('2026-01-10T10:00:00+08:00'); // a Saturday
    expect(iso(maintenanceReminders('FREQ=MONTHLY;INTERVAL=3', { start, calendar, from, to }))).toStrictEqual(
      [
        '2026-01-12 09:00',
        '2026-04-10 10:00',
        '2026-07-10 10:00',
        '2026-10-10 10:00', // Saturday, make-up working day for National Day
      ],
    );
  });

  it('every reminder lies in business time, never before its occurrence', () => {
    const start = Date.parse('2026-01-03T07:30:00+08:00');
    const raw = occurrences('FREQ=WEEKLY', { start, zone: 'Asia/Shanghai', from, to });
    const shifted = maintenanceReminders('FREQ=WEEKLY', { start, calendar, from, to, zone: 'Asia/Shanghai' });
    expect(shifted).toHaveLength(raw.length);
    shifted.forEach((t, i) => {
      expect(calendar.isBusinessTime(t)).toBe(true);
      expect(t).toBeGreaterThanOrEqual(raw[i]!);
    });
    expect(maintenanceReminders('FREQ=WEEKLY', { start, calendar, from, to, limit: 2 })).toHaveLength(2);
  });

  it('bad rules are RecurrenceErrors', () => {
    expect(() => maintenanceReminders('FREQ=SOMETIMES', { start: from, calendar, from, to })).toThrow(
      /not a frequency/,
    );
  });

  it('a completed after-sales task gives its reminders', () => {
    const r = last(
      drive([{ type: 'COMPLETE', result: RESULTS.afterSalesFile, at: T0 + HOUR }], {
        ...INPUT,
        kind: 'afterSalesFile',
      }),
    );
    expect(iso(taskMaintenanceReminders(r.snapshot.context, { calendar, from, to }))).toStrictEqual([
      '2026-01-04 09:00',
      '2026-04-01 10:00',
      '2026-07-01 10:00',
      '2026-10-08 09:00',
    ]);
    // A result may carry its own rule.
    const monthly = last(
      drive(
        [
          {
            type: 'COMPLETE',
            result: { ...RESULTS.afterSalesFile, maintenanceRrule: 'FREQ=MONTHLY;INTERVAL=6' },
            at: T0 + HOUR,
          },
        ],
        { ...INPUT, kind: 'afterSalesFile' },
      ),
    );
    expect(taskMaintenanceReminders(monthly.snapshot.context, { calendar, from, to })).toHaveLength(2);
    expect(taskMaintenanceReminders(initialTaskContext(INPUT), { calendar, from, to })).toStrictEqual([]);
  });
});

describe('model-based: xstate/graph', () => {
  const at = T0;
  const events: TaskEvent[] = [
    { type: 'ACKNOWLEDGE', by: 'eng-li', at },
    { type: 'COMPLETE', result: RESULTS.technicalFeasibility, at },
    { type: 'COMPLETE', result: {}, at },
    { type: 'ESCALATE', to: 'head', at },
    { type: 'CANCEL', reason: 'lost', at },
    { type: 'REASSIGN', to: 'eng-wu', at },
  ];
  const paths = getShortestPaths(taskMachine, {
    input: INPUT,
    events,
    serializeState: (snapshot) => JSON.stringify(snapshot.value),
  });

  it('every task state is reachable; done and cancelled are final', () => {
    expect(paths.map((p) => stateValueToString(p.state.value)).sort()).toStrictEqual([...TASK_STATES].sort());
    expect(
      paths
        .filter((p) => p.state.status === 'done')
        .map((p) => p.state.value)
        .sort(),
    ).toStrictEqual(['cancelled', 'done']);
  });

  it.each(paths.map((p) => [stateValueToString(p.state.value), p] as const))(
    'the stepper follows the shortest path to %s',
    (_name, path) => {
      let r = stepper.initial(INPUT, T0);
      for (const step of path.steps.filter((s) => (s.event as { type: string }).type !== 'xstate.init')) {
        const next = stepper.step(r.snapshot, step.event, T0);
        expect(next.changed).toBe(true);
        expect(next.snapshot.value).toStrictEqual(step.state.value);
        r = next;
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Differential: compiled stepper vs XState's transition()

const resultArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...Object.values(RESULTS)),
  fc.constantFrom({}, { feasible: 'yes' }, { bom: [] }, null, 'ok'),
  fc
    .subarray(Object.entries(Object.assign({}, ...Object.values(RESULTS)) as FieldValues))
    .map((entries) => Object.fromEntries(entries)),
);
const who = fc.constantFrom('eng-li', 'eng-wu', '', ' ');
const makerArb: fc.Arbitrary<() => Record<string, unknown>> = fc.oneof(
  { weight: 3, arbitrary: who.map((by) => () => ({ type: 'ACKNOWLEDGE', by })) },
  {
    weight: 4,
    arbitrary: fc
      .record({ result: resultArb, by: fc.option(who, { nil: undefined }) })
      .map(
        (e) => () =>
          e.by === undefined ? { type: 'COMPLETE', result: e.result } : { type: 'COMPLETE', ...e },
      ),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ to: who, policyId: fc.option(fc.constant('task-overdue'), { nil: undefined }) })
      .map(
        (e) => () => (e.policyId === undefined ? { type: 'ESCALATE', to: e.to } : { type: 'ESCALATE', ...e }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('商机丢单', '').map((reason) => () => ({ type: 'CANCEL', reason })),
  },
  { weight: 2, arbitrary: who.map((to) => () => ({ type: 'REASSIGN', to })) },
  { weight: 1, arbitrary: fc.constant(() => ({ type: 'NOT_AN_EVENT' })) },
);
const sequenceArb = fc.array(
  fc.record({
    dt: fc.integer({ min: 0, max: 30 * HOUR }),
    omitAt: fc.boolean(),
    make: makerArb,
  }),
  { minLength: 1, maxLength: 25 },
);
const inputArb = fc.oneof(
  fc.constantFrom(...TASK_KINDS).map((kind): TaskInput => ({ ...INPUT, kind })),
  fc.constant<TaskInput>({}),
);
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('createStepper(taskMachine)', () => {
  it('compiles (no fallback to XState)', () => {
    expect(createStepper(taskMachine).mode).toBe('compiled');
    expect(createStepper(taskMachine).fallbackReason).toBeUndefined();
  });

  test.prop([inputArb, sequenceArb], { numRuns: 500 })(
    'is identical to xstate transition() on random event sequences (and stays plain JSON)',
    (input, seq) => {
      let now = T0;
      let a = stepper.initial(input, now);
      let b = reference.initial(input, now);
      expect(a).toStrictEqual(b);
      for (const template of seq) {
        now += template.dt;
        const event = template.make();
        if (!template.omitAt) event.at = now;
        const before = a.snapshot;
        a = stepper.step(before, event as TaskEvent, now);
        b = reference.step(b.snapshot, event as TaskEvent, now);
        expect(a).toStrictEqual(b);
        expect(json(a.snapshot)).toStrictEqual(a.snapshot);
        expect(stepper.step(json(before), json(event) as TaskEvent, now)).toStrictEqual(a);
      }
    },
  );
});
