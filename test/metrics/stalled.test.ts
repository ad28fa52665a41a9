/**
 * Seed 003, the lead-health dashboard: "线索健康度仪表盘(实时显示:24h内未分配线索数、72h未跟进线索数、
 * 阶段停滞超5天线索TOP5)" — and seed 000's "商机停滞TOP5清单". 超5天 is strictly more than five days of
 * wall time in one state (a lead's) or stage (an opportunity's), judged at `asOf`; the view gives
 * the count, the count per state / stage, and the worst five.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import {
  computeLeadMetrics,
  LEAD_STALL_STATES,
  type LeadMetricsOptions,
} from '../../src/metrics/lead-metrics.js';
import { computeMetrics } from '../../src/metrics/metrics.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { DAY, HOUR, MIN, rawLead, setup, shanghai } from '../engine/helpers.js';

const calendar = chinaCalendar({ years: [2026] });
const MS = 1;
const T0 = shanghai('2026-03-02T10:00:00'); // Monday
const targets = {
  assignedWithinShare: 0.95,
  assignWithin: 5 * MIN,
  followedUpWithinShare: 0.9,
  firstFollowUpWithin: DAY,
  advancedOnTimeShare: 0.85,
};
/** The window and threshold a test may change; the rest are the presets' targets. */
type Window = Partial<Pick<LeadMetricsOptions, 'from' | 'to' | 'stalledAfterMs'>>;
const options = (asOf: number, window: Window = {}) => ({
  from: T0 - DAY,
  to: T0 + 60 * DAY,
  asOf,
  calendar,
  targets,
  ...window,
});

let seq = 0;
const lead = (
  entityId: string,
  type: string,
  at: number,
  data: Record<string, unknown> = {},
): StoredEvent => ({
  seq: ++seq,
  kind: 'lead',
  entityId,
  type,
  at,
  data: data as StoredEvent['data'],
});
const opportunity = (
  entityId: string,
  type: string,
  at: number,
  data: Record<string, unknown> = {},
): StoredEvent => ({
  seq: ++seq,
  kind: 'opportunity',
  entityId,
  type,
  at,
  data: data as StoredEvent['data'],
});
/** A lead received at `at` and assigned to `repId` at once. */
const assignedLead = (leadId: string, at: number, repId = 'rep-a'): StoredEvent[] => [
  lead(leadId, 'lead.received', at, { qualified: true, receivedAt: at }),
  lead(leadId, 'lead.assigned', at, { repId, by: 'rule' }),
];
const stalledLeads = (log: readonly StoredEvent[], asOf: number, window: Window = {}) =>
  computeLeadMetrics(log, options(asOf, window)).stalled;

