/**
 * Cross-department tasks an opportunity starts — technical feasibility, production planning,
 * the after-sales equipment file — as an XState v5 machine driven through the pure step adapter
 * (`createStepper` in `./xstate-step.ts`).
 *
 * The machine records; it does not decide. The engine gives each task a due time from the rule
 * set's window for its kind (`opportunity.taskWindows`, default the template's: technical 48 h,
 * production 24 h, after-sales 72 h, on business time) and, when a task is still open then,
 * escalates it to the department head; SLA policies with `entity: 'task'` add their own clocks.
 * The machine only keeps `ESCALATE { to }` and the `dueAt` it was created with. Like the lead machine: event times only,
 * plain JSON context with `null` for absent values, only `assign`/`emit` actions (so the compiled
 * stepper handles it), no timers.
 *
 * @module
 */
import { assertEvent, assign, emit, setup } from 'xstate';
import { checkRequiredFields, type FieldProblem, type FieldValues, type GateField } from '../rules/stages.js';
import type { BusinessCalendar, Instant } from '../scheduler/calendar.js';
import { dateOnlyInstant } from '../scheduler/local-date.js';
import { occurrences } from '../scheduler/recurrence.js';

/**
 * The kinds of department task.
 *
 * @example
 * ```ts
 * import { TASK_KINDS } from 'leadflow';
 * TASK_KINDS.includes('afterSalesFile'); // true
 * ```
 * @category State machines
 */
export const TASK_KINDS = ['technicalFeasibility', 'productionPlanning', 'afterSalesFile'] as const;

/**
 * One of {@link TASK_KINDS}.
 *
 * @example
 * ```ts
 * import type { TaskKind } from 'leadflow';
 * const kind: TaskKind = 'productionPlanning';
 * ```
 * @category State machines
 */
export type TaskKind = (typeof TASK_KINDS)[number];

/**
 * Department keys a task is routed to (the rule set maps them to teams and heads).
 *
 * @example
 * ```ts
 * import type { TaskDepartment } from 'leadflow';
 * const d: TaskDepartment = 'afterSales';
 * ```
 * @category State machines
 */
export type TaskDepartment = 'technical' | 'production' | 'afterSales';

/**
 * What a task kind is: its department, label, answer-within target, the result fields `COMPLETE`
 * requires (same specs and checks as opportunity gates) and, for after-sales, the maintenance
 * RRULE.
 *
 * @example
 * ```ts
 * import { DEFAULT_TASK_TEMPLATES, type TaskTemplate } from 'leadflow';
 * const faster: TaskTemplate = { ...DEFAULT_TASK_TEMPLATES.technicalFeasibility, answerWithinMs: 24 * 3_600_000 };
 * ```
 * @category State machines
 */
export interface TaskTemplate {
  kind: TaskKind;
  department: TaskDepartment;
  label: string;
  /** Target from creation to the answer (`COMPLETE`), in ms; `dueAt = createdAt + answerWithinMs` by default. */
  answerWithinMs: number;
  requiredResult: readonly GateField[];
  /** Maintenance reminder rule (RFC 5545 RRULE) for after-sales files; `null` otherwise. */
  maintenanceRrule: string | null;
}

const HOUR_MS = 3_600_000;

/**
 * The default task templates.
 *
 * | kind | department | label | answer within | required result |
 * |---|---|---|---|---|
 * | `technicalFeasibility` | `technical` | 技术可行性评估 | 48 h (seed) | `feasible` (yes/no), `assessment` (text) |
 * | `productionPlanning` | `production` | 生产排产 | 24 h | `bom` (list), `deliveryConstraints` (list) |
 * | `afterSalesFile` | `afterSales` | 客户设备档案 | 72 h | `equipmentList` (list), `maintenanceStart` (date) — reminders `FREQ=MONTHLY;INTERVAL=3` |
 *
 * The 24 h / 72 h targets are leadflow's choice (the seed only fixes 48 h for technical feedback).
 *
 * @example
 * ```ts
 * import { DEFAULT_TASK_TEMPLATES } from 'leadflow';
 * DEFAULT_TASK_TEMPLATES.technicalFeasibility.answerWithinMs; // 172800000 (48 h)
 * ```
 * @category State machines
 */
