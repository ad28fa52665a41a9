/**
 * Customer operations: load what the pure customer steps need and plan the commit. A new
 * customer holds its dedupe keys (USCC, phone, e-mail) as unique lookups, so two engines entering
 * the same company at once make one customer and count one duplicate entry: the second commit is
 * refused, and its retry finds the first customer.
 *
 * @module
 */
import type { CommitInput, JsonValue, StorageAdapter, StoredTimer } from '../adapters/storage/port.js';
import type { Customer } from '../model/customer.js';
import type { Rep } from '../model/rep.js';
import type { Team } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import {
  type CustomerKnowledge,
  type CustomerRuleEffect,
  evaluateCustomerRules,
} from '../rules/customer-rules.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { historyChanged, type ReviewedCustomer, reviewCustomerRecord } from './customer-review.js';
import {
  applyMasterRules,
  duplicateEntryPlan,
  groupMembers,
  groupTree,
  type ParentChain,
  parseCustomerInput,
  upsertPlan,
  withHistory,
} from './customer-steps.js';
import { customerKeys, type Loaded, type Repository } from './repository.js';
import type {
  CustomerGroup,
  CustomerHistoryEntries,
  CustomerHistoryResult,
  CustomerRecord,
  CustomerUpsertResult,
  EngineOptions,
} from './types.js';
import type { Attempt, Plan } from './unit-of-work.js';

/** How far up a parent chain the group-tree check walks (real group trees are a few levels). */
const MAX_GROUP_DEPTH = 64;

/**
 * What the customer operations need from the engine.
 *
 * @category Engine
 */
export interface CustomerOpsContext {
  readonly storage: StorageAdapter;
  readonly repo: Repository;
  readonly compiled: CompiledRuleSet;
  readonly team: Team;
  readonly repsById: ReadonlyMap<string, Rep>;
  readonly calendar: BusinessCalendar;
  readonly localDay: (at: number) => string;
  /** The host's service knowledge for reviews the engine runs itself. */
  readonly knowledge: EngineOptions['customerKnowledge'];
  /** After a commit: start delivery of what it enqueued. */
  readonly committed: (commit: Omit<CommitInput, 'at'>) => void;
}

/**
 * Build the plans of customer operations.
 *
 * @example
 * ```ts
 * const customers = createCustomerOperations({ storage, repo, compiled, team, repsById, calendar, localDay, knowledge, committed });
 * await unitOfWork.run('upsertCustomer', '', undefined, (attempt) => customers.upsert(input, attempt));
 * ```
 * @category Engine
 */
