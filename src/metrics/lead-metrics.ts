import type { StoredEvent } from '../adapters/storage/port.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { type DurationStats, durationStats, type TargetShare, targetShare } from './stats.js';

/**
 * The lead KPIs of the seeds' "action certainty" (动作确定性), over leads *received* in a window.
 * `breaches` and `perRep` are keyed by ids and hold own entries only: look an id up with
 * `Object.hasOwn` (an id may be `toString`), or iterate `Object.entries`.
 *
 * @example
 * ```ts
 * const report: LeadMetrics = await engine.leadMetrics({ from, to });
 * report.assignedWithinTarget.passed; // ≥ 95% assigned within 5 business minutes?
 * ```
 */
export interface LeadMetrics {
  readonly window: { readonly from: number; readonly to: number; readonly asOf: number };
  /** Leads received in the window (accepted, not quarantined; duplicates merged are not counted). */
  readonly received: number;
  /** Received leads that met the valid-lead contract (and so were meant to be assigned). */
  readonly assignable: number;
  /** Assigned within `assignWithin` business time of arrival (holidays excluded). */
  readonly assignedWithinTarget: TargetShare;
  /** First follow-up within `firstFollowUpWithin` wall time of arrival. */
  readonly followedUpWithinTarget: TargetShare;
  /** Assignable leads still unassigned more than 24 h (wall) after arrival, as of `asOf`. */
  readonly unassignedOver24h: number;
  /** Assigned leads with no follow-up more than 72 h (wall) after arrival, as of `asOf`. */
  readonly notFollowedUpOver72h: number;
  /** Arrival → assignment, in business ms. */
  readonly assignmentTime: DurationStats;
  /** Arrival → first follow-up, in wall ms. */
  readonly firstTouchTime: DurationStats;
  /**
   * Arrival (the lead's own `receivedAt`) → ingestion by leadflow, in wall ms, over every lead
   * received. Every lead clock counts from arrival, so this gap is already inside the figures
   * above; it is reported so a slow source (a nightly import, a lagging form) is not hidden.
   */
  readonly ingestionGap: DurationStats;
  /** Assignable leads that reached leadflow after their assignment target had already passed. */
  readonly ingestedAfterAssignTarget: number;
  /** SLA breaches by policy id. */
  readonly breaches: Readonly<Record<string, number>>;
  /** Per rep: leads assigned, opened, followed up, and follow-ups within target. */
  readonly perRep: Readonly<
    Record<
      string,
      {
        readonly assigned: number;
        readonly opened: number;
        readonly followedUp: number;
        readonly followedUpWithinTarget: number;
        /** followedUpWithinTarget / assigned (null when none assigned). */
        readonly timeliness: number | null;
      }
    >
  >;
}

/**
 * Options of {@link computeLeadMetrics}.
 *
 * @example
 * ```ts
 * const options: LeadMetricsOptions = { from, to, asOf: clock.now(), calendar, targets };
 * ```
 */
export interface LeadMetricsOptions {
  readonly from: number;
  readonly to: number;
  /** The instant "still unassigned / not followed up" is judged at. */
  readonly asOf: number;
  readonly calendar: BusinessCalendar;
  readonly targets: {
    readonly assignedWithinShare: number;
    readonly assignWithin: number;
    readonly followedUpWithinShare: number;
    readonly firstFollowUpWithin: number;
  };
}

/** What the lead KPIs need of one lead received in the window. */
export interface LeadTimeline {
  /** When the lead arrived: its own `receivedAt`, at most {@link LeadTimeline.ingestedAt}. */
  receivedAt: number;
  /** When leadflow ingested it (the `lead.received` event's time). */
  ingestedAt: number;
  assignable: boolean;
  closed: boolean;
  assignedAt?: number;
  /** The rep of the first assignment. */
  firstOwnerId?: string;
  /** The rep of the latest assignment. */
  ownerId?: string;
  openedAt?: number;
  followedUpAt?: number;
}

const HOUR = 3_600_000;