export const DEFAULT_TASK_TEMPLATES: Readonly<Record<TaskKind, TaskTemplate>> = /* @__PURE__ */ (() =>
  Object.freeze({
    technicalFeasibility: Object.freeze({
      kind: 'technicalFeasibility',
      department: 'technical',
      label: '技术可行性评估',
      answerWithinMs: 48 * HOUR_MS,
      requiredResult: Object.freeze([
        // A "no" is an answer too: any boolean passes.
        Object.freeze({ field: 'feasible', label: '是否可行', kind: 'boolean', allowFalse: true } as const),
        Object.freeze({ field: 'assessment', label: '评估结论', kind: 'text' } as const),
      ]),
      maintenanceRrule: null,
    }),
    productionPlanning: Object.freeze({
      kind: 'productionPlanning',
      department: 'production',
      label: '生产排产',
      answerWithinMs: 24 * HOUR_MS,
      requiredResult: Object.freeze([
        Object.freeze({ field: 'bom', label: 'BOM清单', kind: 'list', minItems: 1 } as const),
        Object.freeze({
          field: 'deliveryConstraints',
          label: '交期约束',
          kind: 'list',
          minItems: 1,
        } as const),
      ]),
      maintenanceRrule: null,
    }),
    afterSalesFile: Object.freeze({
      kind: 'afterSalesFile',
      department: 'afterSales',
      label: '客户设备档案',
      answerWithinMs: 72 * HOUR_MS,
      requiredResult: Object.freeze([
        Object.freeze({ field: 'equipmentList', label: '设备清单', kind: 'list', minItems: 1 } as const),
        Object.freeze({ field: 'maintenanceStart', label: '首次保养时间', kind: 'date' } as const),
      ]),
      maintenanceRrule: 'FREQ=MONTHLY;INTERVAL=3',
    }),
  }))();

const isTaskKind = (value: unknown): value is TaskKind =>
  typeof value === 'string' && (TASK_KINDS as readonly string[]).includes(value);

/**
 * One escalation recorded on a task.
 *
 * @example
 * ```ts
 * import type { TaskEscalation } from 'leadflow/core';
 * const e: TaskEscalation = { to: 'head-technical', policyId: 'task-overdue', at: 0 };
 * ```
 * @category State machines
 */
export interface TaskEscalation {
  to: string;
  policyId: string | null;
  at: number;
}

/**
 * The task machine's context: plain JSON, `null` for absent values, times from events.
 *
 * @example
 * ```ts
 * import type { TaskContext } from 'leadflow/core';
 * const waiting = (c: TaskContext) => c.acknowledgedAt === null;
 * ```
 * @category State machines
 */
export interface TaskContext {
  taskId: string;
  kind: TaskKind;
  department: TaskDepartment;
  label: string;
  opportunityId: string | null;
  customerId: string | null;
  assigneeId: string | null;
  requiredResult: readonly GateField[];
  answerWithinMs: number | null;
  createdAt: number | null;
  dueAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  doneAt: number | null;
  completedBy: string | null;
  result: FieldValues | null;
  /** Escalated at least once (overdue → department head). */
  escalated: boolean;
  escalations: TaskEscalation[];
  cancelledAt: number | null;
  cancelReason: string | null;
  maintenanceRrule: string | null;
  reassignments: number;
}

