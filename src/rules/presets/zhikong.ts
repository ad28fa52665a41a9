import { parseTeam, type Team } from '../../model/team.js';
import type { RuleSetInput } from '../ruleset.js';
import {
  SEED_BUDGET_BANDS,
  SEED_INTENT_GRADES,
  SEED_OPERATIONS,
  SEED_QUALIFICATION,
  SEED_TAGGING_RULES,
} from './shared.js';

const zhikongRuleSet = /* @__PURE__ */ (() =>
  ({
    id: 'zhikong',
    version: '1.0.0',
    name: '杭州智控科技 — 工业自动化线索运营',
    description:
      'Industrial automation (seed 003): Suzhou Industrial Park + auto parts → rep A, overflow to B when A has 8 today; Shanghai → A/B/C round robin; education → D only; urgent tender → broadcast, first to claim wins; others → the rep with similar wins in the last 90 days. 30-min unopened WeCom reminder with behaviour snapshot; 24 h first follow-up.',
    tagging: {
      channelTag: true,
      budgetBands: SEED_BUDGET_BANDS,
      intentGrades: SEED_INTENT_GRADES,
      rules: SEED_TAGGING_RULES,
    },
    qualification: SEED_QUALIFICATION,
    pools: [
      { id: 'everyone', repIds: ['rep-a', 'rep-b', 'rep-c', 'rep-d', 'rep-e', 'rep-f'] },
      { id: 'shanghai', repIds: ['rep-a', 'rep-b', 'rep-c'] },
      { id: 'general', repIds: ['rep-a', 'rep-b', 'rep-c', 'rep-e', 'rep-f'] },
    ],
    assignment: {
      rules: [
        {
          // 「紧急标案→全员弹窗，先抢先得」 (seed 003): every rep gets the WeCom offer with its claim
          // deadline; unclaimed after 10 minutes, the supervisor hears of it and the next rule runs.
          id: 'urgent-tender',
          description: '紧急标案 → 全员弹窗，先抢先得',
          when: { all: [{ fact: 'tags', operator: 'contains', value: 'urgent-tender' }] },
          strategy: {
            type: 'broadcast',
            pool: 'everyone',
            claimTimeout: '10m',
            notify: { template: 'broadcast-offer', channel: 'wecom' },
            onExpiry: { escalateTo: 'supervisor' },
          },
        },
        {
          id: 'suzhou-park-auto-parts',
          description: '苏州工业园区 + 汽车零部件 → 销售A，A 当日已满 8 条则顺延至销售B',
          when: {
            all: [
              { fact: 'park', operator: 'equal', value: '苏州工业园区' },
              { fact: 'industry', operator: 'equal', value: '汽车零部件' },
            ],
          },
          strategy: { type: 'owner', repId: 'rep-a', overflowTo: ['rep-b'] },
        },
        {
          id: 'education-exclusive',
          description: '教育行业 → 销售D 专属 (D 不可用时进主管队列)',
          when: { all: [{ fact: 'industry', operator: 'equal', value: '教育' }] },
          strategy: { type: 'owner', repId: 'rep-d' },
          onNoCandidate: 'fallback',
        },
        {
          id: 'shanghai-round-robin',
          description: '上海客户 → 销售A/B/C 轮询',
          when: { all: [{ fact: 'region', operator: 'equal', value: '上海' }] },
          strategy: { type: 'roundRobin', pool: 'shanghai' },
        },
        {
          // 「30分钟内分配给最近3个月成交过同类客户的销售」 (seed 003)
          id: 'similar-wins',
          description: '其余 → 最近 3 个月成交过同类客户的销售',
          strategy: { type: 'bestMatch', pool: 'general', lookbackDays: 90 },
          onNoCandidate: 'nextRule',
        },
        {
          // The seed does not say who takes a lead nobody has a similar win for: leadflow's choice
          // is the least-loaded rep of the general pool, said in the explanation (not a silent
          // "score 0" match); full → the supervisor queue.
          id: 'no-similar-win',
          description: '其余且无人近 3 个月有同类成交 → 通用池中今日负载最低的销售',
          strategy: { type: 'leastLoaded', pool: 'general' },
          onNoCandidate: 'fallback',
        },
      ],
      fallback: { type: 'supervisorQueue', supervisorId: 'sup-wang' },
    },
    ...SEED_OPERATIONS,
  }) satisfies RuleSetInput)();