describe('阶段停滞超5天线索TOP5: leads longer than 5 days in one state', () => {
  const log = assignedLead('l1', T0);

  it('a lead assigned exactly 5 days ago is not stalled; 5 days + 1 ms is', () => {
    expect(stalledLeads(log, T0 + 5 * DAY)).toMatchObject({ count: 0, top5: [] });
    expect(stalledLeads(log, T0 + 5 * DAY + MS)).toEqual({
      afterMs: 5 * DAY,
      count: 1,
      byState: { ...Object.fromEntries(LEAD_STALL_STATES.map((s) => [s, 0])), assigned: 1 },
      top5: [{ leadId: 'l1', state: 'assigned', dwellMs: 5 * DAY + MS, ownerId: 'rep-a' }],
    });
  });

  it('counts wall time: a weekend and the Qingming holiday count like working days', () => {
    // Thursday 2 April 2026 → Tuesday 7 April: Qingming (4–6 April) in between, still 5 days.
    const thursday = shanghai('2026-04-02T10:00:00');
    const qingming = assignedLead('l-qm', thursday);
    expect(stalledLeads(qingming, thursday + 5 * DAY + MS).count).toBe(1);
  });

  it('a lead that moves state starts a new dwell: opened on day 4 is not stalled on day 6', () => {
    const moved = [...log, lead('l1', 'lead.opened', T0 + 4 * DAY, { repId: 'rep-a' })];
    expect(stalledLeads(moved, T0 + 6 * DAY).count).toBe(0);
    expect(stalledLeads(moved, T0 + 9 * DAY + MS).top5).toEqual([
      { leadId: 'l1', state: 'opened', dwellMs: 5 * DAY + MS, ownerId: 'rep-a' },
    ]);
  });

  it('a new owner or a further follow-up in the same state does not reset the dwell', () => {
    const reassigned = [
      ...log,
      lead('l1', 'lead.assigned', T0 + 2 * DAY, { repId: 'rep-b', by: 'reassign' }),
    ];
    expect(stalledLeads(reassigned, T0 + 5 * DAY + MS).top5).toEqual([
      { leadId: 'l1', state: 'assigned', dwellMs: 5 * DAY + MS, ownerId: 'rep-b' },
    ]);
    const followedUp = [
      ...log,
      lead('l1', 'lead.followedUp', T0 + HOUR, { repId: 'rep-a', first: true }),
      lead('l1', 'lead.followedUp', T0 + 3 * DAY, { repId: 'rep-a', first: false }),
      lead('l1', 'lead.handedOver', T0 + 4 * DAY, { from: 'rep-a', to: 'rep-c' }),
    ];
    expect(stalledLeads(followedUp, T0 + HOUR + 5 * DAY + MS).top5).toEqual([
      { leadId: 'l1', state: 'contacted', dwellMs: 5 * DAY + MS, ownerId: 'rep-c' },
    ]);
  });

  it('a closed lead never stalls, whatever the log says after', () => {
    const converted = [
      ...log,
      lead('l1', 'lead.converted', T0 + DAY, { reason: null }),
      lead('l1', 'lead.closed', T0 + DAY, { state: 'converted' }),
      lead('l1', 'lead.assigned', T0 + 2 * DAY, { repId: 'rep-b', by: 'reassign' }),
    ];
    expect(stalledLeads(converted, T0 + 30 * DAY).count).toBe(0);
  });

  it('nurturing does not stall (its incubation has its own clock); the pool after it does', () => {
    const nurtured = [
      ...log,
      lead('l1', 'lead.followedUp', T0 + HOUR, { repId: 'rep-a', first: true }),
      lead('l1', 'lead.nurturing', T0 + HOUR, { until: T0 + 20 * DAY, reason: null }),
    ];
    expect(stalledLeads(nurtured, T0 + 19 * DAY).count).toBe(0);
    const recycled = [
      ...nurtured,
      lead('l1', 'lead.recycled', T0 + 20 * DAY, { reason: 'incubation expired' }),
    ];
    expect(stalledLeads(recycled, T0 + 25 * DAY).count).toBe(0);
    expect(stalledLeads(recycled, T0 + 25 * DAY + MS).top5).toEqual([
      // In the pool nobody owns it.
      { leadId: 'l1', state: 'recycled', dwellMs: 5 * DAY + MS, ownerId: null },
    ]);
  });

  it('leads waiting for a claim or the supervisor stall too, from when they started waiting', () => {
    const waiting = [
      lead('l-offer', 'lead.received', T0, { qualified: true }),
      lead('l-offer', 'lead.offered', T0, { repIds: ['rep-a', 'rep-b'], ruleId: 'tender' }),
      lead('l-queue', 'lead.received', T0, { qualified: true }),
      lead('l-queue', 'lead.queued', T0 + DAY, { supervisorId: 'sup-1', reason: 'capacity' }),
      lead('l-new', 'lead.received', T0 - HOUR, { qualified: true, receivedAt: T0 - 2 * HOUR }),
    ];
    expect(stalledLeads(waiting, T0 + 6 * DAY + MS).top5).toEqual([
      // Never decided: the dwell counts from the lead's own arrival, like every lead clock.
      { leadId: 'l-new', state: 'received', dwellMs: 6 * DAY + 2 * HOUR + MS, ownerId: null },
      { leadId: 'l-offer', state: 'awaitingAssignment.offered', dwellMs: 6 * DAY + MS, ownerId: null },
      { leadId: 'l-queue', state: 'awaitingAssignment.queued', dwellMs: 5 * DAY + MS, ownerId: null },
    ]);
  });

  it('counts every stalled lead and lists the five longest, ties by lead id', () => {
    // l7 waits longest; l3, l2 and l1 arrived together (4 h after l7): the tie goes to l1.
    const many = ['l7', 'l6', 'l5', 'l4', 'l3', 'l2', 'l1'].flatMap((id, i) =>
      assignedLead(id, T0 + Math.min(i, 4) * HOUR),
    );
    const view = stalledLeads(many, T0 + 10 * DAY);
    expect(view.count).toBe(7);
    expect(view.byState.assigned).toBe(7);
    expect(view.top5.map((row) => [row.leadId, row.dwellMs])).toEqual([
      ['l7', 10 * DAY],
      ['l6', 10 * DAY - HOUR],
      ['l5', 10 * DAY - 2 * HOUR],
      ['l4', 10 * DAY - 3 * HOUR],
      ['l1', 10 * DAY - 4 * HOUR],
    ]);
    // The threshold is an option: 9 days 22 h keeps l7 and l6 (l5 is exactly at it, not beyond).
    expect(stalledLeads(many, T0 + 10 * DAY, { stalledAfterMs: 10 * DAY - 2 * HOUR }).top5).toHaveLength(2);
  });

  it('an offer that expires and goes to another broadcast is a new wait', () => {
    const reoffered = [
      lead('l1', 'lead.received', T0, { qualified: true }),
      lead('l1', 'lead.offered', T0, { repIds: ['rep-a'], ruleId: 'tender' }),
      lead('l1', 'lead.offerExpired', T0 + 2 * DAY, { repIds: ['rep-a'], ruleId: 'tender' }),
      lead('l1', 'lead.offered', T0 + 2 * DAY, { repIds: ['rep-b'], ruleId: 'tender-2' }),
    ];
    expect(stalledLeads(reoffered, T0 + 7 * DAY).count).toBe(0);
    expect(stalledLeads(reoffered, T0 + 7 * DAY + MS).top5).toEqual([
      { leadId: 'l1', state: 'awaitingAssignment.offered', dwellMs: 5 * DAY + MS, ownerId: null },
    ]);
  });

  it('covers the leads received in [from, to), judged at asOf', () => {
    const windowed = [
      ...assignedLead('before', T0 - 2 * DAY),
      ...assignedLead('first', T0),
      ...assignedLead('last', T0 + DAY - MS),
      ...assignedLead('after', T0 + DAY),
    ];
    const view = stalledLeads(windowed, T0 + 20 * DAY, { from: T0, to: T0 + DAY });
    expect(view.top5.map((row) => row.leadId)).toEqual(['first', 'last']);
    // Earlier asOf: 'first' is 5 days + 1 ms in, 'last' not yet.
    expect(stalledLeads(windowed, T0 + 5 * DAY + MS, { from: T0, to: T0 + DAY }).count).toBe(1);
  });

  it('is the same view in computeMetrics, which also keeps the counts behind every share', () => {
    const report = computeMetrics(log, options(T0 + 6 * DAY));
    expect(report.leads.stalled).toEqual(stalledLeads(log, T0 + 6 * DAY));
  });
});