/**
 * Input of the task machine; every field optional (tolerant of a missing input). Template
 * values (`label`, `answerWithinMs`, `requiredResult`, `maintenanceRrule`) default from
 * {@link DEFAULT_TASK_TEMPLATES} for the kind; `dueAt` defaults to `createdAt + answerWithinMs`
 * (wall time — pass a business-time `dueAt` computed with the calendar to count business hours).
 *
 * @example
 * ```ts
 * import type { TaskInput } from 'leadflow/core';
 * const input: TaskInput = { taskId: 'task-1', kind: 'technicalFeasibility', opportunityId: 'opp-1', createdAt: 0 };
 * ```
 * @category State machines
 */
export interface TaskInput {
  taskId?: string;
  kind?: TaskKind;
  opportunityId?: string | null;
  customerId?: string | null;
  assigneeId?: string | null;
  createdAt?: number | null;
  dueAt?: number | null;
  label?: string;
  department?: TaskDepartment;
  answerWithinMs?: number;
  requiredResult?: readonly GateField[];
  maintenanceRrule?: string | null;
}

/**
 * Every event the task machine understands; `at` in epoch ms (stamped with `now` when missing).
 *
 * @example
 * ```ts
 * import type { TaskEvent } from 'leadflow/core';
 * const e: TaskEvent = { type: 'ACKNOWLEDGE', by: 'eng-li', at: 1_700_000_000_000 };
 * ```
 * @category State machines
 */
export type TaskEvent =
  | { type: 'ACKNOWLEDGE'; by: string; at: number }
  | { type: 'COMPLETE'; result: FieldValues; by?: string; at: number }
  | { type: 'ESCALATE'; to: string; policyId?: string; at: number }
  | { type: 'CANCEL'; reason: string; at: number }
  | { type: 'REASSIGN'; to: string; at: number };

interface TaskEmittedBase {
  taskId: string;
  kind: TaskKind;
  department: TaskDepartment;
  opportunityId: string | null;
  assigneeId: string | null;
  at: number;
}

/**
 * Domain events the task machine emits (for the sales board and notifications).
 *
 * @example
 * ```ts
 * import type { TaskEmitted } from 'leadflow';
 * const onEmit = (e: TaskEmitted) => { if (e.type === 'task.escalated') console.log('notify', e.to); };
 * ```
 * @category State machines
 */
export type TaskEmitted =
  | (TaskEmittedBase & { type: 'task.acknowledged'; by: string })
  | (TaskEmittedBase & {
      type: 'task.completed';
      result: FieldValues;
      /** Finished by `dueAt`; `null` when the task has no due time. */
      onTime: boolean | null;
    })
  | (TaskEmittedBase & { type: 'task.escalated'; to: string; policyId: string | null })
  | (TaskEmittedBase & { type: 'task.cancelled'; reason: string })
  | (TaskEmittedBase & { type: 'task.reassigned'; from: string | null; to: string });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A shallow copy without `undefined` values, so the context stays plain JSON (`fromEntries`
 * defines own properties, so a result field named `__proto__` is copied, not lost).
 */
function jsonRecord(value: Record<string, unknown>): FieldValues {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as FieldValues;
}

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * What a `COMPLETE { result }` for `kind` lacks: one problem per required result field not filled
 * in (empty when the result is complete). The machine runs the same check against the
 * `requiredResult` pinned in its context. Throws a `TypeError` for an unknown kind.
 *
 * @example
 * ```ts
 * import { checkTaskResult } from 'leadflow/core';
 * checkTaskResult('productionPlanning', { bom: ['壳体 x2'] }).map((p) => p.field); // ['deliveryConstraints']
 * ```
 * @category State machines
 */
export function checkTaskResult(
  kind: TaskKind,
  result: unknown,
  templates: Readonly<Record<TaskKind, TaskTemplate>> = DEFAULT_TASK_TEMPLATES,
): FieldProblem[] {
  if (!isTaskKind(kind)) throw new TypeError(`checkTaskResult: unknown task kind ${JSON.stringify(kind)}`);
  return checkRequiredFields(templates[kind].requiredResult, result);
}

