/** Every string of the insight charts: Chinese first (zh-CN), English switchable. */
import type { DayKind, InsightFunnelStage, RootCause } from '../insights.js';

export type ChartLang = 'zh-CN' | 'en';

const zh = {
  insights: '运行洞察',
  rootCauseTitle: '根因',
  allMet: '所有已判定的目标均已达成，无需解释。',
  noCause: (targets: string) => `未达成：${targets}。数据中没有单一可判定的原因。`,
  targetNames: {
    assignedWithin: '线索分配时效',
    followedUpWithin: '首次跟进时效',
    advancedOnTime: '阶段推进',
  } as Record<string, string>,

  funnelTitle: '线索漏斗',
  funnelDesc: '每一步的线索数，以及占上一步和占收到线索的比例',
  stages: {
    received: '收到',
    valid: '有效',
    assigned: '已分配',
    followedUp: '已跟进',
    converted: '转商机',
    opportunity: '商机',
    won: '赢单',
  } satisfies Record<InsightFunnelStage['stage'], string>,
  funnelRow: (stage: string, count: string, ofPrevious: string, ofReceived: string) =>
    `${stage}：${count} 条（占上一步 ${ofPrevious}，占收到 ${ofReceived}）`,

  arrivalsTitle: '线索到达：星期 × 小时',
  arrivalsDesc: (zone: string) => `收到线索的本地时间（${zone}），颜色越深越多`,
  weekdays: ['周一', '周二', '周三', '周四', '周五', '周六', '周日'],
  arrivalsCell: (weekday: string, hour: number, count: string) =>
    `${weekday} ${hour}:00–${hour + 1}:00：${count} 条线索`,
  fewer: '少',
  more: '多',

  daysTitle: 'SLA 违约与升级（按天）',
  daysDesc: '柱：SLA 违约（线索 / 商机）；线：升级次数。点击某一天查看当天的违约。',
  dayKinds: {
    workday: '工作日',
    weekend: '周末',
    holiday: '法定节假日',
    makeup: '调休上班',
  } satisfies Record<DayKind, string>,
  leadBreaches: '线索违约',
  opportunityBreaches: '商机违约',
  escalationsLine: '升级',
  dayTooltip: (
    date: string,
    kind: string,
    received: string,
    lead: string,
    opportunity: string,
    escalations: string,
  ) =>
    `${date}（${kind}）：收到 ${received} 条线索，线索违约 ${lead} 次，商机违约 ${opportunity} 次，升级 ${escalations} 次`,
  dayDetail: (date: string, kind: string) => `${date}（${kind}）的 SLA 违约`,
  noBreachesThatDay: '这一天没有 SLA 违约。',
  breachesShown: (shown: number, total: number) => `显示 ${shown} / ${total} 次`,
  breachLine: (time: string, policy: string) => `${time} · ${policy}`,
  entity: { lead: '线索', opportunity: '商机' },
  explain: '查看解释',
  close: '关闭',

  repsTitle: '销售负载 vs 每日产能',
  repsDesc:
    '深色：工作日平均分配数；浅色：单日峰值；竖线：每日产能。红色为达到或超过产能的销售。点击查看详情。',
  repTooltip: (name: string, average: string, peak: number, capacity: number, assigned: number) =>
    `${name}：工作日平均 ${average} 条/天，峰值 ${peak} 条，产能 ${capacity} 条/天，共分配 ${assigned} 条`,
  repFigures: (average: string, peak: number, capacity: number) =>
    `均 ${average} · 峰 ${peak} / 产能 ${capacity}`,
  inactive: '（停用）',
  repDetail: (name: string) => `${name} 的负载`,
  repSummary: (assigned: number, average: string, peak: number, capacity: number) =>
    `共分配 ${assigned} 条 · 工作日平均 ${average} 条/天 · 峰值 ${peak} 条 · 产能 ${capacity} 条/天`,
  repFollowUp: (median: string) => `首次跟进中位用时 ${median}`,
  leaveDays: '请假日',
  noLeave: '期间没有请假',
  dailyLoads: '每日分配',
  repDayTooltip: (date: string, count: number, capacity: number, onLeave: boolean) =>
    `${date}：分配 ${count} 条（产能 ${capacity}）${onLeave ? '，请假' : ''}`,
  leadsAssigned: (shown: number, total: number) => `分配的线索（前 ${shown} / ${total} 条）`,
  noLeads: '没有分配线索',

  departmentsTitle: '部门响应时效',
  department: '部门',
  tasksCreated: '任务',
  tasksDone: '已答复',
  tasksOverdue: '逾期',
  onTime: '按时率',
  acknowledgeP50: '确认 P50',
  completeP50: '答复 P50',
  noDepartments: '模拟期内没有部门任务。',

  stalledTitle: '停滞商机 TOP5',
  company: '公司',
  stage: '阶段',
  daysStalled: '停滞天数',
  owner: '负责人',
  noStalled: (over: string) => `没有在同一阶段停留超过 ${over}的商机。`,
  stalledSummary: (count: string, over: string, by: string) =>
    `共 ${count} 个商机在同一阶段停留超过 ${over}：${by}。`,
  stalledLeadsTitle: '停滞线索 TOP5',
  state: '状态',
  noStalledLeads: (over: string) => `没有在同一状态停留超过 ${over}的线索（培育中的不计）。`,
  stalledLeadsSummary: (count: string, over: string, by: string) =>
    `共 ${count} 条线索在同一状态停留超过 ${over}（培育中的不计）：${by}。`,
  stallEntry: (name: string, count: string) => `${name} ${count}`,
  thresholdDays: (n: string) => `${n} 天`,
  leadStates: {
    received: '待分配',
    'awaitingAssignment.offered': '抢单中',
    'awaitingAssignment.queued': '主管队列中',
    assigned: '已分配未查看',
    opened: '已查看未跟进',
    contacted: '已跟进未转化',
    recycled: '在公海',
  } as Record<string, string>,
  opportunityStages: {
    leadConfirmation: '线索确认',
    needsDiagnosis: '需求诊断',
    solutionMatching: '方案匹配',
    sampleQuotation: '样件报价',
    contractReview: '合同评审',
    deliveryKickoff: '交付启动',
  } as Record<string, string>,

  minutes: (n: number) => `${n} 分钟`,
  hours: (n: string) => `${n} 小时`,
  days: (n: string) => `${n} 天`,
  listSeparator: '、',

  rootCause: {
    capacity: (f: Facts) =>
      `产能不足：团队每日产能 ${f.dailyCapacity} 条，而有效线索约 ${f.validPerWorkingDay} 条/工作日（${f.workingDays} 个工作日共 ${f.valid} 条）；期末仍有 ${f.queuedAtEnd} 条在主管队列。`,
    unclaimedOffers: (f: Facts) =>
      `抢单无人认领：${f.offeredLeads} 条发起抢单的线索中有 ${f.unclaimedLeads} 条始终无人认领（分配超时共 ${f.missed} 条）。`,
    offHours: (f: Facts) =>
      `非工作时间到达：分配超时的 ${f.missed} 条线索中，${f.offHoursLate} 条在非工作时间到达（非工作时间共到达 ${f.offHoursArrivals} 条有效线索）。`,
    slowFollowUp: (f: Facts, d: (ms: number) => string) =>
      `首次跟进慢：首次跟进中位用时 ${d(Number(f.medianMs))}` +
      (f.targetMs !== undefined ? `（目标 ${d(Number(f.targetMs))} 内）` : '') +
      (f.slowestRepName !== undefined
        ? `；最慢的是 ${f.slowestRepName}（中位 ${d(Number(f.slowestRepMedianMs))}）`
        : '') +
      `；${f.notFollowedUp} 条已分配线索期末仍未跟进。`,
  },
};

