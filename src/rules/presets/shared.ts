import { LEAD_CHANNELS } from '../../model/lead.js';
import type { RuleSetInput, SlaPolicyInput } from '../ruleset.js';

/**
 * Pieces both shipped presets use: the seeds' SLA policies, follow-up
 * outcomes, budget bands and the cross-sell / risk rules. Presets are plain JSON-shaped data.
 */

type Section<K extends keyof RuleSetInput> = NonNullable<RuleSetInput[K]>;

/** Leads no longer wait for assignment once any of these happens. */
const LEFT_THE_QUEUE = [
  'lead.assigned',
  'lead.nurturing',
  'lead.disqualified',
  'lead.merged',
  'lead.converted',
];
/** A rep no longer owes a first touch once any of these happens. */
const TOUCHED_OR_CLOSED = [
  'lead.followedUp',
  'lead.disqualified',
  'lead.merged',
  'lead.converted',
  'lead.recycled',
];

/**
 * Department task windows (seed 000, 恒锐机械): 销售商机自动触发三类协同任务 … 所有任务状态实时回传
 * 至销售看板，超时自动升级至部门负责人.
 * - 技术部接收《定制化需求说明书》并限时48小时内反馈可行性 → 48 h, business time (a working-time
 *   promise: a task created Friday afternoon is not late on Sunday);
 * - 生产计划部同步获取BOM清单与交期约束条件 and 售后部预生成《客户设备档案》: the seed gives no
 *   window; 24 h and 72 h of business time are leadflow's choice.
 * @category Rule sets
 */
export const SEED_TASK_WINDOWS = {
  technicalFeasibility: { within: '48h', clock: 'business' },
  productionPlanning: { within: '24h', clock: 'business' },
  afterSalesFile: { within: '72h', clock: 'business' },
} as const satisfies NonNullable<NonNullable<RuleSetInput['opportunity']>['taskWindows']>;

/**
 * Unassigned 15 min (business time) → supervisor board + SMS (恒锐机械).
 *
 * @category Rule sets
 */
export const UNASSIGNED_15M: SlaPolicyInput = {
  id: 'unassigned-15m',
  description: '15 分钟未分配自动升级至主管看板 + 短信提醒',
  entity: 'lead',
  startOn: ['lead.received'],
  stopOn: LEFT_THE_QUEUE,
  target: '15m',
  clock: 'business',
  onBreach: [
    { type: 'escalate', to: 'supervisor' },
    { type: 'notify', channel: 'sms', to: 'supervisor', template: 'unassigned-escalation' },
  ],
};

/**
 * Assigned but not opened in 30 min (business time) → WeCom reminder with behaviour snapshot (杭州智控).
 *
 * @category Rule sets
 */
export const UNOPENED_30M: SlaPolicyInput = /* @__PURE__ */ (() => ({
  id: 'unopened-30m',
  description: '超 30 分钟未查看自动触发企业微信提醒，并推送客户历史行为快照',
  entity: 'lead',
  startOn: ['lead.assigned'],
  stopOn: ['lead.opened', ...TOUCHED_OR_CLOSED],
  target: '30m',
  clock: 'business',
  onBreach: [
    {
      type: 'notify',
      channel: 'wecom',
      to: 'owner',
      template: 'unopened-reminder',
      includeBehaviourSnapshot: true,
    },
  ],
}))();

/**
 * First follow-up within 24 h of assignment (wall time), warned 4 h before.
 *
 * @category Rule sets
 */
export const FIRST_FOLLOW_UP_24H: SlaPolicyInput = {
  id: 'first-follow-up-24h',
  description: '24 小时内完成首次跟进',
  entity: 'lead',
  startOn: ['lead.assigned'],
  stopOn: TOUCHED_OR_CLOSED,
  target: '24h',
  clock: 'wall',
  warnBefore: '4h',
  onWarn: [{ type: 'notify', channel: 'wecom', to: 'owner', template: 'follow-up-warning' }],
  onBreach: [
    { type: 'escalate', to: 'manager' },
    { type: 'notify', channel: 'wecom', to: 'supervisor', template: 'follow-up-breach' },
  ],
};

/**
 * An opportunity stalled more than 5 days in one stage → owner and manager (停滞 TOP5).
 *
 * @category Rule sets
 */
