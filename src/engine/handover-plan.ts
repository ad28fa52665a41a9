/**
 * A departing rep's handover as one pure step: given everything the rep owns (loaded by the
 * engine), decide where each item goes and build the single commit that moves them all — or
 * refuse with the items that have nowhere to go, moving nothing.
 *
 * @module
 */
import type {
  EntityWrite,
  EventInput,
  JsonValue,
  OutboxEnqueue,
  TimerCompletion,
  TimerRecord,
  TimerRef,
} from '../adapters/storage/port.js';
import type { Rep } from '../model/rep.js';
import type { Team } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { type AssignmentState, decideLead, leadUnits, recordAssignment } from '../rules/decide.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import { type HandoverResult, type HandoverRow, handoverCsv } from './handover.js';
import { collapseTimers, type LeadRecord, type LeadSteps, TERMINAL_LEAD_STATES } from './lead-step.js';
import { resolveRecipients } from './recipients.js';
import {
  customerLookups,
  isOpenWork,
  type Loaded,
  leadLookups,
  type Repository,
  workEntity,
} from './repository.js';
import type { CustomerRecord } from './types.js';
import type { Plan } from './unit-of-work.js';
import type { OpportunityRecord, TaskRecord, WorkSteps } from './work-steps.js';

/**
 * Everything a rep owns, as loaded (with ids); opportunities carry their customer's group.
 *
 * @category Engine
 */
export interface OwnedItems {
  readonly leads: readonly (Loaded<LeadRecord> & { readonly id: string })[];
  readonly customers: readonly (Loaded<CustomerRecord> & { readonly id: string })[];
  readonly opportunities: readonly (Loaded<OpportunityRecord> & {
    readonly id: string;
    readonly groupId?: string;
  })[];
  readonly tasks: readonly (Loaded<TaskRecord> & { readonly id: string })[];
}

/**
 * Load everything `repId` owns (opportunities with their customer's group).
 *
 * @category Engine
 */
export async function ownedBy(
  repo: Repository,
  repId: string,
  groupOf: (record: OpportunityRecord) => Promise<string | undefined>,
): Promise<OwnedItems> {
  const load = async <K extends 'lead' | 'customer' | 'opportunity' | 'task'>(kind: K) => {
    const out = [];
    for (const id of await repo.lookup(kind, 'owner', repId)) {
      const found = await repo.find(kind, id);
      if (found) out.push({ ...found, id });
    }
    return out;
  };
  const opportunities = [];
  for (const item of await load('opportunity')) {
    const groupId = await groupOf(item.record);
    opportunities.push(groupId === undefined ? item : { ...item, groupId });
  }
  return {
    leads: await load('lead'),
    customers: await load('customer'),
    opportunities,
    tasks: await load('task'),
  };
}

/**
 * What the handover step needs besides the items.
 *
 * @category Engine
 */
export interface HandoverContext {
  readonly compiled: CompiledRuleSet;
  readonly team: Team;
  readonly repsById: ReadonlyMap<string, Rep>;
  readonly steps: LeadSteps;
  readonly work: WorkSteps;
}

/**
 * Check the arguments of a handover before anything is loaded.
 *
 * @category Engine
 */
export function checkHandover(
  repsById: ReadonlyMap<string, Rep>,
  fromRepId: string,
  to: string | { readonly policy: 'reassign' },
): void {
  if (!repsById.has(fromRepId)) {
    throw new EngineError('ENGINE_INVALID', `handover: rep "${fromRepId}" is not in the team`);
  }
  if (typeof to !== 'string') return;
  const target = repsById.get(to);
  if (!target) throw new EngineError('ENGINE_INVALID', `handover: target rep "${to}" is not in the team`);
  if (!target.active) throw new EngineError('ENGINE_INVALID', `handover: target rep "${to}" is inactive`);
  if (to === fromRepId)
    throw new EngineError('ENGINE_INVALID', 'handover: a rep cannot hand over to themselves');
}

/**
 * Plan the handover: open leads go to `to` (or are re-assigned without the departing rep, using
 * no capacity), customers follow, opportunities and open tasks follow their lead's new owner or
 * the target. Throws `HANDOVER_UNPLACED` listing what cannot be placed.
 * @category Engine
 */
