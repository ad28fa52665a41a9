import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CandidateRow,
  type ExplainBlock,
  type ExplainSection,
  explainSections,
  shanghaiTime,
  translateReason,
} from '../../playground/src/explain/explain.js';
import { EXPLAIN_STRINGS } from '../../playground/src/explain/strings.js';
import type { Engine } from '../../src/engine/engine.js';
import type { LeadExplanation } from '../../src/engine/types.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { runSimulation } from '../../src/simulate/run.js';

const ruleSet = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
const team = zhikongPreset.team;
const zh = EXPLAIN_STRINGS['zh-CN'];
const repName = (id: string) => team.reps.find((rep) => rep.id === id)!.name;

let traced: Engine;
/** A heavier run whose reps fill up, so leads reach the supervisor queue. */
let crowded: Engine;
let untraced: Engine;

beforeAll(async () => {
  const base = { ruleSet, team, calendar: chinaCalendar({ years: [2026] }), seed: 3 };
  [traced, crowded, untraced] = await Promise.all([
    runSimulation({ ...base, days: 5, leadsPerMonth: 1500, trace: true }).then((r) => r.engine),
    runSimulation({ ...base, days: 2, leadsPerMonth: 6000, trace: true }).then((r) => r.engine),
    runSimulation({ ...base, days: 5, leadsPerMonth: 1500 }).then((r) => r.engine),
  ]);
});

const section = (sections: ExplainSection[], id: ExplainSection['id']) => sections.find((s) => s.id === id)!;
const blocks = <K extends ExplainBlock['kind']>(s: ExplainSection, kind: K) =>
  s.blocks.filter((b): b is Extract<ExplainBlock, { kind: K }> => b.kind === kind);
const factValue = (s: ExplainSection, label: string) =>
  blocks(s, 'facts')
    .flatMap((b) => b.items)
    .find((item) => item.label === label)?.value;
const table = (s: ExplainSection, role: string) => blocks(s, 'table').find((b) => b.role === role)!;

/** The explanation of the first lead whose events include `type` and that passes `accept`. */
async function findLead(
  engine: Engine,
  type: string,
  accept: (e: LeadExplanation) => boolean = () => true,
): Promise<LeadExplanation> {
  for (const event of await engine.storage.readEvents({ types: [type] })) {
    const explanation = await engine.explain(event.entityId);
    if (accept(explanation)) return explanation;
  }
  throw new Error(`no lead with ${type}`);
}

