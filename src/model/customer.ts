import * as z from 'zod';
import { fastParseCustomer } from './customer-fast.js';
import { type ModelIssue, safeParseModel } from './issues.js';
import { MODEL_LIMITS } from './limits.js';
import {
  amountSchema,
  blankAsAbsent,
  boundedArray,
  currencySchema,
  customFieldsSchema,
  emailSchema,
  idSchema,
  isoDateSchema,
  optionalText,
  phoneSchema,
  requiredText,
  wecomIdSchema,
} from './primitives.js';
import { usccSchema } from './uscc.js';

const labelSchema = /* @__PURE__ */ (() => requiredText(MODEL_LIMITS.labelLength))();

/**
 * A contact person at a customer; `role` is free text (e.g. `采购总监`, `研发副总`).
 *
 * @example
 * ```ts
 * import { customerContactSchema } from 'leadflow';
 * customerContactSchema.parse({ name: '韩梅梅', role: '采购总监', phone: '13900139000' });
 * ```
 * @category Model
 */
export const customerContactSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    name: optionalText(MODEL_LIMITS.nameLength),
    role: optionalText(MODEL_LIMITS.labelLength),
    phone: blankAsAbsent(phoneSchema),
    email: blankAsAbsent(emailSchema),
    wecomId: blankAsAbsent(wecomIdSchema),
  }))();

/**
 * One purchase: product `model`, day, `quantity` (integer ≥ 1) and `amount` in the customer's
 * currency. Feeds "same model bought 3 times → offer extended warranty".
 *
 * @example
 * ```ts
 * import { purchaseSchema } from 'leadflow';
 * purchaseSchema.parse({ model: 'HR-2000', date: '2025-11-03', quantity: 2, amount: 96000 });
 * ```
 * @category Model
 */
export const purchaseSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    model: labelSchema,
    date: isoDateSchema,
    quantity: z.number().int().min(1).max(1_000_000_000),
    amount: amountSchema,
  }))();

/**
 * An invoice receivable: the invoice day (optional), the due day and, once paid, the day it was
 * paid. Feeds "receivables more than 120 days overdue and technical contact frequency dropping →
 * high-risk alert": rules can read both days past due and days since the invoice.
 *
 * @example
 * ```ts
 * import { receivableSchema } from 'leadflow';
 * receivableSchema.parse({ invoiceId: 'INV-2025-0042', amount: 300000, invoiceDate: '2025-08-31', dueDate: '2025-09-30' });
 * ```
 * @category Model
 */
export const receivableSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    invoiceId: requiredText(MODEL_LIMITS.labelLength),
    amount: amountSchema,
    invoiceDate: blankAsAbsent(isoDateSchema),
    dueDate: isoDateSchema,
    paidAt: blankAsAbsent(isoDateSchema),
  }))();

/**
 * A technical contact event (the day of a technical exchange with the customer), with an
 * optional note.
 *
 * @example
 * ```ts
 * import { technicalContactSchema } from 'leadflow';
 * technicalContactSchema.parse({ at: '2026-01-15', note: '热管理方案评审' });
 * ```
 * @category Model
 */
export const technicalContactSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    at: isoDateSchema,
    note: optionalText(MODEL_LIMITS.noteLength),
  }))();

/**
 * Outcomes of a renewal offer.
 *
 * @example
 * ```ts
 * import { RENEWAL_OUTCOMES } from 'leadflow';
 * RENEWAL_OUTCOMES; // ['accepted', 'declined']
 * ```
 * @category Model
 */
export const RENEWAL_OUTCOMES = ['accepted', 'declined'] as const;

/**
 * A renewal offer and its outcome. Feeds "three declined renewals → service team intervenes".
 *
 * @example
 * ```ts
 * import { renewalSchema } from 'leadflow';
 * renewalSchema.parse({ date: '2025-12-01', outcome: 'declined' });
 * ```
 * @category Model
 */
export const renewalSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    date: isoDateSchema,
    outcome: z.enum(RENEWAL_OUTCOMES),
  }))();

