/**
 * The seeds' tagging and intent sentences, tried on leads written from the sentences (not from
 * the presets' rules).
 */
import { describe, expect, it } from 'vitest';
import { parseLead } from '../../src/model/lead.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { decideLead, emptyAssignmentState } from '../../src/rules/decide.js';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';

const AT = Date.parse('2026-03-04T10:00:00+08:00');
const context = { now: AT, day: '2026-03-04' };
const zhikong = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const hengrui = compileRuleSet(hengruiPreset.ruleSet, { team: hengruiPreset.team });

function decide(compiled: typeof zhikong, team: typeof zhikongPreset.team, raw: Record<string, unknown>) {
  const parsed = parseLead({
    receivedAt: AT,
    company: { name: '宁波恒通', region: '浙江', industry: '机械制造' },
    contact: { phone: '13900000000' },
    ...raw,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return decideLead(compiled, parsed.lead, team, emptyAssignmentState(context.day), context);
}

describe('seed 003 (杭州智控): tags and intent', () => {
  it('「官网点击‘免费试用’」 → 来源=官网-表单, 意向等级=A — without a budget or a long need text', () => {
    const trial = decide(zhikong, zhikongPreset.team, {
      channel: 'website_form',
      need: '试用',
      behaviours: [{ type: 'form_submit', at: AT - 1000, formId: 'free-trial' }],
    });
    expect(trial.intentGrade).toBe('A');
    expect(trial.tags).toEqual(expect.arrayContaining(['channel/website_form', 'intent/A']));
    const otherForm = decide(zhikong, zhikongPreset.team, {
      channel: 'website_form',
      need: '试用',
      behaviours: [{ type: 'form_submit', at: AT - 1000, formId: 'contact-us' }],
    });
    expect(otherForm.intentGrade).toBe('C');
  });

  it('「官网下载白皮书→【技术型-决策链长】」: the download alone tags it (no video condition)', () => {
    const reader = decide(zhikong, zhikongPreset.team, {
      channel: 'whitepaper_download',
      behaviours: [{ type: 'download', at: AT - 1000, asset: 'PLC控制柜方案手册.pdf' }],
    });
    expect(reader.tags).toContain('technical/long-decision-chain');
  });

  it('「抖音-直播间留资→【高意向-价格敏感】」', () => {
    expect(decide(zhikong, zhikongPreset.team, { channel: 'douyin_live' }).tags).toContain(
      'high-intent/price-sensitive',
    );
  });
});

describe('seed 000 (恒锐机械): the high-potential behaviour', () => {
  const lead = (videoSeconds: number) =>
    decide(hengrui, hengruiPreset.team, {
      channel: 'whitepaper_download',
      behaviours: [
        { type: 'download', at: AT - 5000, asset: '热管理仿真报告.pdf' },
        { type: 'video_watch', at: AT - 1000, seconds: videoSeconds },
      ],
    });
  it('「下载《热管理仿真报告》且观看过3分钟以上视频讲解」: 180 s is enough, 179 s is not', () => {
    expect(lead(180).tags).toContain('high-potential');
    expect(lead(179).tags).not.toContain('high-potential');
  });
});
