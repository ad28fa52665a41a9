/**
 * The message templates every rule set starts with, in Chinese (the default) and English: what
 * the seeds' SLA actions, task escalations and cross-sell / risk rules send. A rule set's own
 * `templates` override them by id; its `language` picks the set.
 *
 * Placeholders (`{{dot.path}}`, see `renderTemplate`) per message kind:
 * - lead SLA actions: `lead` (the validated lead: `lead.company.name`, `lead.channel`, …),
 *   `owner` (`id`, `name`), `policy` (`id`, `target`, `warnBefore` as "15 分钟"), `snapshot` (the
 *   behaviour snapshot, when the action asks for it);
 * - opportunity SLA actions: `opportunity` (`name`, `stage`), `policy`;
 * - cross-sell and risk rules: `customer`, `facts`, `details`;
 * - `task-overdue`: `task` (`label`, `opportunityId`); `opportunity-delivery-delay`: `opportunity`;
 * - `broadcast-offer` (to each offered rep) and `broadcast-offer-expired` (to the supervisor):
 *   `lead`, `rep` (`id`, `name`: the offered rep) / `supervisor`, and `offer` (`ruleId`,
 *   `deadline`: the claim deadline in the calendar's local time, `2026-03-02 10:10`,
 *   `claimTimeout` as "10 分钟", `reps`: how many reps it went to, `repNames`).
 *
 * @module
 */

/**
 * A language of the built-in texts.
 *
 * @example
 * ```ts
 * import type { MessageLanguage } from 'leadflow/core';
 * const language: MessageLanguage = 'en';
 * ```
 * @category Rule sets
 */
export type MessageLanguage = 'zh-CN' | 'en';

/**
 * The languages of {@link MESSAGE_TEMPLATES}.
 *
 * @example
 * ```ts
 * import { MESSAGE_LANGUAGES } from 'leadflow/core';
 * MESSAGE_LANGUAGES; // ['zh-CN', 'en']
 * ```
 * @category Rule sets
 */
export const MESSAGE_LANGUAGES = ['zh-CN', 'en'] as const;

/**
 * One built-in template: an optional subject and a text with placeholders.
 *
 * @example
 * ```ts
 * import type { MessageTemplate } from 'leadflow/core';
 * const t: MessageTemplate = { subject: '提醒', text: '线索「{{lead.company.name}}」待处理' };
 * ```
 * @category Rule sets
 */
export interface MessageTemplate {
  readonly subject?: string;
  readonly text: string;
}

const zh: Readonly<Record<string, MessageTemplate>> = {
  'unassigned-escalation': {
    subject: '线索超时未分配',
    text: '线索「{{lead.company.name}}」({{lead.channel}}) 已超过 {{policy.target}} 未分配，请在主管看板处理。',
  },
  'unopened-reminder': {
    subject: '线索未查看提醒',
    text: '您有一条线索「{{lead.company.name}}」分配后 {{policy.target}} 未查看。客户行为：{{snapshot}}',
  },
  'follow-up-warning': {
    text: '线索「{{lead.company.name}}」距首次跟进时限还剩 {{policy.warnBefore}}。',
  },
  'follow-up-breach': {
    subject: '首次跟进超时',
    text: '线索「{{lead.company.name}}」分配后 {{policy.target}} 内无首次跟进记录，负责人 {{owner.name}}。',
  },
  'stage-stalled': {
    subject: '商机阶段停滞',
    text: '商机「{{opportunity.name}}」在阶段 {{opportunity.stage}} 停留超过 {{policy.target}}。',
  },
  'extended-warranty': {
    text: '客户「{{customer.name}}」已连续 {{facts.consecutivePurchasesOfLastModel}} 次采购型号 {{facts.lastModel}}，建议推荐延保服务包。',
  },
  'receivables-risk': {
    text: '客户「{{customer.name}}」应收账款逾期 {{facts.oldestUnpaidReceivableDays}} 天且技术联系频次下降，列为高风险。',
  },
  'renewal-intervention': {
    text: '客户「{{customer.name}}」已连续 {{facts.consecutiveDeclinedRenewals}} 次拒绝续费方案，请服务团队介入。',
  },
  'delivery-delay': {
    text: '客户「{{customer.name}}」交付被标记延期风险，请启动客户安抚预案。',
  },
  'opportunity-delivery-delay': {
    text: '商机「{{opportunity.name}}」交付被标记延期风险，请启动客户安抚预案。',
  },
  'task-overdue': {
    text: '{{task.label}}（商机 {{task.opportunityId}}）已超时未完成，请部门负责人跟进。',
  },
  'broadcast-offer': {
    subject: '抢单：紧急线索',
    text: '线索「{{lead.company.name}}」({{lead.channel}}) 已推送给 {{offer.reps}} 位销售，先抢先得：请在 {{offer.deadline}} 前认领。',
  },
  'broadcast-offer-expired': {
    subject: '抢单无人认领',
    text: '线索「{{lead.company.name}}」已推送给 {{offer.repNames}}，{{offer.claimTimeout}}内（截止 {{offer.deadline}}）无人认领，已转下一条分配规则，请关注。',
  },
};