describe('商机停滞TOP5清单: opportunities longer than 5 days in one stage, with the counts', () => {
  const open = (id: string, at: number, stage = 'needsDiagnosis', ownerId = 'rep-a') => [
    opportunity(id, 'opportunity.created', at, { ownerId }),
    opportunity(id, 'opportunity.stageEntered', at, { stage, ownerId }),
  ];
  const metrics = (log: readonly StoredEvent[], asOf: number) => computeMetrics(log, options(asOf)).stalled;

  it('an opportunity exactly 5 days in its stage is not stalled; 5 days + 1 ms is', () => {
    const log = open('o1', T0);
    expect(metrics(log, T0 + 5 * DAY)).toMatchObject({ count: 0, top5: [] });
    expect(metrics(log, T0 + 5 * DAY + MS)).toMatchObject({
      count: 1,
      byStage: { needsDiagnosis: 1, leadConfirmation: 0 },
      top5: [{ opportunityId: 'o1', stage: 'needsDiagnosis', dwellMs: 5 * DAY + MS, ownerId: 'rep-a' }],
    });
  });

  it('counts all of them by stage, the TOP5 showing five; a closed one never stalls', () => {
    const log = [
      ...['o1', 'o2', 'o3', 'o4'].flatMap((id, i) => open(id, T0 + i * HOUR)),
      ...['o5', 'o6'].flatMap((id, i) => open(id, T0 + i * HOUR, 'solutionMatching', 'rep-b')),
      ...open('o7', T0),
      opportunity('o7', 'opportunity.stageLeft', T0 + DAY, {
        stage: 'needsDiagnosis',
        to: 'lost',
        via: 'lost',
        dwellMs: DAY,
      }),
    ];
    const report = computeMetrics(log, options(T0 + 10 * DAY));
    expect(report.stalled.count).toBe(6);
    expect(report.stalled.byStage).toEqual({
      leadConfirmation: 0,
      needsDiagnosis: 4,
      solutionMatching: 2,
      sampleQuotation: 0,
      contractReview: 0,
      deliveryKickoff: 0,
    });
    expect(report.stalled.top5.map((row) => row.opportunityId)).toEqual(['o1', 'o5', 'o2', 'o6', 'o3']);
    expect(report.stalledTop5).toEqual(report.stalled.top5);
  });
});

