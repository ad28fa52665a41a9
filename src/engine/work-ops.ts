/**
 * Opportunity and department-task operations: load, run the pure work step, plan the commit.
 * Timers carry their entity kind so a firing knows what to load.
 *
 * @module
 */
import type { CommitInput, EventInput, JsonValue, StoredTimer } from '../adapters/storage/port.js';
import type { Rep } from '../model/rep.js';
import { EngineError } from './errors.js';
import { collapseTimers, type LeadStepResult } from './lead-step.js';
import { type Repository, workEntity } from './repository.js';
import type { OpportunityCreated, OpportunityRequest } from './types.js';
import type { Attempt, Plan } from './unit-of-work.js';
import type {
  OpportunityCommand,
  OpportunityRecord,
  TaskCommand,
  TaskRecord,
  WorkSteps,
} from './work-steps.js';

type Emit = LeadStepResult['effects']['emits'][number];
type WorkEffects = ReturnType<WorkSteps['createOpportunity']>['effects'];

/**
 * What the work operations need from the engine.
 *
 * @category Engine
 */
export interface WorkOpsContext {
  readonly repo: Repository;
  readonly work: WorkSteps;
  readonly repsById: ReadonlyMap<string, Rep>;
  /** After a commit: tell listeners (log events and emits), wake the runtime, start delivery. */
  readonly committed: (
    commit: Omit<CommitInput, 'at'>,
    emits: readonly Emit[],
    workEvents: readonly EventInput[],
  ) => void;
}

/**
 * Build the plans of opportunity and task operations.
 *
 * @example
 * ```ts
 * const workOps = createWorkOperations({ repo, work, repsById, committed });
 * await unitOfWork.run('task', 'task-1', undefined, (attempt) => workOps.task('task-1', { type: 'ACKNOWLEDGE', by: 'eng-sun' }, attempt));
 * ```
 * @category Engine
 */
export function createWorkOperations(ctx: WorkOpsContext) {
  const { repo, work, repsById } = ctx;

  /** The group of an opportunity's customer (for the "group already has active opportunities" lookup). */
  async function groupOf(record: OpportunityRecord): Promise<string | undefined> {
    return (await repo.find('customer', record.machine.context.customerId))?.record.customer.groupId;
  }

  function plan<R>(
    main: {
      kind: 'opportunity' | 'task';
      id: string;
      version: number;
      record: OpportunityRecord | TaskRecord;
    },
    effects: WorkEffects,
    groupId: string | undefined,
    result: R,
  ): Plan<R> {
    const collapsed = collapseTimers(effects);
    const taskIds = new Set(effects.tasks.map((task) => task.id));
    const schedule = collapsed.schedule.map((timer) => ({
      ...timer,
      payload: {
        ...(timer.payload as Record<string, JsonValue>),
        entity: timer.entityId !== main.id && taskIds.has(timer.entityId) ? 'task' : main.kind,
      },
    }));
    const commit: Omit<CommitInput, 'at'> = {
      entities: [
        workEntity(main.kind, main.id, main.record, main.version, groupId),
        ...effects.tasks.map((task) => workEntity('task', task.id, task.record, 0, undefined)),
      ],
      events: effects.events,
      timers: { ...collapsed, schedule },
      outbox: effects.outbox,
    };
    return { commit, result, after: () => ctx.committed(commit, effects.emits, effects.events) };
  }

  async function createOpportunity(
    request: OpportunityRequest,
    attempt: Attempt,
  ): Promise<Plan<OpportunityCreated>> {
    const { at } = attempt;
    const customer = await repo.find('customer', request.customerId);
    if (!customer) {
      throw new EngineError(
        'NOT_FOUND',
        `createOpportunity: customer "${request.customerId}" not found (upsertCustomer first)`,
      );
    }
    const ownerId = request.ownerId ?? customer.record.customer.ownerRepId ?? null;
    if (ownerId !== null && !repsById.has(ownerId)) {
      throw new EngineError('ENGINE_INVALID', `createOpportunity: owner "${ownerId}" is not in the team`);
    }
    // Whole milliseconds: a virtual clock may stand between two, and ids must stay plain ids.
    const opportunityId = request.opportunityId ?? `opp-${Math.floor(at).toString(36)}-${attempt.newId()}`;
    if (await repo.find('opportunity', opportunityId)) {
      throw new EngineError('ENGINE_INVALID', `createOpportunity: "${opportunityId}" exists`);
    }
    const warnings: OpportunityCreated['warnings'][number][] = [];
    const groupId = customer.record.customer.groupId;
    if (groupId !== undefined) {
      const active = [];
      for (const id of await repo.lookup('opportunity', 'openGroup', groupId)) {
        const found = await repo.find('opportunity', id);
        if (!found) continue;
        const context = found.record.machine.context;
        const owner = context.ownerId ? repsById.get(context.ownerId) : undefined;
        active.push({ id, name: context.name, ownerId: context.ownerId, ownerName: owner?.name ?? null });
      }
      if (active.length > 0) {
        const owners = [
          ...new Set(active.map((o) => (o.ownerName ? `${o.ownerName}(${o.ownerId})` : (o.ownerId ?? '无')))),
        ].join('、');
        warnings.push({
          kind: 'groupActiveOpportunities',
          message: `该客户所属集团当前已有${active.length}个活跃商机，负责人：${owners}`,
          opportunities: active,
        });
      }
    }
    const created = work.createOpportunity(
      {
        opportunityId,
        customerId: request.customerId,
        name: request.name,
        ownerId,
        ...(request.leadId ? { leadId: request.leadId } : {}),
        ...(request.fields ? { fields: request.fields } : {}),
      },
      at,
    );
    return plan(
      { kind: 'opportunity', id: opportunityId, version: 0, record: created.record },
      created.effects,
      groupId,
      { opportunityId, warnings },
    );
  }

  async function opportunity(
    id: string,
    command: OpportunityCommand,
    attempt: Attempt,
  ): Promise<Plan<OpportunityRecord>> {
    const { record, version } = await repo.get('opportunity', id);
    const result = work.stepOpportunity(record, command, attempt.at);
    return plan(
      { kind: 'opportunity', id, version, record: result.record },
      result.effects,
      await groupOf(record),
      result.record,
    );
  }

  async function task(id: string, command: TaskCommand, attempt: Attempt): Promise<Plan<TaskRecord>> {
    const { record, version } = await repo.get('task', id);
    const result = work.stepTask(record, command, attempt.at);
    return plan(
      { kind: 'task', id, version, record: result.record },
      result.effects,
      undefined,
      result.record,
    );
  }

  /** A due opportunity or task timer; one whose entity is gone is completed. */
  async function fire(
    kind: 'opportunity' | 'task',
    timer: StoredTimer,
    attempt: Attempt,
  ): Promise<Plan<'fired' | 'stale'>> {
    const found = await repo.find(kind, timer.entityId);
    if (!found) {
      return {
        commit: {
          timers: {
            complete: [{ entityId: timer.entityId, timerKey: timer.timerKey, generation: timer.generation }],
          },
        },
        result: 'stale',
      };
    }
    const result = work.fire(kind, found.record, timer, attempt.at);
    const groupId = kind === 'opportunity' ? await groupOf(found.record as OpportunityRecord) : undefined;
    return plan(
      { kind, id: timer.entityId, version: found.version, record: result.record },
      result.effects,
      groupId,
      result.stale ? 'stale' : 'fired',
    );
  }

  return { createOpportunity, opportunity, task, fire, groupOf };
}

export type WorkOperations = ReturnType<typeof createWorkOperations>;