export const STAGE_STALLED_5D: SlaPolicyInput = {
  id: 'stage-stalled-5d',
  description: '商机阶段停滞超过 5 天',
  entity: 'opportunity',
  startOn: ['opportunity.stageEntered'],
  stopOn: ['opportunity.stageLeft', 'opportunity.won', 'opportunity.lost'],
  target: '5d',
  clock: 'wall',
  onBreach: [
    { type: 'notify', channel: 'wecom', to: 'owner', template: 'stage-stalled' },
    { type: 'escalate', to: 'manager' },
  ],
};

export const SEED_FOLLOW_UP_OUTCOMES: Section<'followUp'> = {
  outcomes: [
    { id: 'quoted', label: '已报价', nextContactIn: '3d', moveTo: 'contacted' },
    { id: 'needs-technical-confirmation', label: '需技术确认', nextContactIn: '2d', moveTo: 'contacted' },
    { id: 'comparing-competitors', label: '竞品对比中', nextContactIn: '5d', moveTo: 'contacted' },
    { id: 'on-hold', label: '暂缓推进', nextContactIn: '30d', moveTo: 'nurturing' },
  ],
};

export const SEED_BUDGET_BANDS: Section<'tagging'>['budgetBands'] = [
  { tag: 'budget/under-100k', below: 100_000 },
  { tag: 'budget/100k-500k', below: 500_000 },
  { tag: 'budget/500k-2m', below: 2_000_000 },
  { tag: 'budget/over-2m' },
];

/**
 * The seeds' dynamic tags: live-stream leads are price-sensitive, whitepaper readers technical.
 *
 * @category Rule sets
 */
export const SEED_TAGGING_RULES: NonNullable<Section<'tagging'>['rules']> = [
  {
    // 「抖音-直播间留资→标签【高意向-价格敏感】」 (seed 003)
    id: 'douyin-live-price-sensitive',
    description: '抖音-直播间留资 → 高意向-价格敏感',
    when: { all: [{ fact: 'channel', operator: 'equal', value: 'douyin_live' }] },
    tags: ['high-intent/price-sensitive'],
  },
  {
    // 「官网下载白皮书→标签【技术型-决策链长】」 (seed 003): the download alone, nothing more.
    id: 'whitepaper-long-decision-chain',
    description: '官网下载白皮书 → 技术型-决策链长',
    when: { all: [{ fact: 'channel', operator: 'equal', value: 'whitepaper_download' }] },
    tags: ['technical/long-decision-chain'],
  },
  {
    // 「紧急标案→全员弹窗提醒」 (seed 003): a tender the source marks urgent.
    id: 'urgent-tender',
    description: '紧急标案',
    when: {
      all: [
        { fact: 'priority', operator: 'equal', value: 'urgent' },
        { fact: 'sourceTags', operator: 'contains', value: 'tender' },
      ],
    },
    tags: ['urgent-tender'],
  },
];

/**
 * Intent A: explicit buying signals; B: engaged; otherwise C. The seed states one grade outright:
 * 「当客户在官网点击‘免费试用’按钮…①线索打标(来源=官网-表单;意向等级=A)」 — a website form
 * whose form id is `free-trial` is A. The budget and need-length thresholds are leadflow's own.
 * @category Rule sets
 */
export const SEED_INTENT_GRADES: Section<'tagging'>['intentGrades'] = [
  {
    grade: 'A',
    when: {
      any: [
        {
          all: [
            { fact: 'channel', operator: 'equal', value: 'website_form' },
            { fact: 'formIds', operator: 'contains', value: 'free-trial' },
          ],
        },
        { fact: 'budget', operator: 'greaterThanInclusive', value: 500_000 },
        {
          all: [
            { fact: 'channel', operator: 'in', value: ['website_form', 'douyin_live', 'hotline_400'] },
            { fact: 'needLength', operator: 'greaterThanInclusive', value: 12 },
          ],
        },
      ],
    },
  },
  {
    grade: 'B',
    when: {
      any: [
        { fact: 'budget', operator: 'greaterThanInclusive', value: 100_000 },
        { fact: 'downloads', operator: 'greaterThan', value: 0 },
        { fact: 'videoWatchSeconds', operator: 'greaterThanInclusive', value: 120 },
      ],
    },
  },
];

/**
 * The "valid lead" contract: credible source + complete info + explicit need (有效线索).
 *
 * @category Rule sets
 */
export const SEED_QUALIFICATION: Section<'qualification'> = /* @__PURE__ */ (() => ({
  // "api" is absent on purpose: a partner feed must be vetted before its leads count as valid.
  credibleSource: {
    all: [
      {
        fact: 'channel',
        operator: 'in',
        value: LEAD_CHANNELS.filter((channel) => channel !== 'api'),
      },
    ],
  },
  completeInfo: { all: [{ fact: 'hasContactPoint', operator: 'equal', value: true }] },
  explicitNeed: {
    any: [
      { fact: 'needLength', operator: 'greaterThanInclusive', value: 6 },
      { fact: 'formSubmits', operator: 'greaterThan', value: 0 },
    ],
  },
  incubationDays: 60,
}))();

