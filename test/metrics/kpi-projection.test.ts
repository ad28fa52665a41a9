import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { KpiRecord, StoredEvent } from '../../src/adapters/storage/port.js';
import { foldKpiEvent, leadMetricsFromKpi, metricsFromKpi } from '../../src/metrics/kpi-projection.js';
import { computeLeadMetrics } from '../../src/metrics/lead-metrics.js';
import { computeMetrics, type MetricsOptions } from '../../src/metrics/metrics.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

const calendar = chinaCalendar({ years: [2026] });
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const START = Date.parse('2026-03-02T09:00:00+08:00');
const targets: MetricsOptions['targets'] = {
  assignedWithinShare: 0.95,
  assignWithin: 5 * MIN,
  followedUpWithinShare: 0.9,
  firstFollowUpWithin: DAY,
  advancedOnTimeShare: 0.85,
};

/** Records kept the way an adapter keeps them: keyed by (kind, id), persisted as JSON. */
function recordStore(initial: KpiRecord[] = []) {
  const records = new Map<string, KpiRecord>(initial.map((r) => [`${r.kind}\u0000${r.id}`, r]));
  return {
    store: {
      get: (kind: string, id: string) => records.get(`${kind}\u0000${id}`),
      put: (record: KpiRecord) => void records.set(`${record.kind}\u0000${record.id}`, record),
    },
    list: () => [...records.values()],
    /** What a restarted process reads back: a JSON copy. */
    reload: () => recordStore(JSON.parse(JSON.stringify([...records.values()])) as KpiRecord[]),
  };
}

// --- a random event stream: the entities and data the KPIs read, ids from small pools so events
// hit unknown, known and closed entities; each lead, opportunity and task is created at most once.
const LEADS = ['l0', 'l1', 'l2', 'l3', 'l4', 'l5', '__proto__', 'toString'];
const OPPS = ['o0', 'o1', 'o2', 'constructor'];
const TASKS = ['t0', 't1', 't2'];
const REPS = ['rep-a', 'rep-b', '', 'toString'];
const STAGES = [
  'leadConfirmation',
  'needsDiagnosis',
  'solutionMatching',
  'commercialNegotiation',
  '__proto__',
];

type Draft = Omit<StoredEvent, 'seq' | 'at'>;
const draft = (kind: string, entityId: string, type: string, data: Record<string, unknown>): Draft => ({
  kind,
  entityId,
  type,
  data: data as StoredEvent['data'],
});
const pick = <T>(items: readonly T[]) => fc.constantFrom(...items);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const leadEvent: fc.Arbitrary<Draft> = fc.oneof(
  fc
    .record({
      id: pick(LEADS),
      qualified: fc.boolean(),
      early: fc.integer({ min: 0, max: 90 }),
      complete: fc.dictionary(pick(['budget', 'city', 'need', '__proto__']), fc.boolean(), { maxKeys: 3 }),
    })
    .map(({ id, qualified, early, complete }) =>
      draft('lead', id, 'lead.received', { qualified, complete, receivedAtMinutesEarlier: early }),
    ),
  fc.record({ id: pick(LEADS), rep: maybe(pick(REPS)), pool: fc.boolean() }).map(({ id, rep, pool }) =>
    draft('lead', id, 'lead.assigned', {
      ...(rep === undefined ? {} : { repId: rep }),
      ...(pool ? { by: 'pool' } : {}),
    }),
  ),
  fc
    .record({
      id: pick(LEADS),
      type: pick([
        'lead.offered',
        'lead.offerExpired',
        'lead.queued',
        'lead.opened',
        'lead.nurturing',
        'lead.recycled',
      ]),
    })
    .map(({ id, type }) => draft('lead', id, type, {})),
  fc
    .record({ id: pick(LEADS), moveTo: maybe(pick(['contacted', 'nurturing'])) })
    .map(({ id, moveTo }) => draft('lead', id, 'lead.followedUp', moveTo ? { moveTo } : {})),
  fc
    .record({ id: pick(LEADS), to: pick(REPS) })
    .map(({ id, to }) => draft('lead', id, 'lead.handedOver', { to })),
  fc
    .record({ id: pick(LEADS), state: maybe(pick(['converted', 'disqualified'])) })
    .map(({ id, state }) => draft('lead', id, 'lead.closed', state ? { state } : {})),
  fc
    .record({
      id: pick(LEADS),
      policy: maybe(pick(['unassigned-15m', 'unopened-30m', '__proto__'])),
      kind: pick(['lead', 'opportunity']),
    })
    .map(({ id, policy, kind }) => draft(kind, id, 'sla.breached', policy ? { policyId: policy } : {})),
);

