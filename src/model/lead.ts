import * as z from 'zod';
import { type ModelIssue, safeParseModel } from './issues.js';
import { fastParseLead } from './lead-fast.js';
import { MODEL_LIMITS } from './limits.js';
import {
  amountSchema,
  blankAsAbsent,
  boundedArray,
  currencySchema,
  customFieldsSchema,
  emailSchema,
  idSchema,
  instantSchema,
  optionalText,
  phoneSchema,
  requiredText,
  wecomIdSchema,
} from './primitives.js';
import { usccSchema } from './uscc.js';

/**
 * The lead channels leadflow's presets know: website form, WeChat official account (公众号),
 * Douyin live-stream form, 400 hotline, trade show, channel referral, whitepaper download and a
 * generic API integration. A host may use any other channel matching {@link LEAD_CHANNEL_PATTERN}.
 *
 * @example
 * ```ts
 * import { LEAD_CHANNELS } from 'leadflow';
 * LEAD_CHANNELS.includes('douyin_live'); // true
 * ```
 * @category Model
 */
export const LEAD_CHANNELS = [
  'website_form',
  'wechat_mp',
  'douyin_live',
  'hotline_400',
  'trade_show',
  'referral',
  'whitepaper_download',
  'api',
] as const;

/**
 * One of {@link LEAD_CHANNELS}.
 *
 * @example
 * ```ts
 * import type { KnownLeadChannel } from 'leadflow';
 * const channel: KnownLeadChannel = 'hotline_400';
 * ```
 * @category Model
 */
export type KnownLeadChannel = (typeof LEAD_CHANNELS)[number];

/**
 * A lead channel: a known one (autocompleted) or any host-defined snake_case name.
 *
 * @example
 * ```ts
 * import type { LeadChannel } from 'leadflow';
 * const a: LeadChannel = 'trade_show';
 * const b: LeadChannel = 'xiaohongshu_note';
 * ```
 * @category Model
 */
export type LeadChannel = KnownLeadChannel | (string & {});

/**
 * Pattern of a channel name: lower-case letter, then lower-case letters, digits or `_`,
 * 1–40 characters.
 *
 * @example
 * ```ts
 * import { LEAD_CHANNEL_PATTERN } from 'leadflow';
 * LEAD_CHANNEL_PATTERN.test('xiaohongshu_note'); // true
 * ```
 * @category Model
 */
export const LEAD_CHANNEL_PATTERN: RegExp = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * Whether `channel` is one of {@link LEAD_CHANNELS}.
 *
 * @example
 * ```ts
 * import { isKnownLeadChannel } from 'leadflow';
 * isKnownLeadChannel('api'); // true
 * isKnownLeadChannel('xiaohongshu_note'); // false
 * ```
 * @category Model
 */
export function isKnownLeadChannel(channel: string): channel is KnownLeadChannel {
  return (LEAD_CHANNELS as readonly string[]).includes(channel);
}

/**
 * A channel name: any string matching {@link LEAD_CHANNEL_PATTERN} (not trimmed or
 * lower-cased: `Website_Form` is refused rather than guessed).
 *
 * @example
 * ```ts
 * import { leadChannelSchema } from 'leadflow';
 * leadChannelSchema.parse('wechat_mp');
 * ```
 * @category Model
 */
export const leadChannelSchema = /* @__PURE__ */ (() =>
  z
    .string()
    .max(40, { message: 'must be at most 40 characters', abort: true })
    .regex(LEAD_CHANNEL_PATTERN, 'must be a snake_case channel name like "website_form" (a-z, 0-9, _)'))();

/**
 * Priorities a source may give a lead. `urgent` is how an urgent tender (紧急标案) is expressed;
 * together with a `tender` tag the assignment presets offer it to every eligible rep, first to
 * claim wins.
 *
 * @example
 * ```ts
 * import { LEAD_PRIORITIES } from 'leadflow';
 * LEAD_PRIORITIES; // ['normal', 'urgent']
 * ```
 * @category Model
 */
export const LEAD_PRIORITIES = ['normal', 'urgent'] as const;

/**
 * One of {@link LEAD_PRIORITIES}.
 *
 * @example
 * ```ts
 * import type { LeadPriority } from 'leadflow';
 * const p: LeadPriority = 'urgent';
 * ```
 * @category Model
 */
export type LeadPriority = (typeof LEAD_PRIORITIES)[number];

/**
 * The company a lead comes from. `uscc` is validated (length, charset, check character) and
 * upper-cased; `region` and `industry` are required because assignment routes on them; `park`
 * is an industrial park (e.g. `Suzhou Industrial Park`); `groupId` links to a customer group.
 *
 * @example
 * ```ts
 * import { leadCompanySchema } from 'leadflow';
 * leadCompanySchema.parse({ name: '恒锐机械', region: 'Zhejiang', city: 'Taizhou', industry: 'auto_parts' });
 * ```
 * @category Model
 */
