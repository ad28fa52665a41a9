/**
 * The channel mappers of the HTTP intake example: one small pure function per channel, from the
 * JSON body that channel pushes to a leadflow `LeadInput`, and `intake()`, which maps a body and
 * checks the result with `parseLead`.
 *
 * What a mapper does: it translates shapes (the channel's field names, its timestamps, ids sent as
 * numbers, "江苏省" → "江苏"), and keeps every field it does not use in `custom` under the body's
 * own name (nothing is dropped). What it does not do: validate. A value it has no reason to
 * convert goes into the lead as sent, and `parseLead` decides; its issues are reported with the
 * body's field names (`telephone`, not `contact.phone`), because that is what the sender can fix.
 *
 * A body "does not map" when there is no lead to build: it is not a JSON object, the channel's own
 * id is missing, or its timestamp cannot be read in the channel's format.
 *
 * Each channel's own id becomes the lead's `externalId`, prefixed by the channel
 * (`douyin:7301234567890123456`), so a redelivery merges into the lead it created.
 *
 * @module
 */
import { type LeadInput, parseLead, unstorableStringReason } from '../../src/index.js';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** The routes of the service, one per channel: `POST /tenants/:tenant/leads/<route>`. */
export const CHANNEL_ROUTES = ['website', 'wechat', 'douyin', 'hotline'] as const;

/** One of {@link CHANNEL_ROUTES}. */
export type ChannelRoute = (typeof CHANNEL_ROUTES)[number];

/** One problem of a push, as the 400 answer reports it. */
export interface IntakeError {
  /**
   * The field of the request body (`telephone`, `form.company`, `remark_dict["行业"]`), `''` for
   * the body itself; the lead's path when no single body field fed the value.
   */
  readonly path: string;
  readonly message: string;
  /** Where the value lands in the lead (`contact.phone`): the path the quarantine record names. */
  readonly leadPath?: string;
}

/** What a mapper returns: a lead to check, with where each of its fields came from; or why not. */
export type ChannelMapping =
  | {
      readonly ok: true;
      /**
       * Shaped as a `LeadInput`; its values are the body's, converted only where the channel's
       * format differs from leadflow's. `parseLead` has not seen it yet.
       */
      readonly lead: LeadInput;
      /** Lead path → body path, for reporting `parseLead`'s issues in the sender's terms. */
      readonly fields: ReadonlyMap<string, string>;
    }
  | { readonly ok: false; readonly errors: readonly IntakeError[] };

/** What every mapper is given besides the body. */
export interface MapOptions {
  /** When the service received the push (epoch ms): the lead's time if the body carries none. */
  readonly receivedAt: number;
}

/** A channel mapper. */
export type ChannelMapper = (body: unknown, options: MapOptions) => ChannelMapping;

/** Company fields a channel could not provide (a hotline call, a Douyin form without them). */
export const UNKNOWN_COMPANY = '未知企业';
/** Region or industry a channel could not provide. */
export const UNKNOWN = '未知';

// ---------------------------------------------------------------------------------------------
// Reading bodies
// ---------------------------------------------------------------------------------------------

type Body = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own field only: `body.constructor` must not read `Object`. */
function own(body: Body, key: string): unknown {
  return Object.hasOwn(body, key) ? body[key] : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function notAnObject(body: unknown): ChannelMapping {
  return { ok: false, errors: [{ path: '', message: `expected a JSON object, received ${describe(body)}` }] };
}

/** Blank or null means absent. */
function absent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * A text field: strings as sent, numbers as their digits (phones and ids often come as numbers),
 * `null` as absent; anything else as sent, for `parseLead` to refuse at its path.
 */
function text(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return value;
}

/** A free-form (`custom`) value: scalars as sent, objects and arrays as their JSON text. */
function scalar(value: unknown): unknown {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  return JSON.stringify(value);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A dotted path as leadflow writes them (`custom.utm_source`, `remark_dict["行业"]`,
 * `behaviours[0].formId`), so that lead paths here equal those `parseLead` reports.
 */
export function pathOf(...segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment) && segment.length <= 64) out += out === '' ? segment : `.${segment}`;
    else {
      const shown = segment.length <= 64 ? segment : `${segment.slice(0, 64)}…(${segment.length} chars)`;
      out += `[${JSON.stringify(shown)}]`;
    }
  }
  return out;
}

