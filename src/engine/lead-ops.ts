/**
 * Lead operations: load what a lead step needs, run the pure step, and hand the unit of work a
 * plan. Dedupe keys (phone, e-mail, USCC, the host's `externalId`) are claimed in engine state in
 * the same commit that creates the lead, so two engines receiving the same customer at once make
 * one lead, not two.
 *
 * @module
 */
import type {
  CommitInput,
  EntityWrite,
  JsonValue,
  StorageAdapter,
  StoredState,
  StoredTimer,
} from '../adapters/storage/port.js';
import type { AssignmentState } from '../rules/decide.js';
import type { EngineEvents } from './events.js';
import {
  collapseTimers,
  dedupeKeys,
  type LeadRecord,
  type LeadStepResult,
  type LeadSteps,
  sameLookups,
} from './lead-step.js';
import { quarantineRecord, readLead } from './quarantine.js';
import { externalKey, isOpenLead, leadKeyState, leadLookups, type Repository } from './repository.js';
import type { IngestResult } from './types.js';
import type { Attempt, Plan } from './unit-of-work.js';

type Emit = LeadStepResult['effects']['emits'][number];

/** What the lead operations need from the engine. */
export interface LeadOpsContext {
  readonly storage: StorageAdapter;
  readonly repo: Repository;
  readonly steps: LeadSteps;
  /** After a commit: tell listeners, wake the runtime, start delivery. */
  readonly committed: (commit: Omit<CommitInput, 'at'>, emits: readonly Emit[]) => void;
  /** Tell listeners one event (a quarantine). */
  readonly tell: <K extends keyof EngineEvents>(name: K, payload: EngineEvents[K]) => void;
}

/** The generated id of lead number `n`. */
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
    extraState: CommitInput['state'] = undefined,
  ): Plan<R> {
    const entity: EntityWrite = {
      kind: 'lead',
      id: leadId,
      expectedVersion: version,
      snapshot: result.record as unknown as JsonValue,
    };
    // Lookups change rarely (owner); storage keeps them when omitted.
    if (previous === undefined || !sameLookups(previous, result.record))
      entity.lookups = leadLookups(result.record);
    const commit: Omit<CommitInput, 'at'> = {
      entities: [entity],
      events: result.effects.events,
      timers: collapseTimers(result.effects),
      outbox: result.effects.outbox,
      ...(extraState ? { state: extraState } : {}),
    };
    return {
      commit,
      ...(result.effects.assignment ? { assignment: result.effects.assignment } : {}),
      result: value,
      after: () => ctx.committed(commit, result.effects.emits),
    };
  }

  /** Which lead holds each key now (a held key of a closed lead is free, but for external ids). */
  async function holders(keys: readonly string[]): Promise<(StoredState | undefined)[]> {
    return Promise.all(keys.map((key) => storage.loadState(leadKeyState(key))));
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
    const keys = dedupeKeys(lead);
    if (lead.externalId !== undefined) keys.unshift(externalKey(lead.externalId));
    const held = await holders(keys);
    for (let i = 0; i < keys.length; i++) {
      const holder = held[i]?.value;
      if (typeof holder !== 'string') continue;
      const found = await repo.find('lead', holder);
      if (!found) continue;
      const isExternal = lead.externalId !== undefined && i === 0;
      // A redelivery of the host's id always finds its lead; a phone only finds an open lead.
      if (!isExternal && !isOpenLead(found.record, steps.stateOf)) continue;
      const matchedOn = isExternal ? 'externalId' : keys[i]!.slice(0, keys[i]!.indexOf(':'));
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
    const claims = keys.map((key, i) => ({
      key: leadKeyState(key),
      value: leadId,
      expectedVersion: held[i]?.version ?? 0,
    }));
    return stepPlan(
      leadId,
      result,
      0,
      undefined,
      {
        status: 'accepted',
        leadId,
        state: steps.stateOf(result.record),
        decision: result.record.decisions.at(-1)!.decision,
        tags: result.record.tags,
      },
      claims,
    );
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
    const holder = (await storage.loadState(leadKeyState(externalKey(externalId))))?.value;
    if (typeof holder !== 'string') return undefined;
    return (await repo.find('lead', holder))?.record;
  }

  return { ingest, command, fire, findByExternalId };
}

export type LeadOperations = ReturnType<typeof createLeadOperations>;
