import * as z from 'zod';
import { FORBIDDEN_KEY_NAMES } from './issues.js';
import { MODEL_LIMITS } from './limits.js';

/**
 * Pattern every id must match: starts with a letter or digit, then letters, digits and
 * `_ . : @ -`, at most {@link MODEL_LIMITS}.idLength characters. UUIDs, ULIDs, numeric strings
 * and `crm:lead:42` style ids all fit; spaces, slashes and control characters do not.
 *
 * @example
 * ```ts
 * import { ID_PATTERN } from 'leadflow';
 * ID_PATTERN.test('rep-a'); // true
 * ```
 * @category Model
 */
export const ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/;

/**
 * What {@link currencySchema} accepts after trimming and upper-casing (the fast paths share it).
 * @internal
 */
export const CURRENCY_PATTERN: RegExp = /^[A-Z]{3}$/;

/**
 * What {@link phoneSchema} accepts after trimming (the fast paths share it).
 * @internal
 */
export const PHONE_PATTERN: RegExp = /^\+?[0-9(][0-9 ()-]*[0-9]$/;

/**
 * An id (lead, rep, supervisor, customer, pool, department, group). Trimmed; numbers are not
 * coerced — send `String(id)`.
 *
 * @example
 * ```ts
 * import { idSchema } from 'leadflow';
 * idSchema.parse(' rep-a '); // 'rep-a'
 * ```
 * @category Model
 */
export const idSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MODEL_LIMITS.idLength, { abort: true })
    .trim()
    .min(1, { message: 'must not be empty', abort: true })
    .regex(ID_PATTERN, {
      message: 'must start with a letter or digit and contain only letters, digits and _ . : @ -',
    }))();

/**
 * A required, trimmed, non-empty string of at most `max` characters (the raw length is checked
 * first, so a huge string is refused without further work).
 *
 * @example
 * ```ts
 * import { requiredText } from 'leadflow';
 * const regionSchema = requiredText(100);
 * ```
 * @category Model
 */
export function requiredText(max: number) {
  return z.string().max(max, { abort: true }).trim().min(1, 'must not be empty');
}

function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 1_000 && value.trim() === '';
}

/**
 * Makes a field optional and treats a blank string (`''`, `'  '`) as absent — web forms send
 * empty strings for fields the visitor skipped, which must not quarantine a lead.
 *
 * @example
 * ```ts
 * import { blankAsAbsent, emailSchema } from 'leadflow';
 * blankAsAbsent(emailSchema).parse(''); // undefined
 * ```
 * @category Model
 */
export function blankAsAbsent<S extends z.ZodType>(schema: S) {
  return z
    .preprocess((value: z.input<S> | undefined) => (isBlank(value) ? undefined : value), schema.optional())
    .optional();
}

/**
 * An optional trimmed string of at most `max` characters; blank strings become absent.
 *
 * @example
 * ```ts
 * import { optionalText } from 'leadflow';
 * optionalText(200).parse('  '); // undefined
 * ```
 * @category Model
 */
export function optionalText(max: number) {
  return blankAsAbsent(z.string().max(max, { abort: true }).trim());
}

/**
 * A calendar day `YYYY-MM-DD` (a real date: `2026-02-29` is refused). Days are zone-less; the
 * business calendar decides which zone they are read in.
 *
 * @example
 * ```ts
 * import { isoDateSchema } from 'leadflow';
 * isoDateSchema.parse('2026-05-01'); // '2026-05-01'
 * ```
 * @category Model
 */
export const isoDateSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(10, { message: 'must be an ISO date YYYY-MM-DD', abort: true })
    .check(z.iso.date({ message: 'must be an ISO date YYYY-MM-DD' })))();

const isoDateTime = /* @__PURE__ */ (() => z.iso.datetime({ offset: true }))();
const INSTANT_HINT =
  'an ISO 8601 datetime with Z or an offset (e.g. 2026-03-02T09:30:00+08:00) or epoch milliseconds';