/**
 * The event types {@link computeLeadMetrics} reads; every other event leaves its report unchanged,
 * so a caller reading the log may ask storage for these only (`readEvents({ types })`).
 *
 * @example
 * ```ts
 * import { LEAD_METRICS_EVENT_TYPES, computeLeadMetrics } from 'leadflow/core';
 * const events = await storage.readEvents({ kind: 'lead', types: LEAD_METRICS_EVENT_TYPES });
 * const report = computeLeadMetrics(events, { from, to, asOf, calendar, targets });
 * ```
 */
export const LEAD_METRICS_EVENT_TYPES: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze([
    'lead.received',
    'lead.assigned',
    'lead.opened',
    'lead.followedUp',
    'lead.nurturing',
    'lead.closed',
    'sla.breached',
  ]))();

/**
 * The lead KPIs folded one event at a time, so {@link computeMetrics} reads the log once for its
 * own figures and these. `timelines` holds the leads received in the window.
 */
export interface LeadMetricsFold {
  add(event: StoredEvent): void;
  readonly timelines: ReadonlyMap<string, LeadTimeline>;
  finish(): LeadMetrics;
}

/**
 * When a `lead.received` event's lead arrived: its own `receivedAt` (logged with the event), at
 * most the ingest time; the ingest time for logs that did not record it. Windows and every
 * lead clock use this instant. Internal to the metrics module.
 */
export function leadArrivedAt(event: StoredEvent): number {
  const receivedAt = (event.data as { receivedAt?: unknown } | null)?.receivedAt;
  return typeof receivedAt === 'number' && receivedAt < event.at ? receivedAt : event.at;
}

/** Start a {@link LeadMetricsFold}; internal to the metrics module. */
export function leadMetricsFold(options: LeadMetricsOptions): LeadMetricsFold {
  const leads = new Map<string, LeadTimeline>();
  const breaches = new Map<string, number>();
  const add = (event: StoredEvent): void => {
    if (event.kind !== 'lead') return;
    const data = (event.data ?? {}) as Record<string, unknown>;
    if (event.type === 'lead.received') {
      const arrivedAt = leadArrivedAt(event);
      if (arrivedAt < options.from || arrivedAt >= options.to) return;
      leads.set(event.entityId, {
        receivedAt: arrivedAt,
        ingestedAt: event.at,
        assignable: data.qualified !== false,
        closed: false,
      });
      return;
    }
    const lead = leads.get(event.entityId);
    if (lead === undefined) return;
    switch (event.type) {
      case 'lead.assigned': {
        const repId = typeof data.repId === 'string' ? data.repId : undefined;
        if (lead.assignedAt === undefined) {
          lead.assignedAt = event.at;
          lead.firstOwnerId = repId;
        }
        lead.ownerId = repId ?? lead.ownerId;
        break;
      }
      case 'lead.opened':
        lead.openedAt ??= event.at;
        break;
      case 'lead.followedUp':
        lead.followedUpAt ??= event.at;
        break;
      case 'lead.nurturing':
        if (lead.assignedAt === undefined) lead.assignable = false;
        break;
      case 'lead.closed':
        lead.closed = true;
        break;
      case 'sla.breached': {
        const policyId = typeof data.policyId === 'string' ? data.policyId : 'unknown';
        breaches.set(policyId, (breaches.get(policyId) ?? 0) + 1);
        break;
      }
    }
  };
  return { add, timelines: leads, finish: () => finishLeadMetrics(leads, breaches, options) };
}

/**
 * Compute {@link LeadMetrics} from the engine's event log. Pure: the events (all events of the
 * leads received in the window, in sequence order; those of {@link LEAD_METRICS_EVENT_TYPES}
 * are enough) come in, the report comes out.
 *
 * @example
 * ```ts
 * import { computeLeadMetrics } from 'leadflow/core';
 * const report = computeLeadMetrics(events, { from, to, asOf, calendar, targets });
 * ```
 */
export function computeLeadMetrics(events: readonly StoredEvent[], options: LeadMetricsOptions): LeadMetrics {
  const fold = leadMetricsFold(options);
  for (const event of events) fold.add(event);
  return fold.finish();
}