const opportunityEvent: fc.Arbitrary<Draft> = fc.oneof(
  fc
    .record({ id: pick(OPPS), owner: pick(REPS) })
    .map(({ id, owner }) => draft('opportunity', id, 'opportunity.created', { ownerId: owner })),
  fc.record({ id: pick(OPPS), stage: pick(STAGES), owner: maybe(pick(REPS)) }).map(({ id, stage, owner }) =>
    draft('opportunity', id, 'opportunity.stageEntered', {
      stage,
      ...(owner === undefined ? {} : { ownerId: owner }),
    }),
  ),
  fc
    .record({ id: pick(OPPS), inHours: fc.integer({ min: 0, max: 72 }) })
    .map(({ id, inHours }) =>
      draft('opportunity', id, 'opportunity.nextContactPlanned', { plannedInHours: inHours }),
    ),
  fc
    .record({
      id: pick(OPPS),
      stage: pick(STAGES),
      dwell: fc.integer({ min: 0, max: 10 * DAY }),
      via: pick(['advance', 'rollback', 'won', 'lost']),
      to: pick([...STAGES, 'won', 'lost']),
    })
    .map(({ id, stage, dwell, via, to }) =>
      draft('opportunity', id, 'opportunity.stageLeft', { stage, dwellMs: dwell, via, to }),
    ),
  fc
    .record({ id: pick(OPPS), from: pick(STAGES) })
    .map(({ id, from }) => draft('opportunity', id, 'opportunity.rolledBack', { from })),
  fc
    .record({ id: pick(OPPS), type: pick(['opportunity.won', 'opportunity.lost']) })
    .map(({ id, type }) => draft('opportunity', id, type, {})),
  fc
    .record({ id: pick(OPPS), to: pick(REPS) })
    .map(({ id, to }) => draft('opportunity', id, 'opportunity.ownerChanged', { to })),
);

/** A whole stage visit of one opportunity: entered with an owner, planned, left. */
const stageVisit: fc.Arbitrary<Draft[]> = fc
  .record({
    id: pick(OPPS),
    stage: pick(STAGES),
    owner: pick(['rep-a', 'rep-b']),
    inHours: fc.integer({ min: 0, max: 6 }),
    via: pick(['advance', 'rollback', 'won', 'lost']),
  })
  .map(({ id, stage, owner, inHours, via }) => [
    draft('opportunity', id, 'opportunity.stageEntered', { stage, ownerId: owner }),
    draft('opportunity', id, 'opportunity.nextContactPlanned', { plannedInHours: inHours }),
    draft('opportunity', id, 'opportunity.stageLeft', {
      stage,
      dwellMs: inHours * HOUR,
      via,
      to: via === 'won' || via === 'lost' ? via : 'needsDiagnosis',
    }),
  ]);

const taskEvent: fc.Arbitrary<Draft> = fc.oneof(
  fc
    .record({
      id: pick(TASKS),
      department: pick(['technical', 'finance', 'toString']),
      dueInHours: maybe(fc.integer({ min: 1, max: 48 })),
    })
    .map(({ id, department, dueInHours }) =>
      draft('task', id, 'task.created', { department, ...(dueInHours === undefined ? {} : { dueInHours }) }),
    ),
  fc
    .record({ id: pick(TASKS), type: pick(['task.acknowledged', 'task.completed', 'task.overdue']) })
    .map(({ id, type }) => draft('task', id, type, {})),
);