type Facts = RootCause['facts'];

export type ChartStrings = typeof zh;

const en: ChartStrings = {
  insights: 'Run insights',
  rootCauseTitle: 'Root cause',
  allMet: 'Every decided target was met: nothing to explain.',
  noCause: (targets) => `Missed: ${targets}. The data does not single out one cause.`,
  targetNames: {
    assignedWithin: 'lead assignment',
    followedUpWithin: 'first follow-up',
    advancedOnTime: 'stage progress',
  },

  funnelTitle: 'Lead funnel',
  funnelDesc: 'Leads at each step, as a share of the step before and of the leads received',
  stages: {
    received: 'Received',
    valid: 'Valid',
    assigned: 'Assigned',
    followedUp: 'Followed up',
    converted: 'Converted',
    opportunity: 'Opportunities',
    won: 'Won',
  },
  funnelRow: (stage, count, ofPrevious, ofReceived) =>
    `${stage}: ${count} (${ofPrevious} of the step before, ${ofReceived} of received)`,

  arrivalsTitle: 'Arrivals by weekday × hour',
  arrivalsDesc: (zone) => `Local time the leads arrived (${zone}); darker = more`,
  weekdays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
  arrivalsCell: (weekday, hour, count) => `${weekday} ${hour}:00–${hour + 1}:00: ${count} leads`,
  fewer: 'fewer',
  more: 'more',

  daysTitle: 'SLA breaches and escalations by day',
  daysDesc: 'Bars: SLA breaches (lead / opportunity); line: escalations. Click a day for its breaches.',
  dayKinds: { workday: 'Workday', weekend: 'Weekend', holiday: 'Public holiday', makeup: 'Make-up workday' },
  leadBreaches: 'Lead breaches',
  opportunityBreaches: 'Opportunity breaches',
  escalationsLine: 'Escalations',
  dayTooltip: (date, kind, received, lead, opportunity, escalations) =>
    `${date} (${kind}): ${received} leads received, ${lead} lead breaches, ${opportunity} opportunity breaches, ${escalations} escalations`,
  dayDetail: (date, kind) => `SLA breaches on ${date} (${kind})`,
  noBreachesThatDay: 'No SLA breaches that day.',
  breachesShown: (shown, total) => `showing ${shown} of ${total}`,
  breachLine: (time, policy) => `${time} · ${policy}`,
  entity: { lead: 'lead', opportunity: 'opportunity' },
  explain: 'Explain',
  close: 'Close',

  repsTitle: 'Rep load vs daily capacity',
  repsDesc:
    'Dark: average assignments per working day; light: the busiest day; tick: daily capacity. Red: at or over capacity. Click a rep for details.',
  repTooltip: (name, average, peak, capacity, assigned) =>
    `${name}: ${average}/working day on average, peak ${peak}, capacity ${capacity}/day, ${assigned} assigned in all`,
  repFigures: (average, peak, capacity) => `avg ${average} · peak ${peak} / cap ${capacity}`,
  inactive: ' (inactive)',
  repDetail: (name) => `Load of ${name}`,
  repSummary: (assigned, average, peak, capacity) =>
    `${assigned} assigned · ${average}/working day on average · peak ${peak} · capacity ${capacity}/day`,
  repFollowUp: (median) => `median time to first follow-up ${median}`,
  leaveDays: 'Leave days',
  noLeave: 'No leave in the period',
  dailyLoads: 'Assignments per day',
  repDayTooltip: (date, count, capacity, onLeave) =>
    `${date}: ${count} assigned (capacity ${capacity})${onLeave ? ', on leave' : ''}`,
  leadsAssigned: (shown, total) => `Leads assigned (first ${shown} of ${total})`,
  noLeads: 'No leads assigned',

  departmentsTitle: 'Department response times',
  department: 'Department',
  tasksCreated: 'Tasks',
  tasksDone: 'Answered',
  tasksOverdue: 'Overdue',
  onTime: 'On time',
  acknowledgeP50: 'Acknowledge p50',
  completeP50: 'Answer p50',
  noDepartments: 'No department tasks in the period.',

  stalledTitle: 'Stalled opportunities TOP5',
  company: 'Company',
  stage: 'Stage',
  daysStalled: 'Days stalled',
  owner: 'Owner',
  noStalled: (over) => `No opportunity in one stage for more than ${over}.`,
  stalledSummary: (count, over, by) => `${count} opportunities in one stage for more than ${over}: ${by}.`,
  stalledLeadsTitle: 'Stalled leads TOP5',
  state: 'State',
  noStalledLeads: (over) => `No lead in one state for more than ${over} (nurturing aside).`,
  stalledLeadsSummary: (count, over, by) =>
    `${count} leads in one state for more than ${over} (nurturing aside): ${by}.`,
  stallEntry: (name, count) => `${name} ${count}`,
  thresholdDays: (n) => `${n} days`,
  leadStates: {
    received: 'Not yet decided',
    'awaitingAssignment.offered': 'Offered (unclaimed)',
    'awaitingAssignment.queued': 'Supervisor queue',
    assigned: 'Not opened',
    opened: 'Not followed up',
    contacted: 'Followed up (not converted)',
    recycled: 'In the pool',
  },
  opportunityStages: {
    leadConfirmation: 'Lead confirmation',
    needsDiagnosis: 'Needs diagnosis',
    solutionMatching: 'Solution matching',
    sampleQuotation: 'Sample & quotation',
    contractReview: 'Contract review',
    deliveryKickoff: 'Delivery kickoff',
  },

  minutes: (n) => `${n} min`,
  hours: (n) => `${n} h`,
  days: (n) => `${n} d`,
  listSeparator: ', ',

  rootCause: {
    capacity: (f) =>
      `Capacity shortfall: the team can take ${f.dailyCapacity} leads/day against ~${f.validPerWorkingDay} valid leads per working day (${f.valid} over ${f.workingDays} working days); ${f.queuedAtEnd} were still in the supervisor queue at the end.`,
    unclaimedOffers: (f) =>
      `Offers expiring unclaimed: ${f.unclaimedLeads} of ${f.offeredLeads} offered leads were never claimed (${f.missed} assignments missed the target).`,
    offHours: (f) =>
      `Off-hours arrivals: ${f.offHoursLate} of the ${f.missed} late assignments were leads that arrived outside business hours (${f.offHoursArrivals} valid leads arrived off-hours).`,
    slowFollowUp: (f, d) =>
      `Slow first follow-ups: the median time to a first follow-up is ${d(Number(f.medianMs))}` +
      (f.targetMs !== undefined ? ` (target: within ${d(Number(f.targetMs))})` : '') +
      (f.slowestRepName !== undefined
        ? `; slowest: ${f.slowestRepName} (median ${d(Number(f.slowestRepMedianMs))})`
        : '') +
      `; ${f.notFollowedUp} assigned leads had no follow-up by the end.`,
  },
};

