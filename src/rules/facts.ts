import type { Customer } from '../model/customer.js';
import type { Lead } from '../model/lead.js';
import { dateOnlyInstant } from '../scheduler/local-date.js';

/**
 * The facts a lead condition may read, with what each holds. Conditions naming any other fact
 * are refused by `compileRuleSet` with the rule's JSON path.
 *
 * @example
 * ```ts
 * import { LEAD_FACTS } from 'leadflow/core';
 * Object.keys(LEAD_FACTS); // ['channel', 'campaign', 'company', 'region', …]
 * ```
 * @category Rule sets
 */
export const LEAD_FACTS = /* @__PURE__ */ (() =>
  Object.freeze({
    channel: 'intake channel, e.g. "douyin_live"',
    campaign: 'campaign name, or undefined',
    company: 'the company object: name, uscc, region, city, park, industry, groupId (use `path`)',
    region: 'company.region',
    city: 'company.city',
    park: 'company.park, e.g. "苏州工业园区"',
    industry: 'company.industry',
    contact: 'the contact object: name, title, phone, email, wecomId (use `path`)',
    hasPhone: 'whether a contact phone is present',
    hasEmail: 'whether a contact e-mail is present',
    hasContactPoint: 'whether any of phone, e-mail or WeCom id is present',
    budget: 'budget amount (in its currency), or undefined',
    budgetCurrency: 'budget currency, e.g. "CNY"',
    need: 'the free intent text, or undefined',
    needLength: 'characters of intent text (0 when absent)',
    priority: '"normal" or "urgent"',
    sourceTags: 'tags given by the source system',
    tags: 'tags so far: source tags plus those added by tagging (assignment sees all of them)',
    intentGrade: 'intent grade A/B/C (assignment and later; tagging sees undefined)',
    qualified: 'whether the lead meets the valid-lead contract (assignment and later)',
    pageViews: 'number of page_view behaviours',
    pageDwellSeconds: 'total seconds spent on the pages viewed (页面停留时长)',
    maxViewsOfOnePage: 'most views of any one page (by url, else title): "反复查看参数页" is ≥ 2',
    downloads: 'number of download behaviours',
    downloadedAssets: 'names of downloaded assets',
    videoWatchSeconds: 'total seconds of video watched',
    formSubmits: 'number of form_submit behaviours',
    formIds: 'ids of the forms submitted (form_submit formId), e.g. ["free-trial"]',
    lastActivityAt: 'epoch ms of the latest behaviour, or undefined',
    receivedAt: 'epoch ms the lead arrived',
    custom: "the host's free custom fields (use `path`)",
  } as const))();

/**
 * Names of {@link LEAD_FACTS}.
 *
 * @example
 * ```ts
 * import type { LeadFactName } from 'leadflow/core';
 * const fact: LeadFactName = 'videoWatchSeconds';
 * ```
 * @category Rule sets
 */
export type LeadFactName = keyof typeof LEAD_FACTS;

/**
 * Set of lead fact names, for condition compilation.
 *
 * @example
 * ```ts
 * LEAD_FACT_NAMES.has('park'); // true
 * ```
 * @category Rule sets
 */
export const LEAD_FACT_NAMES: ReadonlySet<string> = /* @__PURE__ */ (() =>
  new Set(Object.keys(LEAD_FACTS)))();

/**
 * Build the fact values a lead's conditions see. Pure; `tags`, `intentGrade` and `qualified`
 * are filled in as decision stages produce them.
 *
 * @example
 * ```ts
 * import { parseLead } from 'leadflow';
 * import { leadFacts } from 'leadflow/core';
 * const parsed = parseLead(raw);
 * if (parsed.ok) leadFacts(parsed.lead).videoWatchSeconds;
 * ```
 * @category Rule sets
 */