describe('explainSections of an assigned lead', () => {
  let e: LeadExplanation;
  let sections: ExplainSection[];
  beforeAll(async () => {
    // A lead a rule assigned (not a claim or a supervisor), with an SLA clock that ran.
    e = await findLead(traced, 'lead.assigned', (x) => x.decisions.at(-1)?.decision.kind === 'assign');
    sections = explainSections(e, { ruleSet, team, lang: 'zh-CN' });
  });

  it('has its sections in reading order', () => {
    expect(sections.map((s) => s.id)).toEqual([
      'summary',
      'qualification',
      ...e.decisions.map(() => 'assignment' as const),
      'sla',
      'timers',
      'escalations',
      'events',
    ]);
  });

  it('names the rep the lead went to', () => {
    const decision = e.decisions.at(-1)!.decision;
    if (decision.kind !== 'assign') throw new Error('unreachable');
    expect(factValue(section(sections, 'summary'), zh.summary.owner)).toBe(
      `${repName(e.ownerId!)} (${e.ownerId})`,
    );
    const assignment = sections.filter((s) => s.id === 'assignment').at(-1)!;
    expect(factValue(assignment, zh.assignment.outcome)).toBe(
      `分配给 ${repName(decision.repId)} (${decision.repId})`,
    );
    const description = zhikongPreset.ruleSet.assignment!.rules!.find((r) => r.id === decision.ruleId)!
      .description!;
    expect(factValue(assignment, zh.assignment.rule)).toBe(`${decision.ruleId} — ${description}`);
    expect(factValue(assignment, zh.assignment.strategy)).toContain(`(${decision.strategy})`);
  });

  it('lists every candidate of the matching rule, taken or skipped, with reasons', () => {
    const decision = e.decisions.at(-1)!;
    const assigned = decision.decision;
    if (assigned.kind !== 'assign') throw new Error('unreachable');
    const trace = decision.explanation.assignment.find((t) => t.ruleId === assigned.ruleId)!;
    const assignment = sections.filter((s) => s.id === 'assignment').at(-1)!;
    const candidates = blocks(assignment, 'candidates').find((b) => b.ruleId === trace.ruleId)!;
    expect(candidates.rows.map((row) => row.repId)).toEqual(trace.candidates!.map((c) => c.repId));
    const expected = (repId: string, eligible: boolean): CandidateRow['status'] =>
      repId === assigned.repId ? 'taken' : eligible ? 'eligible' : 'skipped';
    trace.candidates!.forEach((verdict, i) => {
      const row = candidates.rows[i]!;
      expect(row.status).toBe(expected(verdict.repId, verdict.eligible));
      expect(row.rep).toContain(repName(verdict.repId));
      expect(row.reasons).toHaveLength(verdict.reasons.length);
      expect(row.statusText).toBe(
        { taken: '选中', eligible: '可用，未选中', skipped: '跳过', offered: '已弹窗' }[row.status],
      );
    });
    expect(candidates.rows.filter((row) => row.status === 'taken')).toHaveLength(1);
    // The matching rule's conditions: fact, operator, expected, actual, held.
    const conditions = blocks(assignment, 'table').find(
      (b) => b.role === 'conditions' && b.caption === zh.conditions.caption(trace.ruleId),
    );
    if (trace.conditions.length > 0) {
      expect(conditions!.rows).toHaveLength(trace.conditions.length);
      expect(conditions!.rows.every((row) => row.cells.at(-1) === '是')).toBe(true);
    }
    // Every rule tried before it, in order.
    const rules = table(assignment, 'rules');
    expect(rules.rows.map((row) => row.key)).toEqual(decision.explanation.assignment.map((t) => t.ruleId));
  });

  it('includes the SLA clocks, with times in Asia/Shanghai', () => {
    const sla = table(section(sections, 'sla'), 'sla');
    expect(sla.rows).toHaveLength(e.sla.length);
    expect(e.sla.length).toBeGreaterThan(0);
    e.sla.forEach((clock, i) => {
      const cells = sla.rows[i]!.cells;
      expect(cells[0]).toContain(clock.policyId);
      expect(cells[3]).toBe(shanghaiTime(clock.startedAt));
      expect(cells[4]).toBe(clock.dueAt === null ? '—' : shanghaiTime(clock.dueAt));
      expect(cells[5]).toContain(zh.sla.statuses[clock.status]!);
    });
    const policy = zhikongPreset.ruleSet.sla!.policies!.find((p) => p.id === e.sla[0]!.policyId)!;
    expect(sla.rows[0]!.cells[0]).toBe(`${policy.description} (${policy.id})`);
  });

  it('lists the events in time order', () => {
    const events = table(section(sections, 'events'), 'events');
    expect(events.rows).toHaveLength(e.events.length);
    const bySeq = new Map(e.events.map((event) => [String(event.seq), event]));
    const times = events.rows.map((row) => bySeq.get(row.key)!.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.rows.map((row) => row.cells[0])).toEqual(times.map(shanghaiTime));
    const assigned = events.rows.find((row) => bySeq.get(row.key)!.type === 'lead.assigned')!;
    expect(assigned.cells[1]).toBe('分配');
    expect(assigned.cells[2]).toContain(repName(e.ownerId!));
  });

  it('reads rule descriptions from a source or a compiled rule set alike, and works without either', () => {
    const fromSource = explainSections(e, { ruleSet: ruleSet.source, team, lang: 'zh-CN' });
    expect(fromSource).toEqual(sections);
    const bare = explainSections(e, { lang: 'en' });
    const decision = e.decisions.at(-1)!.decision;
    if (decision.kind !== 'assign') throw new Error('unreachable');
    const assignment = bare.filter((s) => s.id === 'assignment').at(-1)!;
    expect(factValue(assignment, 'Outcome')).toBe(`Assigned to ${decision.repId}`);
    expect(factValue(assignment, 'Matching rule')).toBe(decision.ruleId);
  });
});

describe('why a lead was not assigned', () => {
  it('a nurtured lead shows the failed parts of the valid-lead check', async () => {
    const e = await findLead(traced, 'lead.nurturing');
    const sections = explainSections(e, { ruleSet, team, lang: 'zh-CN' });
    const qualification = section(sections, 'qualification');
    const failed = e.decisions.at(-1)!.explanation.qualification.filter((p) => !p.held);
    expect(failed.length).toBeGreaterThan(0);
    const note = blocks(qualification, 'note')[0]!;
    expect(note.tone).toBe('bad');
    for (const part of failed) {
      expect(note.text).toContain(zh.parts[part.part]!);
      const conditions = blocks(qualification, 'table').find((b) => b.caption === zh.parts[part.part])!;
      expect(conditions.rows.some((row) => row.cells.at(-1) === '否')).toBe(true);
    }
    const outcome = factValue(section(sections, 'assignment'), zh.assignment.outcome)!;
    expect(outcome).toMatch(/^进入培育，至 \d{4}-\d\d-\d\d \d\d:\d\d：不是有效线索：/);
    expect(outcome).toContain(zh.parts[failed[0]!.part]!);
    expect(factValue(section(sections, 'summary'), zh.summary.qualified)).toBe('否');
    const events = table(section(sections, 'events'), 'events');
    expect(events.rows.find((row) => row.cells[1] === '进入培育')!.cells[2]).toContain('不是有效线索');
  });

  it('a queued lead shows that every candidate was full', async () => {
    // Queued because every rule's candidates were full (not because nobody had a similar win).
    const e = await findLead(
      crowded,
      'lead.queued',
      (x) =>
        x.decisions.at(-1)?.decision.kind === 'queue' &&
        x.decisions
          .at(-1)!
          .explanation.assignment.every((r) => !r.matched || r.outcome === 'no eligible candidate'),
    );
    const sections = explainSections(e, { ruleSet, team, lang: 'zh-CN' });
    const assignment = sections.filter((s) => s.id === 'assignment').at(-1)!;
    const decision = e.decisions.at(-1)!.decision;
    if (decision.kind !== 'queue') throw new Error('unreachable');
    expect(factValue(assignment, zh.assignment.outcome)).toMatch(/^进入主管队列（.+ \(sup-[a-z]+\)）：/);
    const candidates = blocks(assignment, 'candidates');
    expect(candidates.length).toBeGreaterThan(0);
    for (const block of candidates)
      for (const row of block.rows) {
        expect(row.status).toBe('skipped');
        expect(row.reasons.join()).not.toMatch(/[a-z]{4,}/); // every engine reason translated
      }
    const rules = table(assignment, 'rules');
    expect(rules.rows.some((row) => row.cells[2] === '没有可用的候选人')).toBe(true);
  });

  it('without tracing, says that candidates were not recorded', async () => {
    const e = await findLead(
      untraced,
      'lead.assigned',
      (x) => x.decisions.at(-1)?.decision.kind === 'assign',
    );
    const sections = explainSections(e, { ruleSet, team, lang: 'en' });
    const assignment = sections.filter((s) => s.id === 'assignment').at(-1)!;
    expect(blocks(assignment, 'candidates')).toEqual([]);
    expect(blocks(assignment, 'note').map((n) => n.text)).toContain(
      EXPLAIN_STRINGS.en.assignment.noCandidates,
    );
  });
});