/** The channel's own id of a push: a non-blank string, or an integer JSON can carry exactly. */
function channelId(
  body: Body,
  key: string,
  what: string,
): { ok: true; id: string } | { ok: false; error: IntakeError } {
  const value = own(body, key);
  if (absent(value)) return { ok: false, error: { path: key, message: `required: ${what}` } };
  if (typeof value === 'string') return { ok: true, id: value.trim() };
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    return { ok: true, id: String(value) };
  if (typeof value === 'number' && Number.isInteger(value)) {
    return {
      ok: false,
      error: {
        path: key,
        message: 'an integer this large loses digits as a JSON number: send it as a string',
      },
    };
  }
  return {
    ok: false,
    error: { path: key, message: `must be a string or an integer, received ${describe(value)}` },
  };
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * `YYYY-MM-DD HH:mm:ss` (or with `T`) in Asia/Shanghai → epoch ms; `undefined` if it is not such a time (or no
 * such day, like 2026-02-30). China has kept UTC+8 all year since 1991, so the offset is fixed.
 */
export function shanghaiTime(value: string): number | undefined {
  const match = LOCAL_TIME.exec(value.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour - 8, minute, second);
  const local = new Date(ms + 8 * 3_600_000);
  const same =
    local.getUTCFullYear() === year &&
    local.getUTCMonth() === month - 1 &&
    local.getUTCDate() === day &&
    local.getUTCHours() === hour &&
    local.getUTCMinutes() === minute &&
    local.getUTCSeconds() === second;
  return same ? ms : undefined;
}

/** Integer epoch seconds (a number or its digits) → epoch ms. */
function epochSeconds(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n * 1000 : undefined;
}

/** "江苏省" → "江苏", "广西壮族自治区" → "广西", "上海市" → "上海": the presets route on short names. */
export function provinceName(value: unknown): unknown {
  if (typeof value !== 'string') return text(value);
  const trimmed = value.trim();
  const short = trimmed.replace(/(?:省|市|特别行政区|壮族自治区|回族自治区|维吾尔自治区|自治区)$/u, '');
  return short.length >= 2 ? short : trimmed;
}

/**
 * A budget a person typed: a number, `"500000"`, `"50万"` or `"50w"` (CNY) → an amount; other
 * text → `undefined` (the caller keeps the text in `custom`; a typed budget never refuses a lead).
 */
export function budgetAmount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(万|w|W)?\s*元?$/u.exec(value.trim().replaceAll(',', ''));
  if (!match) return undefined;
  const amount = Number(match[1]) * (match[2] ? 10_000 : 1);
  return Number.isFinite(amount) ? amount : undefined;
}

