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
 * - `task-overdue`: `task` (`label`, `opportunityId`); `opportunity-delivery-delay`: `opportunity`.
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
 * A lead's behaviour snapshot for a message: pages viewed, video seconds watched, downloads.
 *
 * @example
 * ```ts
 * import { formatBehaviourSnapshot } from 'leadflow/core';
 * formatBehaviourSnapshot({ pages: 7, videoSeconds: 190, downloads: ['选型白皮书'] }, 'zh-CN');
 * // '浏览 7 页; 视频 190 秒; 下载 选型白皮书'
 * ```
 */
export function formatBehaviourSnapshot(
  snapshot: { readonly pages: number; readonly videoSeconds: number; readonly downloads: readonly string[] },
  language: MessageLanguage,
): string {
  const seconds = Math.round(snapshot.videoSeconds);
  if (language === 'en') {
    const downloads = snapshot.downloads.length ? snapshot.downloads.join(', ') : 'none';
    return `${snapshot.pages} pages viewed; video ${seconds} s; downloads: ${downloads}`;
  }
  const downloads = snapshot.downloads.length ? snapshot.downloads.join('、') : '无';
  return `浏览 ${snapshot.pages} 页; 视频 ${seconds} 秒; 下载 ${downloads}`;
}
