import type { Customer } from './customer.js';
import { MODEL_LIMITS } from './limits.js';
import {
  clean,
  cleanCurrency,
  cleanEmail,
  cleanId,
  cleanPhone,
  emptyRecord,
  isPlainObject,
  onlyKeys,
  usccInNormalForm,
} from './plain-checks.js';

/*
 * A fast path for the common, already-clean customer row, like lead-fast.ts for leads: it accepts
 * only what it can prove valid with plain checks — plain objects, known keys, trimmed non-blank
 * strings within limits, no purchase/receivable/contact history, no custom fields — and returns
 * `undefined` for anything else, in which case the zod schema decides (and produces the issues).
 * A differential property test holds it to the schema. Every converted lead upserts a customer.
 */

const CUSTOMER_KEYS = /* @__PURE__ */ (() =>
  new Set([
    'id',
    'name',
    'uscc',
    'registeredAddress',
    'groupId',
    'parentId',
    'region',
    'city',
    'industry',
    'ownerRepId',
    'currency',
    'contacts',
    'purchases',
    'receivables',
    'technicalContacts',
    'renewals',
    'custom',
  ]))();
const CONTACT_KEYS = /* @__PURE__ */ (() => new Set(['name', 'role', 'phone', 'email', 'wecomId']))();

/** Absent, or an empty array (history the fast path does not validate). */
function noHistory(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0);
}

/**
 * Parse a customer without zod when it is plainly valid; `undefined` means "let the schema
 * decide".
 *
 * @internal
 * @example
 * ```ts
 * const customer = fastParseCustomer(row) ?? slowParse(row);
 * ```
 */
export function fastParseCustomer(raw: unknown): Customer | undefined {
  if (!isPlainObject(raw) || !onlyKeys(raw, CUSTOMER_KEYS)) return undefined;
  const { id, name, uscc, registeredAddress, groupId, parentId, region, city, industry, ownerRepId } = raw;
  const { currency, contacts } = raw;
  if (!cleanId(id) || !clean(name, MODEL_LIMITS.nameLength)) return undefined;
  if (uscc !== undefined && !usccInNormalForm(uscc)) return undefined;
  if (registeredAddress !== undefined && !clean(registeredAddress, MODEL_LIMITS.addressLength))
    return undefined;
  if (groupId !== undefined && !cleanId(groupId)) return undefined;
  if (parentId !== undefined && (!cleanId(parentId) || parentId === id)) return undefined;
  if (!clean(region, MODEL_LIMITS.labelLength) || !clean(industry, MODEL_LIMITS.labelLength))
    return undefined;
  if (city !== undefined && !clean(city, MODEL_LIMITS.labelLength)) return undefined;
  if (ownerRepId !== undefined && !cleanId(ownerRepId)) return undefined;
  if (currency !== undefined && !cleanCurrency(currency)) return undefined;
  if (!noHistory(raw.purchases) || !noHistory(raw.receivables)) return undefined;
  if (!noHistory(raw.technicalContacts) || !noHistory(raw.renewals)) return undefined;
  const custom = raw.custom;
  if (custom !== undefined && !emptyRecord(custom)) return undefined;

  const parsedContacts: Record<string, unknown>[] = [];
  if (contacts !== undefined) {
    if (!Array.isArray(contacts) || contacts.length > MODEL_LIMITS.customerContacts) return undefined;
    for (const contact of contacts) {
      if (!isPlainObject(contact) || !onlyKeys(contact, CONTACT_KEYS)) return undefined;
      const { name: who, role, phone, email, wecomId } = contact;
      if (who !== undefined && !clean(who, MODEL_LIMITS.nameLength)) return undefined;
      if (role !== undefined && !clean(role, MODEL_LIMITS.labelLength)) return undefined;
      if (phone !== undefined && !cleanPhone(phone)) return undefined;
      if (email !== undefined && !cleanEmail(email)) return undefined;
      if (wecomId !== undefined && !clean(wecomId, MODEL_LIMITS.wecomIdLength)) return undefined;
      // In the schema's key order, absent keys left out.
      const parsed: Record<string, unknown> = {};
      if (who !== undefined) parsed.name = who;
      if (role !== undefined) parsed.role = role;
      if (phone !== undefined) parsed.phone = phone;
      if (email !== undefined) parsed.email = email;
      if (wecomId !== undefined) parsed.wecomId = wecomId;
      parsedContacts.push(parsed);
    }
  }

  // Built by assignment in the schema's key order, defaults included.
  const customer: Record<string, unknown> = { id, name };
  if (uscc !== undefined) customer.uscc = uscc;
  if (registeredAddress !== undefined) customer.registeredAddress = registeredAddress;
  if (groupId !== undefined) customer.groupId = groupId;
  if (parentId !== undefined) customer.parentId = parentId;
  customer.region = region;
  if (city !== undefined) customer.city = city;
  customer.industry = industry;
  if (ownerRepId !== undefined) customer.ownerRepId = ownerRepId;
  customer.currency = currency ?? 'CNY';
  customer.contacts = parsedContacts;
  customer.purchases = [];
  customer.receivables = [];
  customer.technicalContacts = [];
  customer.renewals = [];
  customer.custom = {};
  return customer as Customer;
}