/** FNV-1a of a string, 8 hex digits: a short stable key for an id made of several fields. */
function fnv(textToHash: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(textToHash)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A lead under construction, with the body path of each field it sets. `custom` has no
 * prototype: a body key `__proto__` is kept as a key (and refused by `parseLead` by name).
 */
class Draft {
  readonly fields = new Map<string, string>();
  readonly custom: Record<string, unknown> = Object.create(null);

  /** Record that lead path `lead` came from body path `body`. */
  from(lead: string, body: string): void {
    this.fields.set(lead, body);
  }

  /** Keep a body field in `custom` under its own name. */
  keep(key: string, value: unknown, bodyPath: string = pathOf(key)): void {
    if (value === undefined) return;
    this.custom[key] = scalar(value);
    this.from(pathOf('custom', key), bodyPath);
  }

  /** Keep every field of `source` not in `used` (its body path starts with `prefix`). */
  keepRest(source: Body, used: ReadonlySet<string>, prefix: readonly string[] = []): void {
    for (const key of Object.keys(source)) {
      if (!used.has(key)) this.keep(key, source[key], pathOf(...prefix, key));
    }
  }
}

function finish(lead: Omit<LeadInput, 'custom'>, draft: Draft): ChannelMapping {
  const custom = Object.keys(draft.custom).length > 0 ? draft.custom : undefined;
  return { ok: true, lead: { ...lead, ...(custom ? { custom } : {}) } as LeadInput, fields: draft.fields };
}

// ---------------------------------------------------------------------------------------------
// Website form
// ---------------------------------------------------------------------------------------------

const WEBSITE_USED = new Set([
  'submission_id',
  'form_id',
  'submitted_at',
  'name',
  'title',
  'company',
  'phone',
  'email',
  'region',
  'city',
  'industry',
  'message',
  'utm_campaign',
]);

/**
 * The website form, posted flat (JSON or `application/x-www-form-urlencoded`): `name`, `company`,
 * `phone`, `email`, `region`, `industry`, `message`, `utm_campaign`, `submitted_at`, `form_id`,
 * optionally `submission_id`, `title`, `city`; any other field (`utm_source`, `page_url`) is kept
 * in `custom`. The form asks for company, region and industry, so they are required here.
 *
 * - `submitted_at`: ISO 8601 with an offset, epoch ms, or `YYYY-MM-DD HH:mm:ss` (Asia/Shanghai);
 *   absent → the time the service received it.
 * - `externalId`: `web:<submission_id>`; without one, `web:<form_id>:<submitted_at ms>:<hash of
 *   name, phone and e-mail>` (a resubmitted form gives the same id); without `submitted_at`
 *   either, none (leadflow still merges a repeat by phone or e-mail).
 */
export const websiteLead: ChannelMapper = (body, options) => {
  if (!isRecord(body)) return notAnObject(body);
  const draft = new Draft();
  const submitted = own(body, 'submitted_at');
  let receivedAt: unknown = options.receivedAt;
  if (!absent(submitted)) {
    receivedAt = typeof submitted === 'string' ? (shanghaiTime(submitted) ?? submitted) : submitted;
    draft.from('receivedAt', 'submitted_at');
    draft.from('behaviours[0].at', 'submitted_at');
  }
  const formId = text(own(body, 'form_id'));
  let externalId: string | undefined;
  const submission = own(body, 'submission_id');
  if (!absent(submission)) {
    const id = channelId(body, 'submission_id', 'the id of the form submission');
    if (!id.ok) return { ok: false, errors: [id.error] };
    externalId = `web:${id.id}`;
    draft.from('externalId', 'submission_id');
  } else if (typeof receivedAt === 'number' && !absent(submitted)) {
    const who = [own(body, 'name'), own(body, 'phone'), own(body, 'email')].map((v) => String(text(v) ?? ''));
    externalId = `web:${absent(formId) ? 'form' : String(formId)}:${receivedAt}:${fnv(who.join('\u0001'))}`;
    draft.from('externalId', absent(formId) ? 'submitted_at' : 'form_id');
  }
  for (const [lead, field] of [
    ['campaign', 'utm_campaign'],
    ['company.name', 'company'],
    ['company.region', 'region'],
    ['company.city', 'city'],
    ['company.industry', 'industry'],
    ['contact.name', 'name'],
    ['contact.title', 'title'],
    ['contact.phone', 'phone'],
    ['contact.email', 'email'],
    ['need', 'message'],
    ['behaviours[0].formId', 'form_id'],
  ] as const) {
    draft.from(lead, field);
  }
  draft.keepRest(body, WEBSITE_USED);
  if (!absent(formId)) draft.keep('form_id', formId);
  return finish(
    {
      externalId,
      receivedAt: receivedAt as LeadInput['receivedAt'],
      channel: 'website_form',
      campaign: text(own(body, 'utm_campaign')) as string,
      company: {
        name: text(own(body, 'company')) as string,
        region: provinceName(own(body, 'region')) as string,
        city: text(own(body, 'city')) as string,
        industry: text(own(body, 'industry')) as string,
      },
      contact: {
        name: text(own(body, 'name')) as string,
        title: text(own(body, 'title')) as string,
        phone: text(own(body, 'phone')) as string,
        email: text(own(body, 'email')) as string,
      },
      need: text(own(body, 'message')) as string,
      behaviours: [
        {
          type: 'form_submit',
          at: receivedAt as number,
          ...(absent(formId) ? {} : { formId: formId as string }),
        },
      ],
    },
    draft,
  );
};

// ---------------------------------------------------------------------------------------------
// WeChat official account (公众号) lead form, relayed as JSON
// ---------------------------------------------------------------------------------------------

const WECHAT_USED = new Set(['openid', 'FromUserName', 'nickname', 'CreateTime', 'MsgId', 'form_id', 'form']);

const WECHAT_FORM_USED = new Set([
  'name',
  'title',
  'company',
  'phone',
  'email',
  'region',
  'city',
  'industry',
  'need',
  'message',
  'budget',
]);

/**
 * A lead form on a WeChat official account, relayed by the account's server as JSON:
 * `openid` (or the push's `FromUserName`), `nickname`, `CreateTime` (epoch **seconds**, as
 * WeChat writes it), optional `MsgId` and `form_id`, and `form`, the fields the user filled in
 * (`company`, `name`, `phone`, `region`, `industry`, optionally `city`, `title`, `email`,
 * `need`/`message`, `budget`). Every other field, of the push or of the form, is kept in `custom`.
 *
 * - `externalId`: `wechat:<MsgId>` when there is one, else `wechat:<openid>:<CreateTime>`:
 *   WeChat redelivers a push it got no answer for (three tries, five seconds apart) and tells
 *   developers to deduplicate messages by MsgId and events by FromUserName + CreateTime
 *   (公众号「接收事件推送」: 关于重试的消息排重，推荐使用 FromUserName + CreateTime 排重).
 * - The contact's name is the form's `name`, else the nickname; the openid and nickname are kept
 *   in `custom` (a rep replies through the account).
 */
export const wechatLead: ChannelMapper = (body) => {
  if (!isRecord(body)) return notAnObject(body);
  const draft = new Draft();
  const openidKey =
    absent(own(body, 'openid')) && !absent(own(body, 'FromUserName')) ? 'FromUserName' : 'openid';
  const openid = channelId(body, openidKey, "the user's openid");
  const created = own(body, 'CreateTime');
  const receivedAt = epochSeconds(created);
  const errors: IntakeError[] = [];
  if (!openid.ok) errors.push(openid.error);
  if (receivedAt === undefined) {
    errors.push({
      path: 'CreateTime',
      message: absent(created)
        ? 'required: when the form was submitted, in epoch seconds'
        : `must be epoch seconds (an integer), received ${JSON.stringify(created)}`,
    });
  }
  const msgId = own(body, 'MsgId');
  let externalId: string | undefined;
  if (!absent(msgId)) {
    const id = channelId(body, 'MsgId', 'the message id');
    if (id.ok) externalId = `wechat:${id.id}`;
    else errors.push(id.error);
  }
  const form = own(body, 'form') ?? {};
  if (!isRecord(form))
    errors.push({ path: 'form', message: `expected an object, received ${describe(form)}` });
  if (errors.length > 0 || !openid.ok || receivedAt === undefined || !isRecord(form))
    return { ok: false, errors };
  externalId ??= `wechat:${openid.id}:${receivedAt / 1000}`;
  draft.from('externalId', absent(msgId) ? openidKey : 'MsgId');
  draft.from('receivedAt', 'CreateTime');
  const needKey = absent(own(form, 'need')) ? 'message' : 'need';
  const formName = own(form, 'name');
  for (const [lead, field] of [
    ['company.name', 'company'],
    ['company.region', 'region'],
    ['company.city', 'city'],
    ['company.industry', 'industry'],
    ['contact.title', 'title'],
    ['contact.phone', 'phone'],
    ['contact.email', 'email'],
    ['need', needKey],
    ['budget.amount', 'budget'],
  ] as const) {
    draft.from(lead, pathOf('form', field));
  }
  draft.from('contact.name', absent(formName) ? 'nickname' : 'form.name');
  draft.from('behaviours[0].formId', 'form_id');
  draft.keep('wechat_openid', openid.id, openidKey);
  draft.keep('wechat_nickname', text(own(body, 'nickname')), 'nickname');
  draft.keepRest(body, WECHAT_USED);
  draft.keepRest(form, WECHAT_FORM_USED, ['form']);
  const rawBudget = own(form, 'budget');
  const amount = budgetAmount(rawBudget);
  if (amount === undefined && !absent(rawBudget)) draft.keep('budget_text', text(rawBudget), 'form.budget');
  const formId = text(own(body, 'form_id'));
  if (!absent(formId)) draft.keep('form_id', formId);
  return finish(
    {
      externalId,
      receivedAt,
      channel: 'wechat_mp',
      company: {
        name: text(own(form, 'company')) as string,
        region: provinceName(own(form, 'region')) as string,
        city: text(own(form, 'city')) as string,
        industry: text(own(form, 'industry')) as string,
      },
      contact: {
        name: text(absent(formName) ? own(body, 'nickname') : formName) as string,
        title: text(own(form, 'title')) as string,
        phone: text(own(form, 'phone')) as string,
        email: text(own(form, 'email')) as string,
      },
      ...(amount === undefined ? {} : { budget: { amount } }),
      need: text(own(form, needKey)) as string,
      behaviours: [
        { type: 'form_submit', at: receivedAt, ...(absent(formId) ? {} : { formId: formId as string }) },
      ],
    },
    draft,
  );
};

// ---------------------------------------------------------------------------------------------
// Douyin (巨量引擎 / Ocean Engine) lead push
// ---------------------------------------------------------------------------------------------

/** `remark_dict` keys (the advertiser's own form fields) read as company, industry, title, budget. */
const DOUYIN_REMARK_KEYS = {
  company: ['公司名称', '企业名称', '公司', 'company'],
  industry: ['所属行业', '行业', 'industry'],
  title: ['职位', '职务', 'title'],
  budget: ['预算', '采购预算', 'budget'],
} as const;

const DOUYIN_USED = new Set([
  'clue_id',
  'create_time',
  'create_time_detail',
  'name',
  'telephone',
  'email',
  'province_name',
  'city_name',
  'remark',
  'remark_dict',
  'ad_name',
]);

/**
 * A Douyin (巨量引擎) lead push. Field names are Ocean Engine's clue model (线索): `clue_id`,
 * `advertiser_id`, `advertiser_name`, `ad_id`, `ad_name`, `creative_id`, `clue_type`,
 * `module_id`, `module_name`, `create_time`, `create_time_detail`, `name`, `telephone`, `email`,
 * `weixin`, `province_name`, `city_name`, `address`, `remark` (the user's note), `remark_dict`
 * (the advertiser's own form fields, key → value), `app_name`, `external_url`, … — as documented
 * in the Go SDK of the Ocean Engine marketing API, model `Clue`
 * (https://github.com/bububa/oceanengine/blob/v1.20.8/marketing-api/model/tools/clue/clue.go,
 * also on pkg.go.dev: github.com/bububa/oceanengine/marketing-api/model/tools/clue).
 *
 * - `externalId`: `douyin:<clue_id>`. Ids are 64-bit integers there; the service reads integers
 *   beyond 2^53 as their digits (see {@link parseJsonText}), and a number that already lost digits
 *   is refused rather than merged into the wrong lead.
 * - `receivedAt`: `create_time`, `YYYY-MM-DD HH:mm:ss` in Asia/Shanghai; the clue model documents
 *   `create_time` as the day and `create_time_detail` as the full time, so when `create_time` is a
 *   bare date, `create_time_detail` is read instead.
 * - Company, industry, title and budget come from `remark_dict` when the form asked for them
 *   (`公司名称`, `行业`, `职位`, `预算`, …); a form that did not ask gives {@link UNKNOWN_COMPANY}
 *   and {@link UNKNOWN}: the lead is still a lead (the supervisor queue takes what no rule routes).
 * - `ad_name` is the campaign; every other field is kept in `custom` (objects and arrays such as
 *   `system_tags` as their JSON text).
 */
export const douyinLead: ChannelMapper = (body) => {
  if (!isRecord(body)) return notAnObject(body);
  const draft = new Draft();
  const errors: IntakeError[] = [];
  const clue = channelId(body, 'clue_id', 'the clue id of the push');
  if (!clue.ok) errors.push(clue.error);
  let timeField = 'create_time';
  let created = own(body, 'create_time');
  if (typeof created === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(created.trim())) {
    timeField = 'create_time_detail';
    created = own(body, 'create_time_detail');
  }
  const receivedAt = typeof created === 'string' ? shanghaiTime(created) : undefined;
  if (receivedAt === undefined) {
    errors.push({
      path: timeField,
      message: absent(created)
        ? 'required: when the clue was created, "YYYY-MM-DD HH:mm:ss" in Asia/Shanghai'
        : `must be "YYYY-MM-DD HH:mm:ss" in Asia/Shanghai, received ${JSON.stringify(created)}`,
    });
  }
  const remarks = own(body, 'remark_dict') ?? {};
  if (!isRecord(remarks)) {
    errors.push({ path: 'remark_dict', message: `expected an object, received ${describe(remarks)}` });
  }
  if (!clue.ok || receivedAt === undefined || !isRecord(remarks)) return { ok: false, errors };
  const usedRemarks = new Set<string>();
  const remark = (kind: keyof typeof DOUYIN_REMARK_KEYS, leadPath?: string) => {
    for (const key of DOUYIN_REMARK_KEYS[kind]) {
      const value = own(remarks, key);
      if (absent(value)) continue;
      usedRemarks.add(key);
      if (leadPath) draft.from(leadPath, pathOf('remark_dict', key));
      return { value, key };
    }
    return undefined;
  };
  const company = remark('company', 'company.name');
  const industry = remark('industry', 'company.industry');
  const title = remark('title', 'contact.title');
  const budget = remark('budget');
  const amount = budgetAmount(budget?.value);
  if (budget && amount === undefined)
    draft.keep('budget_text', text(budget.value), pathOf('remark_dict', budget.key));
  const province = own(body, 'province_name');
  draft.from('externalId', 'clue_id');
  draft.from('receivedAt', timeField);
  for (const [lead, field] of [
    ['campaign', 'ad_name'],
    ['company.city', 'city_name'],
    ['contact.name', 'name'],
    ['contact.phone', 'telephone'],
    ['contact.email', 'email'],
    ['need', 'remark'],
    ['behaviours[0].formId', 'module_id'],
  ] as const) {
    draft.from(lead, field);
  }
  if (!absent(province)) draft.from('company.region', 'province_name');
  draft.keepRest(body, DOUYIN_USED);
  draft.keepRest(remarks, usedRemarks, ['remark_dict']);
  const moduleId = text(own(body, 'module_id'));
  return finish(
    {
      externalId: `douyin:${clue.id}`,
      receivedAt,
      channel: 'douyin_live',
      campaign: text(own(body, 'ad_name')) as string,
      company: {
        name: (company ? text(company.value) : UNKNOWN_COMPANY) as string,
        region: (absent(province) ? UNKNOWN : provinceName(province)) as string,
        city: text(own(body, 'city_name')) as string,
        industry: (industry ? text(industry.value) : UNKNOWN) as string,
      },
      contact: {
        name: text(own(body, 'name')) as string,
        title: (title ? text(title.value) : undefined) as string,
        phone: text(own(body, 'telephone')) as string,
        email: text(own(body, 'email')) as string,
      },
      ...(amount === undefined ? {} : { budget: { amount } }),
      need: text(own(body, 'remark')) as string,
      behaviours: [
        { type: 'form_submit', at: receivedAt, ...(absent(moduleId) ? {} : { formId: moduleId as string }) },
      ],
    },
    draft,
  );
};

// ---------------------------------------------------------------------------------------------
// 400 hotline CRM callback
// ---------------------------------------------------------------------------------------------

const HOTLINE_USED = new Set([
  'caller',
  'called',
  'call_id',
  'start_time',
  'duration',
  'record_url',
  'caller_name',
  'company',
  'region',
  'city',
  'industry',
  'remark',
]);

/** `start_time` of a call: `YYYY-MM-DD HH:mm:ss` (Asia/Shanghai), epoch seconds or ms, or ISO 8601 with an offset. */
function callTime(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const local = shanghaiTime(value);
    if (local !== undefined) return local;
    if (/^\d+$/.test(value.trim())) return callTime(Number(value));
    if (!/(?:Z|[+-]\d{2}:?\d{2})$/.test(value.trim())) return undefined;
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? undefined : parsed;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) {
    return value < 100_000_000_000 ? value * 1000 : value; // below 1e11: seconds (until the year 5138)
  }
  return undefined;
}