export function createCustomerOperations(ctx: CustomerOpsContext) {
  const { storage, repo, compiled } = ctx;

  /**
   * The plan, its commit told to the engine afterwards: delivery starts for what it enqueued, and
   * a running runtime wakes for a timer it scheduled (the daily review).
   */
  function announced<T>(plan: Plan<T>): Plan<T> {
    const commit = plan.commit;
    return commit === undefined ? plan : { ...plan, after: () => ctx.committed(commit) };
  }

  async function upsert(input: unknown, attempt: Attempt): Promise<Plan<CustomerUpsertResult>> {
    const { customer, warnings } = parseCustomerInput(input, compiled.source.customers.allowPilotUscc);
    const keys = customerKeys(customer);
    const holders = keys.length === 0 ? [] : await storage.lookupMany('customer', keys);
    for (const [i, { key }] of keys.entries()) {
      const existingId = holders[i]!.find((id) => id !== customer.id);
      if (existingId !== undefined) {
        const existing = await repo.get('customer', existingId);
        return duplicateEntryPlan({ ...existing, id: existingId }, key, customer.id, attempt.at);
      }
    }
    const previous = await repo.find('customer', customer.id);
    const rules = compiled.source.customers;
    const checked = applyMasterRules(
      customer,
      warnings,
      previous !== undefined,
      rules,
      rules.checkGroupTree && customer.parentId !== undefined
        ? await parentChain(customer.parentId)
        : undefined,
    );
    if (!historyChanged(previous?.record.customer, checked.customer))
      return announced(upsertPlan(checked.customer, checked.warnings, previous, attempt.at));
    // What the rules read changed: review in the same commit (a risk never waits for the host).
    const prepared = await prepareReview(checked.customer, attempt.at);
    return announced(
      upsertPlan(checked.customer, checked.warnings, previous, attempt.at, (base) => prepared(base, true)),
    );
  }

  /**
   * Load what a review of `customer` needs (the host's knowledge, its group with this version of
   * it) and return the pure review of a record.
   */
  async function prepareReview(
    customer: Customer,
    at: number,
    knowledge?: CustomerKnowledge,
  ): Promise<
    (record: CustomerRecord, rearm: boolean) => ReviewedCustomer & { effects: CustomerRuleEffect[] }
  > {
    const known = knowledge ?? (await ctx.knowledge?.(customer.id)) ?? undefined;
    const effects = evaluateCustomerRules(compiled, customer, at, known, ctx.calendar.zone);
    let members: Customer[] | undefined;
    if (customer.groupId !== undefined) {
      const others = groupMembers(await group(customer.groupId)).filter(
        (member) => member.id !== customer.id,
      );
      members = [...others, customer];
    }
    return (record, rearm) => ({
      ...reviewCustomerRecord(ctx, record, effects, members, at, ctx.localDay(at), rearm),
      effects,
    });
  }

  /** The parent and the ids above it, as far as the master knows (bounded: a cycle stops it). */
  async function parentChain(parentId: string): Promise<ParentChain> {
    const parent = (await repo.find('customer', parentId))?.record.customer;
    const ancestorIds: string[] = [];
    let next: string | undefined = parentId;
    for (let hops = 0; next !== undefined && hops < MAX_GROUP_DEPTH; hops++) {
      if (ancestorIds.includes(next)) break;
      ancestorIds.push(next);
      next = (await repo.find('customer', next))?.record.customer.parentId;
    }
    return { parent, ancestorIds };
  }

  async function group(customerIdOrGroupId: string): Promise<CustomerGroup> {
    const asCustomer = await repo.find('customer', customerIdOrGroupId);
    const groupId = asCustomer?.record.customer.groupId ?? customerIdOrGroupId;
    const ids = new Set(await repo.lookup('customer', 'group', groupId));
    if (asCustomer) ids.add(customerIdOrGroupId);
    const customers: Customer[] = [];
    for (const id of [...ids].sort()) {
      const found = await repo.find('customer', id);
      if (found) customers.push(found.record.customer);
    }
    return groupTree(groupId, customers);
  }

  /** A review's plan: the record written when a finding or the timer changed. */
  function reviewCommit<T>(loaded: Loaded<CustomerRecord>, reviewed: ReviewedCustomer, result: T): Plan<T> {
    if (!reviewed.changed && reviewed.events.length === 0) return { result };
    const id = loaded.record.customer.id;
    const commit: Omit<CommitInput, 'at'> = {
      ...(reviewed.changed
        ? {
            entities: [
              {
                kind: 'customer',
                id,
                expectedVersion: loaded.version,
                snapshot: reviewed.record as unknown as JsonValue,
              },
            ],
          }
        : {}),
      events: reviewed.events,
      outbox: reviewed.outbox,
      ...(reviewed.timers ? { timers: reviewed.timers } : {}),
    };
    return { commit, result, after: () => ctx.committed(commit) };
  }

  async function review(
    customerId: string,
    knowledge: CustomerKnowledge | undefined,
    attempt: Attempt,
  ): Promise<Plan<CustomerRuleEffect[]>> {
    const loaded = await repo.get('customer', customerId);
    const prepared = await prepareReview(loaded.record.customer, attempt.at, knowledge ?? {});
    const reviewed = prepared(loaded.record, false);
    return reviewCommit(loaded, reviewed, reviewed.effects);
  }

  async function recordHistory(
    customerId: string,
    entries: CustomerHistoryEntries,
    attempt: Attempt,
  ): Promise<Plan<CustomerHistoryResult>> {
    const loaded = await repo.get('customer', customerId);
    const customer = withHistory(loaded.record.customer, entries, compiled.source.customers.allowPilotUscc);
    const prepared = await prepareReview(customer, attempt.at);
    let reviewed: ReturnType<typeof prepared> | undefined;
    // An update like upsertCustomer's (same write, same customer.updated), reviewed in its commit.
    const plan = upsertPlan(customer, [...loaded.record.warnings], loaded, attempt.at, (base) => {
      reviewed = prepared(base, true);
      return reviewed;
    });
    const { record, effects, reported } = reviewed!;
    return announced({ ...plan, result: { customer: record, effects, reported } });
  }

  /** The daily review timer: review with the host's knowledge, then arm the next day's. */
  async function fire(timer: StoredTimer, attempt: Attempt): Promise<Plan<'fired' | 'stale'>> {
    const loaded = await repo.find('customer', timer.entityId);
    if (loaded === undefined || loaded.record.reviewTimer?.generation !== timer.generation) {
      const completion = { entityId: timer.entityId, timerKey: timer.timerKey, generation: timer.generation };
      return { commit: { timers: { complete: [completion] } }, result: 'stale' };
    }
    const prepared = await prepareReview(loaded.record.customer, attempt.at);
    const reviewed = prepared(loaded.record, true);
    const completion = reviewed.timers
      ? reviewed
      : {
          ...reviewed,
          changed: true,
          timers: {
            complete: [{ entityId: timer.entityId, timerKey: timer.timerKey, generation: timer.generation }],
          },
        };
    return reviewCommit(loaded, completion, 'fired' as const);
  }

  return { upsert, group, review, recordHistory, fire };
}

export type CustomerOperations = ReturnType<typeof createCustomerOperations>;