function describeInput(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * An instant, given as an ISO 8601 datetime string **with** `Z` or a UTC offset, or as integer
 * epoch milliseconds; normalised to epoch milliseconds. Datetimes without an offset are refused
 * (their zone would be a guess). The instant must fall in 2000-01-01 … 2100-01-01 (UTC), which
 * also catches epoch *seconds* sent by mistake.
 *
 * @example
 * ```ts
 * import { instantSchema } from 'leadflow';
 * instantSchema.parse('2026-03-02T09:30:00+08:00'); // 1772415000000
 * instantSchema.parse(1772415000000);               // 1772415000000
 * ```
 * @category Model
 */
export const instantSchema = /* @__PURE__ */ (() =>
  z
    .custom<string | number>((value) => typeof value === 'string' || typeof value === 'number', {
      error: (issue) =>
        issue.input === undefined
          ? `required (${INSTANT_HINT})`
          : `expected ${INSTANT_HINT}, received ${describeInput(issue.input)}`,
    })
    .transform((value, ctx): number => {
      let ms: number;
      if (typeof value === 'number') {
        if (!Number.isInteger(value)) {
          ctx.addIssue({
            code: 'custom',
            message: `epoch milliseconds must be an integer, received ${value}`,
          });
          return z.NEVER;
        }
        ms = value;
      } else {
        ms = value.length <= 64 && isoDateTime.safeParse(value).success ? Date.parse(value) : Number.NaN;
        if (!Number.isFinite(ms)) {
          ctx.addIssue({ code: 'custom', message: `expected ${INSTANT_HINT}` });
          return z.NEVER;
        }
      }
      if (ms < MODEL_LIMITS.minInstantMs || ms >= MODEL_LIMITS.maxInstantMs) {
        const seconds =
          typeof value === 'number' &&
          value * 1000 >= MODEL_LIMITS.minInstantMs &&
          value * 1000 < MODEL_LIMITS.maxInstantMs;
        ctx.addIssue({
          code: 'custom',
          message: `instant must fall between 2000-01-01 and 2100-01-01 UTC${seconds ? ' (epoch seconds sent instead of milliseconds?)' : ''}`,
        });
        return z.NEVER;
      }
      return ms;
    }))();

/**
 * A money amount in currency units (yuan, not fen), `0 ≤ amount ≤ 1e15`.
 *
 * @example
 * ```ts
 * import { amountSchema } from 'leadflow';
 * amountSchema.parse(120000.5); // 120000.5
 * ```
 * @category Model
 */
export const amountSchema = /* @__PURE__ */ (() => z.number().min(0).max(MODEL_LIMITS.maxAmount))();

/**
 * An ISO 4217 currency code; trimmed and upper-cased (`cny` → `CNY`).
 *
 * @example
 * ```ts
 * import { currencySchema } from 'leadflow';
 * currencySchema.parse('usd'); // 'USD'
 * ```
 * @category Model
 */
export const currencySchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(16, { message: 'must be an ISO 4217 code of 3 letters, e.g. CNY', abort: true })
    .trim()
    .toUpperCase()
    .regex(CURRENCY_PATTERN, 'must be an ISO 4217 code of 3 letters, e.g. CNY'))();

/**
 * A phone number as typed: digits with optional leading `+`, spaces, dashes and parentheses,
 * 3–32 characters (`13800138000`, `+86 21 6888 8888`, `400-820-8820`, `(0512)62345678`).
 * Not normalised.
 *
 * @example
 * ```ts
 * import { phoneSchema } from 'leadflow';
 * phoneSchema.parse('400-820-8820');
 * ```
 * @category Model
 */
export const phoneSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MODEL_LIMITS.phoneLength, { abort: true })
    .trim()
    .min(3, { message: 'must be at least 3 characters', abort: true })
    .regex(PHONE_PATTERN, 'must be a phone number: digits, optional leading +, spaces, - and ()'))();

/**
 * An e-mail address (trimmed, at most 254 characters).
 *
 * @example
 * ```ts
 * import { emailSchema } from 'leadflow';
 * emailSchema.parse('li.lei@example.cn');
 * ```
 * @category Model
 */
export const emailSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MODEL_LIMITS.emailLength, { abort: true })
    .trim()
    .regex(z.regexes.email, 'must be an e-mail address'))();

/**
 * A WeCom (企业微信) user id: trimmed, 1–64 characters.
 *
 * @example
 * ```ts
 * import { wecomIdSchema } from 'leadflow';
 * wecomIdSchema.parse('ZhangWei');
 * ```
 * @category Model
 */
