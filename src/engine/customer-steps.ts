/**
 * Pure customer steps: validate a customer, what an upsert or a duplicate entry writes, the
 * group tree, and what a cross-sell/risk review logs and sends. No I/O: the engine loads what
 * these need and commits what they return.
 *
 * @module
 */
import type { JsonValue } from '../adapters/storage/port.js';
import { type Customer, parseCustomer } from '../model/customer.js';
import { validateUscc } from '../model/uscc.js';
import type { ReviewedCustomer } from './customer-review.js';
import { EngineError } from './errors.js';
import { customerKeys, customerLookups, type Loaded, uniqueLookups } from './repository.js';
import type {
  CustomerGroup,
  CustomerGroupNode,
  CustomerHistoryEntries,
  CustomerRecord,
  CustomerUpsertResult,
} from './types.js';
import type { Plan } from './unit-of-work.js';

/**
 * Validate a customer. A USCC failing GB 32100 is a `CUSTOMER_INVALID` error naming the rule, or
 * a warning when the rule set allows pilot-era codes.
 * @category Engine
 */
export function parseCustomerInput(
  input: unknown,
  allowPilotUscc: boolean,
): { customer: Customer; warnings: string[] } {
  const parsed = parseCustomer(input);
  if (parsed.ok) {
    const structure = parsed.customer.uscc ? validateUscc(parsed.customer.uscc) : { valid: true as const };
    if (structure.valid) return { customer: parsed.customer, warnings: [] };
    if (!allowPilotUscc) {
      throw new EngineError(
        'CUSTOMER_INVALID',
        `customer "${parsed.customer.id}": uscc: invalid USCC: ${structure.reason}`,
      );
    }
    return {
      customer: parsed.customer,
      warnings: [`uscc: ${structure.reason} (accepted: pilot-era codes allowed)`],
    };
  }
  const usccIssue = parsed.issues.find((issue) => issue.path === 'uscc');
  const raw = input as Record<string, unknown> | null;
  if (usccIssue && allowPilotUscc && typeof raw?.uscc === 'string') {
    const { uscc, ...rest } = raw;
    const retry = parseCustomer(rest);
    if (retry.ok) {
      return {
        customer: { ...retry.customer, uscc: (uscc as string).trim().toUpperCase() },
        warnings: [`uscc: ${usccIssue.message} (accepted: pilot-era codes allowed)`],
      };
    }
  }
  throw new EngineError(
    'CUSTOMER_INVALID',
    `invalid customer: ${parsed.issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ')}`,
  );
}

/**
 * The customer-master checks a rule set can make mandatory (`customers.*`).
 *
 * @category Engine
 */
export interface CustomerMasterRules {
  readonly requireUscc: boolean;
  readonly requireRegisteredAddress: boolean;
  readonly checkGroupTree: boolean;
}

/**
 * What the group-tree check knows of a customer's parent chain (nearest first).
 *
 * @category Engine
 */
export interface ParentChain {
  /** The parent's record, or undefined when `parentId` names no customer in the master. */
  readonly parent: Customer | undefined;
  /** Ids up the chain from the parent (the parent first), as far as the master knows it. */
  readonly ancestorIds: readonly string[];
}

/**
 * Apply the mandatory master-data rules to a create or update: the USCC and registered address
 * a new customer must carry, and the group tree (parent known, no cycle, the parent's group).
 * Returns the customer to store (the parent's group filled in) and warnings; throws
 * `CUSTOMER_INVALID` naming the field and the rule-set option otherwise.
 *
 * @example
 * ```ts
 * const { customer } = applyMasterRules(input, [], false, rules, { parent, ancestorIds });
 * ```
 * @category Engine
 */