export const leadCompanySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    name: requiredText(MODEL_LIMITS.nameLength),
    uscc: blankAsAbsent(usccSchema),
    region: requiredText(MODEL_LIMITS.labelLength),
    city: optionalText(MODEL_LIMITS.labelLength),
    park: optionalText(MODEL_LIMITS.labelLength),
    industry: requiredText(MODEL_LIMITS.labelLength),
    groupId: blankAsAbsent(idSchema),
  }))();

/**
 * The person behind a lead. Every field is optional and no reachability is required here:
 * "complete info" is a qualification rule (the lead is kept and graded), not an intake error.
 * Blank strings count as absent.
 *
 * @example
 * ```ts
 * import { leadContactSchema } from 'leadflow';
 * leadContactSchema.parse({ name: '李雷', phone: '13800138000', email: '' }); // email dropped
 * ```
 * @category Model
 */
export const leadContactSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    name: optionalText(MODEL_LIMITS.nameLength),
    title: optionalText(MODEL_LIMITS.labelLength),
    phone: blankAsAbsent(phoneSchema),
    email: blankAsAbsent(emailSchema),
    wecomId: blankAsAbsent(wecomIdSchema),
  }))();

/**
 * A stated budget: amount in currency units (≥ 0) and an ISO 4217 currency (default `CNY`).
 *
 * @example
 * ```ts
 * import { budgetSchema } from 'leadflow';
 * budgetSchema.parse({ amount: 500000 }); // { amount: 500000, currency: 'CNY' }
 * ```
 * @category Model
 */
export const budgetSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    amount: amountSchema,
    currency: currencySchema.default('CNY'),
  }))();

/**
 * The behaviour event types a lead may carry.
 *
 * @example
 * ```ts
 * import { LEAD_BEHAVIOUR_TYPES } from 'leadflow';
 * LEAD_BEHAVIOUR_TYPES.includes('video_watch'); // true
 * ```
 * @category Model
 */
export const LEAD_BEHAVIOUR_TYPES = ['page_view', 'download', 'video_watch', 'form_submit'] as const;

/**
 * One behaviour event, discriminated by `type`; `at` is an instant (ISO datetime with offset or
 * epoch ms, normalised to epoch ms):
 * - `page_view` `{ at, url? }`
 * - `download` `{ at, asset }` (e.g. `热管理仿真报告.pdf`)
 * - `video_watch` `{ at, seconds, videoId? }` (`0 ≤ seconds ≤ 86400`)
 * - `form_submit` `{ at, formId? }`
 *
 * @example
 * ```ts
 * import { leadBehaviourSchema } from 'leadflow';
 * leadBehaviourSchema.parse({ type: 'video_watch', at: 1772415000000, seconds: 190 });
 * ```
 * @category Model
 */
export const leadBehaviourSchema = /* @__PURE__ */ (() =>
  z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('page_view'),
      at: instantSchema,
      url: optionalText(MODEL_LIMITS.urlLength),
      /** The page's title as the site shows it (e.g. "工业传感器参数页"). */
      title: optionalText(MODEL_LIMITS.nameLength),
      /** Seconds the visitor stayed on the page (页面停留时长). */
      dwellSeconds: z.number().min(0).max(MODEL_LIMITS.maxVideoSeconds).optional(),
    }),
    z.strictObject({
      type: z.literal('download'),
      at: instantSchema,
      asset: requiredText(MODEL_LIMITS.nameLength),
    }),
    z.strictObject({
      type: z.literal('video_watch'),
      at: instantSchema,
      seconds: z.number().min(0).max(MODEL_LIMITS.maxVideoSeconds),
      videoId: blankAsAbsent(idSchema),
    }),
    z.strictObject({
      type: z.literal('form_submit'),
      at: instantSchema,
      formId: blankAsAbsent(idSchema),
    }),
  ]))();

/**
 * A parsed behaviour event (`at` in epoch ms).
 *
 * @example
 * ```ts
 * import type { LeadBehaviour } from 'leadflow';
 * const b: LeadBehaviour = { type: 'download', at: 1772415000000, asset: 'whitepaper.pdf' };
 * ```
 * @category Model
 */
export type LeadBehaviour = z.output<typeof leadBehaviourSchema>;

/**
 * A source-given tag: trimmed, 1–64 characters (e.g. `tender`, `high-intent/price-sensitive`).
 *
 * @example
 * ```ts
 * import { leadTagSchema } from 'leadflow';
 * leadTagSchema.parse(' tender '); // 'tender'
 * ```
 * @category Model
 */