export const wecomIdSchema = /* @__PURE__ */ (() => requiredText(MODEL_LIMITS.wecomIdLength))();

/**
 * A mainland China mobile number, normalised to its 11 digits: accepts `13800138000`,
 * `+86 138 0013 8000`, `0086-13800138000` (spaces and dashes ignored); the first digit must be 1
 * and the second 3–9 — what SMS providers send to.
 *
 * @example
 * ```ts
 * import { mainlandMobileSchema } from 'leadflow';
 * mainlandMobileSchema.parse('+86 138-0013-8000'); // '13800138000'
 * mainlandMobileSchema.safeParse('021-68888888').success; // false: a landline
 * ```
 * @category Model
 */
export const mainlandMobileSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MODEL_LIMITS.phoneLength, { abort: true })
    .transform((value, ctx) => {
      const digits = mainlandMobile(value);
      if (digits === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a mainland China mobile number: 11 digits starting 13–19, optionally +86',
        });
        return z.NEVER;
      }
      return digits;
    }))();

/**
 * The 11 digits of a mainland China mobile number written as `13800138000`, `+8613800138000`,
 * `008613800138000` or `86 138 0013 8000` (spaces and dashes ignored), or `undefined`.
 *
 * @example
 * ```ts
 * import { mainlandMobile } from 'leadflow';
 * mainlandMobile('+86 138-0013-8000'); // '13800138000'
 * mainlandMobile('12800000000'); // undefined
 * ```
 * @category Model
 */
export function mainlandMobile(raw: string): string | undefined {
  const compact = raw.trim().replace(/[\s-]/g, '');
  const match = /^(?:\+86|0086|86)?(1[3-9]\d{9})$/.exec(compact);
  return match?.[1];
}

/**
 * A DingTalk user id (`userid` of the organisation, as `at.atUserIds` takes it): trimmed, 1–64
 * characters.
 *
 * @example
 * ```ts
 * import { dingtalkUserIdSchema } from 'leadflow';
 * dingtalkUserIdSchema.parse('manager4220');
 * ```
 * @category Model
 */
export const dingtalkUserIdSchema = /* @__PURE__ */ (() => requiredText(MODEL_LIMITS.wecomIdLength))();

/**
 * A Feishu / Lark open id: `ou_` then letters and digits (what a bot mentions with
 * `<at user_id="ou_…">`).
 *
 * @example
 * ```ts
 * import { feishuOpenIdSchema } from 'leadflow';
 * feishuOpenIdSchema.parse('ou_7d8a6e6df7621556ce0d21922b676706ccs');
 * ```
 * @category Model
 */
export const feishuOpenIdSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MODEL_LIMITS.wecomIdLength, { abort: true })
    .trim()
    .regex(/^ou_[A-Za-z0-9]+$/, 'must be a Feishu open id: ou_ followed by letters and digits'))();

/**
 * Ways to reach a person — where notifications find them (blank strings count as absent):
 * - `phone`: any phone number as typed (a landline too);
 * - `mobile`: a mainland China mobile number for SMS, normalised to 11 digits (`+86 138…` → `138…`);
 * - `email`; `wecomId`: the WeCom (企业微信) user id; `dingtalkUserId`; `feishuOpenId` (`ou_…`).
 *
 * @example
 * ```ts
 * import { contactPointSchema } from 'leadflow';
 * contactPointSchema.parse({ wecomId: 'ZhangWei', email: '' }); // { wecomId: 'ZhangWei' }
 * contactPointSchema.parse({ mobile: '+86 138 0013 8000' }); // { mobile: '13800138000' }
 * ```
 * @category Model
 */
export const contactPointSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    phone: blankAsAbsent(phoneSchema),
    mobile: blankAsAbsent(mainlandMobileSchema),
    email: blankAsAbsent(emailSchema),
    wecomId: blankAsAbsent(wecomIdSchema),
    dingtalkUserId: blankAsAbsent(dingtalkUserIdSchema),
    feishuOpenId: blankAsAbsent(feishuOpenIdSchema),
  }))();

/**
 * Contact channels of a person, see {@link contactPointSchema}.
 *
 * @example
 * ```ts
 * import type { ContactPoint } from 'leadflow';
 * const c: ContactPoint = { phone: '13800138000' };
 * ```
 * @category Model
 */