export function leadFacts(lead: Lead): Record<LeadFactName, unknown> {
  let pageViews = 0;
  let pageDwellSeconds = 0;
  let downloads = 0;
  let videoWatchSeconds = 0;
  let formSubmits = 0;
  const formIds: string[] = [];
  let lastActivityAt: number | undefined;
  const downloadedAssets: string[] = [];
  for (const behaviour of lead.behaviours) {
    if (lastActivityAt === undefined || behaviour.at > lastActivityAt) lastActivityAt = behaviour.at;
    switch (behaviour.type) {
      case 'page_view':
        pageViews++;
        pageDwellSeconds += behaviour.dwellSeconds ?? 0;
        break;
      case 'download':
        downloads++;
        downloadedAssets.push(behaviour.asset);
        break;
      case 'video_watch':
        videoWatchSeconds += behaviour.seconds;
        break;
      case 'form_submit':
        formSubmits++;
        if (behaviour.formId !== undefined) formIds.push(behaviour.formId);
        break;
    }
  }
  const contact = lead.contact;
  return {
    channel: lead.channel,
    campaign: lead.campaign,
    company: lead.company,
    region: lead.company.region,
    city: lead.company.city,
    park: lead.company.park,
    industry: lead.company.industry,
    contact,
    hasPhone: contact.phone !== undefined,
    hasEmail: contact.email !== undefined,
    hasContactPoint:
      contact.phone !== undefined || contact.email !== undefined || contact.wecomId !== undefined,
    budget: lead.budget?.amount,
    budgetCurrency: lead.budget?.currency,
    need: lead.need,
    needLength: lead.need?.length ?? 0,
    priority: lead.priority,
    sourceTags: lead.tags,
    tags: lead.tags,
    intentGrade: undefined,
    qualified: undefined,
    pageViews,
    pageDwellSeconds,
    maxViewsOfOnePage: pageViews < 2 ? pageViews : maxViewsOfOnePage(lead.behaviours),
    downloads,
    downloadedAssets,
    videoWatchSeconds,
    formSubmits,
    formIds,
    lastActivityAt,
    receivedAt: lead.receivedAt,
    custom: lead.custom,
  };
}

/** Most views of one page; a page is its url, else its title (untitled, url-less views apart). */
function maxViewsOfOnePage(behaviours: Lead['behaviours']): number {
  const views = new Map<string, number>();
  let max = 0;
  for (const behaviour of behaviours) {
    if (behaviour.type !== 'page_view') continue;
    const page = behaviour.url ?? behaviour.title;
    const count = page === undefined ? 1 : (views.get(page) ?? 0) + 1;
    if (page !== undefined) views.set(page, count);
    if (count > max) max = count;
  }
  return max;
}

/**
 * The facts a cross-sell or risk condition may read about a customer.
 *
 * @example
 * ```ts
 * import { CUSTOMER_FACTS } from 'leadflow/core';
 * CUSTOMER_FACTS.oldestUnpaidReceivableDays;
 * ```
 * @category Rule sets
 */
export const CUSTOMER_FACTS = /* @__PURE__ */ (() =>
  Object.freeze({
    industry: 'customer industry',
    region: 'customer region',
    groupId: 'group the customer belongs to, or undefined',
    purchasesByModel: 'object: product model → units bought (use `path`)',
    maxPurchasesOfOneModel: 'most purchases of any single model (count of purchase records)',
    topModel: 'the model bought most often',
    lastModel: 'the model of the most recent purchase',
    consecutivePurchasesOfLastModel:
      'how many of the most recent purchases in a row are of `lastModel` ("连续3次采购同一型号" is ≥ 3)',
    oldestUnpaidReceivableDays: 'age in days of the oldest unpaid receivable past its due date (0 if none)',
    oldestUnpaidInvoiceDays:
      'days since the invoice date of the oldest unpaid invoice (0 if none; receivables without an invoice date are not counted)',
    unpaidReceivables: 'total unpaid amount',
    technicalContactsLast30Days: 'technical contacts in the last 30 days',
    technicalContactsPrevious90Days: 'technical contacts in the 90 days before those 30',
    technicalContactTrend:
      'last-30-day contacts divided by the monthly average of the previous 90 days (1 = steady, < 1 dropping; 1 when no history)',
    declinedRenewals: 'renewals declined in total',
    consecutiveDeclinedRenewals: 'renewals declined in a row, most recent first',
    deliveryDelayFlagged: 'whether a delivery delay is currently flagged',
    tags: 'customer tags',
  } as const))();

