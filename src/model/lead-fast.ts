import type { Lead } from './lead.js';
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
 * A fast path for the common, already-clean lead payload. It accepts only inputs it can prove
 * valid with plain checks — plain objects, known keys, trimmed non-blank strings within limits,
 * epoch-ms instants — and returns `undefined` for anything else, in which case the zod schema
 * decides (and produces the issues). A differential property test holds it to the schema:
 * whenever this returns a lead, zod returns an equal one. Intake is the hottest path of a replay.
 */

const CHANNEL = /^[a-z][a-z0-9_]{0,39}$/;

const PAGE_VIEW_KEYS = /* @__PURE__ */ (() => new Set(['type', 'at', 'url']))();
const DOWNLOAD_KEYS = /* @__PURE__ */ (() => new Set(['type', 'at', 'asset']))();
const VIDEO_KEYS = /* @__PURE__ */ (() => new Set(['type', 'at', 'seconds']))();
const FORM_KEYS = /* @__PURE__ */ (() => new Set(['type', 'at']))();
const BUDGET_KEYS = /* @__PURE__ */ (() => new Set(['amount', 'currency']))();
const LEAD_KEYS = /* @__PURE__ */ (() =>
  new Set([
    'externalId',
    'receivedAt',
    'channel',
    'campaign',
    'company',
    'contact',
    'budget',
    'need',
    'behaviours',
    'priority',
    'tags',
    'custom',
  ]))();
const COMPANY_KEYS = /* @__PURE__ */ (() =>
  new Set(['name', 'uscc', 'region', 'city', 'park', 'industry', 'groupId']))();
const CONTACT_KEYS = /* @__PURE__ */ (() => new Set(['name', 'title', 'phone', 'email']))();

function instant(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= MODEL_LIMITS.minInstantMs &&
    value < MODEL_LIMITS.maxInstantMs
  );
}

/**
 * Parse a lead payload without zod when it is plainly valid; `undefined` means "let the schema
 * decide" (it may still be valid, e.g. with an ISO date or a USCC to check).
 *
 * @example
 * ```ts
 * const lead = fastParseLead(payload) ?? slowParse(payload);
 * ```
 * @category Model
 */
