import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import { computeLeadMetrics } from '../../src/metrics/lead-metrics.js';
import { durationStats } from '../../src/metrics/stats.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

const calendar = chinaCalendar({ years: [2026] });
const at = (local: string) => Date.parse(`${local}+08:00`);
const MIN = 60_000;
const HOUR = 60 * MIN;
let seq = 0;
const event = (
  entityId: string,
  type: string,
  when: number,
  data: Record<string, unknown> = {},
): StoredEvent => ({
  seq: ++seq,
  entityId,
  kind: 'lead',
  type,
  at: when,
  data: data as StoredEvent['data'],
});

describe('computeLeadMetrics on a hand-computed log', () => {
  // Monday 2 March 2026, business hours 09:00–12:00, 13:00–18:00.
  const log: StoredEvent[] = [
    // l1: assigned after 3 business minutes, followed up after 2 h → both targets met.
    event('l1', 'lead.received', at('2026-03-02T10:00:00'), { qualified: true }),
    event('l1', 'lead.assigned', at('2026-03-02T10:03:00'), { repId: 'rep-a' }),
    event('l1', 'lead.opened', at('2026-03-02T10:10:00'), { repId: 'rep-a' }),
    event('l1', 'lead.followedUp', at('2026-03-02T12:00:00'), { repId: 'rep-a' }),
    // l2: arrives 11:58, assigned 13:05 → 2 + 5 = 7 business minutes: missed; no follow-up for 80 h.
    event('l2', 'lead.received', at('2026-03-02T11:58:00'), { qualified: true }),
    event('l2', 'lead.assigned', at('2026-03-02T13:05:00'), { repId: 'rep-b' }),
    event('l2', 'sla.breached', at('2026-03-02T13:05:00'), { policyId: 'unassigned-5m' }),
    // l3: arrives 17:58 Monday, assigned 09:02 Tuesday → 2 + 2 = 4 business minutes: met;
    //     followed up 30 h after arrival → missed.
    event('l3', 'lead.received', at('2026-03-02T17:58:00'), { qualified: true }),
    event('l3', 'lead.assigned', at('2026-03-03T09:02:00'), { repId: 'rep-a' }),
    event('l3', 'lead.followedUp', at('2026-03-04T00:00:00'), { repId: 'rep-a' }),
    // l4: never assigned, 3 days old at asOf → missed and "unassigned > 24 h".
    event('l4', 'lead.received', at('2026-03-02T09:30:00'), { qualified: true }),
    // l5: not a valid lead → incubation, excluded from the assignable population.
    event('l5', 'lead.received', at('2026-03-02T09:40:00'), { qualified: false }),
    event('l5', 'lead.nurturing', at('2026-03-02T09:40:00'), {}),
    // l6: outside the window.
    event('l6', 'lead.received', at('2026-03-09T10:00:00'), { qualified: true }),
    event('l6', 'lead.assigned', at('2026-03-09T10:01:00'), { repId: 'rep-a' }),
  ];
  const report = computeLeadMetrics(log, {
    from: at('2026-03-02T00:00:00'),
    to: at('2026-03-03T00:00:00'),
    asOf: at('2026-03-05T17:00:00'),
    calendar,
    targets: {
      assignedWithinShare: 0.95,
      assignWithin: 5 * MIN,
      followedUpWithinShare: 0.9,
      firstFollowUpWithin: 24 * HOUR,
    },
  });

  it('counts the window and the assignable population', () => {
    expect(report.received).toBe(5);
    expect(report.assignable).toBe(4);
  });

  it('computes assignment within 5 business minutes: l1 and l3 met, l2 and l4 missed', () => {
    expect(report.assignedWithinTarget).toEqual({
      met: 2,
      missed: 2,
      pending: 0,
      share: 0.5,
      target: 0.95,
      passed: false,
    });
    expect(report.assignmentTime).toEqual(durationStats([3 * MIN, 7 * MIN, 4 * MIN]));
    expect(report.assignmentTime.p90).toBe(7 * MIN);
  });

  it('computes first follow-up within 24 h: only l1 met', () => {
    expect(report.followedUpWithinTarget).toMatchObject({
      met: 1,
      missed: 3,
      pending: 0,
      share: 0.25,
      passed: false,
    });
    expect(report.firstTouchTime).toEqual(durationStats([2 * HOUR, 30 * HOUR + 2 * MIN]));
  });

  it('counts lead health: unassigned > 24 h and not followed up > 72 h', () => {
    expect(report.unassignedOver24h).toBe(1);
    expect(report.notFollowedUpOver72h).toBe(1);
  });

  it('reports breaches and per-rep timeliness', () => {
    expect(report.breaches).toEqual({ 'unassigned-5m': 1 });
    expect(report.perRep['rep-a']).toEqual({
      assigned: 2,
      opened: 1,
      followedUp: 2,
      followedUpWithinTarget: 1,
      timeliness: 0.5,
    });
    expect(report.perRep['rep-b']).toEqual({
      assigned: 1,
      opened: 0,
      followedUp: 0,
      followedUpWithinTarget: 0,
      timeliness: 0,
    });
  });

  it('keeps undecided leads pending instead of counting them as misses', () => {
    const early = computeLeadMetrics(log.slice(0, 1), {
      from: at('2026-03-02T00:00:00'),
      to: at('2026-03-03T00:00:00'),
      asOf: at('2026-03-02T10:01:00'),
      calendar,
      targets: {
        assignedWithinShare: 0.95,
        assignWithin: 5 * MIN,
        followedUpWithinShare: 0.9,
        firstFollowUpWithin: 24 * HOUR,
      },
    });
    expect(early.assignedWithinTarget).toMatchObject({
      met: 0,
      missed: 0,
      pending: 1,
      share: null,
      passed: true,
    });
  });
});
