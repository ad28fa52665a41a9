import { describe, expect, it } from 'vitest';
import { hengruiPreset } from '../../src/rules/presets/hengrui.js';
import { zhikongPreset } from '../../src/rules/presets/zhikong.js';
import { generateLeadStream } from '../../src/simulate/generate.js';
import {
  DEFAULT_SIMULATION_START,
  runSimulation,
  type SimulationAction,
  simulationPeriod,
} from '../../src/simulate/run.js';
import { calendar, DAY, staffed } from './helpers.js';

const base = { ruleSet: zhikongPreset.ruleSet, calendar, days: 6, leadsPerMonth: 4_000 } as const;

describe('runSimulation', () => {
  it('gives a byte-identical report for the same seed, a different one for another seed', async () => {
    const first = await runSimulation({ ...base, team: staffed, seed: 11 });
    const again = await runSimulation({ ...base, team: staffed, seed: 11 });
    expect(JSON.stringify(again.report)).toBe(JSON.stringify(first.report));
    expect(JSON.stringify(again.timeline)).toBe(JSON.stringify(first.timeline));
    const other = await runSimulation({ ...base, team: staffed, seed: 12 });
    expect(JSON.stringify(other.report)).not.toBe(JSON.stringify(first.report));
  });

  it('traced or not, the same report; a traced run lets its engine explain every lead afterwards', async () => {
    const plain = await runSimulation({ ...base, team: staffed, seed: 19 });
    const traced = await runSimulation({ ...base, team: staffed, seed: 19, trace: true });
    expect(JSON.stringify(traced.report)).toBe(JSON.stringify(plain.report));
    expect(JSON.stringify(traced.timeline)).toBe(JSON.stringify(plain.timeline));
    const assigned = await traced.engine.storage.readEvents({ types: ['lead.assigned'] });
    expect(assigned.length).toBeGreaterThan(0);
    const leadId = assigned[0]!.entityId;
    const trail = await traced.engine.explain(leadId);
    const rules = trail.decisions[0]!.explanation.assignment;
    // Traced: the matching rule says which reps it weighed and why each was taken or skipped.
    expect(rules.some((r) => r.matched && (r.candidates?.length ?? 0) > 0)).toBe(true);
    const untraced = await plain.engine.explain(leadId);
    expect(untraced.decisions[0]!.explanation.assignment.every((r) => r.conditions.length === 0)).toBe(true);
  });

  it('loses nothing: received + quarantined + merged = generated, malformed payloads all quarantined', async () => {
    const seed = 5;
    const start = DEFAULT_SIMULATION_START;
    const stream = generateLeadStream({ seed, start, days: 6, leadsPerMonth: 4_000, calendar });
    const { report } = await runSimulation({ ...base, team: staffed, seed });
    const c = report.counts;
    expect(c.arrivals).toBe(stream.length);
    expect(c.received + c.quarantined + c.duplicatesMerged).toBe(stream.length);
    expect(c.quarantined).toBe(stream.filter((lead) => lead.kind === 'malformed').length);
    expect(c.duplicatesMerged).toBeGreaterThan(0);
    expect(c.duplicatesMerged).toBeLessThanOrEqual(stream.filter((lead) => lead.kind === 'duplicate').length);
    expect(Object.values(c.quarantinedByPath).reduce((a, b) => a + b, 0)).toBe(c.quarantined);
  });

  it('reports the metrics, targets, funnel, escalations and a per-day timeline', async () => {
    const { report, timeline } = await runSimulation({ ...base, team: staffed, seed: 3 });
    expect(report.metrics.leads.received).toBe(report.counts.received);
    expect(report.targets.map((t) => t.id)).toEqual(['assignedWithin', 'followedUpWithin', 'advancedOnTime']);
    expect(report.targets[0]!.achieved).toBe(report.metrics.actionCertainty.assignedWithinTarget.share);
    expect(report.passed).toBe(report.targets.every((t) => t.passed));
    // A staffed team assigns nearly everything on arrival.
    expect(report.targets[0]!.achieved!).toBeGreaterThan(0.9);
    expect(report.funnel.map((s) => s.stage)).toEqual([
      'received',
      'valid',
      'assigned',
      'followedUp',
      'converted',
    ]);
    const counts = report.funnel.map((s) => s.count);
    for (let i = 1; i < counts.length; i++) expect(counts[i]!).toBeLessThanOrEqual(counts[i - 1]!);
    expect(report.counts.converted).toBeGreaterThan(0);
    expect(report.actions.opens).toBeGreaterThan(0);
    expect(report.actions.followUps).toBeGreaterThan(report.counts.followedUp);
    expect(timeline.days).toHaveLength(6);
    expect(timeline.days[0]).toBe('2026-03-02');
    for (const series of [
      timeline.received,
      timeline.assigned,
      timeline.breaches,
      timeline.queued,
      timeline.queueDepth,
    ])
      expect(series).toHaveLength(6);
    expect(timeline.received.reduce((a, b) => a + b, 0)).toBe(report.counts.received);
    expect(timeline.assigned.reduce((a, b) => a + b, 0)).toBe(report.counts.assigned);
    const breaches = Object.values(report.counts.breachesByPolicy).reduce((a, b) => a + b, 0);
    expect(timeline.breaches.reduce((a, b) => a + b, 0)).toBe(breaches);
    expect(report.stalled.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < report.stalled.length; i++)
      expect(report.stalled[i]!.dwellMs).toBeLessThanOrEqual(report.stalled[i - 1]!.dwellMs);
  });

  it('queues what a small team cannot take; supervisors assign from the queue within capacity', async () => {
    const { report, timeline } = await runSimulation({ ...base, team: zhikongPreset.team, seed: 3 });
    expect(report.counts.queued).toBeGreaterThan(0);
    expect(report.actions.supervisorAssigns).toBeGreaterThan(0);
    expect(report.counts.escalationsByPolicy['unassigned-15m']).toBeGreaterThan(0);
    expect(report.escalations.byPolicy[0]).toEqual({
      policyId: 'unassigned-15m',
      count: report.counts.escalationsByPolicy['unassigned-15m'],
    });
    expect(report.counts.queuedAtEnd).toBe(timeline.queueDepth.at(-1));
    expect(report.targets[0]!.passed).toBe(false);
    // Daily capacity holds for every assignment (rules, claims, the supervisor's).
    const perRepDay = new Map<string, number>();
    const actions: SimulationAction[] = [];
    await runSimulation({
      ...base,
      team: zhikongPreset.team,
      seed: 3,
      onAction: (a) => actions.push(a),
      extensions: [
        {
          name: 'capacity',
          setup(ctx) {
            ctx.engine.on('lead.assigned', (event) => {
              const key = `${event.repId}@${Math.floor((event.at + 8 * 3_600_000) / DAY)}`;
              perRepDay.set(key, (perRepDay.get(key) ?? 0) + 1);
            });
          },
        },
      ],
    });
    expect(actions.filter((a) => a.type === 'assign' && a.accepted).length).toBe(
      report.actions.supervisorAssigns,
    );
    expect(perRepDay.size).toBeGreaterThan(0);
    for (const [key, n] of perRepDay) {
      const rep = zhikongPreset.team.reps.find((r) => key.startsWith(`${r.id}@`))!;
      expect(n).toBeLessThanOrEqual(rep.dailyCapacity);
    }
  });

  it('replays explicit leads, arriving at their receivedAt', async () => {
    const t = Date.parse('2026-03-03T10:00:00+08:00');
    const lead = (i: number, extra: Record<string, unknown> = {}) => ({
      receivedAt: t + i * 60_000,
      channel: 'website_form',
      company: { name: `测试${i}`, region: '浙江', industry: '化工' },
      contact: { phone: `1380000000${i}` },
      need: '需要一套产线自动化改造方案',
      ...extra,
    });
    const leads = [lead(2), lead(0), lead(1, { company: { name: 'x' } }), lead(3, { receivedAt: 'garbage' })];
    const period = simulationPeriod({ zone: 'Asia/Shanghai', leads });
    expect(period.start).toBe(Date.parse('2026-03-03T00:00:00+08:00'));
    expect(period.days).toBe(1);
    const { report } = await runSimulation({
      ruleSet: zhikongPreset.ruleSet,
      team: staffed,
      calendar,
      leads,
    });
    expect(report.input.source).toBe('explicit');
    expect(report.period.days).toBe(1);
    expect(report.counts).toMatchObject({ arrivals: 4, received: 2, quarantined: 2, afterEnd: 0 });
  });

  it('counts refusals instead of crashing, and runs extensions', async () => {
    const seen: string[] = [];
    const { report } = await runSimulation({
      ...base,
      ruleSet: hengruiPreset.ruleSet,
      team: hengruiPreset.team,
      leadsPerMonth: 3_000,
      seed: 9,
      extensions: [
        {
          name: 'probe',
          setup(ctx) {
            ctx.engine.on('lead.escalated', () => ctx.count('escalated'));
            ctx.schedule(ctx.now() + DAY, async () => {
              seen.push(new Date(ctx.now()).toISOString());
              ctx.count('ran');
            });
          },
        },
      ],
    });
    expect(report.input.market).toBe('hengrui');
    expect(seen).toEqual(['2026-03-02T16:00:00.000Z']);
    expect(report.extensions?.probe?.ran).toBe(1);
    expect(report.extensions?.probe?.escalated ?? 0).toBe(report.counts.escalations);
  });
});