export function handoverPlan(
  ctx: HandoverContext,
  items: OwnedItems,
  fromRepId: string,
  to: string | { readonly policy: 'reassign' },
  at: number,
  day: string,
  assignment: AssignmentState,
): Plan<HandoverResult> & { readonly emits: readonly Emit[] } {
  const { compiled, team, repsById, steps, work } = ctx;
  const managerOf = (repId: string): string | undefined =>
    resolveRecipients(team, repsById, 'manager', {
      ownerId: repId,
      supervisorId: compiled.assignment.fallback.supervisorId,
    })[0];
  const access = (repId: string) => {
    const manager = managerOf(repId);
    return manager ? `${repId}:owner;${manager}:read` : `${repId}:owner`;
  };
  const rows: HandoverRow[] = [];
  const entities: EntityWrite[] = [];
  const events: EventInput[] = [];
  const outbox: OutboxEnqueue[] = [];
  const timers: { schedule: TimerRecord[]; cancel: TimerRef[]; complete: TimerCompletion[] } = {
    schedule: [],
    cancel: [],
    complete: [],
  };
  const emits: Emit[] = [];
  const unplaced: string[] = [];
  let current = assignment;
  const addTimers = (collapsed: ReturnType<typeof collapseTimers>) => {
    timers.schedule.push(...collapsed.schedule);
    timers.cancel.push(...collapsed.cancel);
    timers.complete.push(...collapsed.complete);
  };

  for (const { id: leadId, record, version } of items.leads) {
    if (TERMINAL_LEAD_STATES.has(steps.stateOf(record))) continue;
    let target: string | undefined = typeof to === 'string' ? to : undefined;
    if (target === undefined) {
      const decided = decideLead(compiled, record.lead, team, current, {
        now: at,
        day,
        trace: false,
        excludeReps: new Set([fromRepId]),
      });
      if (decided.decision.kind !== 'assign') {
        unplaced.push(`lead ${leadId} (${decided.decision.kind}: no eligible rep)`);
        continue;
      }
      target = decided.decision.repId;
      current = recordAssignment(current, target, day, leadUnits(compiled, decided.intentGrade));
    }
    const result = steps.apply(
      record,
      { type: 'REASSIGN', repId: target, reason: `handover from ${fromRepId}` },
      at,
      current,
    );
    entities.push({
      kind: 'lead',
      id: leadId,
      expectedVersion: version,
      snapshot: result.record as unknown as JsonValue,
      lookups: leadLookups(result.record),
    });
    events.push(...result.effects.events, {
      entityId: leadId,
      kind: 'lead',
      type: 'lead.handedOver',
      at,
      data: { from: fromRepId, to: target },
    });
    addTimers(collapseTimers(result.effects));
    outbox.push(...result.effects.outbox);
    emits.push(...result.effects.emits);
    rows.push({
      kind: 'lead',
      id: leadId,
      name: record.lead.company.name,
      state: steps.stateOf(result.record),
      from: fromRepId,
      to: target,
      access: access(target),
    });
  }

  // Without a fixed target, customers and work follow the first moved lead's new owner.
  const fallbackTarget = typeof to === 'string' ? to : rows.find((row) => row.kind === 'lead')?.to;
  for (const { id, record, version } of items.customers) {
    if (fallbackTarget === undefined) {
      unplaced.push(`customer ${id} (no lead moved to follow)`);
      continue;
    }
    const customer = { ...record.customer, ownerRepId: fallbackTarget };
    entities.push({
      kind: 'customer',
      id,
      expectedVersion: version,
      snapshot: { ...record, customer } as unknown as JsonValue,
      lookups: customerLookups(customer),
    });
    events.push({
      entityId: id,
      kind: 'customer',
      type: 'customer.handedOver',
      at,
      data: { from: fromRepId, to: fallbackTarget },
    });
    rows.push({
      kind: 'customer',
      id,
      name: record.customer.name,
      state: 'active',
      from: fromRepId,
      to: fallbackTarget,
      access: access(fallbackTarget),
    });
  }

  const work_ = [
    ...items.opportunities.map((item) => ({ kind: 'opportunity' as const, ...item })),
    ...items.tasks.map((item) => ({ kind: 'task' as const, groupId: undefined, ...item })),
  ];
  for (const item of work_) {
    const { kind, id, record, version } = item;
    const context = record.machine.context as {
      outcome?: string | null;
      name?: string;
      label?: string;
      leadId?: string | null;
    };
    if (kind === 'task' && !isOpenWork('task', record)) continue;
    if (kind === 'opportunity' && context.outcome === 'lost') continue;
    const leadTarget = context.leadId
      ? rows.find((row) => row.kind === 'lead' && row.id === context.leadId)?.to
      : undefined;
    const target = leadTarget ?? fallbackTarget;
    if (target === undefined) {
      unplaced.push(`${kind} ${id} (no lead moved to follow)`);
      continue;
    }
    const step =
      kind === 'opportunity'
        ? work.stepOpportunity(record as OpportunityRecord, { type: 'REASSIGN', repId: target }, at)
        : work.stepTask(record as TaskRecord, { type: 'REASSIGN', to: target }, at);
    entities.push(workEntity(kind, id, step.record, version, item.groupId));
    for (const task of step.effects.tasks)
      entities.push(workEntity('task', task.id, task.record, 0, undefined));
    events.push(...step.effects.events);
    addTimers(collapseTimers(step.effects));
    outbox.push(...step.effects.outbox);
    emits.push(...step.effects.emits);
    const state =
      kind === 'opportunity'
        ? String(context.outcome ?? (record as OpportunityRecord).machine.context.stage)
        : String(step.record.machine.value);
    rows.push({
      kind,
      id,
      name: context.name ?? context.label ?? id,
      state,
      from: fromRepId,
      to: target,
      access: access(target),
    });
  }

  if (unplaced.length > 0) {
    throw new EngineError(
      'HANDOVER_UNPLACED',
      `handover from "${fromRepId}" moved nothing: ${unplaced.length} item(s) have nowhere to go: ${unplaced.slice(0, 5).join('; ')}${unplaced.length > 5 ? ' …' : ''}`,
    );
  }
  const counts = { lead: 0, customer: 0, opportunity: 0, task: 0 };
  for (const row of rows) counts[row.kind]++;
  return {
    commit: { entities, events, timers, outbox },
    ...(typeof to === 'string' ? {} : { assignment: current }),
    result: { fromRepId, at, rows, counts, csv: handoverCsv(rows) },
    emits,
  };
}

type Emit = { name: keyof EngineEvents; payload: EngineEvents[keyof EngineEvents] };