const tallyEvent: fc.Arbitrary<Draft> = pick([
  'lead.duplicate',
  'customer.created',
  'customer.duplicateEntry',
  'customer.crossSell',
  'customer.risk',
  'customer.upserted',
]).map((type) => draft(type.startsWith('lead') ? 'lead' : 'customer', 'c0', type, {}));

/** Stamp seqs and times; resolve relative data (arrival, plans, due times) against the time. */
function stamp(steps: { draft: Draft | Draft[]; gapMinutes: number }[]): StoredEvent[] {
  // A step of several events spaces them an hour apart.
  const drafts = steps.flatMap(({ draft: d, gapMinutes }) =>
    (Array.isArray(d) ? d : [d]).map((one, i) => ({ draft: one, gapMinutes: i === 0 ? gapMinutes : 60 })),
  );
  const created = new Set<string>();
  const out: StoredEvent[] = [];
  let at = START;
  for (const { draft: d, gapMinutes } of drafts) {
    at += gapMinutes * MIN;
    const data = { ...(d.data as Record<string, unknown>) };
    if (d.type === 'lead.received' || d.type === 'opportunity.created' || d.type === 'task.created') {
      // The engine never creates one id twice.
      const key = `${d.type}/${d.entityId}`;
      if (created.has(key)) continue;
      created.add(key);
    }
    if ('receivedAtMinutesEarlier' in data) {
      data.receivedAt = at - (data.receivedAtMinutesEarlier as number) * MIN;
      delete data.receivedAtMinutesEarlier;
    }
    if ('plannedInHours' in data) {
      data.plannedAt = at + (data.plannedInHours as number) * HOUR;
      delete data.plannedInHours;
    }
    if ('dueInHours' in data) {
      data.dueAt = at + (data.dueInHours as number) * HOUR;
      delete data.dueInHours;
    }
    out.push({ ...d, seq: out.length + 1, at, data: data as StoredEvent['data'] });
  }
  return out;
}

const stream = fc
  .array(
    fc.record({
      draft: fc.oneof(
        { weight: 5, arbitrary: leadEvent },
        { weight: 3, arbitrary: opportunityEvent },
        { weight: 1, arbitrary: stageVisit },
        { weight: 2, arbitrary: taskEvent },
        { weight: 1, arbitrary: tallyEvent },
      ),
      gapMinutes: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 60, max: 3 * 24 * 60 }),
      ),
    }),
    { minLength: 10, maxLength: 150 },
  )
  .map(stamp);

/** A window: whole days, an arbitrary instant, or everything. */
const bound = fc.oneof(
  fc.integer({ min: -2, max: 40 }).map((days) => START - 9 * HOUR + days * DAY),
  fc.integer({ min: -2 * DAY, max: 40 * DAY }).map((ms) => START + ms),
);
const window = fc.oneof(
  fc.constant({ from: 0, to: Number.MAX_SAFE_INTEGER }),
  fc.tuple(bound, bound).map(([a, b]) => ({ from: Math.min(a, b), to: Math.max(a, b) + 1 })),
);

const options = (w: { from: number; to: number }, asOf: number): MetricsOptions => ({
  ...w,
  asOf,
  calendar,
  targets,
  stalledAfterMs: 5 * DAY,
});

