/**
 * Typed reads of the engine's entities, and the lookups each record is indexed by. Lookups are
 * derived from the record alone, so every writer (ingest, a timer, a handover, another engine)
 * indexes the same record the same way.
 *
 * @module
 */
import type { EntityWrite, JsonValue, Lookups, StorageAdapter } from '../adapters/storage/port.js';
import type { Customer } from '../model/customer.js';
import type { Lead } from '../model/lead.js';
import { EngineError } from './errors.js';
import { type LeadRecord, TERMINAL_LEAD_STATES } from './lead-step.js';
import type { CustomerRecord } from './types.js';
import type { OpportunityRecord, TaskRecord } from './work-steps.js';

/**
 * A record with the version it was read at (0: new).
 *
 * @category Engine
 */
export interface Loaded<T> {
  readonly record: T;
  readonly version: number;
}

interface RecordOf {
  lead: LeadRecord;
  customer: CustomerRecord;
  opportunity: OpportunityRecord;
  task: TaskRecord;
}
type Kind = keyof RecordOf;

const NOT_FOUND_CODE = {
  lead: 'LEAD_NOT_FOUND',
  customer: 'NOT_FOUND',
  opportunity: 'NOT_FOUND',
  task: 'NOT_FOUND',
} as const;

/**
 * Typed loads over a storage.
 *
 * @example
 * ```ts
 * const repo = createRepository(storage);
 * const { record, version } = await repo.get('lead', 'lead-0000001'); // throws LEAD_NOT_FOUND when absent
 * ```
 * @category Engine
 */
export function createRepository(storage: StorageAdapter) {
  async function find<K extends Kind>(kind: K, id: string): Promise<Loaded<RecordOf[K]> | undefined> {
    const stored = await storage.load(kind, id);
    return stored
      ? { record: stored.snapshot as unknown as RecordOf[K], version: stored.version }
      : undefined;
  }
  return {
    find,
    /** The record, or an `EngineError` naming what is missing. */
    async get<K extends Kind>(kind: K, id: string): Promise<Loaded<RecordOf[K]>> {
      const found = await find(kind, id);
      if (!found) throw new EngineError(NOT_FOUND_CODE[kind], `${kind} "${id}" not found`);
      return found;
    },
    /** Ids of `kind` whose lookup `key` is `value`. */
    lookup: (kind: Kind, key: string, value: string): Promise<string[]> => storage.lookup(kind, key, value),
  };
}

export type Repository = ReturnType<typeof createRepository>;

/**
 * The lookup value every lead in the pool (公海, the `recycled` state) holds under `pool`.
 *
 * @category Engine
 */
export const IN_POOL = 'recycled';

/**
 * Lookups of a lead: its owner while it has one, and `pool` while it is in the pool.
 *
 * @category Engine
 */
export function leadLookups(record: LeadRecord): Lookups {
  return {
    owner: record.machine.context.ownerId ?? [],
    pool: record.machine.value === IN_POOL ? [IN_POOL] : [],
  };
}

/**
 * A key a lead or customer is deduplicated on, as a unique lookup.
 *
 * @category Engine
 */
export interface DedupeKey {
  readonly key: 'externalId' | 'uscc' | 'phone' | 'email';
  readonly value: string;
}

/**
 * The keys a lead holds as unique lookups, in match order: the host's `externalId` (held for
 * good: a redelivery finds its lead even once closed), then, while the lead is open, its USCC,
 * phone and lower-cased e-mail (released when it closes, so a returning customer makes a new lead).
 * @category Engine
 */
export function leadDedupeKeys(lead: Lead, open = true): DedupeKey[] {
  const keys: DedupeKey[] = [];
  if (lead.externalId !== undefined) keys.push({ key: 'externalId', value: lead.externalId });
  if (!open) return keys;
  if (lead.company.uscc) keys.push({ key: 'uscc', value: lead.company.uscc });
  if (lead.contact.phone) keys.push({ key: 'phone', value: lead.contact.phone });
  if (lead.contact.email) keys.push({ key: 'email', value: lead.contact.email.toLowerCase() });
  return keys;
}

/**
 * Dedupe keys as the `unique` lookups of an entity write.
 *
 * @category Engine
 */
export function uniqueLookups(keys: readonly DedupeKey[]): Lookups {
  const unique: Record<string, string[]> = {};
  for (const { key, value } of keys) {
    const values = unique[key];
    if (values) values.push(value);
    else unique[key] = [value];
  }
  return unique;
}

/**
 * Whether a lead is still open (not converted, disqualified or merged).
 *
 * @category Engine
 */
export function isOpenLead(record: LeadRecord, stateOf: (record: LeadRecord) => string): boolean {
  return !TERMINAL_LEAD_STATES.has(stateOf(record));
}

/**
 * The keys a customer is deduplicated on: USCC, each contact's phone and lower-cased e-mail.
 *
 * @category Engine
 */
export function customerKeys(customer: Customer): { key: 'uscc' | 'phone' | 'email'; value: string }[] {
  const keys: { key: 'uscc' | 'phone' | 'email'; value: string }[] = [];
  if (customer.uscc) keys.push({ key: 'uscc', value: customer.uscc });
  for (const contact of customer.contacts) {
    if (contact.phone) keys.push({ key: 'phone', value: contact.phone });
    if (contact.email) keys.push({ key: 'email', value: contact.email.toLowerCase() });
  }
  return keys;
}

/**
 * Lookups of a customer: owner, group and parent (its dedupe keys are unique lookups).
 *
 * @category Engine
 */
export function customerLookups(customer: Customer): Lookups {
  const lookups: Record<'owner' | 'group' | 'parent', string[]> = { owner: [], group: [], parent: [] };
  if (customer.ownerRepId) lookups.owner.push(customer.ownerRepId);
  if (customer.groupId) lookups.group.push(customer.groupId);
  if (customer.parentId) lookups.parent.push(customer.parentId);
  return lookups;
}

/**
 * Whether an opportunity or task is still open.
 *
 * @category Engine
 */
export function isOpenWork(kind: 'opportunity' | 'task', record: OpportunityRecord | TaskRecord): boolean {
  if (kind === 'opportunity') return (record as OpportunityRecord).machine.context.outcome == null;
  return record.machine.value !== 'done' && record.machine.value !== 'cancelled';
}

/**
 * The entity write of an opportunity or task. `groupId` (the customer's group, for the "group
 * already has active opportunities" warning) is kept on the opportunity's context by its creator.
 * @category Engine
 */
export function workEntity(
  kind: 'opportunity' | 'task',
  id: string,
  record: OpportunityRecord | TaskRecord,
  version: number,
  groupId: string | undefined,
): EntityWrite {
  const context = record.machine.context as {
    ownerId?: string | null;
    assigneeId?: string | null;
    customerId?: string | null;
    opportunityId?: string | null;
  };
  const open = isOpenWork(kind, record);
  const lookups: Record<string, string | string[]> = {
    owner: (kind === 'opportunity' ? context.ownerId : context.assigneeId) ?? [],
    customer: context.customerId ?? [],
    open: open ? 'yes' : [],
  };
  if (kind === 'task') lookups.opportunity = context.opportunityId ?? [];
  if (kind === 'opportunity' && open && groupId !== undefined) lookups.openGroup = groupId;
  return { kind, id, expectedVersion: version, snapshot: record as unknown as JsonValue, lookups };
}