export const leadTagSchema = /* @__PURE__ */ (() => requiredText(MODEL_LIMITS.tagLength))();

/**
 * Schema of a lead at intake. Objects are strict: an unknown key is an issue (naming the key)
 * rather than silently dropped — put extra data in `custom`. Every string, array and record is
 * bounded by {@link MODEL_LIMITS}. Normalisation:
 * - `receivedAt` and behaviour `at`: ISO 8601 datetime with `Z`/offset, or integer epoch ms →
 *   epoch ms (2000-01-01 … 2100-01-01 UTC);
 * - strings trimmed; blank optional strings dropped; `uscc` and `currency` upper-cased;
 * - defaults: `behaviours: []`, `priority: 'normal'`, `tags: []`, `custom: {}`,
 *   `budget.currency: 'CNY'`.
 *
 * `externalId` is the source system's own id of the lead, optional. The engine always generates
 * the lead's id; a redelivery with the same `externalId` is merged into the lead it created.
 *
 * @example
 * ```ts
 * import { leadInputSchema } from 'leadflow';
 * const lead = leadInputSchema.parse({
 *   receivedAt: '2026-03-02T09:30:00+08:00',
 *   channel: 'douyin_live',
 *   company: { name: '恒锐机械', region: 'Jiangsu', park: 'Suzhou Industrial Park', industry: 'auto_parts' },
 *   contact: { name: '李雷', phone: '13800138000' },
 * });
 * ```
 * @category Model
 */
export const leadInputSchema = /* @__PURE__ */ (() =>
  z.strictObject({
    externalId: blankAsAbsent(idSchema),
    receivedAt: instantSchema,
    channel: leadChannelSchema,
    campaign: optionalText(MODEL_LIMITS.nameLength),
    company: leadCompanySchema,
    contact: leadContactSchema,
    budget: budgetSchema.optional(),
    need: optionalText(MODEL_LIMITS.needLength),
    behaviours: boundedArray(leadBehaviourSchema, MODEL_LIMITS.behaviours).default([]),
    priority: z.enum(LEAD_PRIORITIES).default('normal'),
    tags: boundedArray(leadTagSchema, MODEL_LIMITS.tags).default([]),
    custom: customFieldsSchema,
  }))();

/**
 * What a source may send (before defaults and normalisation).
 *
 * @example
 * ```ts
 * import type { LeadInput } from 'leadflow';
 * const input: LeadInput = {
 *   receivedAt: 1772415000000, channel: 'website_form',
 *   company: { name: 'ACME', region: 'Shanghai', industry: 'education' }, contact: { email: 'a@b.cn' },
 * };
 * ```
 * @category Model
 */
export type LeadInput = z.input<typeof leadInputSchema>;

/**
 * A lead after parsing: instants in epoch ms, defaults applied, strings trimmed.
 *
 * @example
 * ```ts
 * import { parseLead, type Lead } from 'leadflow';
 * const r = parseLead(raw);
 * const lead: Lead | undefined = r.ok ? r.lead : undefined;
 * ```
 * @category Model
 */
export type Lead = z.output<typeof leadInputSchema>;

/**
 * Result of {@link parseLead}.
 *
 * @example
 * ```ts
 * import type { LeadParseResult } from 'leadflow';
 * const refused: LeadParseResult = { ok: false, issues: [{ path: 'company', message: 'required (expected object)' }] };
 * ```
 * @category Model
 */
export type LeadParseResult =
  | { readonly ok: true; readonly lead: Lead }
  | { readonly ok: false; readonly issues: ModelIssue[] };

/**
 * Parses a raw lead with {@link leadInputSchema}. Never throws — for any input, including
 * `null`, arrays, numbers and objects carrying an own `__proto__` key from `JSON.parse` — and
 * reports every issue (at most {@link MODEL_LIMITS}.maxIssues) with a dotted path such as
 * `company.region` or `behaviours[2].seconds`. This is what the engine's quarantine stores.
 *
 * @example
 * ```ts
 * import { parseLead } from 'leadflow';
 * const r = parseLead(JSON.parse(body));
 * if (r.ok) await engine.ingest(r.lead);
 * else quarantine.put(body, r.issues); // [{ path: 'company.region', message: 'required (expected string)' }]
 * ```
 * @category Model
 */
export function parseLead(raw: unknown): LeadParseResult {
  // Plainly valid input skips zod (equal results, proven by a differential property test).
  const result = safeParseModel(leadInputSchema, raw, fastParseLead);
  return result.ok ? { ok: true, lead: result.value } : { ok: false, issues: result.issues };
}