export type ContactPoint = z.output<typeof contactPointSchema>;

/**
 * An array schema that refuses more than `max` items **before** looking at any item, so a
 * million-element array costs one length check.
 *
 * @example
 * ```ts
 * import { boundedArray, idSchema } from 'leadflow';
 * const repIds = boundedArray(idSchema, 10_000);
 * ```
 * @category Model
 */
export function boundedArray<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess((value: z.input<T>[], ctx) => {
    if (Array.isArray(value) && value.length > max) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${max} items (got ${value.length})` });
    }
    return value;
  }, z.array(item));
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Default key schema of leadflow records: 1–64 characters, no control characters, none of
 * {@link FORBIDDEN_KEY_NAMES}.
 *
 * @example
 * ```ts
 * import { recordKeySchema } from 'leadflow';
 * recordKeySchema.safeParse('constructor').success; // false
 * ```
 * @category Model
 */
export const recordKeySchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(MODEL_LIMITS.customKeyLength, { abort: true })
    .min(1, { message: 'must not be empty', abort: true })
    .refine((key) => !hasControlCharacter(key), 'must not contain control characters')
    .refine(
      (key) => !FORBIDDEN_KEY_NAMES.has(key),
      'forbidden key (refused to prevent prototype pollution)',
    ))();

/**
 * A record schema hardened for untrusted input: more than `maxKeys` own keys is refused before
 * any value is read, and the keys `__proto__`, `constructor`, `prototype` are refused with an
 * issue at their path (zod on its own silently drops an own `__proto__` key, e.g. one created by
 * `JSON.parse`).
 *
 * @example
 * ```ts
 * import { safeRecord } from 'leadflow';
 * import { z } from 'zod';
 * const scores = safeRecord(z.number(), 20);
 * scores.safeParse(JSON.parse('{"__proto__": 1}')).success; // false
 * ```
 * @category Model
 */
export function safeRecord<V extends z.ZodType>(
  value: V,
  maxKeys: number,
  keySchema: z.ZodType<string, string> = recordKeySchema,
) {
  return z.preprocess(
    (input: Record<string, z.input<V>>, ctx) => {
      if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
        const keys = Object.keys(input);
        if (keys.length > maxKeys) {
          ctx.addIssue({ code: 'custom', message: `must have at most ${maxKeys} keys (got ${keys.length})` });
          return input;
        }
        for (const key of keys) {
          if (FORBIDDEN_KEY_NAMES.has(key)) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: `forbidden key ${JSON.stringify(key)} (refused to prevent prototype pollution)`,
            });
          }
        }
      }
      return input;
    },
    z.record(keySchema, value),
  );
}

/**
 * A value of a free-form `custom` field: string (≤ 2,000 characters), finite number, boolean or
 * null. Nested objects and arrays are refused — flatten them (`address_city`).
 *
 * @example
 * ```ts
 * import { customValueSchema } from 'leadflow';
 * customValueSchema.parse(null); // null
 * ```
 * @category Model
 */
export const customValueSchema = /* @__PURE__ */ (() =>
  z.union([z.string().max(MODEL_LIMITS.customStringLength), z.number(), z.boolean(), z.null()]))();

/**
 * A value of a free-form `custom` field.
 *
 * @example
 * ```ts
 * import type { CustomValue } from 'leadflow';
 * const v: CustomValue = 'Q2-expo';
 * ```
 * @category Model
 */
export type CustomValue = z.output<typeof customValueSchema>;

/**
 * Free-form host fields: at most 100 keys of {@link recordKeySchema}, values of
 * {@link customValueSchema}; defaults to `{}`.
 *
 * @example
 * ```ts
 * import { customFieldsSchema } from 'leadflow';
 * customFieldsSchema.parse({ utm_source: 'baidu', score: 7 });
 * ```
 * @category Model
 */
export const customFieldsSchema = /* @__PURE__ */ (() =>
  safeRecord(customValueSchema, MODEL_LIMITS.customKeys).default({}))();

/**
 * Free-form host fields after parsing.
 *
 * @example
 * ```ts
 * import type { CustomFields } from 'leadflow';
 * const c: CustomFields = { utm_source: 'baidu', score: 7 };
 * ```
 * @category Model
 */
export type CustomFields = z.output<typeof customFieldsSchema>;