export function applyMasterRules(
  customer: Customer,
  warnings: readonly string[],
  exists: boolean,
  rules: CustomerMasterRules,
  chain: ParentChain | undefined,
): { customer: Customer; warnings: string[] } {
  const out = [...warnings];
  const refuse = (field: string, why: string): never => {
    throw new EngineError('CUSTOMER_INVALID', `customer "${customer.id}": ${field}: ${why}`);
  };
  const required: [boolean, keyof Customer, string, string][] = [
    [rules.requireUscc, 'uscc', 'customers.requireUscc', 'the USCC (统一社会信用代码)'],
    [
      rules.requireRegisteredAddress,
      'registeredAddress',
      'customers.requireRegisteredAddress',
      'the registered address (工商注册地址)',
    ],
  ];
  for (const [on, field, option, what] of required) {
    if (!on || customer[field] !== undefined) continue;
    if (!exists) refuse(field, `required: a new customer must carry ${what} (rule set: ${option})`);
    out.push(`${field}: missing (required for new customers by ${option})`);
  }
  if (!rules.checkGroupTree || customer.parentId === undefined || chain === undefined)
    return { customer, warnings: out };
  const { parent, ancestorIds } = chain;
  if (parent === undefined)
    refuse(
      'parentId',
      `"${customer.parentId}" is not a customer in the master (rule set: customers.checkGroupTree)`,
    );
  if (ancestorIds.includes(customer.id))
    refuse(
      'parentId',
      `"${customer.parentId}" would make a cycle in the group tree: ${[customer.id, ...ancestorIds.slice(0, ancestorIds.indexOf(customer.id) + 1)].join(' → ')}`,
    );
  const parentGroup = parent!.groupId;
  if (parentGroup === undefined || customer.groupId === parentGroup) return { customer, warnings: out };
  if (customer.groupId !== undefined)
    refuse(
      'groupId',
      `"${customer.groupId}" differs from the group "${parentGroup}" of its parent "${parent!.id}" (rule set: customers.checkGroupTree)`,
    );
  return { customer: { ...customer, groupId: parentGroup }, warnings: out };
}

/**
 * A customer with history entries added (each list checked by the customer schema; a receivable
 * whose invoice is recorded replaces it). Throws `CUSTOMER_INVALID` naming the entry, e.g.
 * `renewals[2].outcome: …` (indexes count in the list as stored after the addition).
 * @category Engine
 */
export function withHistory(
  customer: Customer,
  entries: CustomerHistoryEntries,
  allowPilotUscc: boolean,
): Customer {
  const lists = ['purchases', 'renewals', 'receivables', 'technicalContacts'] as const;
  const unknown = Object.keys(entries ?? {}).filter((key) => !(lists as readonly string[]).includes(key));
  if (unknown.length > 0 || entries === null || typeof entries !== 'object') {
    throw new EngineError(
      'CUSTOMER_INVALID',
      `recordCustomerHistory: unknown history ${unknown.length > 0 ? `list(s) ${unknown.join(', ')}` : 'entries'} (expected ${lists.join(', ')})`,
    );
  }
  const next: Record<string, unknown> = { ...customer };
  for (const list of lists) {
    const added = entries[list];
    if (added === undefined) continue;
    if (!Array.isArray(added))
      throw new EngineError('CUSTOMER_INVALID', `customer "${customer.id}": ${list}: must be an array`);
    const current = [...(customer[list] as readonly unknown[])];
    for (const entry of added) {
      const invoiceId =
        list === 'receivables' ? (entry as { invoiceId?: unknown } | null)?.invoiceId : undefined;
      const at =
        invoiceId === undefined
          ? -1
          : current.findIndex((r) => (r as { invoiceId: string }).invoiceId === invoiceId);
      if (at >= 0) current[at] = entry;
      else current.push(entry);
    }
    next[list] = current;
  }
  return parseCustomerInput(next, allowPilotUscc).customer;
}

/**
 * Someone entered an existing customer again: count it on the existing record.
 *
 * @category Engine
 */