describe('translateReason', () => {
  it('translates the reasons of decide.ts and keeps unknown ones', () => {
    const name = (id: string) => `${repName(id)} (${id})`;
    const cases: [string, string][] = [
      ['capacity 8/8', '今日已满（8/8）'],
      ['load 3/10', '今日已分配 3/10'],
      ['on leave 2026-03-02..2026-03-04', '休假 2026-03-02 至 2026-03-04'],
      ['on leave 2026-03-02 14:00..2026-03-02 16:30', '休假 2026-03-02 14:00 至 2026-03-02 16:30'],
      ['off shift at 2026-03-02 13:00', '不在班（2026-03-02 13:00）'],
      ['load 5/8 units (3 leads), this lead 2', '今日负荷 5/8 单位（3 条线索），本线索 2 单位'],
      ['capacity 7/8 units (1 lead), this lead 2', '今日负荷已满：7/8 单位（1 条线索），本线索需 2 单位'],
      ['weight 2 of 5', '轮询权重 2/5'],
      ['lacks skill technical, english', '缺少技能：technical、english'],
      ['away', '暂时离开（不接新线索）'],
      ['no calendar to read shifts and partial-day leave in', '没有业务日历，无法判断班次和半天假'],
      ['region mismatch (lead 浙江; rep covers 江苏, 上海)', '地区不符（线索：浙江；负责：江苏、上海）'],
      ['industry mismatch (lead 教育; rep covers none)', '行业不符（线索：教育；负责：无）'],
      ['channel douyin_live not handled', '不处理渠道 douyin_live'],
      ['score 3: 2026-02-10 c-9 (化工, 浙江) +3', '相似成交得分 3：2026-02-10 c-9 (化工, 浙江) +3'],
      [
        'score 0: no win in 化工 or 浙江 since 2025-12-02',
        '相似成交得分 0：2025-12-02 以来没有 化工 行业或 浙江 地区的成交',
      ],
      [
        'best similar-win score 0 is below the minimum 1',
        '最高相似成交得分 0，低于要求的 1：不算匹配，转下一条规则',
      ],
      ['inactive', '已停用'],
      ['not in the team', '不在团队中'],
      ['excluded (reassigning away)', '已排除（正在从该销售改派）'],
      ['assigned rep-b', `分配给 ${name('rep-b')}`],
      ['not a valid lead: completeInfo, explicitNeed failed', '不是有效线索：信息完整、需求明确 未满足'],
      ['no assignment rule matched', '没有分配规则匹配'],
      ['something the engine says one day', 'something the engine says one day'],
    ];
    for (const [reason, expected] of cases) expect(translateReason(reason, 'zh-CN', name)).toBe(expected);
    expect(translateReason('capacity 8/8', 'en')).toBe('at capacity (8/8)');
    expect(translateReason('off shift at 2026-03-02 13:00', 'en')).toBe('off shift at 2026-03-02 13:00');
    expect(translateReason('capacity 7/8 units (4 leads), this lead 2', 'en')).toBe(
      'at capacity: 7/8 units today (4 leads); this lead needs 2',
    );
    expect(translateReason('on leave 2026-03-02 14:00..2026-03-02 16:30', 'en')).toBe(
      'on leave 2026-03-02 14:00 to 2026-03-02 16:30',
    );
  });

  it('formats times in Asia/Shanghai', () => {
    expect(shanghaiTime(Date.parse('2026-03-02T00:00:00+08:00'))).toBe('2026-03-02 00:00');
    expect(shanghaiTime(Date.parse('2026-03-01T17:05:00Z'))).toBe('2026-03-02 01:05');
  });
});