/**
 * Names of {@link CUSTOMER_FACTS}.
 *
 * @example
 * ```ts
 * import type { CustomerFactName } from 'leadflow/core';
 * const fact: CustomerFactName = 'oldestUnpaidReceivableDays';
 * ```
 * @category Rule sets
 */
export type CustomerFactName = keyof typeof CUSTOMER_FACTS;

/**
 * Set of customer fact names, for condition compilation.
 *
 * @example
 * ```ts
 * CUSTOMER_FACT_NAMES.has('topModel'); // true
 * ```
 * @category Rule sets
 */
export const CUSTOMER_FACT_NAMES: ReadonlySet<string> = /* @__PURE__ */ (() =>
  new Set(Object.keys(CUSTOMER_FACTS)))();

/**
 * What a customer rule's effect may carry besides customer facts (`effect.carry`): knowledge the
 * host passes to `reviewCustomer` (see `CustomerKnowledge`).
 *
 * @example
 * ```ts
 * import { CUSTOMER_KNOWLEDGE_NAMES } from 'leadflow/core';
 * CUSTOMER_KNOWLEDGE_NAMES.includes('failureInterval'); // true
 * ```
 * @category Rule sets
 */
export const CUSTOMER_KNOWLEDGE_NAMES = ['failureInterval', 'serviceHistory'] as const;

const DAY_MS = 86_400_000;

/**
 * Minimal view of a customer the fact builder reads; {@link Customer} satisfies it.
 *
 * @example
 * ```ts
 * const source: CustomerFactSource = { industry: '机械制造', region: '浙江', groupId: undefined, purchases: [] };
 * ```
 * @category Rule sets
 */
export type CustomerFactSource = Pick<Customer, 'industry' | 'region' | 'groupId'> & {
  readonly purchases?: readonly { readonly model: string; readonly date: string | number }[];
  readonly receivables?: readonly {
    readonly amount: number;
    readonly invoiceDate?: string | number | undefined;
    readonly dueDate: string | number;
    readonly paidAt?: string | number | undefined;
  }[];
  readonly technicalContacts?: readonly { readonly at: string | number }[];
  readonly renewals?: readonly { readonly date: string | number; readonly outcome: string }[];
  readonly deliveryDelayFlagged?: boolean | undefined;
  readonly tags?: readonly string[] | undefined;
};

/**
 * The zone history dates are read in when the caller names none: the presets' calendar zone.
 *
 * @category Rule sets
 */
export const DEFAULT_HISTORY_ZONE = 'Asia/Shanghai';

/**
 * An instant from epoch ms, an ISO date (`YYYY-MM-DD`: the start of that day in `zone`, the
 * business calendar's — not UTC midnight, which is 08:00 in Shanghai) or an ISO datetime (an
 * offset as written, none: a wall time in `zone`).
 *
 * @example
 * ```ts
 * historyInstant('2026-03-02'); // Date.parse('2026-03-02T00:00:00+08:00')
 * ```
 * @category Rule sets
 */
export function historyInstant(value: string | number, zone: string = DEFAULT_HISTORY_ZONE): number {
  return typeof value === 'number' ? value : dateOnlyInstant(value, zone);
}