const en: Readonly<Record<string, MessageTemplate>> = {
  'unassigned-escalation': {
    subject: 'Lead not assigned in time',
    text: 'Lead "{{lead.company.name}}" ({{lead.channel}}) has waited more than {{policy.target}} without an owner; please handle it on the supervisor board.',
  },
  'unopened-reminder': {
    subject: 'Lead not opened yet',
    text: 'A lead assigned to you, "{{lead.company.name}}", has not been opened for {{policy.target}}. Customer activity: {{snapshot}}',
  },
  'follow-up-warning': {
    text: 'Lead "{{lead.company.name}}": {{policy.warnBefore}} left for the first follow-up.',
  },
  'follow-up-breach': {
    subject: 'First follow-up overdue',
    text: 'Lead "{{lead.company.name}}" has no first follow-up {{policy.target}} after assignment; owner {{owner.name}}.',
  },
  'stage-stalled': {
    subject: 'Opportunity stalled',
    text: 'Opportunity "{{opportunity.name}}" has been in stage {{opportunity.stage}} for more than {{policy.target}}.',
  },
  'extended-warranty': {
    text: 'Customer "{{customer.name}}" bought model {{facts.lastModel}} {{facts.consecutivePurchasesOfLastModel}} times in a row: offer the extended warranty package.',
  },
  'receivables-risk': {
    text: 'Customer "{{customer.name}}": receivables {{facts.oldestUnpaidReceivableDays}} days overdue and fewer technical contacts — high risk.',
  },
  'renewal-intervention': {
    text: 'Customer "{{customer.name}}" declined {{facts.consecutiveDeclinedRenewals}} renewal offers in a row: the service team should step in.',
  },
  'delivery-delay': {
    text: 'Customer "{{customer.name}}": delivery flagged as at risk of delay; start the customer care plan.',
  },
  'opportunity-delivery-delay': {
    text: 'Opportunity "{{opportunity.name}}": delivery flagged as at risk of delay; start the customer care plan.',
  },
  'task-overdue': {
    text: '{{task.label}} (opportunity {{task.opportunityId}}) is overdue; the department head should follow up.',
  },
  'broadcast-offer': {
    subject: 'Lead up for grabs',
    text: 'Lead "{{lead.company.name}}" ({{lead.channel}}) is offered to {{offer.reps}} reps, first to claim wins: claim it before {{offer.deadline}}.',
  },
  'broadcast-offer-expired': {
    subject: 'Offer not claimed',
    text: 'Nobody claimed lead "{{lead.company.name}}" within {{offer.claimTimeout}} (offered to {{offer.repNames}} until {{offer.deadline}}); it goes on to the next assignment rule.',
  },
};

