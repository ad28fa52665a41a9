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

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `HH:mm`, 00:00–23:59; with `end`, `24:00` (the end of the day) too. */
const timeOfDay = (end: boolean) =>
  z.string().refine((value) => TIME_OF_DAY.test(value) || (end && value === '24:00'), {
    message: end ? 'a time of day HH:mm (00:00–24:00)' : 'a time of day HH:mm (00:00–23:59)',
  });

/** Minutes since midnight of an `HH:mm` (or `24:00`) already validated. */
function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/**
 * A leave range, `from` and `to` inclusive (`YYYY-MM-DD`, read in the business calendar's zone).
 * A one-day leave has `from === to`; `to` before `from` is an issue at `to`.
 *
 * Partial-day leave: `fromTime` (on the `from` day) and `toTime` (on the `to` day), `HH:mm` on the
 * calendar's wall clock, make the leave the half-open span `[from fromTime, to toTime)`; absent,
 * they are `00:00` and `24:00`. `{ from: '2026-03-02', to: '2026-03-02', fromTime: '14:00' }` is
 * Monday afternoon off: a lead at 13:59 may go to the rep, one at 14:00 may not. The days such a
 * range covers whole (those strictly inside it) count as whole-day leave.
 *
 * @example
 * ```ts
 * import { leaveRangeSchema } from 'leadflow';
 * leaveRangeSchema.parse({ from: '2026-05-01', to: '2026-05-05', reason: '年假' });
 * leaveRangeSchema.parse({ from: '2026-03-02', to: '2026-03-02', fromTime: '14:00', toTime: '16:30', reason: '看牙' });
 * ```
 * @category Model
 */
export const leaveRangeSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      from: isoDateSchema,
      to: isoDateSchema,
      fromTime: timeOfDay(false).optional(),
      toTime: timeOfDay(true).optional(),
      reason: optionalText(MODEL_LIMITS.labelLength),
    })
    .refine((range) => range.from <= range.to, {
      message: '`to` must not be before `from`',
      path: ['to'],
    })
    .refine(
      // `!(a >= b)`: a malformed time (NaN) is its own field's issue, not this one.
      (range) =>
        range.from !== range.to ||
        !(minutesOf(range.fromTime ?? '00:00') >= minutesOf(range.toTime ?? '24:00')),
      { message: '`toTime` must be after `fromTime` on a one-day leave', path: ['toTime'] },
    ))();

/**
 * A leave range after parsing.
 *
 * @example
 * ```ts
 * import type { LeaveRange } from 'leadflow';
 * const leave: LeaveRange = { from: '2026-05-01', to: '2026-05-05' };
 * ```
 * @category Model
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
 * @category Model
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
 * @category Model
 */
export type RecentWin = z.output<typeof recentWinSchema>;

/**
 * A weekday of a {@link RepShift}.
 *
 * @example
 * ```ts
 * import { REP_WEEKDAYS } from 'leadflow';
 * REP_WEEKDAYS[0]; // 'mon'
 * ```
 * @category Model
 */