/**
 * The call record a 400-hotline platform posts to the CRM when a call ends: `caller` (the
 * customer's number), `called` (the 400 number dialled), `call_id`, `start_time`, `duration`
 * (seconds; 0 = not answered, tagged `missed-call`), `record_url`; optionally what the agent or
 * the IVR captured: `caller_name`, `company`, `region`, `city`, `industry`, `remark`.
 *
 * - `externalId`: `400:<call_id>`; `receivedAt`: `start_time`.
 * - A call knows no company until someone asks: missing company, region and industry are
 *   {@link UNKNOWN_COMPANY} and {@link UNKNOWN}.
 * - `called`, `duration` and `record_url` are kept in `custom` (`called_number`,
 *   `duration_seconds`, `record_url`), like any other field.
 */
export const hotlineLead: ChannelMapper = (body) => {
  if (!isRecord(body)) return notAnObject(body);
  const draft = new Draft();
  const errors: IntakeError[] = [];
  const call = channelId(body, 'call_id', 'the id of the call');
  if (!call.ok) errors.push(call.error);
  const start = own(body, 'start_time');
  const receivedAt = callTime(start);
  if (receivedAt === undefined) {
    errors.push({
      path: 'start_time',
      message: absent(start)
        ? 'required: when the call started'
        : `must be "YYYY-MM-DD HH:mm:ss" (Asia/Shanghai), epoch seconds or ms, or ISO 8601 with an offset, received ${JSON.stringify(start)}`,
    });
  }
  if (!call.ok || receivedAt === undefined) return { ok: false, errors };
  const duration = own(body, 'duration');
  const seconds = typeof duration === 'string' && /^\d+$/.test(duration.trim()) ? Number(duration) : duration;
  const value = (key: string, fallback?: string) =>
    absent(own(body, key)) ? fallback : text(own(body, key));
  draft.from('externalId', 'call_id');
  draft.from('receivedAt', 'start_time');
  for (const [lead, field] of [
    ['company.name', 'company'],
    ['company.region', 'region'],
    ['company.city', 'city'],
    ['company.industry', 'industry'],
    ['contact.name', 'caller_name'],
    ['contact.phone', 'caller'],
    ['need', 'remark'],
  ] as const) {
    if (!absent(own(body, field))) draft.from(lead, field);
  }
  draft.keep('called_number', text(own(body, 'called')), 'called');
  draft.keep('duration_seconds', seconds, 'duration');
  draft.keep('record_url', own(body, 'record_url'), 'record_url');
  draft.keepRest(body, HOTLINE_USED);
  return finish(
    {
      externalId: `400:${call.id}`,
      receivedAt,
      channel: 'hotline_400',
      company: {
        name: value('company', UNKNOWN_COMPANY) as string,
        region: (absent(own(body, 'region')) ? UNKNOWN : provinceName(own(body, 'region'))) as string,
        city: value('city') as string,
        industry: value('industry', UNKNOWN) as string,
      },
      contact: { name: value('caller_name') as string, phone: value('caller') as string },
      need: value('remark') as string,
      tags: seconds === 0 ? ['missed-call'] : [],
    },
    draft,
  );
};