describe('the engine, on a virtual clock', () => {
  it('shows a followed-up lead as stalled after 5 days + 1 ms, not after 5 days, and not once nurtured', async () => {
    const { engine, clock } = setup();
    const ingested = await engine.ingest(rawLead(clock.now()));
    if (ingested.status !== 'accepted' || ingested.decision.kind !== 'assign') throw new Error('fixture');
    const repId = ingested.decision.repId;
    await engine.open(ingested.leadId, repId);
    await engine.recordFollowUp(ingested.leadId, {
      status: '已报价',
      nextAction: '发送修订报价',
      outcome: 'quoted',
    });
    const followedUpAt = clock.now();
    await engine.advanceTo(followedUpAt + 5 * DAY);
    expect((await engine.metrics()).leads.stalled.count).toBe(0);
    await engine.advanceTo(followedUpAt + 5 * DAY + MS);
    expect((await engine.metrics()).leads.stalled.top5).toEqual([
      { leadId: ingested.leadId, state: 'contacted', dwellMs: 5 * DAY + MS, ownerId: repId },
    ]);
    expect((await engine.leadMetrics()).stalled.count).toBe(1);
    // A second follow-up keeps it contacted: the dwell goes on.
    await engine.recordFollowUp(ingested.leadId, {
      status: '再次联系',
      nextAction: '等待回复',
      outcome: 'quoted',
    });
    expect((await engine.metrics()).leads.stalled.top5[0]?.dwellMs).toBe(5 * DAY + MS);
    // On hold → nurturing: out of the view until its incubation ends.
    await engine.recordFollowUp(ingested.leadId, {
      status: '预算冻结',
      nextAction: '季度末再联系',
      outcome: 'on-hold',
    });
    expect((await engine.metrics()).leads.stalled.count).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: random lead logs against a reference written differently (the state of the last run
// of equal states, read backwards), not as a fold.

const STATE_OF: Readonly<Record<string, string>> = {
  'lead.assigned': 'assigned',
  'lead.offered': 'awaitingAssignment.offered',
  'lead.offerExpired': 'received',
  'lead.queued': 'awaitingAssignment.queued',
  'lead.opened': 'opened',
  'lead.followedUp': 'contacted',
  'lead.nurturing': 'nurturing',
  'lead.recycled': 'recycled',
  'lead.closed': 'converted',
};
const LEAD_IDS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** An offset from T0 between `min` and `max` days: often whole days, so dwells land on the threshold. */
const instant = (min: number, max: number) =>
  fc.oneof(
    fc.integer({ min, max }).map((d) => d * DAY),
    fc.integer({ min: min * DAY, max: max * DAY }),
  );
const leadLog = fc
  .record({
    arrivals: fc.array(instant(-2, 12), {
      minLength: LEAD_IDS.length,
      maxLength: LEAD_IDS.length,
    }),
    moves: fc.array(
      fc.record({
        lead: fc.constantFrom(...LEAD_IDS),
        type: fc.constantFrom(...Object.keys(STATE_OF), 'lead.escalated', 'lead.handedOver'),
        // Whole minutes or days apart, so dwells tie and land exactly on the threshold.
        after: fc.oneof(
          fc.integer({ min: 0, max: 10 }).map((d) => d * DAY),
          fc.nat(20 * DAY),
        ),
        repId: fc.constantFrom('rep-a', 'rep-b'),
      }),
      { maxLength: 60 },
    ),
  })
  .map(({ arrivals, moves }) => {
    const events: StoredEvent[] = [];
    const last = new Map<string, number>();
    LEAD_IDS.forEach((id, i) => {
      const at = T0 + arrivals[i]!;
      last.set(id, at);
      events.push(lead(id, 'lead.received', at, { qualified: true }));
    });
    for (const move of moves) {
      const at = last.get(move.lead)! + move.after;
      last.set(move.lead, at);
      const data =
        move.type === 'lead.closed'
          ? { state: 'converted' }
          : move.type === 'lead.handedOver'
            ? { from: 'x', to: move.repId }
            : { repId: move.repId, by: 'rule' };
      events.push(lead(move.lead, move.type, at, data));
    }
    // The log is in commit order: by time (a stable sort keeps each lead's own order).
    return events.sort((x, y) => x.at - y.at);
  });

interface Expected {
  readonly leadId: string;
  readonly state: string;
  readonly dwellMs: number;
}
function reference(log: readonly StoredEvent[], from: number, to: number, asOf: number, afterMs: number) {
  const stalled: Expected[] = [];
  for (const leadId of LEAD_IDS) {
    const own = log.filter((e) => e.entityId === leadId);
    const received = own[0]!;
    if (received.at < from || received.at >= to) continue;
    const closeAt = own.findIndex((e) => e.type === 'lead.closed');
    if (closeAt >= 0) continue;
    const states = own
      .map((e) =>
        e.type === 'lead.received' ? { state: 'received', at: e.at } : { state: STATE_OF[e.type], at: e.at },
      )
      .filter((s): s is { state: string; at: number } => s.state !== undefined);
    let first = states.length - 1;
    while (first > 0 && states[first - 1]!.state === states[first]!.state) first--;
    const current = states[first]!;
    const dwellMs = asOf - current.at;
    if (current.state !== 'nurturing' && dwellMs > afterMs)
      stalled.push({ leadId, state: current.state, dwellMs });
  }
  return stalled;
}

describe('the stalled-lead view, on random logs', () => {
  test.prop(
    [
      leadLog,
      // asOf, and the window: whole days often, so that 5 days exactly and 5 days + 1 ms both come up.
      fc.oneof(
        instant(0, 40),
        instant(0, 40).map((t) => t + 1),
      ),
      instant(-2, 6),
      instant(0, 10),
    ],
    { numRuns: 300 },
  )(
    'count is the open leads whose dwell exceeds the threshold; top5 the five largest; byState sums to count',
    (log, asOffset, fromOffset, span) => {
      const from = T0 + fromOffset;
      const to = from + span;
      const asOf = T0 + asOffset;
      const view = stalledLeads(log, asOf, { from, to });
      const expected = reference(log, from, to, asOf, 5 * DAY);
      expect(view.count).toBe(expected.length);
      expect(Object.values(view.byState).reduce((a, b) => a + b, 0)).toBe(view.count);
      for (const state of LEAD_STALL_STATES)
        expect(view.byState[state]).toBe(expected.filter((row) => row.state === state).length);
      const dwells = expected.map((row) => row.dwellMs).sort((a, b) => b - a);
      expect(view.top5.map((row) => row.dwellMs)).toEqual(dwells.slice(0, 5));
      const byId = new Map(expected.map((row) => [row.leadId, row]));
      for (const row of view.top5)
        expect(byId.get(row.leadId)).toMatchObject({ state: row.state, dwellMs: row.dwellMs });
    },
  );
});

describe('a follow-up that keeps a lead on hold', () => {
  it('leaves it nurturing in the stall view (the log says where each follow-up moved the lead)', async () => {
    const { engine, clock } = setup();
    const lead = await engine.ingest(rawLead(clock.now()));
    if (lead.status !== 'accepted' || lead.decision.kind !== 'assign') throw new Error('fixture');
    const hold = { status: '客户预算冻结', nextAction: '季度末再联系', outcome: 'on-hold' };
    await engine.recordFollowUp(lead.leadId, hold);
    clock.advanceBy(DAY);
    await engine.recordFollowUp(lead.leadId, hold); // nurturing → nurturing: no lead.nurturing event
    const logged = await engine.storage.readEvents({ entityId: lead.leadId, types: ['lead.followedUp'] });
    expect(logged.map((e) => (e.data as { moveTo?: string }).moveTo)).toEqual(['nurturing', 'nurturing']);
    clock.advanceBy(7 * DAY);
    const { stalled } = await engine.leadMetrics();
    expect(stalled.byState.contacted).toBe(0);
    expect(stalled.count).toBe(0);
  });
});
