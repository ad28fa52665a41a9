/**
 * Customer operations: load what the pure customer steps need and plan the commit. A new
 * customer holds its dedupe keys (USCC, phone, e-mail) as unique lookups, so two engines entering
 * the same company at once make one customer and count one duplicate entry: the second commit is
 * refused, and its retry finds the first customer.
 *
 * @module
 */
import type { CommitInput, StorageAdapter } from '../adapters/storage/port.js';
import type { Customer } from '../model/customer.js';
import type { Rep } from '../model/rep.js';
import type { Team } from '../model/team.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import {
  type CustomerKnowledge,
  type CustomerRuleEffect,
  evaluateCustomerRules,
} from '../rules/customer-rules.js';
import {
  applyMasterRules,
  duplicateEntryPlan,
  groupMembers,
  groupTree,
  type ParentChain,
  parseCustomerInput,
  reviewPlan,
  upsertPlan,
} from './customer-steps.js';
import { customerKeys, type Repository } from './repository.js';
import type { CustomerGroup, CustomerUpsertResult } from './types.js';
import type { Attempt, Plan } from './unit-of-work.js';

/** How far up a parent chain the group-tree check walks (real group trees are a few levels). */
const MAX_GROUP_DEPTH = 64;

/** What the customer operations need from the engine. */
export interface CustomerOpsContext {
  readonly storage: StorageAdapter;
  readonly repo: Repository;
  readonly compiled: CompiledRuleSet;
  readonly team: Team;
  readonly repsById: ReadonlyMap<string, Rep>;
  readonly localDay: (at: number) => string;
  /** After a commit: start delivery of what it enqueued. */
  readonly committed: (commit: Omit<CommitInput, 'at'>) => void;
}

/**
 * Build the plans of customer operations.
 *
 * @example
 * ```ts
 * const customers = createCustomerOperations({ storage, repo, compiled, team, repsById, localDay, committed });
 * await unitOfWork.run('upsertCustomer', '', undefined, (attempt) => customers.upsert(input, attempt));
 * ```
 */
export function createCustomerOperations(ctx: CustomerOpsContext) {
  const { storage, repo, compiled } = ctx;

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
    return upsertPlan(checked.customer, checked.warnings, previous, attempt.at);
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

  async function review(
    customerId: string,
    knowledge: CustomerKnowledge | undefined,
    attempt: Attempt,
  ): Promise<Plan<CustomerRuleEffect[]>> {
    const { record } = await repo.get('customer', customerId);
    const effects = evaluateCustomerRules(compiled, record.customer, attempt.at, knowledge);
    const groupId = record.customer.groupId;
    const members = groupId === undefined ? undefined : groupMembers(await group(groupId));
    const { events, outbox } = reviewPlan(
      ctx,
      record,
      effects,
      members,
      attempt.at,
      ctx.localDay(attempt.at),
    );
    if (events.length === 0) return { result: effects };
    const commit = { events, outbox };
    return { commit, result: effects, after: () => ctx.committed(commit) };
  }

  return { upsert, group, review };
}