/**
 * The initial context for an input; tolerant of a missing or partial input (an unknown kind
 * falls back to `technicalFeasibility` — validate input before creating tasks).
 *
 * @example
 * ```ts
 * import { initialTaskContext } from 'leadflow/core';
 * initialTaskContext({ kind: 'afterSalesFile', createdAt: 0 }).dueAt; // 259200000 (72 h)
 * ```
 * @category State machines
 */
export function initialTaskContext(input?: TaskInput): TaskContext {
  const kind: TaskKind = isTaskKind(input?.kind) ? input.kind : 'technicalFeasibility';
  const template = DEFAULT_TASK_TEMPLATES[kind];
  const createdAt = typeof input?.createdAt === 'number' ? input.createdAt : null;
  const answerWithinMs = input?.answerWithinMs ?? template.answerWithinMs;
  const dueAt =
    typeof input?.dueAt === 'number' ? input.dueAt : createdAt === null ? null : createdAt + answerWithinMs;
  return {
    taskId: input?.taskId ?? '',
    kind,
    department: input?.department ?? template.department,
    label: input?.label ?? template.label,
    opportunityId: input?.opportunityId ?? null,
    customerId: input?.customerId ?? null,
    assigneeId: input?.assigneeId ?? null,
    requiredResult: input?.requiredResult ?? template.requiredResult,
    answerWithinMs,
    createdAt,
    dueAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    doneAt: null,
    completedBy: null,
    result: null,
    escalated: false,
    escalations: [],
    cancelledAt: null,
    cancelReason: null,
    maintenanceRrule:
      input?.maintenanceRrule === undefined ? template.maintenanceRrule : input.maintenanceRrule,
    reassignments: 0,
  };
}

/**
 * Response times of a task (ms), each `null` until both ends are known:
 * `acknowledgeMs` created → acknowledged (the cross-department response-time KPI),
 * `completeMs` created → done, `workMs` acknowledged → done; `onTime` is `doneAt ≤ dueAt`.
 *
 * @example
 * ```ts
 * import { taskResponseTimes } from 'leadflow/core';
 * const { acknowledgeMs, onTime } = taskResponseTimes(snapshot.context);
 * ```
 * @category State machines
 */
export interface TaskResponseTimes {
  acknowledgeMs: number | null;
  completeMs: number | null;
  workMs: number | null;
  onTime: boolean | null;
}

const span = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : to - from;

/**
 * Compute {@link TaskResponseTimes} from a task's context (wall-clock differences of the
 * recorded event times; use the calendar's `businessTimeBetween` for business time).
 *
 * @example
 * ```ts
 * import { initialTaskContext } from 'leadflow/core';
 * import { taskResponseTimes } from 'leadflow/core';
 * const ctx = { ...initialTaskContext({ createdAt: 0 }), acknowledgedAt: 3_600_000 };
 * taskResponseTimes(ctx).acknowledgeMs; // 3600000
 * ```
 * @category State machines
 */
export function taskResponseTimes(context: TaskContext): TaskResponseTimes {
  return {
    acknowledgeMs: span(context.createdAt, context.acknowledgedAt),
    completeMs: span(context.createdAt, context.doneAt),
    workMs: span(context.acknowledgedAt, context.doneAt),
    onTime: context.doneAt === null || context.dueAt === null ? null : context.doneAt <= context.dueAt,
  };
}

/**
 * Whether a task still open (not done, not cancelled) is past its `dueAt` at `now` — the
 * engine's cue to escalate to the department head.
 *
 * @example
 * ```ts
 * import { isTaskOverdue } from 'leadflow';
 * if (isTaskOverdue(snapshot.context, now)) dispatch({ type: 'ESCALATE', to: head, at: now });
 * ```
 * @category State machines
 */
export function isTaskOverdue(context: TaskContext, now: number): boolean {
  return (
    context.doneAt === null && context.cancelledAt === null && context.dueAt !== null && now > context.dueAt
  );
}

