import type { JsonValue } from '../adapters/storage/port.js';
import { CalendarError } from '../errors.js';
import {
  checkAdvance,
  type OpportunityContext,
  type OpportunityEvent,
  opportunityMachine,
} from '../machines/opportunity.js';
import {
  isSlaRecord,
  type SlaEffect,
  type SlaState,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaStopAll,
} from '../machines/sla.js';
import {
  DEFAULT_TASK_TEMPLATES,
  type TaskContext,
  type TaskEvent,
  type TaskKind,
  taskMachine,
} from '../machines/task.js';
import {
  createStepper,
  type PersistedSnapshot,
  type StepResult,
  type TimerCommand,
} from '../machines/xstate-step.js';
import type { Team } from '../model/team.js';
import { type CompiledRuleSet, channelsOf } from '../rules/compile.js';
import type { SlaEvent, TaskWindow } from '../rules/ruleset.js';
import { OPPORTUNITY_STAGE_IDS, type OpportunityStageId, resolveStageGates } from '../rules/stages.js';
import { spokenDuration } from '../rules/templates.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { dateOnlyInstant } from '../scheduler/local-date.js';
import { occurrences } from '../scheduler/recurrence.js';
import { EngineError } from './errors.js';
import { GateNotMetError } from './gate-error.js';
import type { LeadStepEffects } from './lead-step.js';
import { resolveRecipients } from './recipients.js';
import { renderTemplate } from './templates.js';
import { machineTimerOps, slaFiredTimer, slaTimerOps, type WithoutAt } from './timer-ops.js';

/**
 * The stored state of an opportunity: machine snapshot (stage, gates, fields, history), SLA
 * clocks (e.g. stalled > 5 days) and timer generations.
 *
 * @example
 * ```ts
 * const record = await engine.getOpportunity('opp-1');
 * record?.machine.context.stage; // 'needsDiagnosis'
 * ```
 * @category Engine
 */
export interface OpportunityRecord {
  readonly machine: PersistedSnapshot<OpportunityContext>;
  readonly sla: SlaState;
  readonly timerGenerations: Readonly<Record<string, number>>;
}

/**
 * The stored state of a department task.
 *
 * @example
 * ```ts
 * const record = await engine.getTask('task-1');
 * record?.machine.value; // 'acknowledged'
 * ```
 * @category Engine
 */
export interface TaskRecord {
  readonly machine: PersistedSnapshot<TaskContext>;
  readonly timerGenerations: Readonly<Record<string, number>>;
  /** Clocks of the rule set's `entity: 'task'` SLA policies (absent on records stored before them). */
  readonly sla?: SlaState;
}

/**
 * Without its timestamp: the step stamps `at`.
 *
 * @example
 * ```ts
 * import type { OpportunityCommand } from 'leadflow';
 * const command: OpportunityCommand = { type: 'LOSE', reason: '预算取消' };
 * ```
 * @category Engine
 */
export type OpportunityCommand = WithoutAt<OpportunityEvent>;
/**
 * Without its timestamp: the step stamps `at`.
 *
 * @example
 * ```ts
 * import type { TaskCommand } from 'leadflow';
 * const command: TaskCommand = { type: 'ACKNOWLEDGE', by: 'eng-sun' };
 * ```
 * @category Engine
 */
export type TaskCommand = WithoutAt<TaskEvent>;

type Effects = Omit<LeadStepEffects, 'assignmentBase' | 'assignment'> & {
  tasks: { id: string; record: TaskRecord }[];
};

function newEffects(): Effects {
  return { events: [], timerOps: [], completed: [], outbox: [], emits: [], tasks: [] };
}

/**
 * Pure steps for opportunities and department tasks, like the lead steps: `(record, command,
 * now) → (record, effects as data)`. Opportunity events start the rule set's department tasks;
 * a task past its due time is escalated to its department head.
 *
 * @example
 * ```ts
 * const work = createWorkSteps({ compiled, team, calendar });
 * const created = work.createOpportunity({ opportunityId: 'opp-1', customerId: 'c-1', name: '产线改造', ownerId: 'rep-a' }, now);
 * ```
 * @category Engine
 */