export const CHART_STRINGS: Readonly<Record<ChartLang, ChartStrings>> = { 'zh-CN': zh, en };

/** A stall threshold: whole days as days ("5 天", "5 days"), else as {@link formatDuration}. */
export function formatThreshold(ms: number, lang: ChartLang): string {
  const days = ms / 86_400_000;
  return Number.isInteger(days) && days > 0
    ? CHART_STRINGS[lang].thresholdDays(String(days))
    : formatDuration(ms, lang);
}

/** A duration for people: minutes under an hour, hours under two days, else days. */
export function formatDuration(ms: number, lang: ChartLang): string {
  const s = CHART_STRINGS[lang];
  if (ms < 3_600_000) return s.minutes(Math.round(ms / 60_000));
  if (ms < 48 * 3_600_000) return s.hours(trimmed(ms / 3_600_000));
  return s.days(trimmed(ms / 86_400_000));
}

/** A share as a percentage with one decimal; `—` when there is none. */
export function formatPercent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}

/** An integer with thousands separators. */
export function formatInteger(value: number): string {
  return value.toLocaleString('en-US');
}

function trimmed(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}

/**
 * The root cause of an {@link Insights} run in one sentence, or null when there is none (or its
 * kind is one this page does not know).
 *
 * @example
 * ```ts
 * rootCauseSentence({ kind: 'capacity', target: 'assignedWithin', facts }, 'en');
 * // 'Capacity shortfall: the team can take 62 leads/day against ~407 valid leads per working day …'
 * ```
 */
export function rootCauseSentence(rootCause: RootCause | null, lang: ChartLang): string | null {
  if (rootCause === null) return null;
  const s = CHART_STRINGS[lang].rootCause;
  switch (rootCause.kind) {
    case 'capacity':
      return s.capacity(rootCause.facts);
    case 'unclaimedOffers':
      return s.unclaimedOffers(rootCause.facts);
    case 'offHours':
      return s.offHours(rootCause.facts);
    case 'slowFollowUp':
      return s.slowFollowUp(rootCause.facts, (ms) => formatDuration(ms, lang));
    default:
      return null;
  }
}