/**
 * Options of {@link maintenanceReminders}.
 *
 * @example
 * ```ts
 * import { chinaCalendar } from 'leadflow';
 * import { type MaintenanceReminderOptions } from 'leadflow/core';
 * const options: MaintenanceReminderOptions = {
 *   start: Date.parse('2026-01-01T10:00:00+08:00'),
 *   calendar: chinaCalendar({ years: [2026] }),
 *   from: Date.parse('2026-01-01T00:00:00+08:00'),
 *   to: Date.parse('2026-12-31T23:59:59+08:00'),
 * };
 * ```
 * @category State machines
 */
export interface MaintenanceReminderOptions {
  /** First reminder (DTSTART); its wall time in `zone` repeats. */
  start: Instant;
  /** Business calendar reminders are shifted into. */
  calendar: BusinessCalendar;
  /**
   * IANA zone the rule's wall times are read in.
   * @default calendar.zone
   */
  zone?: string;
  /** Window start, inclusive. */
  from: Instant;
  /** Window end, inclusive. */
  to: Instant;
  /**
   * Maximum number of reminders (the earliest).
   * @default 1000
   */
  limit?: number;
}

/**
 * Maintenance reminder times for an equipment file: the RRULE's occurrences in `[from, to]`, each
 * moved to the next business time when it falls on a weekend, a public holiday or outside office
 * hours (China's make-up working days count as working days). Errors are `RecurrenceError`s.
 *
 * @example
 * ```ts
 * import { chinaCalendar } from 'leadflow';
 * import { maintenanceReminders } from 'leadflow/core';
 * const reminders = maintenanceReminders('FREQ=MONTHLY;INTERVAL=3', {
 *   start: Date.parse('2026-01-01T10:00:00+08:00'),
 *   calendar: chinaCalendar({ years: [2026, 2027] }),
 *   from: Date.parse('2026-01-01T00:00:00+08:00'),
 *   to: Date.parse('2026-12-31T23:59:59+08:00'),
 * });
 * // New Year's Day → Sun 2026-01-04 09:00 (a make-up working day); 2026-10-01 → 2026-10-08 09:00
 * ```
 * @category State machines
 */
export function maintenanceReminders(rrule: string, options: MaintenanceReminderOptions): number[] {
  const { calendar } = options;
  return occurrences(rrule, {
    start: options.start,
    zone: options.zone ?? calendar.zone,
    from: options.from,
    to: options.to,
    shift: 'next-business-time',
    calendar,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  });
}

/**
 * Maintenance reminders of a completed after-sales task: its `maintenanceRrule` from
 * `result.maintenanceStart` (epoch ms, an ISO datetime with offset, or a date-only `YYYY-MM-DD`
 * read as the start of that day in the calendar's zone). Empty when the task has no rule, is not done,
 * or has no usable start.
 *
 * @example
 * ```ts
 * import { chinaCalendar, taskMaintenanceReminders } from 'leadflow';
 * const calendar = chinaCalendar({ years: [2026, 2027] });
 * const reminders = taskMaintenanceReminders(snapshot.context, { calendar, from, to });
 * ```
 * @category State machines
 */
export function taskMaintenanceReminders(
  context: TaskContext,
  options: Omit<MaintenanceReminderOptions, 'start'>,
): number[] {
  // A date-only start (`2026-01-31`) is that day in the calendar's zone, not UTC midnight.
  const start = dateOnlyInstant(context.result?.maintenanceStart, options.zone ?? options.calendar.zone);
  if (context.maintenanceRrule === null || !Number.isFinite(start)) return [];
  return maintenanceReminders(context.maintenanceRrule, { ...options, start });
}

