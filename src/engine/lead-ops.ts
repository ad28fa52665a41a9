/**
 * Lead operations: load what a lead step needs, run the pure step, and hand the unit of work a
 * plan. A lead holds its dedupe keys (phone, e-mail, USCC, the host's `externalId`) as unique
 * lookups from the commit that creates it, so two engines receiving the same customer at once
 * make one lead: the second commit is refused, and its retry finds the first lead and merges.
 *
 * @module
 */
import type {
  CommitInput,
  EntityWrite,
  JsonValue,
  StorageAdapter,
  StoredTimer,
} from '../adapters/storage/port.js';
import type { AssignmentState } from '../rules/decide.js';
import type { EngineEvents } from './events.js';
import {
  collapseTimers,
  type LeadRecord,
  type LeadStepResult,
  type LeadSteps,
  sameLookups,
} from './lead-step.js';
import { quarantineRecord, readLead } from './quarantine.js';
import {
  IN_POOL,
  isOpenLead,
  leadDedupeKeys,
  leadLookups,
  type Repository,
  uniqueLookups,
} from './repository.js';
import type { IngestResult, LeadPoolEntry } from './types.js';
import type { Attempt, Plan } from './unit-of-work.js';

type Emit = LeadStepResult['effects']['emits'][number];

/**
 * What the lead operations need from the engine.
 *
 * @category Engine
 */
export interface LeadOpsContext {
  readonly storage: StorageAdapter;
  readonly repo: Repository;
  readonly steps: LeadSteps;
  /** After a commit: tell listeners, wake the runtime, start delivery. */
  readonly committed: (commit: Omit<CommitInput, 'at'>, emits: readonly Emit[]) => void;
  /** Tell listeners one event (a quarantine). */
  readonly tell: <K extends keyof EngineEvents>(name: K, payload: EngineEvents[K]) => void;
}

/**
 * The generated id of lead number `n`.
 *
 * @category Engine
 */
export function leadIdOf(n: number): string {
  return `lead-${n.toString().padStart(7, '0')}`;
}

/**
 * Build the plans of lead operations.
 *
 * @example
 * ```ts
 * const leads = createLeadOperations({ storage, repo, steps, committed, tell });
 * const result = await unitOfWork.run('ingest', '', undefined, (attempt) => leads.ingest(payload, attempt));
 * ```
 * @category Engine
 */