export const REP_WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * Weekly working hours of a rep: on each of `days`, from `from` to `to` (`HH:mm`, half-open
 * `[from, to)`, on the business calendar's wall clock; `to` may be `24:00`). A shift does not cross
 * midnight: a night shift is two entries. Several entries may cover the same day (09:00–12:00 and
 * 13:00–18:00).
 *
 * @example
 * ```ts
 * import { repShiftSchema } from 'leadflow';
 * repShiftSchema.parse({ days: ['mon', 'tue', 'wed'], from: '09:00', to: '13:00' });
 * ```
 * @category Model
 */
export const repShiftSchema = /* @__PURE__ */ (() =>
  z
    .strictObject({
      days: z
        .array(z.enum(REP_WEEKDAYS))
        .min(1)
        .max(7)
        .refine((days) => new Set(days).size === days.length, { message: 'a weekday is listed twice' }),
      from: timeOfDay(false),
      to: timeOfDay(true),
    })
    // `!(a >= b)`: a malformed time (NaN) is its own field's issue, not this one.
    .refine((shift) => !(minutesOf(shift.from) >= minutesOf(shift.to)), {
      message: '`to` must be after `from` (a shift does not cross midnight: split it in two)',
      path: ['to'],
    }))();

/**
 * A shift after parsing.
 *
 * @example
 * ```ts
 * import type { RepShift } from 'leadflow';
 * const shift: RepShift = { days: ['sat', 'sun'], from: '10:00', to: '16:00' };
 * ```
 * @category Model
 */
export type RepShift = z.output<typeof repShiftSchema>;

/**
 * A sales rep. Region and industry labels are compared as given (trimmed); the model does not
 * interpret an empty list — assignment strategies decide what it means.
 *
 * - `dailyCapacity`: leads the rep may receive per business day (integer ≥ 0; 0 = takes none);
 * - `active` (default `true`): an inactive rep is never assigned new work;
 * - `leave`: whole-day ranges, or partial days with `fromTime` / `toTime`, see
 *   {@link leaveRangeSchema} and {@link isOnLeave};
 * - `shifts`: weekly working hours ({@link RepShift}); absent = the business calendar's hours;
 * - `away` (default absent = `false`): temporarily unavailable (e.g. the host mirrors a WeCom
 *   status) — assignment skips the rep until the host passes the team again without it;
 * - `manager`: id of a supervisor or of another rep (team lead) — checked by the team schema;
 * - `channels`: absent = no channel restriction; present = only these channels;
 * - `skills`: free labels (e.g. `technical`, `english`), default `[]`; an assignment rule can
 *   require them (`requireSkills`, `match.skills`).
 *
 * @example
 * ```ts
 * import { repSchema } from 'leadflow';
 * const rep = repSchema.parse({ id: 'rep-a', name: '张伟', regions: ['Jiangsu'], industries: ['auto_parts'], dailyCapacity: 8 });
 * rep.active; // true
 * ```
 * @category Model
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
    shifts: boundedArray(repShiftSchema, MODEL_LIMITS.repShifts).optional(),
    away: z.boolean().optional(),
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
 * @category Model
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
 * @category Model
 */
export type Rep = z.output<typeof repSchema>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether `rep` is on leave the whole of `day` (`YYYY-MM-DD`, inclusive ranges; a partial-day
 * leave counts on the days it covers whole, not on its first or last day). Pure: converting an
 * instant to a day in the right zone is the business calendar's job; for partial days see
 * {@link timedLeaveAt}.
 *
 * @throws {ModelError} when `day` is not shaped `YYYY-MM-DD`.
 * @example
 * ```ts
 * import { isOnLeave } from 'leadflow';
 * isOnLeave({ leave: [{ from: '2026-05-01', to: '2026-05-05' }] }, '2026-05-05'); // true
 * isOnLeave({ leave: [{ from: '2026-05-01', to: '2026-05-05' }] }, '2026-05-06'); // false
 * ```
 * @category Model
 */
export function isOnLeave(rep: { readonly leave: readonly LeaveRange[] }, day: string): boolean {
  if (typeof day !== 'string' || !DAY.test(day)) {
    const message = `day must be shaped YYYY-MM-DD, received ${JSON.stringify(String(day).slice(0, 40))}`;
    throw new ModelError(message, [{ path: '', message }]);
  }
  return leaveOn(rep, day) !== undefined;
}

/**
 * The leave range covering the whole of `day` (`YYYY-MM-DD`), if any. Unchecked twin of
 * {@link isOnLeave} for hot paths that already hold a well-formed day (assignment decisions).
 *
 * @example
 * ```ts
 * import { leaveOn } from 'leadflow';
 * leaveOn(rep, '2026-03-02')?.to; // '2026-03-06'
 * ```
 * @category Model
 */
export function leaveOn(rep: { readonly leave: readonly LeaveRange[] }, day: string): LeaveRange | undefined {
  for (const range of rep.leave) {
    if (range.from > day || day > range.to) continue;
    if (day === range.from && range.fromTime !== undefined && range.fromTime !== '00:00') continue;
    if (day === range.to && range.toTime !== undefined && range.toTime !== '24:00') continue;
    return range;
  }
  return undefined;
}

/**
 * Whether a leave range has a time on its first or last day (a partial-day leave).
 *
 * @example
 * ```ts
 * import { isTimedLeave } from 'leadflow';
 * isTimedLeave({ from: '2026-03-02', to: '2026-03-02', fromTime: '14:00' }); // true
 * ```
 * @category Model
 */
export function isTimedLeave(range: LeaveRange): boolean {
  return range.fromTime !== undefined || range.toTime !== undefined;
}

/**
 * The partial-day leave range (one with `fromTime` or `toTime`) that covers a local wall-clock
 * minute, if any: `[from fromTime, to toTime)`. `local` is the calendar's reading of an instant
 * (`calendar.localTime(t)`); whole-day ranges are {@link leaveOn}'s.
 *
 * @example
 * ```ts
 * import { timedLeaveAt } from 'leadflow';
 * const rep = { leave: [{ from: '2026-03-02', to: '2026-03-02', fromTime: '14:00' }] };
 * timedLeaveAt(rep, { day: '2026-03-02', minute: 13 * 60 + 59 }); // undefined
 * timedLeaveAt(rep, { day: '2026-03-02', minute: 14 * 60 }); // the range
 * ```
 * @category Model
 */
export function timedLeaveAt(
  rep: { readonly leave: readonly LeaveRange[] },
  local: { readonly day: string; readonly minute: number },
): LeaveRange | undefined {
  const { day, minute } = local;
  for (const range of rep.leave) {
    if (!isTimedLeave(range) || range.from > day || day > range.to) continue;
    if (day === range.from && minute < minutesOf(range.fromTime ?? '00:00')) continue;
    if (day === range.to && minute >= minutesOf(range.toTime ?? '24:00')) continue;
    return range;
  }
  return undefined;
}

/**
 * Whether a rep with {@link RepShift}s works at a local wall-clock minute. Public holidays
 * (`kind: 'holiday'`) are off; a make-up working day (调休, `kind: 'makeUpWorkday'`) is worked
 * with the rep's Monday shifts — as the business calendar gives such a day its Monday hours —
 * and any other day with the shifts of its weekday, whether or not the company works it (a
 * weekend hotline shift). `undefined` when the rep has no shifts (they work the calendar's hours).
 *
 * @example
 * ```ts
 * import { inShift, type Rep } from 'leadflow';
 * const rep: Pick<Rep, 'shifts'> = { shifts: [{ days: ['mon', 'tue'], from: '09:00', to: '13:00' }] };
 * inShift(rep, { weekday: 'mon', minute: 12 * 60 + 59, kind: 'workday' }); // true
 * inShift(rep, { weekday: 'mon', minute: 13 * 60, kind: 'workday' }); // false
 * inShift(rep, { weekday: 'sat', minute: 600, kind: 'makeUpWorkday' }); // true (a Monday)
 * ```
 * @category Model
 */
export function inShift(
  rep: { readonly shifts?: readonly RepShift[] | undefined },
  local: {
    readonly weekday: (typeof REP_WEEKDAYS)[number];
    readonly minute: number;
    readonly kind: 'workday' | 'makeUpWorkday' | 'holiday' | 'dayOff';
  },
): boolean | undefined {
  if (rep.shifts === undefined) return undefined;
  if (local.kind === 'holiday') return false;
  const weekday = local.kind === 'makeUpWorkday' ? 'mon' : local.weekday;
  for (const shift of rep.shifts) {
    if (
      shift.days.includes(weekday) &&
      minutesOf(shift.from) <= local.minute &&
      local.minute < minutesOf(shift.to)
    )
      return true;
  }
  return false;
}