export function createWorkSteps(ctx: { compiled: CompiledRuleSet; team: Team; calendar: BusinessCalendar }) {
  const { compiled, team, calendar } = ctx;
  const opportunities = createStepper(opportunityMachine);
  const tasks = createStepper(taskMachine);
  const gates = resolveStageGates(compiled.source.opportunity.gates);
  const slaContextBase = { policies: compiled.sla, calendar };
  // A literal, not a spread: this runs several times per step.
  const slaContext = (entityId: string) => ({ policies: slaContextBase.policies, calendar, entityId });
  const repsById = new Map(team.reps.map((rep) => [rep.id, rep]));

  function recipients(ownerId: string | null, to: string, department?: string): string[] {
    const supervisorId = compiled.assignment.fallback.supervisorId;
    return resolveRecipients(team, repsById, to, {
      ownerId,
      supervisorId,
      ...(department ? { department } : {}),
    });
  }

  function applySla(
    entityId: string,
    record: { sla: SlaState },
    context: OpportunityContext,
    effects: SlaEffect[],
    out: Effects,
    at: number,
  ) {
    for (const effect of effects) {
      if (isSlaRecord(effect)) {
        if (effect.type === 'sla.started' || effect.type === 'sla.cancelled') continue;
        out.events.push({
          entityId,
          kind: 'opportunity',
          type: effect.type,
          at: effect.at,
          data: { policyId: effect.policyId, dueAt: effect.dueAt, elapsedMs: effect.elapsedMs },
        });
        if (effect.type === 'sla.breached')
          out.emits.push({
            name: 'sla.breached',
            payload: {
              entityId,
              entity: 'opportunity',
              policyId: effect.policyId,
              at: effect.at,
              dueAt: effect.dueAt,
            },
          });
        if (effect.type === 'sla.warning')
          out.emits.push({
            name: 'sla.warning',
            payload: {
              entityId,
              entity: 'opportunity',
              policyId: effect.policyId,
              at: effect.at,
              dueAt: effect.dueAt ?? at,
            },
          });
        continue;
      }
      if (effect.type === 'escalate') {
        out.events.push({
          entityId,
          kind: 'opportunity',
          type: 'opportunity.escalated',
          at,
          data: {
            policyId: effect.policyId,
            to: effect.to,
            recipientIds: recipients(context.ownerId, effect.to),
          },
        });
      } else if (effect.type === 'notify') {
        const template = compiled.source.templates[effect.template];
        const stage = context.stage;
        const policy = compiled.sla.byId.get(effect.policyId);
        const payload = {
          ...(template?.subject !== undefined ? { subject: template.subject } : {}),
          text: template
            ? renderTemplate(template.text, {
                opportunity: { name: context.name, stage },
                policy: {
                  id: effect.policyId,
                  target: policy ? spokenDuration(policy.target, compiled.source.language) : '',
                },
              })
            : `${effect.policyId} ${effect.phase}`,
          template: effect.template,
          data: { opportunityId: entityId, policyId: effect.policyId, phase: effect.phase },
        };
        const to = recipients(context.ownerId, effect.to);
        for (const channel of channelsOf(compiled, effect.template, effect.channel)) {
          out.outbox.push({
            id: `${entityId}:${effect.policyId}:${record.sla.clocks[effect.policyId]?.cycle ?? 0}:${effect.phase}:${channel}:${effect.to}`,
            channel,
            to: to.length > 0 ? to : ['unrouted'],
            createdAt: at,
            nextAttemptAt: at,
            payload,
          });
        }
      }
    }
  }

  const hasOpportunityPolicies = compiled.sla.policies.some((p) => p.entity === 'opportunity');
  /** An opportunity event through its SLA clocks. */
  function opportunitySla(
    id: string,
    record: { machine: PersistedSnapshot<OpportunityContext>; sla: SlaState },
    type: SlaEvent,
    at: number,
    out: Effects,
  ) {
    if (!hasOpportunityPolicies) return;
    const step = slaOnEvent(record.sla, { type, at }, slaContext(id));
    record.sla = step.state;
    slaTimerOps(out.timerOps, id, step.timers);
    applySla(id, record, record.machine.context, [...step.effects], out, at);
  }

  /** Domain events a machine emitted → event log, SLA clocks, and department tasks to start. */
  function afterOpportunityStep(
    id: string,
    record: { machine: PersistedSnapshot<OpportunityContext>; sla: SlaState },
    result: StepResult,
    at: number,
    out: Effects,
  ) {
    const context = record.machine.context;
    for (const emitted of result.emitted as { type: string; stage?: string }[]) {
      out.events.push({
        entityId: id,
        kind: 'opportunity',
        type: emitted.type,
        at,
        data: emitted as unknown as JsonValue,
      });
      opportunitySla(id, record, emitted.type as SlaEvent, at, out);
      for (const trigger of compiled.source.opportunity.tasks) {
        const fires =
          (trigger.on === 'won' && emitted.type === 'opportunity.won') ||
          (trigger.on === 'stageEntered' &&
            emitted.type === 'opportunity.stageEntered' &&
            emitted.stage === trigger.stage);
        if (fires) out.tasks.push(createTask(id, context, trigger.kind as TaskKind, at, out));
      }
      if (emitted.type === 'opportunity.deliveryDelayFlagged') {
        const template = compiled.source.templates['opportunity-delivery-delay'];
        const to = recipients(context.ownerId, 'owner');
        for (const channel of channelsOf(compiled, 'opportunity-delivery-delay', 'wecom')) {
          out.outbox.push({
            id: channel === 'wecom' ? `${id}:delivery-delay:${at}` : `${id}:delivery-delay:${at}:${channel}`,
            channel,
            to: to.length > 0 ? to : ['unrouted'],
            createdAt: at,
            nextAttemptAt: at,
            payload: {
              text: template
                ? renderTemplate(template.text, { opportunity: { name: context.name, stage: context.stage } })
                : `商机「${context.name}」交付被标记延期风险，请启动客户安抚预案。`,
              template: 'delivery-delay',
              data: { opportunityId: id },
            },
          });
        }
      }
    }
  }

  /**
   * `within` of business time from `at`; a window that runs past the calendar's holiday data
   * (a `CalendarError`) counts wall time instead rather than refusing the opportunity's step.
   */
  function businessDue(at: number, within: number): number {
    try {
      return calendar.addBusinessTime(at, within);
    } catch (error) {
      if (error instanceof CalendarError) return at + within;
      throw error;
    }
  }

  /** The rule set's window for a task kind, else the template's on business time. */
  function taskWindowOf(kind: TaskKind): TaskWindow {
    return (
      compiled.source.opportunity.taskWindows?.[kind] ?? {
        within: DEFAULT_TASK_TEMPLATES[kind].answerWithinMs,
        clock: 'business',
      }
    );
  }

  const hasTaskPolicies = compiled.sla.policies.some((p) => p.entity === 'task');
  /** A task event through the task's SLA clocks (`entity: 'task'` policies). */
  function taskSla(
    id: string,
    record: { machine: PersistedSnapshot<TaskContext>; sla: SlaState },
    type: SlaEvent | 'stopAll',
    at: number,
    out: Effects,
  ) {
    if (!hasTaskPolicies) return;
    const step =
      type === 'stopAll'
        ? slaStopAll(record.sla, at, slaContext(id))
        : slaOnEvent(record.sla, { type, at }, slaContext(id));
    record.sla = step.state;
    slaTimerOps(out.timerOps, id, step.timers);
    applyTaskSla(id, record, [...step.effects], out, at);
  }

  /** SLA effects of a task: `sla.*` records under kind `task`; escalate → the machine's ESCALATE; notify → outbox. */
  function applyTaskSla(
    entityId: string,
    record: { machine: PersistedSnapshot<TaskContext>; sla: SlaState },
    effects: SlaEffect[],
    out: Effects,
    at: number,
  ) {
    for (const effect of effects) {
      const context = record.machine.context;
      if (isSlaRecord(effect)) {
        if (effect.type === 'sla.started' || effect.type === 'sla.cancelled') continue;
        out.events.push({
          entityId,
          kind: 'task',
          type: effect.type,
          at: effect.at,
          data: { policyId: effect.policyId, dueAt: effect.dueAt, elapsedMs: effect.elapsedMs },
        });
        if (effect.type === 'sla.breached' || effect.type === 'sla.warning')
          out.emits.push({
            name: effect.type,
            payload: {
              entityId,
              entity: 'task',
              policyId: effect.policyId,
              at: effect.at,
              dueAt: effect.dueAt ?? at,
            },
          });
        continue;
      }
      if (effect.type === 'escalate') {
        const to = recipients(null, effect.to, context.department)[0] ?? 'unrouted';
        const result = tasks.step(
          record.machine,
          { type: 'ESCALATE', to, policyId: effect.policyId, at } as never,
          at,
        );
        if (!result.changed) continue;
        record.machine = result.snapshot as PersistedSnapshot<TaskContext>;
        for (const emitted of result.emitted as unknown as { type: string }[])
          out.events.push({
            entityId,
            kind: 'task',
            type: emitted.type,
            at,
            data: emitted as unknown as JsonValue,
          });
      } else if (effect.type === 'notify') {
        const template = compiled.source.templates[effect.template];
        const policy = compiled.sla.byId.get(effect.policyId);
        const to = recipients(null, effect.to, context.department);
        const payload = {
          ...(template?.subject !== undefined ? { subject: template.subject } : {}),
          text: template
            ? renderTemplate(template.text, {
                task: { label: context.label, opportunityId: context.opportunityId ?? '' },
                policy: {
                  id: effect.policyId,
                  target: policy ? spokenDuration(policy.target, compiled.source.language) : '',
                },
              })
            : `${context.label}（商机 ${context.opportunityId ?? ''}）${effect.policyId} ${effect.phase}`,
          template: effect.template,
          data: { taskId: entityId, policyId: effect.policyId, phase: effect.phase },
        };
        for (const channel of channelsOf(compiled, effect.template, effect.channel)) {
          out.outbox.push({
            id: `${entityId}:${effect.policyId}:${effect.phase}:${channel}:${effect.to}`,
            channel,
            to: to.length > 0 ? to : ['unrouted'],
            createdAt: at,
            nextAttemptAt: at,
            payload,
          });
        }
      }
    }
  }

  /**
   * The next maintenance reminder of a completed task (its RRULE from `result.maintenanceStart`,
   * the first occurrence at or after `from`, moved to a working time) as a durable timer; one
   * timer at a time, the next one scheduled when it fires. A reminder the calendar cannot place
   * (beyond its holiday data) is logged as unscheduled, never dropped silently.
   */
  function scheduleMaintenance(
    id: string,
    record: { machine: PersistedSnapshot<TaskContext>; timerGenerations: Record<string, number> },
    occurrence: number,
    from: number,
    at: number,
    out: Effects,
  ) {
    const context = record.machine.context;
    const rule = context.maintenanceRrule;
    // A date-only start (`2026-01-31`, a delivery date) is that day in the calendar's zone.
    const start = dateOnlyInstant(context.result?.maintenanceStart, calendar.zone);
    if (rule === null || !Number.isFinite(start)) return;
    let dueAt: number | undefined;
    try {
      // From a day earlier: a reminder due today (a date-only start is local midnight, moved to
      // 09:00) is still ahead of a task completed this morning. Each occurrence is moved to a
      // working time on its own, so a later one beyond the calendar's years does not get in the way.
      const raw = occurrences(rule, {
        start,
        zone: calendar.zone,
        from: from - 86_400_000,
        to: from + MAINTENANCE_HORIZON_MS,
        limit: 8,
      });
      for (const t of raw) {
        const shifted = calendar.nextBusinessTime(t);
        if (shifted >= from) {
          dueAt = shifted;
          break;
        }
      }
    } catch (error) {
      out.events.push({
        entityId: id,
        kind: 'task',
        type: 'task.maintenanceUnscheduled',
        at,
        data: { occurrence, reason: error instanceof Error ? error.message : String(error) },
      });
      return;
    }
    if (dueAt === undefined) return; // the rule has ended (COUNT / UNTIL) or gives none in the horizon
    const generation = (record.timerGenerations['engine:maintenance'] ?? 0) + 1;
    record.timerGenerations['engine:maintenance'] = generation;
    out.timerOps.push({
      op: 'schedule',
      timer: {
        entityId: id,
        timerKey: 'engine:maintenance',
        generation,
        dueAt,
        payload: { source: 'engine', kind: 'maintenanceReminder', occurrence },
      },
    });
    out.events.push({
      entityId: id,
      kind: 'task',
      type: 'task.maintenanceScheduled',
      at,
      data: { occurrence, dueAt, rrule: rule },
    });
  }

  /** A maintenance reminder through the outbox to the department head (售后部) and the customer's opportunity. */
  function sendMaintenanceReminder(
    id: string,
    context: TaskContext,
    occurrence: number,
    at: number,
    out: Effects,
  ) {
    const to = recipients(null, 'departmentHead', context.department);
    const template = compiled.source.templates['maintenance-reminder'];
    const equipment = Array.isArray(context.result?.equipmentList) ? context.result.equipmentList : [];
    out.events.push({
      entityId: id,
      kind: 'task',
      type: 'task.maintenanceDue',
      at,
      data: { occurrence, recipientIds: to },
    });
    for (const channel of channelsOf(compiled, 'maintenance-reminder', 'wecom')) {
      out.outbox.push({
        id:
          channel === 'wecom'
            ? `${id}:maintenance:${occurrence}`
            : `${id}:maintenance:${occurrence}:${channel}`,
        channel,
        to: to.length > 0 ? to : ['unrouted'],
        createdAt: at,
        nextAttemptAt: at,
        payload: {
          text: template
            ? renderTemplate(template.text, {
                task: {
                  label: context.label,
                  opportunityId: context.opportunityId ?? '',
                  occurrence: String(occurrence),
                },
              })
            : `保养提醒（第 ${occurrence} 次）：客户设备档案（商机 ${context.opportunityId ?? ''}）${equipment.length > 0 ? `设备 ${equipment.map(String).join('、')}` : ''}，请安排保养。`,
          template: 'maintenance-reminder',
          data: { taskId: id, occurrence },
        },
      });
    }
  }

  function createTask(
    opportunityId: string,
    context: OpportunityContext,
    kind: TaskKind,
    at: number,
    out: Effects,
  ): { id: string; record: TaskRecord } {
    const template = DEFAULT_TASK_TEMPLATES[kind];
    const department = team.departments[template.department];
    const id = `${opportunityId}:${kind}:${context.stageHistory.length}`;
    const window = taskWindowOf(kind);
    // Seed: 限时48小时内反馈 is a working-time promise — business time unless the rule set says wall.
    const dueAt = window.clock === 'business' ? businessDue(at, window.within) : at + window.within;
    const initial = tasks.initial(
      {
        taskId: id,
        kind,
        opportunityId,
        customerId: context.customerId,
        assigneeId: department?.headId ?? null,
        createdAt: at,
        answerWithinMs: window.within,
        dueAt,
      },
      at,
    );
    const generations: Record<string, number> = { 'engine:due': 1 };
    const record: {
      machine: PersistedSnapshot<TaskContext>;
      timerGenerations: Record<string, number>;
      sla: SlaState;
    } = {
      machine: initial.snapshot as PersistedSnapshot<TaskContext>,
      timerGenerations: generations,
      sla: slaInitialState(),
    };
    // Overdue → escalate to the department head: the task's own answer window.
    out.timerOps.push({
      op: 'schedule',
      timer: {
        entityId: id,
        timerKey: 'engine:due',
        generation: 1,
        dueAt,
        payload: { source: 'engine', kind: 'taskDue' },
      },
    });
    out.events.push({
      entityId: id,
      kind: 'task',
      type: 'task.created',
      at,
      data: {
        kind,
        opportunityId,
        department: template.department,
        dueAt,
        clock: window.clock,
        withinMs: window.within,
      },
    });
    taskSla(id, record, 'task.created', at, out);
    return { id, record };
  }

  function stepOpportunity(
    current: OpportunityRecord,
    command: OpportunityCommand,
    at: number,
  ): { record: OpportunityRecord; effects: Effects } {
    const id = current.machine.context.opportunityId;
    if (command.type === 'ADVANCE' || command.type === 'WIN') {
      // Only where the command could be accepted: anywhere else (ADVANCE from the last stage, WIN
      // before it, a closed opportunity) it is EVENT_NOT_ACCEPTED below, whatever the fields.
      const gate = gateOf(String(current.machine.value), command.type);
      const check = gate ? checkAdvance(current.machine.context, command.fields) : undefined;
      if (gate && check && !check.ok) {
        const specs = current.machine.context.gates[gate.stage];
        throw new GateNotMetError({
          opportunityId: id,
          command: command.type,
          stage: gate.stage,
          to: gate.to,
          // Each problem comes from one of these specs (checkRequiredFields reports by spec).
          missing: check.missing.map((m) => ({
            ...m,
            kind: specs.find((spec) => spec.field === m.field)!.kind,
          })),
        });
      }
    }
    const result = opportunities.step(current.machine, command as never, at);
    if (!result.changed) {
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `opportunity "${id}": ${command.type} is not accepted in stage "${String(current.machine.value)}"${command.type === 'LOSE' || command.type === 'ROLLBACK' ? ' (a reason is required; rollbacks only go to an earlier stage)' : ''}`,
      );
    }
    const record = {
      machine: result.snapshot as PersistedSnapshot<OpportunityContext>,
      sla: current.sla,
      timerGenerations: current.timerGenerations,
    };
    const effects = newEffects();
    if (command.type === 'PLAN_NEXT_CONTACT') {
      // Logged so "advanced by the planned next-contact time" can be computed from the log.
      effects.events.push({
        entityId: id,
        kind: 'opportunity',
        type: 'opportunity.nextContactPlanned',
        at,
        data: { stage: record.machine.context.stage, plannedAt: command.plannedAt },
      });
    }
    record.timerGenerations = machineTimerOps(
      effects.timerOps,
      id,
      record.timerGenerations,
      result.timers as readonly TimerCommand[],
    );
    afterOpportunityStep(id, record, result as StepResult, at, effects);
    return { record, effects };
  }

  return {
    gates,
    /** A new opportunity in the first stage (lead confirmation). */
    createOpportunity(
      input: {
        opportunityId: string;
        customerId: string;
        leadId?: string;
        name: string;
        ownerId: string | null;
        fields?: Record<string, JsonValue>;
      },
      at: number,
    ) {
      const result = opportunities.initial({ ...input, createdAt: at, gates }, at);
      const record = {
        machine: result.snapshot as PersistedSnapshot<OpportunityContext>,
        sla: slaInitialState(),
        timerGenerations: {} as Record<string, number>,
      };
      const effects = newEffects();
      effects.events.push({
        entityId: input.opportunityId,
        kind: 'opportunity',
        type: 'opportunity.created',
        at,
        data: { customerId: input.customerId, leadId: input.leadId ?? null, ownerId: input.ownerId },
      });
      // Policies may start on creation (before the first stage is entered).
      opportunitySla(input.opportunityId, record, 'opportunity.created', at, effects);
      record.timerGenerations = machineTimerOps(
        effects.timerOps,
        input.opportunityId,
        record.timerGenerations,
        result.timers as readonly TimerCommand[],
      );
      afterOpportunityStep(input.opportunityId, record, result as StepResult, at, effects);
      // 将销售商机自动触发三类协同任务 (seed 000): tasks that start with the opportunity itself.
      for (const trigger of compiled.source.opportunity.tasks) {
        if (trigger.on !== 'created') continue;
        const context = (record.machine as PersistedSnapshot<OpportunityContext>).context;
        effects.tasks.push(createTask(input.opportunityId, context, trigger.kind as TaskKind, at, effects));
      }
      return { record: record as OpportunityRecord, effects };
    },
    stepOpportunity,
    stepTask(
      current: TaskRecord,
      command: TaskCommand,
      at: number,
    ): { record: TaskRecord; effects: Effects } {
      const id = current.machine.context.taskId;
      const result = tasks.step(current.machine, command as never, at);
      if (!result.changed) {
        throw new EngineError(
          'EVENT_NOT_ACCEPTED',
          `task "${id}": ${command.type} is not accepted in state "${String(current.machine.value)}"${command.type === 'COMPLETE' ? ' (required result fields missing?)' : ''}`,
        );
      }
      const record = {
        machine: result.snapshot as PersistedSnapshot<TaskContext>,
        timerGenerations: { ...current.timerGenerations },
        sla: current.sla ?? slaInitialState(),
      };
      const effects = newEffects();
      for (const emitted of result.emitted as unknown as { type: string }[]) {
        effects.events.push({
          entityId: id,
          kind: 'task',
          type: emitted.type,
          at,
          data: emitted as unknown as JsonValue,
        });
        const slaEvent = TASK_SLA_EVENTS.get(emitted.type);
        if (slaEvent) taskSla(id, record, slaEvent, at, effects);
      }
      if (record.machine.value === 'done' && current.machine.value !== 'done') {
        // Seed: 售后部预生成《客户设备档案》并推送保养提醒日历 — the engine keeps the calendar.
        scheduleMaintenance(id, record, 1, at, at, effects);
      }
      if (record.machine.value === 'done' || record.machine.value === 'cancelled') {
        effects.timerOps.push({ op: 'cancel', ref: { entityId: id, timerKey: 'engine:due' } });
        // A finished task has no clock left running, whatever the policies' stopOn lists.
        taskSla(id, record, 'stopAll', at, effects);
      }
      return { record: record as TaskRecord, effects };
    },
    /** A durable timer of an opportunity or a task fired. */
    fire(
      kind: 'opportunity' | 'task',
      current: OpportunityRecord | TaskRecord,
      timer: { entityId: string; timerKey: string; generation: number; payload?: JsonValue },
      at: number,
    ) {
      const effects = newEffects();
      effects.completed.push({
        entityId: timer.entityId,
        timerKey: timer.timerKey,
        generation: timer.generation,
      });
      const payload = (timer.payload ?? {}) as Record<string, unknown>;
      if (
        current.timerGenerations[timer.timerKey] !== undefined &&
        current.timerGenerations[timer.timerKey] !== timer.generation &&
        payload.source !== 'sla'
      ) {
        return { record: current, effects, stale: true };
      }
      if (kind === 'task' && payload.source === 'sla') {
        const task = current as TaskRecord;
        const result = slaOnTimer(
          task.sla ?? slaInitialState(),
          slaFiredTimer(timer, at),
          slaContext(timer.entityId),
        );
        const record = { ...task, sla: result.state };
        slaTimerOps(effects.timerOps, timer.entityId, result.timers);
        applyTaskSla(timer.entityId, record, [...result.effects], effects, at);
        return { record: record as TaskRecord, effects, stale: result.stale };
      }
      if (kind === 'task' && payload.kind === 'maintenanceReminder') {
        const task = current as TaskRecord;
        if (task.machine.value !== 'done') return { record: current, effects, stale: true };
        const record = {
          ...task,
          timerGenerations: { ...task.timerGenerations },
          sla: task.sla ?? slaInitialState(),
        };
        const occurrence = typeof payload.occurrence === 'number' ? payload.occurrence : 1;
        sendMaintenanceReminder(timer.entityId, record.machine.context, occurrence, at, effects);
        scheduleMaintenance(timer.entityId, record, occurrence + 1, at + 1, at, effects);
        return { record: record as TaskRecord, effects, stale: false };
      }
      if (kind === 'task') {
        const task = current as TaskRecord;
        const context = task.machine.context;
        if (payload.kind !== 'taskDue' || task.machine.value === 'done' || task.machine.value === 'cancelled')
          return { record: current, effects, stale: true };
        const head = recipients(null, 'departmentHead', context.department)[0] ?? 'unrouted';
        const result = tasks.step(
          task.machine,
          { type: 'ESCALATE', to: head, policyId: 'task-overdue' } as never,
          at,
        );
        const record: TaskRecord = {
          ...task,
          machine: result.snapshot as PersistedSnapshot<TaskContext>,
        };
        effects.events.push({
          entityId: timer.entityId,
          kind: 'task',
          type: 'task.overdue',
          at,
          data: { departmentHead: head, dueAt: context.dueAt },
        });
        const template = compiled.source.templates['task-overdue'];
        for (const channel of channelsOf(compiled, 'task-overdue', 'wecom')) {
          effects.outbox.push({
            id: channel === 'wecom' ? `${timer.entityId}:overdue` : `${timer.entityId}:overdue:${channel}`,
            channel,
            to: [head],
            createdAt: at,
            nextAttemptAt: at,
            payload: {
              text: template
                ? renderTemplate(template.text, {
                    task: { label: context.label, opportunityId: context.opportunityId ?? '' },
                  })
                : `${context.label}（商机 ${context.opportunityId ?? ''}）已超时未完成，请部门负责人跟进。`,
              template: 'task-overdue',
              data: { taskId: timer.entityId },
            },
          });
        }
        return { record, effects, stale: false };
      }
      const opportunity = current as OpportunityRecord;
      if (payload.source === 'sla') {
        const result = slaOnTimer(opportunity.sla, slaFiredTimer(timer, at), slaContext(timer.entityId));
        const record = { ...opportunity, sla: result.state };
        slaTimerOps(effects.timerOps, timer.entityId, result.timers);
        applySla(timer.entityId, record, opportunity.machine.context, [...result.effects], effects, at);
        return { record, effects, stale: result.stale };
      }
      if (payload.source === 'machine') {
        const step = stepOpportunity(opportunity, payload.event as unknown as OpportunityCommand, at);
        step.effects.completed.push(...effects.completed);
        return { ...step, stale: false };
      }
      return { record: current, effects, stale: true };
    },
  };
}