export function createLeadOperations(ctx: LeadOpsContext) {
  const { storage, repo, steps } = ctx;

  /** The plan of a committed lead step. */
  function stepPlan<R>(
    leadId: string,
    result: LeadStepResult,
    version: number,
    previous: LeadRecord | undefined,
    value: R,
  ): Plan<R> {
    const entity: EntityWrite = {
      kind: 'lead',
      id: leadId,
      expectedVersion: version,
      snapshot: result.record as unknown as JsonValue,
    };
    // Lookups change rarely (owner; dedupe keys released on close); storage keeps them when omitted.
    if (previous === undefined || !sameLookups(previous, result.record)) {
      entity.lookups = leadLookups(result.record);
      const open = isOpenLead(result.record, steps.stateOf);
      entity.unique = uniqueLookups(leadDedupeKeys(result.record.lead, open));
    }
    const commit: Omit<CommitInput, 'at'> = {
      entities: [entity],
      events: result.effects.events,
      timers: collapseTimers(result.effects),
      outbox: result.effects.outbox,
    };
    return {
      commit,
      ...(result.effects.assignment ? { assignment: result.effects.assignment } : {}),
      result: value,
      after: () => ctx.committed(commit, result.effects.emits),
    };
  }

  async function ingest(raw: unknown, attempt: Attempt): Promise<Plan<IngestResult>> {
    const { at, assignment } = attempt;
    const parsed = readLead(raw);
    if (!parsed.ok) {
      const record = quarantineRecord(
        `quarantine-${Math.floor(at).toString(36)}-${attempt.newId()}`,
        raw,
        parsed.issues,
        at,
      );
      const commit: Omit<CommitInput, 'at'> = {
        quarantine: [record],
        events: [
          {
            entityId: record.id,
            kind: 'quarantine',
            type: 'lead.quarantined',
            at,
            data: { issues: record.issues.length },
          },
        ],
      };
      return {
        commit,
        result: { status: 'quarantined', record },
        after: () =>
          ctx.tell('lead.quarantined', {
            quarantineId: record.id,
            at,
            reason: record.reason,
            issues: record.issues,
          }),
      };
    }
    const lead = parsed.lead;
    // Every key in one read; the first that an open lead (or, for externalId, any lead) holds wins.
    const keys = leadDedupeKeys(lead);
    const holders = keys.length === 0 ? [] : await storage.lookupMany('lead', keys);
    for (const [i, { key }] of keys.entries()) {
      const holder = holders[i]![0];
      if (holder === undefined) continue;
      const found = await repo.find('lead', holder);
      if (!found) continue;
      // A redelivery of the host's id always finds its lead; a phone is only held by an open one.
      if (key !== 'externalId' && !isOpenLead(found.record, steps.stateOf)) continue;
      const matchedOn = key;
      const result = steps.mergeDuplicate(found.record, lead, matchedOn, at, assignment);
      return stepPlan(holder, result, found.version, found.record, {
        status: 'merged',
        leadId: holder,
        duplicateOf: holder,
        matchedOn,
      });
    }
    const leadId = leadIdOf(attempt.newId());
    const result = steps.receive(lead, leadId, at, assignment);
    return stepPlan(leadId, result, 0, undefined, {
      status: 'accepted',
      leadId,
      state: steps.stateOf(result.record),
      decision: result.record.decisions.at(-1)!.decision,
      tags: result.record.tags,
    });
  }

  /** A command on an existing lead. */
  async function command(
    leadId: string,
    attempt: Attempt,
    step: (record: LeadRecord, at: number, assignment: AssignmentState) => LeadStepResult,
  ): Promise<Plan<LeadRecord>> {
    const { record, version } = await repo.get('lead', leadId);
    const result = step(record, attempt.at, attempt.assignment);
    return stepPlan(leadId, result, version, record, result.record);
  }

  /**
   * A rep claims a lead: a broadcast offer (first to claim wins) or one in the pool (公海), the
   * latter under the rep's holding cap. Pool claims for one rep also write that rep's holder key,
   * so two engines claiming for the same rep at once serialise: the loser's retry counts again.
   */
  async function claim(leadId: string, repId: string, attempt: Attempt): Promise<Plan<LeadRecord>> {
    const { record, version } = await repo.get('lead', leadId);
    if (steps.stateOf(record) !== IN_POOL) {
      const result = steps.apply(record, { type: 'CLAIM', repId }, attempt.at, attempt.assignment);
      return stepPlan(leadId, result, version, record, result.record);
    }
    const holding = await holdingOf(repId);
    const result = steps.apply(record, { type: 'CLAIM', repId }, attempt.at, attempt.assignment, { holding });
    const plan = stepPlan(leadId, result, version, record, result.record);
    const key = `leadPool/holder/${repId}`;
    const lock = await storage.loadState(key);
    const write = {
      key,
      value: { holding: holding + 1, at: attempt.at },
      expectedVersion: lock?.version ?? 0,
    };
    return { ...plan, commit: { ...plan.commit!, state: [...(plan.commit?.state ?? []), write] } };
  }

  /** How many open leads a rep owns now (the holding a cap is checked against). */
  async function holdingOf(repId: string): Promise<number> {
    let holding = 0;
    for (const id of await repo.lookup('lead', 'owner', repId)) {
      const found = await repo.find('lead', id);
      if (found && found.record.machine.context.ownerId === repId && isOpenLead(found.record, steps.stateOf))
        holding++;
    }
    return holding;
  }

  /** The leads in the pool, oldest first: who gave each up, when and why. */
  async function pool(): Promise<LeadPoolEntry[]> {
    const entries: LeadPoolEntry[] = [];
    for (const id of await repo.lookup('lead', 'pool', IN_POOL)) {
      const found = await repo.find('lead', id);
      if (!found || steps.stateOf(found.record) !== IN_POOL) continue;
      const context = found.record.machine.context;
      entries.push({
        leadId: id,
        since: context.pooledAt ?? found.record.lead.receivedAt,
        from: context.pooledFrom ?? undefined,
        reason: context.reason ?? '',
        priority: context.priority,
        company: found.record.lead.company.name,
        tags: found.record.tags,
      });
    }
    return entries.sort((a, b) => a.since - b.since || (a.leadId < b.leadId ? -1 : 1));
  }

  /** A due lead timer; a timer of a lead that no longer exists is completed. */
  async function fire(timer: StoredTimer, attempt: Attempt): Promise<Plan<'fired' | 'stale'>> {
    const found = await repo.find('lead', timer.entityId);
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
    const result = steps.fire(found.record, timer, attempt.at, attempt.assignment);
    return stepPlan(timer.entityId, result, found.version, found.record, result.stale ? 'stale' : 'fired');
  }

  /** The lead made from a host's `externalId`. */
  async function findByExternalId(externalId: string): Promise<LeadRecord | undefined> {
    const [holder] = await storage.lookup('lead', 'externalId', externalId, { limit: 1 });
    if (holder === undefined) return undefined;
    return (await repo.find('lead', holder))?.record;
  }

  /** The dedupe lookups an ingest of `raw` will make (none for a payload that will be quarantined). */
  function dedupeQueries(raw: unknown): { key: string; value: string }[] {
    const parsed = readLead(raw);
    return parsed.ok ? leadDedupeKeys(parsed.lead) : [];
  }

  return { ingest, command, claim, pool, fire, findByExternalId, dedupeQueries };
}

export type LeadOperations = ReturnType<typeof createLeadOperations>;