export function duplicateEntryPlan(
  existing: Loaded<CustomerRecord> & { readonly id: string },
  matchedOn: 'uscc' | 'phone' | 'email',
  attemptedId: string,
  at: number,
): Plan<CustomerUpsertResult> {
  const updated: CustomerRecord = {
    ...existing.record,
    duplicateEntries: existing.record.duplicateEntries + 1,
  };
  return {
    commit: {
      entities: [
        {
          kind: 'customer',
          id: existing.id,
          expectedVersion: existing.version,
          snapshot: updated as unknown as JsonValue,
        },
      ],
      events: [
        {
          entityId: existing.id,
          kind: 'customer',
          type: 'customer.duplicateEntry',
          at,
          data: { matchedOn, attemptedId },
        },
      ],
    },
    result: {
      status: 'duplicate',
      customerId: existing.id,
      matchedOn,
      duplicateEntries: updated.duplicateEntries,
    },
  };
}

/**
 * Create or update a customer, holding its dedupe keys as unique lookups: two engines entering
 * the same USCC at once cannot both create it. With `reviewed` (the history changed), the
 * review's record, events, messages and timer go into the same commit; otherwise the previous
 * findings and daily review are kept.
 * @category Engine
 */
export function upsertPlan(
  customer: Customer,
  warnings: string[],
  previous: Loaded<CustomerRecord> | undefined,
  at: number,
  reviewed?: (base: CustomerRecord) => ReviewedCustomer,
): Plan<CustomerUpsertResult> {
  const {
    customer: _customer,
    duplicateEntries: _entries,
    warnings: _warnings,
    ...kept
  } = previous?.record ?? ({} as Partial<CustomerRecord>);
  const base: CustomerRecord = {
    ...kept,
    customer,
    duplicateEntries: previous?.record.duplicateEntries ?? 0,
    warnings,
  };
  const review = reviewed?.(base);
  const record = review?.record ?? base;
  return {
    commit: {
      entities: [
        {
          kind: 'customer',
          id: customer.id,
          expectedVersion: previous?.version ?? 0,
          snapshot: record as unknown as JsonValue,
          lookups: customerLookups(customer),
          unique: uniqueLookups(customerKeys(customer)),
        },
      ],
      events: [
        {
          entityId: customer.id,
          kind: 'customer',
          type: previous ? 'customer.updated' : 'customer.created',
          at,
          data: { warnings },
        },
        ...(review?.events ?? []),
      ],
      ...(review?.outbox.length ? { outbox: review.outbox } : {}),
      ...(review?.timers ? { timers: review.timers } : {}),
    },
    result: { status: previous ? 'updated' : 'created', customerId: customer.id, warnings },
  };
}

/**
 * A parent → subsidiaries tree of a group's customers (a parent cycle in the data cannot loop).
 *
 * @category Engine
 */
export function groupTree(groupId: string, customers: readonly Customer[]): CustomerGroup {
  const byParent = new Map<string, Customer[]>();
  const inGroup = new Set(customers.map((customer) => customer.id));
  const roots: Customer[] = [];
  for (const customer of customers) {
    if (customer.parentId && inGroup.has(customer.parentId)) {
      const siblings = byParent.get(customer.parentId);
      if (siblings) siblings.push(customer);
      else byParent.set(customer.parentId, [customer]);
    } else roots.push(customer);
  }
  const seen = new Set<string>();
  const node = (customer: Customer): CustomerGroupNode => {
    seen.add(customer.id);
    const children = (byParent.get(customer.id) ?? []).filter((child) => !seen.has(child.id)).map(node);
    return { customer, children };
  };
  return { groupId, roots: roots.map(node), size: customers.length };
}

/**
 * Every customer of a group tree, parents first.
 *
 * @category Engine
 */
export function groupMembers(group: CustomerGroup): Customer[] {
  const flatten = (node: CustomerGroupNode): Customer[] => [node.customer, ...node.children.flatMap(flatten)];
  return group.roots.flatMap(flatten);
}