/**
 * The built-in templates by language (frozen). Durations in `{{policy.target}}` are written in
 * the rule set's language too ("15 分钟" / "15 minutes").
 *
 * @example
 * ```ts
 * import { MESSAGE_TEMPLATES } from 'leadflow/core';
 * MESSAGE_TEMPLATES.en['unopened-reminder']?.subject; // 'Lead not opened yet'
 * ```
 * @category Rule sets
 */
export const MESSAGE_TEMPLATES: Readonly<Record<MessageLanguage, Readonly<Record<string, MessageTemplate>>>> =
  /* @__PURE__ */ (() => Object.freeze({ 'zh-CN': Object.freeze(zh), en: Object.freeze(en) }))();

/**
 * A duration for people, in whole days, hours or minutes: `15 分钟`, `24 小时`, `5 天` /
 * `15 minutes`, `24 hours`, `5 days`.
 *
 * @example
 * ```ts
 * import { spokenDuration } from 'leadflow/core';
 * spokenDuration(900_000, 'zh-CN'); // '15 分钟'
 * spokenDuration(86_400_000, 'en'); // '1 day'
 * ```
 * @category Rule sets
 */
export function spokenDuration(ms: number, language: MessageLanguage): string {
  const [value, unit] =
    ms % 86_400_000 === 0
      ? [ms / 86_400_000, language === 'en' ? 'day' : '天']
      : ms % 3_600_000 === 0
        ? [ms / 3_600_000, language === 'en' ? 'hour' : '小时']
        : [Math.round(ms / 60_000), language === 'en' ? 'minute' : '分钟'];
  return language === 'en' ? `${value} ${unit}${value === 1 ? '' : 's'}` : `${value} ${unit}`;
}

/**
 * A page a lead's contact looked at most: its title (else url), how often, and how long in all.
 *
 * @example
 * ```ts
 * import type { TopPage } from 'leadflow/core';
 * const page: TopPage = { page: '工业传感器参数页', views: 3, dwellSeconds: 250 };
 * ```
 * @category Rule sets
 */
export interface TopPage {
  readonly page: string;
  readonly views: number;
  /** Total seconds on the page; null when no view of it said how long. */
  readonly dwellSeconds: number | null;
}

/**
 * What a lead's contact did before the lead arrived, for a message: pages viewed (with the most
 * looked-at ones), video seconds watched, downloads.
 *
 * @example
 * ```ts
 * import type { BehaviourSummary } from 'leadflow/core';
 * const s: BehaviourSummary = { pages: 7, videoSeconds: 190, downloads: ['选型白皮书'], topPages: [] };
 * ```
 * @category Rule sets
 */
export interface BehaviourSummary {
  readonly pages: number;
  readonly videoSeconds: number;
  readonly downloads: readonly string[];
  /** Up to `top` pages, longest total dwell first, then most views (the seed's "反复查看参数页"). */
  readonly topPages?: readonly TopPage[];
}

/**
 * Summarise a lead's behaviours for the behaviour snapshot: the most looked-at pages (by title,
 * else url; longest total dwell first, then most views, then name), video seconds, downloads.
 *
 * @example
 * ```ts
 * import { summarizeBehaviours } from 'leadflow/core';
 * summarizeBehaviours([
 *   { type: 'page_view', url: '/products/sensors', title: '工业传感器参数页', dwellSeconds: 120 },
 *   { type: 'page_view', url: '/products/sensors', title: '工业传感器参数页', dwellSeconds: 130 },
 * ]).topPages; // [{ page: '工业传感器参数页', views: 2, dwellSeconds: 250 }]
 * ```
 * @category Rule sets
 */
