import * as z from 'zod';
import { ModelError } from './issues.js';
import { leadChannelSchema } from './lead.js';
import { MODEL_LIMITS } from './limits.js';
import {
  amountSchema,
  blankAsAbsent,
  boundedArray,
  contactPointSchema,
  idSchema,
  isoDateSchema,
  optionalText,
  requiredText,
} from './primitives.js';

const labelSchema = /* @__PURE__ */ (() => requiredText(MODEL_LIMITS.labelLength))();

/**
 * A leave range of whole days, `from` and `to` inclusive (`YYYY-MM-DD`, read in the business
 * calendar's zone). A one-day leave has `from === to`; `to` before `from` is an issue at `to`.
 *
 * @example
 * ```ts
 * import { leaveRangeSchema } from 'leadflow';
 * leaveRangeSchema.parse({ from: '2026-05-01', to: '2026-05-05', reason: '年假' });
 * ```
 */
export const leaveRangeSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      from: isoDateSchema,
      to: isoDateSchema,
      reason: optionalText(MODEL_LIMITS.labelLength),
    })
    .refine((range) => range.from <= range.to, {
      message: '`to` must not be before `from`',
      path: ['to'],
    }))();

/**
 * A leave range after parsing.
 *
 * @example
 * ```ts
 * import type { LeaveRange } from 'leadflow';
 * const leave: LeaveRange = { from: '2026-05-01', to: '2026-05-05' };
 * ```
 */
export type LeaveRange = z.output<typeof leaveRangeSchema>;

/**
 * A deal a rep won recently (`date` is a day): feeds the "prefer the rep who won a similar
 * customer (same industry/region) in the last 90 days" strategy.
 *
 * @example
 * ```ts
 * import { recentWinSchema } from 'leadflow';
 * recentWinSchema.parse({ date: '2026-02-10', industry: 'auto_parts', region: 'Jiangsu', amount: 820000 });
 * ```
 */
export const recentWinSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    date: isoDateSchema,
    industry: labelSchema,
    region: labelSchema,
    amount: amountSchema,
    customerId: blankAsAbsent(idSchema),
  }))();

/**
 * A recent win after parsing.
 *
 * @example
 * ```ts
 * import type { RecentWin } from 'leadflow';
 * const win: RecentWin = { date: '2026-02-10', industry: 'auto_parts', region: 'Jiangsu', amount: 820000 };
 * ```
 */
export type RecentWin = z.output<typeof recentWinSchema>;

/**
 * A sales rep. Region and industry labels are compared as given (trimmed); the model does not
 * interpret an empty list — assignment strategies decide what it means.
 *
 * - `dailyCapacity`: leads the rep may receive per business day (integer ≥ 0; 0 = takes none);
 * - `active` (default `true`): an inactive rep is never assigned new work;
 * - `leave`: whole-day ranges, see {@link isOnLeave};
 * - `manager`: id of a supervisor or of another rep (team lead) — checked by the team schema;
 * - `channels`: absent = no channel restriction; present = only these channels;
 * - `skills`: free labels (e.g. `technical`, `english`), default `[]`.
 *
 * @example
 * ```ts
 * import { repSchema } from 'leadflow';
 * const rep = repSchema.parse({ id: 'rep-a', name: '张伟', regions: ['Jiangsu'], industries: ['auto_parts'], dailyCapacity: 8 });
 * rep.active; // true
 * ```
 */
export const repSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    id: idSchema,
    name: requiredText(MODEL_LIMITS.nameLength),
    regions: boundedArray(labelSchema, MODEL_LIMITS.labelListLength).default([]),
    industries: boundedArray(labelSchema, MODEL_LIMITS.labelListLength).default([]),
    dailyCapacity: z.number().int().min(0).max(MODEL_LIMITS.maxDailyCapacity),
    active: z.boolean().default(true),
    leave: boundedArray(leaveRangeSchema, MODEL_LIMITS.leaveRanges).default([]),
    manager: blankAsAbsent(idSchema),
    recentWins: boundedArray(recentWinSchema, MODEL_LIMITS.recentWins).default([]),
    channels: boundedArray(leadChannelSchema, MODEL_LIMITS.labelListLength).optional(),
    skills: boundedArray(labelSchema, MODEL_LIMITS.labelListLength).default([]),
    contact: contactPointSchema.optional(),
  }))();

/**
 * What a host sends for a rep (before defaults).
 *
 * @example
 * ```ts
 * import type { RepInput } from 'leadflow';
 * const input: RepInput = { id: 'rep-d', name: 'D', industries: ['education'], dailyCapacity: 20 };
 * ```
 */
export type RepInput = z.input<typeof repSchema>;

/**
 * A rep after parsing (defaults applied).
 *
 * @example
 * ```ts
 * import { repSchema, type Rep } from 'leadflow';
 * const rep: Rep = repSchema.parse(raw);
 * ```
 */
export type Rep = z.output<typeof repSchema>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether `rep` is on leave on `day` (`YYYY-MM-DD`, inclusive ranges). Pure: converting an
 * instant to a day in the right zone is the business calendar's job.
 *
 * @throws {ModelError} when `day` is not shaped `YYYY-MM-DD`.
 * @example
 * ```ts
 * import { isOnLeave } from 'leadflow';
 * isOnLeave({ leave: [{ from: '2026-05-01', to: '2026-05-05' }] }, '2026-05-05'); // true
 * isOnLeave({ leave: [{ from: '2026-05-01', to: '2026-05-05' }] }, '2026-05-06'); // false
 * ```
 */
export function isOnLeave(rep: { readonly leave: readonly LeaveRange[] }, day: string): boolean {
  if (typeof day !== 'string' || !DAY.test(day)) {
    const message = `day must be shaped YYYY-MM-DD, received ${JSON.stringify(String(day).slice(0, 40))}`;
    throw new ModelError(message, [{ path: '', message }]);
  }
  return leaveOn(rep, day) !== undefined;
}

/**
 * The leave range covering `day` (`YYYY-MM-DD`), if any. Unchecked twin of {@link isOnLeave}
 * for hot paths that already hold a well-formed day (assignment decisions).
 *
 * @example
 * ```ts
 * import { leaveOn } from 'leadflow';
 * leaveOn(rep, '2026-03-02')?.to; // '2026-03-06'
 * ```
 */
export function leaveOn(rep: { readonly leave: readonly LeaveRange[] }, day: string): LeaveRange | undefined {
  for (const range of rep.leave) if (range.from <= day && day <= range.to) return range;
  return undefined;
}