/** The mapper of each route. */
export const CHANNEL_MAPPERS: Readonly<Record<ChannelRoute, ChannelMapper>> = Object.freeze({
  website: websiteLead,
  wechat: wechatLead,
  douyin: douyinLead,
  hotline: hotlineLead,
});

// ---------------------------------------------------------------------------------------------
// Intake: map, check, and say what goes to the inbox
// ---------------------------------------------------------------------------------------------

/**
 * What the service does with a push:
 * - `ok`: append `lead` to the inbox and answer 202;
 * - not `ok`: answer 400 with `errors`, and append `payload` all the same, so that the worker
 *   quarantines it with its reason. `payload` is the mapped lead when the body mapped (the
 *   quarantine then names exactly the fields the 400 named, in lead paths), or
 *   `{ unmapped: { route, errors }, body }` when it did not (the body kept as received). Either
 *   way `parseLead` refuses it: a push answered 400 never becomes a lead.
 */
export type IntakeResult =
  | { readonly ok: true; readonly lead: LeadInput }
  | { readonly ok: false; readonly errors: readonly IntakeError[]; readonly payload: unknown };

/** The inbox payload of a push that did not map: never a lead, the body kept as received. */
export function unmappedPayload(route: ChannelRoute, errors: readonly IntakeError[], body: unknown) {
  return { unmapped: { route, errors }, body };
}

