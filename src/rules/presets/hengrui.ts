import { parseTeam, type Team } from '../../model/team.js';
import type { RuleSetInput } from '../ruleset.js';
import {
  SEED_BUDGET_BANDS,
  SEED_INTENT_GRADES,
  SEED_OPERATIONS,
  SEED_QUALIFICATION,
  SEED_TAGGING_RULES,
} from './shared.js';

const hengruiRuleSet = /* @__PURE__ */ (() =>
  ({
    id: 'hengrui',
    version: '1.0.0',
    name: '恒锐机械 — 汽车精密零部件线索闭环',
    description:
      'Auto-parts maker (seed 000): leads split by region + industry, preferring the rep with similar wins in the last 90 days, then the least loaded rep covering the region; 15 minutes unassigned → supervisor board + SMS; six gated opportunity stages.',
    tagging: {
      channelTag: true,
      budgetBands: SEED_BUDGET_BANDS,
      intentGrades: SEED_INTENT_GRADES,
      rules: [
        ...SEED_TAGGING_RULES,
        {
          // 「下载《热管理仿真报告》且观看过3分钟以上视频讲解的客户,其3个月内下单概率是普通客户的5.7倍」
          // (seed 000): 3 分钟以上 is ≥ 180 s; the asset as the site names the file.
          id: 'thermal-report-high-potential',
          description: '下载《热管理仿真报告》且观看视频 3 分钟以上 → 高潜客户',
          when: {
            all: [
              { fact: 'downloadedAssets', operator: 'contains', value: '热管理仿真报告.pdf' },
              { fact: 'videoWatchSeconds', operator: 'greaterThanInclusive', value: 180 },
            ],
          },
          tags: ['high-potential'],
        },
      ],
    },
    qualification: SEED_QUALIFICATION,
    pools: [
      { id: 'east', repIds: ['hr-zhao', 'hr-qian', 'hr-sun'] },
      { id: 'south-north', repIds: ['hr-li', 'hr-zhou'] },
      { id: 'all', repIds: ['hr-zhao', 'hr-qian', 'hr-sun', 'hr-li', 'hr-zhou'] },
    ],
    assignment: {
      rules: [
        {
          id: 'east-similar-wins',
          description: '华东 (浙江/江苏/上海) → 区域+行业匹配，优先近 90 天有同类成交的销售',
          when: { all: [{ fact: 'region', operator: 'in', value: ['浙江', '江苏', '上海'] }] },
          strategy: {
            type: 'bestMatch',
            pool: 'east',
            match: { region: true, industry: true },
            lookbackDays: 90,
          },
        },
        {
          id: 'east-any-industry',
          description: '华东，行业不匹配时 → 负载最低的区域销售',
          when: { all: [{ fact: 'region', operator: 'in', value: ['浙江', '江苏', '上海'] }] },
          strategy: { type: 'leastLoaded', pool: 'east', match: { region: true } },
        },
        {
          id: 'other-regions',
          description: '其他区域 → 区域匹配，负载最低',
          strategy: { type: 'leastLoaded', pool: 'south-north', match: { region: true } },
          onNoCandidate: 'nextRule',
        },
        {
          id: 'anyone-free',
          description: '兜底：任何有余量的销售',
          strategy: { type: 'leastLoaded', pool: 'all' },
          onNoCandidate: 'fallback',
        },
      ],
      fallback: { type: 'supervisorQueue', supervisorId: 'hr-sup-chen' },
    },
    ...SEED_OPERATIONS,
  }) satisfies RuleSetInput)();

/**
 * The `hengrui` preset: a rule set and a sample team for 恒锐机械, the auto-parts maker of seed
 * 000 (region + industry split, 15-minute escalation, six opportunity stages).
 *
 * @example
 * ```ts
 * import { compileRuleSet, hengruiPreset } from 'leadflow';
 * const compiled = compileRuleSet(hengruiPreset.ruleSet, { team: hengruiPreset.team });
 * ```
 * @category Rule sets
 */
export const hengruiPreset: { readonly ruleSet: RuleSetInput; readonly team: Team } =
  /* @__PURE__ */ (() => ({
    ruleSet: hengruiRuleSet,
    team: parseTeam({
      reps: [
        {
          id: 'hr-zhao',
          name: '赵磊',
          regions: ['浙江'],
          industries: ['汽车零部件', '摩托车配件'],
          dailyCapacity: 10,
          manager: 'hr-sup-chen',
          recentWins: [{ date: '2026-02-10', industry: '汽车零部件', region: '浙江', amount: 900_000 }],
        },
        {
          id: 'hr-qian',
          name: '钱芳',
          regions: ['江苏', '上海'],
          industries: ['汽车零部件', '工程机械'],
          dailyCapacity: 10,
          manager: 'hr-sup-chen',
          recentWins: [{ date: '2026-01-15', industry: '工程机械', region: '江苏', amount: 1_500_000 }],
        },
        {
          id: 'hr-sun',
          name: '孙浩',
          regions: ['浙江', '江苏', '上海'],
          industries: ['新能源汽车', '汽车零部件'],
          dailyCapacity: 12,
          manager: 'hr-sup-chen',
        },
        {
          id: 'hr-li',
          name: '李娟',
          regions: ['广东', '福建', '湖北'],
          industries: ['汽车零部件', '家电'],
          dailyCapacity: 10,
          manager: 'hr-sup-chen',
        },
        {
          id: 'hr-zhou',
          name: '周斌',
          regions: ['山东', '河北', '天津', '北京'],
          industries: ['汽车零部件', '农机'],
          dailyCapacity: 10,
          manager: 'hr-sup-chen',
        },
      ],
      supervisors: [{ id: 'hr-sup-chen', name: '陈总监' }],
      staff: [
        { id: 'hr-eng-ma', name: '马工', title: '技术可行性' },
        { id: 'hr-plan-he', name: '何经理', title: '生产排产' },
        { id: 'hr-svc-lin', name: '林经理', title: '售后' },
      ],
      departments: {
        technical: { id: 'hr-dept-tech', name: '技术部', headId: 'hr-eng-ma', memberIds: ['hr-eng-ma'] },
        production: { id: 'hr-dept-prod', name: '生产部', headId: 'hr-plan-he', memberIds: ['hr-plan-he'] },
        afterSales: {
          id: 'hr-dept-service',
          name: '售后部',
          headId: 'hr-svc-lin',
          memberIds: ['hr-svc-lin'],
        },
      },
    }),
  }))();