export function summarizeBehaviours(
  behaviours: readonly (
    | {
        readonly type: 'page_view';
        readonly url?: string;
        readonly title?: string;
        readonly dwellSeconds?: number;
      }
    | { readonly type: 'video_watch'; readonly seconds: number }
    | { readonly type: 'download'; readonly asset: string }
    | { readonly type: 'form_submit' }
  )[],
  top = 3,
): BehaviourSummary {
  let pages = 0;
  let videoSeconds = 0;
  const downloads: string[] = [];
  const byPage = new Map<string, { page: string; views: number; dwellSeconds: number | null }>();
  for (const behaviour of behaviours) {
    if (behaviour.type === 'page_view') {
      pages++;
      const key = behaviour.url ?? behaviour.title;
      if (key === undefined) continue;
      const entry = byPage.get(key) ?? { page: behaviour.title ?? key, views: 0, dwellSeconds: null };
      entry.views++;
      if (behaviour.dwellSeconds !== undefined)
        entry.dwellSeconds = (entry.dwellSeconds ?? 0) + behaviour.dwellSeconds;
      if (behaviour.title !== undefined) entry.page = behaviour.title;
      byPage.set(key, entry);
    } else if (behaviour.type === 'video_watch') videoSeconds += behaviour.seconds;
    else if (behaviour.type === 'download') downloads.push(behaviour.asset);
  }
  const topPages = [...byPage.values()]
    .sort(
      (a, b) =>
        (b.dwellSeconds ?? -1) - (a.dwellSeconds ?? -1) || b.views - a.views || (a.page < b.page ? -1 : 1),
    )
    .slice(0, top);
  return { pages, videoSeconds, downloads, topPages };
}

function spoken(seconds: number, language: MessageLanguage): string {
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  if (language === 'en') return m === 0 ? `${s} s` : `${m} min ${s % 60} s`;
  return m === 0 ? `${s} 秒` : `${m} 分 ${s % 60} 秒`;
}

/**
 * A lead's behaviour snapshot for a message: pages viewed (naming the most looked-at ones with
 * their views and dwell time), video seconds watched, downloads.
 *
 * @example
 * ```ts
 * import { formatBehaviourSnapshot } from 'leadflow/core';
 * formatBehaviourSnapshot({ pages: 7, videoSeconds: 190, downloads: ['选型白皮书'] }, 'zh-CN');
 * // '浏览 7 页; 视频 190 秒; 下载 选型白皮书'
 * formatBehaviourSnapshot(
 *   { pages: 3, videoSeconds: 0, downloads: [], topPages: [{ page: '工业传感器参数页', views: 3, dwellSeconds: 250 }] },
 *   'zh-CN',
 * );
 * // '浏览 3 页（工业传感器参数页 ×3，停留 4 分 10 秒）; 视频 0 秒; 下载 无'
 * ```
 * @category Rule sets
 */
export function formatBehaviourSnapshot(snapshot: BehaviourSummary, language: MessageLanguage): string {
  const seconds = Math.round(snapshot.videoSeconds);
  const top = snapshot.topPages ?? [];
  if (language === 'en') {
    const downloads = snapshot.downloads.length ? snapshot.downloads.join(', ') : 'none';
    const pages = top.length
      ? ` (${top.map((p) => `${p.page} ×${p.views}${p.dwellSeconds === null ? '' : `, ${spoken(p.dwellSeconds, 'en')}`}`).join('; ')})`
      : '';
    return `${snapshot.pages} pages viewed${pages}; video ${seconds} s; downloads: ${downloads}`;
  }
  const downloads = snapshot.downloads.length ? snapshot.downloads.join('、') : '无';
  const pages = top.length
    ? `（${top.map((p) => `${p.page} ×${p.views}${p.dwellSeconds === null ? '' : `，停留 ${spoken(p.dwellSeconds, 'zh-CN')}`}`).join('；')}）`
    : '';
  return `浏览 ${snapshot.pages} 页${pages}; 视频 ${seconds} 秒; 下载 ${downloads}`;
}