/** How far ahead the next maintenance reminder is looked for (a yearly rule always has one). */
const MAINTENANCE_HORIZON_MS = 400 * 86_400_000;

/** The task machine's emitted events that SLA policies on tasks start, stop, pause or resume on. */
const TASK_SLA_EVENTS: ReadonlyMap<string, SlaEvent> = /* @__PURE__ */ (() =>
  new Map<string, SlaEvent>([
    ['task.acknowledged', 'task.acknowledged'],
    ['task.completed', 'task.done'],
  ]))();

/**
 * The gate an `ADVANCE` or `WIN` in state `value` must pass, and where it leads; `undefined` when
 * the machine refuses the command there whatever the fields (ADVANCE from the last stage, WIN
 * before it, a won or lost opportunity).
 */
function gateOf(
  value: string,
  command: 'ADVANCE' | 'WIN',
): { stage: OpportunityStageId; to: OpportunityStageId | 'won' } | undefined {
  const index = OPPORTUNITY_STAGE_IDS.indexOf(value as OpportunityStageId);
  if (index < 0) return undefined;
  const last = index === OPPORTUNITY_STAGE_IDS.length - 1;
  if (command === 'WIN') return last ? { stage: value as OpportunityStageId, to: 'won' } : undefined;
  return last ? undefined : { stage: value as OpportunityStageId, to: OPPORTUNITY_STAGE_IDS[index + 1]! };
}

/**
 * The opportunity and task steps made by {@link createWorkSteps}.
 *
 * @example
 * ```ts
 * const work: WorkSteps = createWorkSteps({ compiled, team, calendar });
 * ```
 * @category Engine
 */
export type WorkSteps = ReturnType<typeof createWorkSteps>;
