import { beforeAll, describe, expect, it } from 'vitest';
import { rootCauseSentence } from '../../playground/src/charts/strings.js';
import { buildInsights, INSIGHT_EVENT_TYPES, type Insights } from '../../playground/src/insights.js';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import type { TeamInput } from '../../src/model/team.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { DEFAULT_BEHAVIOUR } from '../../src/simulate/behaviour.js';
import { type RunSimulationOptions, runSimulation, type SimulationResult } from '../../src/simulate/run.js';

const calendar = chinaCalendar({ years: [2026] });
const APRIL_1 = Date.parse('2026-04-01T00:00:00+08:00');

async function simulate(options: Partial<RunSimulationOptions>) {
  const result: SimulationResult = await runSimulation({
    ...zhikongPreset,
    calendar,
    seed: 7,
    days: 10,
    leadsPerMonth: 3000,
    start: APRIL_1,
    ...options,
  });
  const events = await result.engine.storage.readEvents({ types: INSIGHT_EVENT_TYPES });
  const insights = buildInsights({
    events,
    report: result.report,
    timeline: result.timeline,
    team: result.engine.team,
    calendar,
    targets: result.engine.ruleSet.source.targets,
  });
  return { ...result, events, insights };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const withCapacity = (capacity: (id: string) => number, active = (_id: string) => true): TeamInput => ({
  ...zhikongPreset.team,
  reps: zhikongPreset.team.reps.map((rep) => ({
    ...rep,
    dailyCapacity: capacity(rep.id),
    active: active(rep.id),
  })),
});

describe('buildInsights on a zhikong run over Qingming (2026-04-01, 10 days, 3000 leads/month)', () => {
  let run: Awaited<ReturnType<typeof simulate>>;
  let insights: Insights;
  beforeAll(async () => {
    run = await simulate({});
    insights = run.insights;
  });

  it('the arrivals heatmap sums to the leads received, 7 weekdays × 24 hours', () => {
    expect(insights.arrivals.matrix).toHaveLength(7);
    for (const row of insights.arrivals.matrix) expect(row).toHaveLength(24);
    expect(sum(insights.arrivals.matrix.map(sum))).toBe(run.report.counts.received);
    expect(insights.arrivals.total).toBe(run.report.counts.received);
    expect(insights.arrivals.max).toBe(Math.max(...insights.arrivals.matrix.flat()));
  });

  it('per-day received equals the timeline, per-day breaches sum to the breaches by policy', () => {
    expect(insights.days.map((d) => d.date)).toEqual(run.timeline.days);
    expect(insights.days.map((d) => d.received)).toEqual(run.timeline.received);
    expect(insights.days.map((d) => d.breaches.lead + d.breaches.opportunity)).toEqual(run.timeline.breaches);
    const breaches = sum(Object.values(run.report.counts.breachesByPolicy));
    expect(breaches).toBeGreaterThan(0);
    expect(sum(insights.days.map((d) => d.breaches.lead + d.breaches.opportunity))).toBe(breaches);
    expect(insights.breaches.total).toBe(breaches);
    expect(sum(insights.days.map((d) => d.escalations.lead))).toBe(run.report.counts.escalations);
    expect(insights.days.map((d) => d.queueDepth)).toEqual(run.timeline.queueDepth);
  });

  it('keeps the first 200 breaches and the first 30 of each day, in time order, leads clickable', () => {
    const { items } = insights.breaches;
    expect(items.length).toBeGreaterThanOrEqual(Math.min(200, insights.breaches.total));
    expect(items.length).toBeLessThanOrEqual(insights.breaches.total);
    for (let i = 1; i < items.length; i++) expect(items[i]!.at).toBeGreaterThanOrEqual(items[i - 1]!.at);
    insights.days.forEach((day) => {
      const kept = items.filter((b) => b.date === day.date).length;
      expect(kept).toBeGreaterThanOrEqual(Math.min(30, day.breaches.lead + day.breaches.opportunity));
    });
    for (const breach of items.filter((b) => b.entity === 'lead'))
      expect(breach.leadId).toBe(breach.entityId);
  });

  it('per-rep assignments sum to the lead.assigned events; loads against capacity', () => {
    const assigned = run.events.filter((e: StoredEvent) => e.type === 'lead.assigned').length;
    expect(sum(insights.reps.map((r) => r.assigned))).toBe(assigned);
    expect(insights.reps.map((r) => r.id)).toEqual(run.engine.team.reps.map((r) => r.id));
    for (const rep of insights.reps) {
      expect(rep.perDay).toHaveLength(run.timeline.days.length);
      expect(rep.assigned).toBe(sum(rep.perDay));
      expect(rep.peak).toBe(Math.max(...rep.perDay));
      expect(rep.leadIds.length).toBe(Math.min(20, new Set(rep.leadIds).size));
      expect(rep.atCapacity).toBe(rep.dailyCapacity > 0 && rep.peak >= rep.dailyCapacity);
    }
    // Leave the simulation gave reps shows as dates of the period.
    for (const [repId, ranges] of Object.entries(run.report.leave)) {
      const rep = insights.reps.find((r) => r.id === repId)!;
      const [from] = ranges[0]!.split('..');
      if (run.timeline.days.includes(from!)) expect(rep.leaveDays).toContain(from);
    }
  });

  it('classifies Qingming (04-04 … 04-06, weekend days included) as holidays', () => {
    const kind = Object.fromEntries(insights.days.map((d) => [d.date, d.kind]));
    expect(kind).toMatchObject({
      '2026-04-01': 'workday',
      '2026-04-03': 'workday',
      '2026-04-04': 'holiday',
      '2026-04-05': 'holiday',
      '2026-04-06': 'holiday',
      '2026-04-07': 'workday',
    });
    expect(insights.days.filter((d) => d.kind === 'workday' || d.kind === 'makeup')).toHaveLength(
      run.report.period.workingDays,
    );
    expect(insights.days.find((d) => d.date === '2026-04-05')?.weekday).toBe(6);
  });

  it('carries the report funnel, opportunities won, departments and stalled TOP5 as plain JSON', () => {
    const stages = insights.funnel.map((s) => s.stage);
    expect(stages.slice(0, 5)).toEqual(run.report.funnel.map((s) => s.stage));
    expect(stages.slice(5)).toEqual(['opportunity', 'won']);
    expect(insights.funnel[6]!.count).toBe(run.report.opportunities!.won);
    expect(insights.departments).toEqual(run.report.departments);
    expect(insights.stalled.map((s) => s.opportunityId)).toEqual(
      run.report.stalled.map((s) => s.opportunityId),
    );
    // The counts behind both TOP5s: non-zero entries only, summing to the count.
    expect(insights.stalledCounts.count).toBe(run.report.metrics.stalled.count);
    expect(insights.stalledLeads.count).toBe(run.report.stalledLeads.count);
    for (const counts of [insights.stalledCounts, insights.stalledLeads]) {
      expect(counts.by.reduce((sum, entry) => sum + entry.count, 0)).toBe(counts.count);
      for (const entry of counts.by) expect(entry.count).toBeGreaterThan(0);
    }
    expect(insights.stalledLeads.top5.map((s) => s.leadId)).toEqual(
      run.report.stalledLeads.top5.map((s) => s.leadId),
    );
    expect(JSON.parse(JSON.stringify(insights))).toEqual(insights);
  });

  it('finds the capacity shortfall of the zhikong team at this volume', () => {
    expect(insights.rootCause?.kind).toBe('capacity');
    expect(insights.rootCause?.facts.dailyCapacity).toBe(run.report.team.dailyCapacity);
  });
});

describe('buildInsights: days around May Day 2026', () => {
  it('classifies the holidays 05-01 … 05-05, the make-up Saturday 05-09 and the weekend', async () => {
    const { insights } = await simulate({
      start: Date.parse('2026-04-28T00:00:00+08:00'),
      days: 14,
      leadsPerMonth: 300,
    });
    const kind = Object.fromEntries(insights.days.map((d) => [d.date, d.kind]));
    expect(kind).toEqual({
      '2026-04-28': 'workday',
      '2026-04-29': 'workday',
      '2026-04-30': 'workday',
      '2026-05-01': 'holiday',
      '2026-05-02': 'holiday',
      '2026-05-03': 'holiday',
      '2026-05-04': 'holiday',
      '2026-05-05': 'holiday',
      '2026-05-06': 'workday',
      '2026-05-07': 'workday',
      '2026-05-08': 'workday',
      '2026-05-09': 'makeup',
      '2026-05-10': 'weekend',
      '2026-05-11': 'workday',
    });
  });
});

describe('buildInsights: root cause', () => {
  it('a tiny team (one active rep, capacity 3) is a capacity shortfall, with the figures', async () => {
    const team = withCapacity(
      (id) => (id === 'rep-e' ? 3 : 10),
      (id) => id === 'rep-e',
    );
    const { insights, report } = await simulate({ team, seed: 11 });
    expect(insights.rootCause).toMatchObject({
      kind: 'capacity',
      target: 'assignedWithin',
      facts: {
        dailyCapacity: 3,
        validPerWorkingDay: Math.round(report.counts.valid / report.period.workingDays),
        queuedAtEnd: report.counts.queuedAtEnd,
      },
    });
    const zh = rootCauseSentence(insights.rootCause, 'zh-CN')!;
    const en = rootCauseSentence(insights.rootCause, 'en')!;
    expect(zh).toContain('3');
    expect(en).toContain(`~${insights.rootCause!.facts.validPerWorkingDay}`);
    expect(en).toMatch(/capacity/i);
  });

  it('a well-staffed run whose targets pass has none', async () => {
    // Ten days decide only a handful of opportunities' advances: a seed where those few are on time.
    const { insights, report } = await simulate({
      team: withCapacity(() => 200),
      leadsPerMonth: 600,
      seed: 14,
    });
    expect(report.targets.filter((t) => t.achieved !== null).every((t) => t.passed)).toBe(true);
    expect(insights.rootCause).toBeNull();
    expect(rootCauseSentence(null, 'en')).toBeNull();
  });

  it('enough capacity but slow first follow-ups is slowFollowUp, with the median', async () => {
    const behaviour = {
      ...DEFAULT_BEHAVIOUR,
      firstFollowUp: { ...DEFAULT_BEHAVIOUR.firstFollowUp, medianMs: 60 * 3_600_000 },
    };
    const { insights, report } = await simulate({
      team: withCapacity(() => 200),
      leadsPerMonth: 600,
      seed: 11,
      behaviour,
    });
    expect(report.targets.find((t) => t.id === 'followedUpWithin')?.passed).toBe(false);
    expect(insights.rootCause?.kind).toBe('slowFollowUp');
    // Follow-ups still missing at the end are not in the median: it can stay under the target.
    expect(insights.rootCause?.facts.medianMs).toBeGreaterThan(12 * 3_600_000);
    expect(insights.rootCause?.facts.notFollowedUp).toBeGreaterThan(0);
    expect(insights.rootCause?.facts.slowestRepId).toMatch(/^rep-/);
    expect(insights.rootCause?.facts.targetMs).toBe(24 * 3_600_000);
    expect(rootCauseSentence(insights.rootCause, 'zh-CN')).toContain('小时');
  });
});