/**
 * The task machine's `setup(...)` (implementations only), exported so tests and tools can build
 * variants. Use {@link taskMachine} in the engine.
 *
 * @example
 * ```ts
 * import { taskSetup } from 'leadflow';
 * import { initialTaskContext } from 'leadflow/core';
 * const tiny = taskSetup.createMachine({ id: 'tiny', context: ({ input }) => initialTaskContext(input) });
 * ```
 * @category State machines
 */
export const taskSetup = /* @__PURE__ */ (() =>
  setup({
    types: {} as {
      context: TaskContext;
      events: TaskEvent;
      input: TaskInput | undefined;
      emitted: TaskEmitted;
    },
    guards: {
      validAcknowledge: ({ event }) => event.type === 'ACKNOWLEDGE' && nonBlank(event.by),
      completeResult: ({ context, event }) =>
        event.type === 'COMPLETE' &&
        isRecord(event.result) &&
        (event.by === undefined || nonBlank(event.by)) &&
        checkRequiredFields(context.requiredResult, event.result).length === 0,
      validEscalation: ({ event }) =>
        event.type === 'ESCALATE' &&
        nonBlank(event.to) &&
        (event.policyId === undefined || typeof event.policyId === 'string'),
      validCancel: ({ event }) => event.type === 'CANCEL' && nonBlank(event.reason),
      isNewAssignee: ({ context, event }) =>
        event.type === 'REASSIGN' && nonBlank(event.to) && event.to !== context.assigneeId,
    },
    actions: {
      acknowledge: assign(({ event }) => {
        assertEvent(event, 'ACKNOWLEDGE');
        return { acknowledgedAt: event.at, acknowledgedBy: event.by };
      }),
      emitAcknowledged: emit(({ context, event }) => {
        assertEvent(event, 'ACKNOWLEDGE');
        return {
          type: 'task.acknowledged' as const,
          taskId: context.taskId,
          kind: context.kind,
          department: context.department,
          opportunityId: context.opportunityId,
          assigneeId: context.assigneeId,
          by: event.by,
          at: event.at,
        };
      }),
      complete: assign(({ context, event }) => {
        assertEvent(event, 'COMPLETE');
        const result = jsonRecord(event.result);
        const by = event.by ?? null;
        return {
          // Answering without an explicit ACKNOWLEDGE still means the department responded.
          acknowledgedAt: context.acknowledgedAt ?? event.at,
          acknowledgedBy: context.acknowledgedBy ?? by,
          doneAt: event.at,
          completedBy: by,
          result,
          maintenanceRrule: nonBlank(result.maintenanceRrule)
            ? result.maintenanceRrule
            : context.maintenanceRrule,
        };
      }),
      emitCompleted: emit(({ context, event }) => ({
        type: 'task.completed' as const,
        taskId: context.taskId,
        kind: context.kind,
        department: context.department,
        opportunityId: context.opportunityId,
        assigneeId: context.assigneeId,
        result: context.result ?? {},
        onTime: context.doneAt === null || context.dueAt === null ? null : context.doneAt <= context.dueAt,
        at: event.at,
      })),
      recordEscalation: assign(({ context, event }) => {
        assertEvent(event, 'ESCALATE');
        return {
          escalated: true,
          escalations: [
            ...context.escalations,
            { to: event.to, policyId: event.policyId ?? null, at: event.at },
          ],
        };
      }),
      emitEscalated: emit(({ context, event }) => {
        assertEvent(event, 'ESCALATE');
        return {
          type: 'task.escalated' as const,
          taskId: context.taskId,
          kind: context.kind,
          department: context.department,
          opportunityId: context.opportunityId,
          assigneeId: context.assigneeId,
          to: event.to,
          policyId: event.policyId ?? null,
          at: event.at,
        };
      }),
      markCancelled: assign(({ event }) => {
        assertEvent(event, 'CANCEL');
        return { cancelledAt: event.at, cancelReason: event.reason };
      }),
      emitCancelled: emit(({ context, event }) => {
        assertEvent(event, 'CANCEL');
        return {
          type: 'task.cancelled' as const,
          taskId: context.taskId,
          kind: context.kind,
          department: context.department,
          opportunityId: context.opportunityId,
          assigneeId: context.assigneeId,
          reason: event.reason,
          at: event.at,
        };
      }),
      // Runs before `reassign`: `assigneeId` is still the previous assignee.
      emitReassigned: emit(({ context, event }) => {
        assertEvent(event, 'REASSIGN');
        return {
          type: 'task.reassigned' as const,
          taskId: context.taskId,
          kind: context.kind,
          department: context.department,
          opportunityId: context.opportunityId,
          assigneeId: context.assigneeId,
          from: context.assigneeId,
          to: event.to,
          at: event.at,
        };
      }),
      reassign: assign(({ context, event }) => {
        assertEvent(event, 'REASSIGN');
        return { assigneeId: event.to, reassignments: context.reassignments + 1 };
      }),
    },
  }))();