/**
 * Build the fact values a customer's cross-sell and risk conditions see, at instant `now`.
 * "Technical contact frequency dropping" is measured as contacts in the last 30 days against the
 * monthly average of the 90 days before them.
 *
 * @example
 * ```ts
 * import { customerFacts } from 'leadflow/core';
 * const facts = customerFacts(customer, Date.parse('2026-06-01T00:00:00Z'));
 * if ((facts.oldestUnpaidReceivableDays as number) > 120) console.log('overdue');
 * ```
 * @category Rule sets
 */
export function customerFacts(
  customer: CustomerFactSource,
  now: number,
  zone: string = DEFAULT_HISTORY_ZONE,
): Record<CustomerFactName, unknown> {
  const dayOf = (value: string | number) => historyInstant(value, zone);
  const purchasesByModel: Record<string, number> = Object.create(null);
  let topModel: string | undefined;
  let maxPurchasesOfOneModel = 0;
  for (const purchase of customer.purchases ?? []) {
    const count = (purchasesByModel[purchase.model] ?? 0) + 1;
    purchasesByModel[purchase.model] = count;
    if (count > maxPurchasesOfOneModel) {
      maxPurchasesOfOneModel = count;
      topModel = purchase.model;
    }
  }
  // The most recent purchases in a row of one model (by date; same-day purchases in list order).
  const byDate = [...(customer.purchases ?? [])]
    .map((purchase, order) => ({ purchase, order, at: dayOf(purchase.date) }))
    .sort((a, b) => b.at - a.at || b.order - a.order);
  const lastModel = byDate[0]?.purchase.model;
  let consecutivePurchasesOfLastModel = 0;
  for (const { purchase } of byDate) {
    if (purchase.model !== lastModel) break;
    consecutivePurchasesOfLastModel++;
  }
  let oldestUnpaidReceivableDays = 0;
  let oldestUnpaidInvoiceDays = 0;
  let unpaidReceivables = 0;
  for (const receivable of customer.receivables ?? []) {
    if (receivable.paidAt !== undefined) continue;
    unpaidReceivables += receivable.amount;
    const overdueDays = Math.floor((now - dayOf(receivable.dueDate)) / DAY_MS);
    if (overdueDays > oldestUnpaidReceivableDays) oldestUnpaidReceivableDays = overdueDays;
    if (receivable.invoiceDate !== undefined) {
      const invoiceDays = Math.floor((now - dayOf(receivable.invoiceDate)) / DAY_MS);
      if (invoiceDays > oldestUnpaidInvoiceDays) oldestUnpaidInvoiceDays = invoiceDays;
    }
  }
  let last30 = 0;
  let previous90 = 0;
  for (const contact of customer.technicalContacts ?? []) {
    const age = now - dayOf(contact.at);
    if (age < 0) continue;
    if (age < 30 * DAY_MS) last30++;
    else if (age < 120 * DAY_MS) previous90++;
  }
  const previousMonthly = previous90 / 3;
  const technicalContactTrend = previousMonthly === 0 ? 1 : last30 / previousMonthly;
  const renewals = [...(customer.renewals ?? [])].sort((a, b) => dayOf(b.date) - dayOf(a.date));
  let consecutiveDeclinedRenewals = 0;
  for (const renewal of renewals) {
    if (renewal.outcome !== 'declined') break;
    consecutiveDeclinedRenewals++;
  }
  return {
    industry: customer.industry,
    region: customer.region,
    groupId: customer.groupId,
    purchasesByModel: { ...purchasesByModel },
    maxPurchasesOfOneModel,
    topModel,
    lastModel,
    consecutivePurchasesOfLastModel,
    oldestUnpaidReceivableDays,
    oldestUnpaidInvoiceDays,
    unpaidReceivables,
    technicalContactsLast30Days: last30,
    technicalContactsPrevious90Days: previous90,
    technicalContactTrend,
    declinedRenewals: renewals.filter((renewal) => renewal.outcome === 'declined').length,
    consecutiveDeclinedRenewals,
    deliveryDelayFlagged: customer.deliveryDelayFlagged === true,
    tags: customer.tags ?? [],
  };
}