/** Map a body and check it as the worker will. Pure; never throws for any JSON value. */
export function intake(route: ChannelRoute, body: unknown, options: MapOptions): IntakeResult {
  const mapping = CHANNEL_MAPPERS[route](body, options);
  if (!mapping.ok) {
    return { ok: false, errors: mapping.errors, payload: unmappedPayload(route, mapping.errors, body) };
  }
  const parsed = parseLead(mapping.lead);
  if (!parsed.ok) {
    return { ok: false, errors: inBodyTerms(parsed.issues, mapping.fields), payload: mapping.lead };
  }
  // What the model accepts but no store can hold (a NUL in a name): refused by the worker too.
  const refusal = unstorable(parsed.lead, []);
  if (refusal) return { ok: false, errors: inBodyTerms([refusal], mapping.fields), payload: mapping.lead };
  return { ok: true, lead: mapping.lead };
}

function inBodyTerms(
  issues: readonly { readonly path: string; readonly message: string }[],
  fields: ReadonlyMap<string, string>,
): IntakeError[] {
  return issues.map((issue) => {
    let best: string | undefined;
    for (const key of fields.keys()) {
      const covers =
        issue.path === key || issue.path.startsWith(`${key}.`) || issue.path.startsWith(`${key}[`);
      if (covers && (best === undefined || key.length > best.length)) best = key;
    }
    const path = best === undefined ? issue.path : fields.get(best)! + issue.path.slice(best.length);
    return { path, message: issue.message, leadPath: issue.path };
  });
}