const ACTIVE_COMMON = {
  COMPLETE: { guard: 'completeResult', target: '#task.done', actions: ['complete', 'emitCompleted'] },
  ESCALATE: { guard: 'validEscalation', actions: ['recordEscalation', 'emitEscalated'] },
  CANCEL: { guard: 'validCancel', target: '#task.cancelled', actions: ['markCancelled', 'emitCancelled'] },
  REASSIGN: { guard: 'isNewAssignee', actions: ['emitReassigned', 'reassign'] },
} as const;

/**
 * The department task machine.
 *
 * | state | accepts |
 * |---|---|
 * | `open` | ACKNOWLEDGE (`by` required) → `acknowledged`; COMPLETE (required result fields present) → `done`; ESCALATE (records, sets `escalated`); CANCEL (reason required) → `cancelled`; REASSIGN (a new assignee) |
 * | `acknowledged` | COMPLETE → `done`; ESCALATE; CANCEL; REASSIGN (the acknowledgement stays: it measures the department's response) |
 * | `done`, `cancelled` | nothing (final) |
 *
 * `COMPLETE` straight from `open` also sets `acknowledgedAt`. Escalation is a flag plus a log,
 * not a state: an escalated task is still worked on and completed normally.
 *
 * @example
 * ```ts
 * import { createStepper, taskMachine } from 'leadflow/core';
 * const stepper = createStepper(taskMachine);
 * const first = stepper.initial({ taskId: 't-1', kind: 'technicalFeasibility', createdAt: now }, now);
 * const r = stepper.step(first.snapshot, { type: 'ACKNOWLEDGE', by: 'eng-li', at: now }, now);
 * r.snapshot.value; // 'acknowledged'
 * ```
 * @category State machines
 */
export const taskMachine = /* @__PURE__ */ (() =>
  taskSetup.createMachine({
    id: 'task',
    initial: 'open',
    context: ({ input }) => initialTaskContext(input),
    states: {
      open: {
        on: {
          ACKNOWLEDGE: {
            guard: 'validAcknowledge',
            target: 'acknowledged',
            actions: ['acknowledge', 'emitAcknowledged'],
          },
          ...ACTIVE_COMMON,
        },
      },
      acknowledged: { on: { ...ACTIVE_COMMON } },
      done: { type: 'final' },
      cancelled: { type: 'final' },
    },
  }))();

/**
 * The task machine's type.
 *
 * @example
 * ```ts
 * import type { TaskMachine } from 'leadflow';
 * function describe(m: TaskMachine) { return m.id; }
 * ```
 * @category State machines
 */
export type TaskMachine = typeof taskMachine;

/**
 * Every state value the task machine can rest in.
 *
 * @example
 * ```ts
 * import { TASK_STATES } from 'leadflow';
 * TASK_STATES.includes('acknowledged'); // true
 * ```
 * @category State machines
 */
export const TASK_STATES = ['open', 'acknowledged', 'done', 'cancelled'] as const;