export const SEED_CROSS_SELL: Section<'crossSell'> = [
  {
    id: 'extended-warranty',
    // 「当CRM识别到某客户连续3次采购同一型号产品时,系统自动推送“延保服务包”推荐话术,并关联历史故障率数据」
    description: '连续 3 次采购同一型号 → 推荐延保服务包（附该型号平均故障间隔）',
    when: { all: [{ fact: 'consecutivePurchasesOfLastModel', operator: 'greaterThanInclusive', value: 3 }] },
    effect: {
      type: 'recommendation',
      kind: 'extended-warranty',
      to: 'owner',
      template: 'extended-warranty',
      carry: ['lastModel', 'consecutivePurchasesOfLastModel', 'failureInterval'],
    },
  },
];

export const SEED_RISK: Section<'risk'> = [
  {
    id: 'receivables-and-contact-drop',
    description: '应收账款超 120 天且技术联系频次下降 → 高风险',
    when: {
      all: [
        { fact: 'oldestUnpaidReceivableDays', operator: 'greaterThan', value: 120 },
        { fact: 'technicalContactTrend', operator: 'lessThan', value: 0.5 },
      ],
    },
    effect: {
      type: 'alert',
      kind: 'high-risk',
      severity: 'high',
      to: 'manager',
      template: 'receivables-risk',
      carry: ['oldestUnpaidReceivableDays', 'technicalContactsLast30Days', 'technicalContactsPrevious90Days'],
    },
  },
  {
    id: 'declined-renewals',
    description: '连续 3 次拒绝续费 → 服务团队介入',
    when: { all: [{ fact: 'consecutiveDeclinedRenewals', operator: 'greaterThanInclusive', value: 3 }] },
    effect: {
      type: 'task',
      kind: 'service-intervention',
      severity: 'warning',
      to: 'serviceTeam',
      template: 'renewal-intervention',
      // 「同步推送该客户过去12个月的工单解决时效、工程师上门次数、备件更换频次等深度服务数据」
      carry: ['consecutiveDeclinedRenewals', 'serviceHistory'],
    },
  },
  {
    id: 'delivery-delay',
    description: '交付延期风险 → 通知销售',
    when: { all: [{ fact: 'deliveryDelayFlagged', operator: 'equal', value: true }] },
    effect: {
      type: 'alert',
      kind: 'delivery-delay',
      severity: 'warning',
      to: 'owner',
      template: 'delivery-delay',
    },
  },
];

/**
 * The operations both seed companies run the same way: the SLA policies, the department task
 * windows, notification routing, follow-up outcomes, cross-sell and risk rules.
 * @category Rule sets
 */
export const SEED_OPERATIONS = /* @__PURE__ */ (() =>
  ({
    sla: { policies: [UNASSIGNED_15M, UNOPENED_30M, FIRST_FOLLOW_UP_24H, STAGE_STALLED_5D] },
    // 技术部…限时48小时内反馈可行性 (seed 000): department task windows on business time.
    // 「将销售商机自动触发三类协同任务：①技术部…限时48小时内反馈可行性；②生产计划部同步获取BOM清单与交期约束条件；
    // ③售后部预生成《客户设备档案》并推送保养提醒日历」 (seed 000): the opportunity starts all three at once.
    opportunity: {
      taskWindows: SEED_TASK_WINDOWS,
      tasks: [
        { on: 'created', kind: 'technicalFeasibility' },
        { on: 'created', kind: 'productionPlanning' },
        { on: 'created', kind: 'afterSalesFile' },
      ],
    },
    // Templates: the built-in Chinese ones (MESSAGE_TEMPLATES['zh-CN']); `language: 'en'` switches.
    // WeCom down (a configuration error, retries exhausted, a rep without a WeCom id) → SMS.
    routing: { fallbacks: { wecom: ['sms'] } },
    followUp: SEED_FOLLOW_UP_OUTCOMES,
    crossSell: SEED_CROSS_SELL,
    risk: SEED_RISK,
    // 强制要求新建客户时校验统一社会信用代码、工商注册地址及关联企业树 (seed 000).
    customers: { requireUscc: true, requireRegisteredAddress: true, checkGroupTree: true },
  }) satisfies Partial<RuleSetInput>)();