describe('the KPI projection', () => {
  test.prop(
    [
      stream,
      fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 }),
      window,
      fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12 * DAY })),
    ],
    { numRuns: 300 },
  )(
    'equals the full-log fold at every commit, folded in random commits and reloaded from JSON between them',
    (events, commitSizes, w, asOfAfter) => {
      let kept = recordStore();
      let done = 0;
      let size = 0;
      while (done < events.length) {
        const commit = events.slice(done, done + (commitSizes[size++ % commitSizes.length] as number));
        for (const event of commit) foldKpiEvent(kept.store, event);
        done += commit.length;
        kept = kept.reload(); // a restart: another process continues from what storage holds
        const seen = events.slice(0, done);
        const asOf = (seen.at(-1)?.at ?? START) + asOfAfter;
        expect(metricsFromKpi(kept.list(), options(w, asOf))).toEqual(computeMetrics(seen, options(w, asOf)));
        expect(leadMetricsFromKpi(kept.list(), options(w, asOf))).toEqual(
          computeLeadMetrics(seen, options(w, asOf)),
        );
      }
    },
  );

  it('judges the boundaries as the log fold does: exactly 5 days in a stage, asOf exactly the planned time', () => {
    const events = stamp([
      { draft: draft('lead', 'l1', 'lead.received', { qualified: true }), gapMinutes: 0 },
      { draft: draft('opportunity', 'o1', 'opportunity.created', { ownerId: 'rep-a' }), gapMinutes: 0 },
      {
        draft: draft('opportunity', 'o1', 'opportunity.stageEntered', {
          stage: 'leadConfirmation',
          ownerId: 'rep-a',
        }),
        gapMinutes: 0,
      },
      {
        draft: draft('opportunity', 'o1', 'opportunity.nextContactPlanned', { plannedInHours: 5 * 24 }),
        gapMinutes: 0,
      },
      { draft: draft('opportunity', 'o2', 'opportunity.created', { ownerId: 'rep-b' }), gapMinutes: 60 },
      {
        draft: draft('opportunity', 'o2', 'opportunity.stageEntered', {
          stage: 'needsDiagnosis',
          ownerId: 'rep-b',
        }),
        gapMinutes: 0,
      },
    ]);
    const kept = recordStore();
    for (const event of events) foldKpiEvent(kept.store, event);
    for (const asOf of [
      START + 5 * DAY - 1,
      START + 5 * DAY,
      START + 5 * DAY + 1,
      START + 5 * DAY + HOUR,
      START + 5 * DAY + HOUR + 1,
    ]) {
      const at = options({ from: 0, to: Number.MAX_SAFE_INTEGER }, asOf);
      const report = metricsFromKpi(kept.list(), at);
      expect(report).toEqual(computeMetrics(events, at));
      expect(report.stalled.count).toBe(asOf > START + 5 * DAY + HOUR ? 2 : asOf > START + 5 * DAY ? 1 : 0);
      expect(report.actionCertainty.advancedOnTime).toMatchObject(
        asOf > START + 5 * DAY ? { missed: 1 } : { pending: 1 },
      );
    }
  });

  it('reads nothing but its records: an empty projection is the empty report', () => {
    const empty = options({ from: 0, to: Number.MAX_SAFE_INTEGER }, START);
    expect(metricsFromKpi([], empty)).toEqual(computeMetrics([], empty));
  });

  it('keeps one record per lead, opportunity and task, and one per counted event', () => {
    const events = stamp([
      {
        draft: draft('lead', 'l1', 'lead.received', { qualified: true, complete: { budget: true } }),
        gapMinutes: 0,
      },
      { draft: draft('lead', 'l1', 'lead.assigned', { repId: 'rep-a' }), gapMinutes: 1 },
      { draft: draft('lead', 'l1', 'lead.opened', {}), gapMinutes: 5 },
      { draft: draft('lead', 'l1', 'lead.followedUp', {}), gapMinutes: 30 },
      { draft: draft('opportunity', 'o1', 'opportunity.created', { ownerId: 'rep-a' }), gapMinutes: 60 },
      {
        draft: draft('opportunity', 'o1', 'opportunity.stageEntered', { stage: 'leadConfirmation' }),
        gapMinutes: 0,
      },
      { draft: draft('customer', 'c1', 'customer.created', {}), gapMinutes: 0 },
      { draft: draft('customer', 'c1', 'customer.upserted', {}), gapMinutes: 0 },
    ]);
    const kept = recordStore();
    for (const event of events) foldKpiEvent(kept.store, event);
    expect(kept.list().map((r) => [r.kind, r.id])).toEqual([
      ['lead', 'l1'],
      ['opportunity', 'o1'],
      ['customer.created', '7'],
    ]);
  });
});