function unstorable(
  value: unknown,
  segments: (string | number)[],
): { path: string; message: string } | undefined {
  if (typeof value === 'string') {
    const reason = unstorableStringReason(value);
    return reason === undefined ? undefined : { path: pathOf(...segments), message: reason };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorable(value[i], [...segments, i]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const found = unstorable(key, [...segments, key]) ?? unstorable(child, [...segments, key]);
      if (found) return found;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Body text
// ---------------------------------------------------------------------------------------------

/**
 * Parse a JSON body, reading integers beyond 2^53 as their digits (a string) instead of a
 * rounded number: Ocean Engine's ids are 64-bit (`"clue_id": 7301234567890123456` would
 * otherwise become ...456 → ...400 and merge into the wrong lead). Everything else is exactly
 * `JSON.parse`.
 */
export function parseJsonText(
  textBody: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    JSON.parse(textBody);
  } catch (error) {
    return { ok: false, message: `the body is not JSON: ${(error as Error).message}` };
  }
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < textBody.length; i++) {
    const c = textBody.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    // A number (the text is valid JSON, so outside strings '-' or a digit starts one).
    let end = i + 1;
    while (end < textBody.length && /[0-9]/.test(textBody[end]!)) end++;
    const integer = !/[.eE]/.test(textBody[end] ?? '');
    if (integer && !Number.isSafeInteger(Number(textBody.slice(i, end)))) {
      out += `${textBody.slice(last, i)}"${textBody.slice(i, end)}"`;
      last = end;
    }
    while (end < textBody.length && /[0-9.eE+-]/.test(textBody[end]!)) end++;
    i = end - 1;
  }
  return { ok: true, value: JSON.parse(out + textBody.slice(last)) };
}

/** A urlencoded form body as a flat object (no prototype; a repeated field keeps its last value). */
export function parseFormText(textBody: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [key, value] of new URLSearchParams(textBody)) out[key] = value;
  return out;
}
