/**
 * Seed 003: 3秒录入跟进结果（预设选项：已报价/需技术确认/竞品对比中/暂缓推进），并自动更新线索阶段与
 * 下次联系时间. The next contact a preset outcome fills in lands on working time: never on a
 * weekend, a 2026 public holiday or in the lunch break (调休 make-up Saturdays are working days).
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import type { RuleSetInput } from '../../src/rules/ruleset.js';
import { calendar, rawLead, setup, shanghai } from './helpers.js';

const compiled = compileRuleSet(zhikongPreset.ruleSet);

const local = (t: number) =>
  DateTime.fromMillis(t, { zone: 'Asia/Shanghai' }).toFormat("yyyy-MM-dd'T'HH:mm ccc");

async function followUpAt(at: string, outcome: string, ruleSet?: RuleSetInput) {
  const context = setup({ start: at, ...(ruleSet ? { ruleSet } : {}) });
  const { engine, clock } = context;
  const lead = await engine.ingest(rawLead(clock.now()));
  if (lead.status !== 'accepted' || lead.decision.kind !== 'assign') throw new Error('fixture: not assigned');
  await engine.open(lead.leadId, lead.decision.repId);
  await engine.recordFollowUp(lead.leadId, { status: '已联系', nextAction: '发送报价单', outcome });
  return (await engine.getLead(lead.leadId))!.machine.context.nextContactAt!;
}

describe('a preset outcome’s next contact lands on working time', () => {
  it('需技术确认 (2 d) on the eve of May Day, Thursday 15:00 → Saturday 2 May is a holiday → Wednesday 6 May 09:00', async () => {
    expect(local(await followUpAt('2026-04-30T15:00:00', 'needs-technical-confirmation'))).toBe(
      '2026-05-06T09:00 Wed',
    );
  });

  it('已报价 (3 d) on Wednesday 10:00 → Saturday → Monday 09:00', async () => {
    expect(local(await followUpAt('2026-03-04T10:00:00', 'quoted'))).toBe('2026-03-09T09:00 Mon');
  });

  it('a make-up working Saturday (9 May) is a working day: Thursday 7 May 10:00 + 2 d stays Saturday 10:00', async () => {
    expect(local(await followUpAt('2026-05-07T10:00:00', 'needs-technical-confirmation'))).toBe(
      '2026-05-09T10:00 Sat',
    );
  });

  it('lunch: Monday 12:30 + 3 d → Thursday 12:30 is the lunch break → 13:00', async () => {
    expect(local(await followUpAt('2026-03-02T12:30:00', 'quoted'))).toBe('2026-03-05T13:00 Thu');
  });

  it('Friday 17:59 + 3 d → Monday 17:59, already working time: unchanged', async () => {
    expect(local(await followUpAt('2026-03-06T17:59:00', 'quoted'))).toBe('2026-03-09T17:59 Mon');
  });

  it('landOn: anyTime keeps the plain duration when the rule set asks for it', async () => {
    const ruleSet = structuredClone(zhikongPreset.ruleSet) as RuleSetInput;
    ruleSet.followUp = {
      outcomes: (ruleSet.followUp?.outcomes ?? []).map((o) => ({ ...o, landOn: 'anyTime' as const })),
    };
    expect(local(await followUpAt('2026-03-04T10:00:00', 'quoted', ruleSet))).toBe('2026-03-07T10:00 Sat');
  });

  it('暂缓推进 (30 d) from 20 December lands in 2027, past the holiday data: kept as computed, not refused', async () => {
    expect(local(await followUpAt('2026-12-21T10:00:00', 'on-hold'))).toBe('2027-01-20T10:00 Wed');
  });

  it('a next contact the rep gives is kept as given (even a Sunday)', async () => {
    const context = setup({ start: '2026-03-04T10:00:00' });
    const lead = await context.engine.ingest(rawLead(context.clock.now()));
    if (lead.status !== 'accepted' || lead.decision.kind !== 'assign') throw new Error('fixture');
    await context.engine.open(lead.leadId, lead.decision.repId);
    const sunday = shanghai('2026-03-08T20:00:00');
    await context.engine.recordFollowUp(lead.leadId, {
      status: '已联系',
      nextAction: '周日晚上客户方便',
      nextContactAt: sunday,
    });
    expect((await context.engine.getLead(lead.leadId))!.machine.context.nextContactAt).toBe(sunday);
  });
});

describe('property: no computed next contact outside working time', () => {
  const outcomes = (zhikongPreset.ruleSet.followUp?.outcomes ?? []).map((o) => o.id);

  it('at any instant of 2026 and with any preset outcome, the next contact is working time, not before its duration', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({
          min: shanghai('2026-01-01T00:00:00') / 60_000,
          max: shanghai('2026-11-15T00:00:00') / 60_000,
        }),
        fc.constantFrom(...outcomes),
        async (minute, outcome) => {
          const at = DateTime.fromMillis(minute * 60_000, { zone: 'Asia/Shanghai' }).toFormat(
            "yyyy-MM-dd'T'HH:mm:ss",
          );
          const due = await followUpAt(at, outcome);
          const within = compiled.source.followUp.outcomes.find((o) => o.id === outcome)!.nextContactIn;
          expect(calendar.isBusinessTime(due)).toBe(true);
          expect(due).toBeGreaterThanOrEqual(minute * 60_000 + within);
        },
      ),
      { numRuns: 60 },
    );
  });
});