/**
 * A customer (account). History lists may come in any order and default to `[]`; all dates are
 * days (`YYYY-MM-DD`); amounts are in `currency` (default `CNY`) units.
 *
 * - `uscc`: validated (length, charset, check character) and upper-cased;
 * - `registeredAddress`: the registered address (工商注册地址) from the business licence, trimmed;
 *   a rule set can make it (and `uscc`) mandatory for new customers
 *   (`customers.requireRegisteredAddress`, `customers.requireUscc`);
 * - `groupId`: the group (集团) the customer belongs to; `parentId`: the direct parent company
 *   (a customer id, not the customer itself) — together they form the group tree;
 * - `ownerRepId`: the rep who owns the account.
 *
 * @example
 * ```ts
 * import { customerSchema } from 'leadflow';
 * const c = customerSchema.parse({ id: 'c-1', name: '恒锐机械', region: 'Zhejiang', industry: 'auto_parts' });
 * c.purchases; // []
 * ```
 * @category Model
 */
export const customerSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      id: idSchema,
      name: requiredText(MODEL_LIMITS.nameLength),
      uscc: blankAsAbsent(usccSchema),
      registeredAddress: optionalText(MODEL_LIMITS.addressLength),
      groupId: blankAsAbsent(idSchema),
      parentId: blankAsAbsent(idSchema),
      region: labelSchema,
      city: optionalText(MODEL_LIMITS.labelLength),
      industry: labelSchema,
      ownerRepId: blankAsAbsent(idSchema),
      currency: currencySchema.default('CNY'),
      contacts: boundedArray(customerContactSchema, MODEL_LIMITS.customerContacts).default([]),
      purchases: boundedArray(purchaseSchema, MODEL_LIMITS.customerHistory).default([]),
      receivables: boundedArray(receivableSchema, MODEL_LIMITS.customerHistory).default([]),
      technicalContacts: boundedArray(technicalContactSchema, MODEL_LIMITS.customerHistory).default([]),
      renewals: boundedArray(renewalSchema, MODEL_LIMITS.customerHistory).default([]),
      custom: customFieldsSchema,
    })
    .refine((customer) => customer.parentId === undefined || customer.parentId !== customer.id, {
      message: 'a customer cannot be its own parent',
      path: ['parentId'],
    }))();

/**
 * What a host sends for a customer (before defaults).
 *
 * @example
 * ```ts
 * import type { CustomerInput } from 'leadflow';
 * const input: CustomerInput = { id: 'c-1', name: 'ACME', region: 'Shanghai', industry: 'education' };
 * ```
 * @category Model
 */
export type CustomerInput = z.input<typeof customerSchema>;

/**
 * A customer after parsing (defaults applied).
 *
 * @example
 * ```ts
 * import { parseCustomer, type Customer } from 'leadflow';
 * const r = parseCustomer(row);
 * const customer: Customer | undefined = r.ok ? r.customer : undefined;
 * ```
 * @category Model
 */
export type Customer = z.output<typeof customerSchema>;

/**
 * Result of {@link parseCustomer}.
 *
 * @example
 * ```ts
 * import type { CustomerParseResult } from 'leadflow';
 * const refused: CustomerParseResult = { ok: false, issues: [{ path: 'uscc', message: 'invalid USCC: length 17, expected 18' }] };
 * ```
 * @category Model
 */
export type CustomerParseResult =
  | { readonly ok: true; readonly customer: Customer }
  | { readonly ok: false; readonly issues: ModelIssue[] };

/**
 * Parses a customer with {@link customerSchema}; never throws, reports every issue with a
 * dotted path (`receivables[0].dueDate`).
 *
 * @example
 * ```ts
 * import { parseCustomer } from 'leadflow';
 * const r = parseCustomer({ id: 'c-1', name: 'ACME', region: 'Shanghai', industry: 'education' });
 * if (r.ok) r.customer.renewals; // []
 * ```
 * @category Model
 */
export function parseCustomer(raw: unknown): CustomerParseResult {
  // Plainly valid input skips zod (equal results, proven by a differential property test).
  const result = safeParseModel(customerSchema, raw, fastParseCustomer);
  return result.ok ? { ok: true, customer: result.value } : { ok: false, issues: result.issues };
}