function finishLeadMetrics(
  leads: ReadonlyMap<string, LeadTimeline>,
  breaches: ReadonlyMap<string, number>,
  options: LeadMetricsOptions,
): LeadMetrics {
  const { calendar, targets, asOf } = options;
  let assignedMet = 0;
  let assignedMissed = 0;
  let assignedPending = 0;
  let followMet = 0;
  let followMissed = 0;
  let followPending = 0;
  let unassignedOver24h = 0;
  let notFollowedUpOver72h = 0;
  let assignable = 0;
  const assignmentTimes: number[] = [];
  const touchTimes: number[] = [];
  const ingestionGaps: number[] = [];
  let ingestedAfterAssignTarget = 0;
  const perRep = new Map<
    string,
    {
      assigned: number;
      opened: number;
      followedUp: number;
      followedUpWithinTarget: number;
      timeliness: number | null;
    }
  >();
  for (const lead of leads.values()) {
    ingestionGaps.push(lead.ingestedAt - lead.receivedAt);
    if (!lead.assignable) continue;
    assignable++;
    if (
      lead.ingestedAt > lead.receivedAt &&
      calendar.businessTimeBetween(lead.receivedAt, lead.ingestedAt) > targets.assignWithin
    )
      ingestedAfterAssignTarget++;
    if (lead.assignedAt !== undefined) {
      const businessMs = calendar.businessTimeBetween(lead.receivedAt, lead.assignedAt);
      assignmentTimes.push(businessMs);
      if (businessMs <= targets.assignWithin) assignedMet++;
      else assignedMissed++;
    } else if (lead.closed) {
      assignedMissed++;
    } else if (calendar.businessTimeBetween(lead.receivedAt, asOf) > targets.assignWithin) {
      assignedMissed++;
    } else {
      assignedPending++;
    }
    if (lead.assignedAt === undefined && !lead.closed && asOf - lead.receivedAt > 24 * HOUR)
      unassignedOver24h++;

    const followDeadline = lead.receivedAt + targets.firstFollowUpWithin;
    if (lead.followedUpAt !== undefined) {
      touchTimes.push(lead.followedUpAt - lead.receivedAt);
      if (lead.followedUpAt <= followDeadline) followMet++;
      else followMissed++;
    } else if (asOf > followDeadline || lead.closed) {
      followMissed++;
    } else {
      followPending++;
    }
    if (
      lead.assignedAt !== undefined &&
      lead.followedUpAt === undefined &&
      !lead.closed &&
      asOf - lead.receivedAt > 72 * HOUR
    ) {
      notFollowedUpOver72h++;
    }
    if (lead.ownerId !== undefined) {
      let rep = perRep.get(lead.ownerId);
      if (rep === undefined) {
        rep = { assigned: 0, opened: 0, followedUp: 0, followedUpWithinTarget: 0, timeliness: null };
        perRep.set(lead.ownerId, rep);
      }
      rep.assigned++;
      if (lead.openedAt !== undefined) rep.opened++;
      if (lead.followedUpAt !== undefined) rep.followedUp++;
      if (lead.followedUpAt !== undefined && lead.followedUpAt <= followDeadline)
        rep.followedUpWithinTarget++;
    }
  }
  for (const rep of perRep.values())
    rep.timeliness = rep.assigned === 0 ? null : rep.followedUpWithinTarget / rep.assigned;

  return {
    window: { from: options.from, to: options.to, asOf },
    received: leads.size,
    assignable,
    assignedWithinTarget: targetShare(
      assignedMet,
      assignedMissed,
      assignedPending,
      targets.assignedWithinShare,
    ),
    followedUpWithinTarget: targetShare(
      followMet,
      followMissed,
      followPending,
      targets.followedUpWithinShare,
    ),
    unassignedOver24h,
    notFollowedUpOver72h,
    assignmentTime: durationStats(assignmentTimes),
    firstTouchTime: durationStats(touchTimes),
    ingestionGap: durationStats(ingestionGaps),
    ingestedAfterAssignTarget,
    // Keyed by ids: built from the maps (fromEntries defines own properties, whatever the key).
    breaches: Object.fromEntries(breaches),
    perRep: Object.fromEntries(perRep),
  };
}
