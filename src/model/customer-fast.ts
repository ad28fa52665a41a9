import { z } from 'zod';
import type { Customer } from './customer.js';
import { MODEL_LIMITS } from './limits.js';
import { validateUscc } from './uscc.js';

/*
 * A fast path for the common, already-clean customer row, like lead-fast.ts for leads: it accepts
 * only what it can prove valid with plain checks — plain objects, known keys, trimmed non-blank
 * strings within limits, no purchase/receivable/contact history, no custom fields — and returns
 * `undefined` for anything else, in which case the zod schema decides (and produces the issues).
 * A differential property test holds it to the schema. Every converted lead upserts a customer.
 */

const PHONE = /^\+?[0-9(][0-9 ()-]*[0-9]$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/;
const CURRENCY = /^[A-Z]{3}$/;
const EMAIL = z.regexes.email;

const CUSTOMER_KEYS = new Set([
  'id',
  'name',
  'uscc',
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
]);
const CONTACT_KEYS = new Set(['name', 'role', 'phone', 'email', 'wecomId']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!Object.hasOwn(value, key) || !allowed.has(key)) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}

/** A string that needs no trimming and is not blank, within `max` characters. */
function clean(value: unknown, max: number): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return false;
  return value.trim() === value;
}

function cleanId(value: unknown): value is string {
  return clean(value, MODEL_LIMITS.idLength) && ID.test(value);
}

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
  const { id, name, uscc, groupId, parentId, region, city, industry, ownerRepId, currency, contacts } = raw;
  if (!cleanId(id) || !clean(name, MODEL_LIMITS.nameLength)) return undefined;
  if (uscc !== undefined && !(typeof uscc === 'string' && usccInNormalForm(uscc))) return undefined;
  if (groupId !== undefined && !cleanId(groupId)) return undefined;
  if (parentId !== undefined && (!cleanId(parentId) || parentId === id)) return undefined;
  if (!clean(region, MODEL_LIMITS.labelLength) || !clean(industry, MODEL_LIMITS.labelLength))
    return undefined;
  if (city !== undefined && !clean(city, MODEL_LIMITS.labelLength)) return undefined;
  if (ownerRepId !== undefined && !cleanId(ownerRepId)) return undefined;
  if (currency !== undefined && !(typeof currency === 'string' && CURRENCY.test(currency))) return undefined;
  if (!noHistory(raw.purchases) || !noHistory(raw.receivables)) return undefined;
  if (!noHistory(raw.technicalContacts) || !noHistory(raw.renewals)) return undefined;
  const custom = raw.custom;
  if (
    custom !== undefined &&
    !(
      isPlainObject(custom) &&
      Object.keys(custom).length === 0 &&
      Object.getOwnPropertySymbols(custom).length === 0
    )
  )
    return undefined;

  const parsedContacts: Record<string, unknown>[] = [];
  if (contacts !== undefined) {
    if (!Array.isArray(contacts) || contacts.length > MODEL_LIMITS.customerContacts) return undefined;
    for (const contact of contacts) {
      if (!isPlainObject(contact) || !onlyKeys(contact, CONTACT_KEYS)) return undefined;
      const { name: who, role, phone, email, wecomId } = contact;
      if (who !== undefined && !clean(who, MODEL_LIMITS.nameLength)) return undefined;
      if (role !== undefined && !clean(role, MODEL_LIMITS.labelLength)) return undefined;
      if (
        phone !== undefined &&
        !(clean(phone, MODEL_LIMITS.phoneLength) && phone.length >= 3 && PHONE.test(phone))
      )
        return undefined;
      if (email !== undefined && !(clean(email, MODEL_LIMITS.emailLength) && EMAIL.test(email)))
        return undefined;
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

function usccInNormalForm(value: string): boolean {
  if (value.length !== 18) return false;
  const result = validateUscc(value, { structure: false });
  return result.valid && result.normalized === value;
}
