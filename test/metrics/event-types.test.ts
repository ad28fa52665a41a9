import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import { computeLeadMetrics, LEAD_METRICS_EVENT_TYPES } from '../../src/metrics/lead-metrics.js';
import { computeMetrics, METRICS_EVENT_TYPES } from '../../src/metrics/metrics.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';

// The engine reads only these types for its KPIs; a type the metrics use but the lists forget
// changes a report below, since the logs mix every type the engine writes.
const calendar = chinaCalendar({ years: [2026] });
const start = Date.parse('2026-03-02T09:00:00+08:00');
const HOUR = 3_600_000;
const options = {
  from: start,
  to: start + 5 * 24 * HOUR,
  asOf: start + 6 * 24 * HOUR,
  calendar,
  targets: {
    assignedWithinShare: 0.95,
    assignWithin: 5 * 60_000,
    followedUpWithinShare: 0.9,
    firstFollowUpWithin: 24 * HOUR,
    advancedOnTimeShare: 0.8,
  },
};
// Every type the engine writes, spelled out here so the vocabulary does not come from the lists
// under test, plus a host's own.
const ENGINE_EVENT_TYPES = [
  'lead.received',
  'lead.captured',
  'lead.duplicate',
  'lead.assigned',
  'lead.claimed',
  'lead.offered',
  'lead.offerExpired',
  'lead.queued',
  'lead.nurturing',
  'lead.opened',
  'lead.followedUp',
  'lead.escalated',
  'lead.reassigned',
  'lead.ownerChanged',
  'lead.handedOver',
  'lead.converted',
  'lead.disqualified',
  'lead.recycled',
  'lead.merged',
  'lead.closed',
  'lead.quarantined',
  'sla.started',
  'sla.paused',
  'sla.resumed',
  'sla.warning',
  'sla.breached',
  'sla.met',
  'sla.stopped',
  'sla.cancelled',
  'opportunity.created',
  'opportunity.stageEntered',
  'opportunity.stageLeft',
  'opportunity.nextContactPlanned',
  'opportunity.rolledBack',
  'opportunity.won',
  'opportunity.lost',
  'opportunity.ownerChanged',
  'opportunity.escalated',
  'opportunity.deliveryDelayFlagged',
  'task.created',
  'task.acknowledged',
  'task.completed',
  'task.overdue',
  'task.escalated',
  'task.reassigned',
  'task.cancelled',
  'customer.created',
  'customer.duplicateEntry',
  'customer.crossSell',
  'customer.risk',
  'customer.handedOver',
  'host.custom',
];
const KINDS = ['lead', 'opportunity', 'task', 'customer', 'host'];
const STAGES = ['leadConfirmation', 'needsDiagnosis', 'solutionDesign', 'won', 'lost'];

const eventData = fc.record(
  {
    qualified: fc.boolean(),
    complete: fc.dictionary(fc.constantFrom('budget', 'city', 'need'), fc.boolean()),
    repId: fc.constantFrom('rep-a', 'rep-b', 'rep-c'),
    ownerId: fc.constantFrom('rep-a', 'rep-b', null),
    policyId: fc.constantFrom('assign-5m', 'follow-24h'),
    stage: fc.constantFrom(...STAGES),
    from: fc.constantFrom(...STAGES),
    to: fc.constantFrom(...STAGES),
    via: fc.constantFrom('advance', 'rollback', 'won', 'lost'),
    dwellMs: fc.nat(5 * 24 * HOUR),
    plannedAt: fc.integer({ min: start, max: start + 6 * 24 * HOUR }),
    department: fc.constantFrom('engineering', 'finance'),
    dueAt: fc.option(fc.integer({ min: start, max: start + 6 * 24 * HOUR })),
    state: fc.constantFrom('converted', 'disqualified', 'merged'),
  },
  // Every field, so that one event can matter to every figure; some events carry no data.
);

const eventLog = fc
  .array(
    fc.record({
      // Mostly the kind the type belongs to (SLA events belong to any), sometimes another.
      typeOwnKind: fc.constantFrom(true, true, true, false),
      otherKind: fc.constantFrom(...KINDS),
      entityId: fc.constantFrom('e1', 'e2'),
      type: fc.constantFrom(...ENGINE_EVENT_TYPES),
      offset: fc.integer({ min: -HOUR, max: 6 * 24 * HOUR }),
      data: fc.option(eventData, { nil: undefined, freq: 8 }),
    }),
    { minLength: 40, maxLength: 200 },
  )
  .map((drafts) =>
    drafts
      .sort((a, b) => a.offset - b.offset)
      .map(
        (draft, index): StoredEvent => ({
          seq: index + 1,
          kind:
            draft.typeOwnKind && !draft.type.startsWith('sla.') ? draft.type.split('.')[0]! : draft.otherKind,
          entityId: draft.entityId,
          type: draft.type,
          at: start + draft.offset,
          data: (draft.data ?? null) as StoredEvent['data'],
        }),
      ),
  );

describe('the event types the metrics read', () => {
  test.prop([eventLog], { numRuns: 300 })(
    'computeMetrics gives the same report on the log narrowed to METRICS_EVENT_TYPES',
    (log) => {
      const wanted = new Set(METRICS_EVENT_TYPES);
      expect(
        computeMetrics(
          log.filter((event) => wanted.has(event.type)),
          options,
        ),
      ).toEqual(computeMetrics(log, options));
    },
  );

  test.prop([eventLog], { numRuns: 300 })(
    'computeLeadMetrics gives the same report on the log narrowed to its types',
    (log) => {
      const wanted = new Set(LEAD_METRICS_EVENT_TYPES);
      expect(
        computeLeadMetrics(
          log.filter((event) => wanted.has(event.type)),
          options,
        ),
      ).toEqual(computeLeadMetrics(log, options));
    },
  );

  test.prop([eventLog], { numRuns: 300 })(
    'computeMetrics reports the lead KPIs computeLeadMetrics does, in one read',
    (log) => {
      expect(computeMetrics(log, options).leads).toEqual(computeLeadMetrics(log, options));
    },
  );

  test.prop([eventLog], { numRuns: 300 })(
    'per-rep open and first follow-up count each assigned lead once, for its first owner',
    (log) => {
      const report = computeMetrics(log, options);
      const firstOwner = new Map<string, string>();
      const received = new Set<string>();
      for (const event of log) {
        if (event.kind !== 'lead') continue;
        const data = (event.data ?? {}) as { repId?: unknown };
        if (event.type === 'lead.received' && event.at >= options.from && event.at < options.to) {
          received.add(event.entityId);
          firstOwner.delete(event.entityId);
        } else if (
          event.type === 'lead.assigned' &&
          received.has(event.entityId) &&
          !firstOwner.has(event.entityId)
        ) {
          firstOwner.set(event.entityId, typeof data.repId === 'string' ? data.repId : '');
        }
      }
      const due: Record<string, number> = {};
      for (const repId of firstOwner.values()) if (repId !== '') due[repId] = (due[repId] ?? 0) + 1;
      const reported = Object.fromEntries(
        Object.entries(report.perRep)
          .map(([repId, row]) => [repId, row.open.due] as const)
          .filter(([, count]) => count > 0),
      );
      expect(reported).toEqual(due);
    },
  );

  test('the type lists name no type twice and the lead types are among the metrics types', () => {
    expect(new Set(METRICS_EVENT_TYPES).size).toBe(METRICS_EVENT_TYPES.length);
    expect(METRICS_EVENT_TYPES).toEqual(expect.arrayContaining([...LEAD_METRICS_EVENT_TYPES]));
  });
});