export function fastParseLead(raw: unknown): Lead | undefined {
  if (!isPlainObject(raw) || !onlyKeys(raw, LEAD_KEYS)) return undefined;
  const {
    externalId,
    receivedAt,
    channel,
    campaign,
    company,
    contact,
    budget,
    need,
    behaviours,
    priority,
    tags,
    custom,
  } = raw;
  if (externalId !== undefined && !cleanId(externalId)) return undefined;
  if (!instant(receivedAt)) return undefined;
  if (typeof channel !== 'string' || !CHANNEL.test(channel)) return undefined;
  if (campaign !== undefined && !clean(campaign, MODEL_LIMITS.nameLength)) return undefined;

  if (!isPlainObject(company) || !onlyKeys(company, COMPANY_KEYS)) return undefined;
  if (!clean(company.name, MODEL_LIMITS.nameLength)) return undefined;
  if (!clean(company.region, MODEL_LIMITS.labelLength)) return undefined;
  if (!clean(company.industry, MODEL_LIMITS.labelLength)) return undefined;
  if (company.city !== undefined && !clean(company.city, MODEL_LIMITS.labelLength)) return undefined;
  if (company.park !== undefined && !clean(company.park, MODEL_LIMITS.labelLength)) return undefined;
  // Only a USCC already in normal form (upper-case, no padding) with a right check character.
  if (company.uscc !== undefined && !usccInNormalForm(company.uscc)) return undefined;
  if (company.groupId !== undefined && !cleanId(company.groupId)) return undefined;

  if (!isPlainObject(contact) || !onlyKeys(contact, CONTACT_KEYS)) return undefined;
  if (contact.name !== undefined && !clean(contact.name, MODEL_LIMITS.nameLength)) return undefined;
  if (contact.title !== undefined && !clean(contact.title, MODEL_LIMITS.labelLength)) return undefined;
  if (contact.phone !== undefined && !cleanPhone(contact.phone)) return undefined;
  if (contact.email !== undefined && !cleanEmail(contact.email)) return undefined;

  let parsedBudget: Lead['budget'];
  if (budget !== undefined) {
    if (!isPlainObject(budget) || !onlyKeys(budget, BUDGET_KEYS)) return undefined;
    const { amount, currency } = budget;
    if (
      typeof amount !== 'number' ||
      !Number.isFinite(amount) ||
      amount < 0 ||
      amount > MODEL_LIMITS.maxAmount
    )
      return undefined;
    if (currency !== undefined && !cleanCurrency(currency)) return undefined;
    parsedBudget = { amount, currency: (currency as string | undefined) ?? 'CNY' };
  }
  if (need !== undefined && !clean(need, MODEL_LIMITS.needLength)) return undefined;

  const parsedBehaviours: Lead['behaviours'] = [];
  if (behaviours !== undefined) {
    if (!Array.isArray(behaviours) || behaviours.length > MODEL_LIMITS.behaviours) return undefined;
    for (const behaviour of behaviours) {
      if (!isPlainObject(behaviour) || !instant(behaviour.at)) return undefined;
      const at = behaviour.at;
      switch (behaviour.type) {
        case 'page_view':
          if (!onlyKeys(behaviour, PAGE_VIEW_KEYS)) return undefined;
          if (behaviour.url !== undefined && !clean(behaviour.url, MODEL_LIMITS.urlLength)) return undefined;
          parsedBehaviours.push(
            behaviour.url === undefined
              ? { type: 'page_view', at }
              : { type: 'page_view', at, url: behaviour.url },
          );
          break;
        case 'download':
          if (!onlyKeys(behaviour, DOWNLOAD_KEYS) || !clean(behaviour.asset, MODEL_LIMITS.nameLength))
            return undefined;
          parsedBehaviours.push({ type: 'download', at, asset: behaviour.asset });
          break;
        case 'video_watch': {
          const seconds = behaviour.seconds;
          if (!onlyKeys(behaviour, VIDEO_KEYS)) return undefined;
          if (
            typeof seconds !== 'number' ||
            !Number.isFinite(seconds) ||
            seconds < 0 ||
            seconds > MODEL_LIMITS.maxVideoSeconds
          )
            return undefined;
          parsedBehaviours.push({ type: 'video_watch', at, seconds });
          break;
        }
        case 'form_submit':
          if (!onlyKeys(behaviour, FORM_KEYS)) return undefined;
          parsedBehaviours.push({ type: 'form_submit', at });
          break;
        default:
          return undefined;
      }
    }
  }
  if (priority !== undefined && priority !== 'normal' && priority !== 'urgent') return undefined;
  const parsedTags: string[] = [];
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > MODEL_LIMITS.tags) return undefined;
    for (const tag of tags) {
      if (!clean(tag, MODEL_LIMITS.tagLength)) return undefined;
      parsedTags.push(tag);
    }
  }
  // Custom fields need the schema's key checks; only the empty record takes the fast path.
  if (custom !== undefined && !emptyRecord(custom)) return undefined;

  // Built by assignment in the schema's key order (object spreads are slow in V8's hot paths).
  const parsedCompany: Record<string, unknown> = { name: company.name };
  if (company.uscc !== undefined) parsedCompany.uscc = company.uscc;
  parsedCompany.region = company.region;
  if (company.city !== undefined) parsedCompany.city = company.city;
  if (company.park !== undefined) parsedCompany.park = company.park;
  parsedCompany.industry = company.industry;
  if (company.groupId !== undefined) parsedCompany.groupId = company.groupId;
  const parsedContact: Record<string, unknown> = {};
  if (contact.name !== undefined) parsedContact.name = contact.name;
  if (contact.title !== undefined) parsedContact.title = contact.title;
  if (contact.phone !== undefined) parsedContact.phone = contact.phone;
  if (contact.email !== undefined) parsedContact.email = contact.email;
  const lead: Record<string, unknown> = {};
  if (externalId !== undefined) lead.externalId = externalId;
  lead.receivedAt = receivedAt;
  lead.channel = channel;
  if (campaign !== undefined) lead.campaign = campaign;
  lead.company = parsedCompany;
  lead.contact = parsedContact;
  if (parsedBudget !== undefined) lead.budget = parsedBudget;
  if (need !== undefined) lead.need = need;
  lead.behaviours = parsedBehaviours;
  lead.priority = priority ?? 'normal';
  lead.tags = parsedTags;
  lead.custom = {};
  return lead as Lead;
}