/**
 * The `zhikong` preset: a rule set and a sample team for 杭州智控科技, the industrial-automation
 * company of seed 003. Use it as a starting point or in tests. The sample people carry contacts
 * (WeCom ids, mobile numbers; 销售D has no WeCom account, so her WeCom messages fall back to
 * SMS) for trying notification channels.
 *
 * @example
 * ```ts
 * import { compileRuleSet, zhikongPreset } from 'leadflow';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * ```
 * @category Rule sets
 */
export const zhikongPreset: { readonly ruleSet: RuleSetInput; readonly team: Team } =
  /* @__PURE__ */ (() => ({
    ruleSet: zhikongRuleSet,
    team: parseTeam({
      reps: [
        {
          id: 'rep-a',
          name: '销售A 张伟',
          regions: ['江苏', '上海'],
          industries: ['汽车零部件', '机械制造'],
          dailyCapacity: 8,
          manager: 'sup-wang',
          contact: { wecomId: 'ZhangWei', mobile: '13800138001', email: 'zhangwei@zhikong.example.cn' },
          recentWins: [
            { date: '2026-01-12', industry: '汽车零部件', region: '江苏', amount: 1_200_000 },
            { date: '2025-12-03', industry: '汽车零部件', region: '江苏', amount: 800_000 },
          ],
        },
        {
          id: 'rep-b',
          name: '销售B 李娜',
          regions: ['江苏', '上海', '浙江'],
          industries: ['汽车零部件', '电子制造'],
          dailyCapacity: 10,
          manager: 'sup-wang',
          contact: { wecomId: 'LiNa', mobile: '13800138002' },
          recentWins: [{ date: '2026-02-20', industry: '电子制造', region: '浙江', amount: 450_000 }],
        },
        {
          id: 'rep-c',
          name: '销售C 王强',
          regions: ['上海', '浙江'],
          industries: ['新能源', '机械制造'],
          dailyCapacity: 10,
          manager: 'sup-wang',
          contact: { wecomId: 'WangQiang', mobile: '13800138003' },
          recentWins: [{ date: '2026-03-05', industry: '新能源', region: '上海', amount: 2_000_000 }],
        },
        {
          id: 'rep-d',
          name: '销售D 陈静',
          regions: [],
          industries: ['教育'],
          dailyCapacity: 10,
          manager: 'sup-wang',
          contact: { mobile: '13800138004' },
        },
        {
          id: 'rep-e',
          name: '销售E 刘洋',
          regions: ['浙江', '安徽'],
          industries: ['化工', '食品饮料'],
          dailyCapacity: 12,
          manager: 'sup-wang',
          contact: { wecomId: 'LiuYang', mobile: '13800138005' },
          recentWins: [{ date: '2026-01-28', industry: '化工', region: '浙江', amount: 600_000 }],
        },
        {
          id: 'rep-f',
          name: '销售F 赵敏',
          regions: ['广东', '福建', '山东'],
          industries: ['电子制造', '机械制造'],
          dailyCapacity: 12,
          manager: 'sup-wang',
          contact: { wecomId: 'ZhaoMin', mobile: '13800138006' },
        },
      ],
      supervisors: [
        {
          id: 'sup-wang',
          name: '销售总监 王主管',
          contact: { wecomId: 'WangZhuguan', mobile: '13900139000' },
        },
      ],
      staff: [
        {
          id: 'eng-sun',
          name: '孙工',
          title: '技术支持',
          contact: { wecomId: 'SunGong', mobile: '13700137001' },
        },
        {
          id: 'plan-zhou',
          name: '周经理',
          title: '生产计划',
          contact: { wecomId: 'ZhouJingli', mobile: '13700137002' },
        },
        {
          id: 'svc-wu',
          name: '吴经理',
          title: '售后服务',
          contact: { wecomId: 'WuJingli', mobile: '13700137003' },
        },
      ],
      departments: {
        technical: { id: 'dept-tech', name: '技术部', headId: 'eng-sun', memberIds: ['eng-sun'] },
        production: { id: 'dept-prod', name: '生产计划部', headId: 'plan-zhou', memberIds: ['plan-zhou'] },
        afterSales: { id: 'dept-service', name: '售后服务部', headId: 'svc-wu', memberIds: ['svc-wu'] },
      },
    }),
  }))();
