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
 * @category Metrics
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
  /**
   * The seed's "阶段停滞超5天线索TOP5": open leads in their current state (one of
   * {@link LEAD_STALL_STATES}) longer than `stalledAfterMs`, as of `asOf` — the count, the count
   * per state, and the worst five.
   */
  readonly stalled: StalledLeads;
  /**
   * The lead pool (公海): returns to it (`lead.recycled`, an SLA `returnToPool`, a rep giving a
   * lead up, an ended incubation), claims from it (assigned by `pool`), and the leads waiting in
   * it at `asOf`, for leads received in the window.
   */
  readonly pool: { readonly returned: number; readonly claimed: number; readonly waiting: number };
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
 * @category Metrics
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
  /**
   * Stalled means longer than this (strictly) in one state — a lead's, or an opportunity's
   * stage in {@link computeMetrics}. Wall time, as the seeds' "超5天" and the `stage-stalled-5d`
   * policy count it. @default 5 days
   */
  readonly stalledAfterMs?: number;
}

/**
 * The lead states a lead can stall in (阶段停滞): the open states where the next move is somebody's
 * to make — awaiting a decision, a claim or the supervisor, an owner who has not opened it or not
 * followed it up, a rep who followed up but has not converted it, the pool nobody picks from.
 * Not `nurturing`: a deliberate wait with its own clock (the incubation window, 60 days in the
 * presets), at whose end the lead is recycled to the pool, where it can stall; counted, nurtured
 * leads would fill the TOP5 and hide the leads someone forgot. Never a final state.
 *
 * @example
 * ```ts
 * import { LEAD_STALL_STATES } from 'leadflow/core';
 * LEAD_STALL_STATES.includes('nurturing' as never); // false
 * ```
 * @category Metrics
 */
export const LEAD_STALL_STATES = [
  'received',
  'awaitingAssignment.offered',
  'awaitingAssignment.queued',
  'assigned',
  'opened',
  'contacted',
  'recycled',
] as const;

/**
 * One of {@link LEAD_STALL_STATES}.
 *
 * @example
 * ```ts
 * import type { LeadStallState } from 'leadflow/core';
 * const state: LeadStallState = 'awaitingAssignment.queued';
 * ```
 * @category Metrics
 */
export type LeadStallState = (typeof LEAD_STALL_STATES)[number];

/**
 * The stalled leads of {@link LeadMetrics}: open leads received in the window whose dwell in
 * their current state exceeds `afterMs` (strictly) at `asOf`. Dwell is wall time from entering
 * the state (arrival for the first state) to `asOf`; only a change of state resets it — a new
 * owner, a further follow-up that keeps the lead `contacted`, an escalation do not (as an
 * opportunity's owner change leaves its stage dwell alone). A closed lead never stalls.
 * `count` is every stalled lead, `byState` splits it over every {@link LEAD_STALL_STATES} entry
 * (zeros included, summing to `count`), `top5` lists the longest dwells, ties by lead id.
 *
 * The state is read from the log: `lead.assigned` → `assigned`, `lead.offered` / `lead.queued`
 * → `awaitingAssignment.*`, `lead.nurturing` → `nurturing`, `lead.opened` → `opened`,
 * `lead.followedUp` → `contacted` (unless a `lead.nurturing` or `lead.closed` follows it),
 * `lead.offerExpired` → `received` (its next decision follows), `lead.recycled` → `recycled`,
 * `lead.closed` → its final state. One move the log does not show: a follow-up that keeps a
 * nurturing lead on hold logs no new `lead.nurturing`, so it reads as `contacted` from then on.
 *
 * @example
 * ```ts
 * import type { StalledLeads } from 'leadflow/core';
 * const line = (s: StalledLeads) => `${s.count} stalled, ${s.byState.contacted} after a follow-up`;
 * ```
 * @category Metrics
 */
export interface StalledLeads {
  /** The threshold: stalled means a dwell longer than this (wall ms). */
  readonly afterMs: number;
  readonly count: number;
  readonly byState: Readonly<Record<LeadStallState, number>>;
  readonly top5: readonly {
    readonly leadId: string;
    readonly state: LeadStallState;
    readonly dwellMs: number;
    /**
     * The current owner as the log tells it (latest assignment or hand-over); null when none —
     * awaiting assignment, or in the pool.
     */
    readonly ownerId: string | null;
  }[];
}

/**
 * What the lead KPIs need of one lead received in the window.
 *
 * @category Metrics
 */
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
  /** The lead's state as the log tells it (a lead machine state, `LEAD_STATES`; see {@link StalledLeads}). */
  state: string;
  /** When the lead entered `state` (its arrival for the first). */
  stateSince: number;
  /**
   * The current owner: the latest assignment or hand-over, none once recycled to the pool
   * (`ownerId` follows assignments only).
   */
  currentOwnerId?: string;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const STALL_STATES: ReadonlySet<string> = /* @__PURE__ */ (() => new Set<string>(LEAD_STALL_STATES))();

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
 * @category Metrics
 */
export const LEAD_METRICS_EVENT_TYPES: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze([
    'lead.received',
    'lead.assigned',
    'lead.offered',
    'lead.offerExpired',
    'lead.queued',
    'lead.opened',
    'lead.followedUp',
    'lead.nurturing',
    'lead.recycled',
    'lead.handedOver',
    'lead.closed',
    'sla.breached',
  ]))();

/**
 * The lead KPIs folded one event at a time, so {@link computeMetrics} reads the log once for its
 * own figures and these. `timelines` holds the leads received in the window.
 * @category Metrics
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
 * @category Metrics
 */
export function leadArrivedAt(event: StoredEvent): number {
  const receivedAt = (event.data as { receivedAt?: unknown } | null)?.receivedAt;
  return typeof receivedAt === 'number' && receivedAt < event.at ? receivedAt : event.at;
}

/**
 * Start a {@link LeadMetricsFold}; internal to the metrics module.
 *
 * @category Metrics
 */
export function leadMetricsFold(options: LeadMetricsOptions): LeadMetricsFold {
  const leads = new Map<string, LeadTimeline>();
  const breaches = new Map<string, number>();
  const pool = { returned: 0, claimed: 0 };
  const add = (event: StoredEvent): void => {
    if (event.kind !== 'lead') return;
    const data = (event.data ?? {}) as Record<string, unknown>;
    if (event.type === 'lead.received') {
      const arrivedAt = leadArrivedAt(event);
      if (arrivedAt < options.from || arrivedAt >= options.to) return;
      leads.set(event.entityId, receivedTimeline(event, arrivedAt));
      return;
    }
    const lead = leads.get(event.entityId);
    if (lead === undefined) return;
    const counted = applyLeadEvent(lead, event.type, event.at, data);
    if (counted === 'returned') pool.returned++;
    else if (counted === 'claimed') pool.claimed++;
    else if (counted === 'breach') {
      const policyId = breachPolicy(data);
      breaches.set(policyId, (breaches.get(policyId) ?? 0) + 1);
    }
  };
  return { add, timelines: leads, finish: () => finishLeadMetrics(leads, breaches, pool, options) };
}

/**
 * A lead's timeline as its `lead.received` event starts it. Internal.
 * @category Metrics
 */
export function receivedTimeline(event: StoredEvent, arrivedAt = leadArrivedAt(event)): LeadTimeline {
  return {
    receivedAt: arrivedAt,
    ingestedAt: event.at,
    assignable: (event.data as { qualified?: unknown } | null)?.qualified !== false,
    closed: false,
    state: 'received',
    stateSince: arrivedAt,
  };
}

/**
 * The policy a `sla.breached` event names (`unknown` for a log that did not say). Internal.
 * @category Metrics
 */
export function breachPolicy(data: Record<string, unknown>): string {
  return typeof data.policyId === 'string' ? data.policyId : 'unknown';
}

/**
 * What one event (of a lead received in the window) does to the lead's timeline, and whether it
 * counts towards the report's pool moves or breaches. Both folds — the log's and the projection's
 * — move a lead with it. Internal to the metrics module.
 * @category Metrics
 */
export function applyLeadEvent(
  lead: LeadTimeline,
  type: string,
  at: number,
  data: Record<string, unknown>,
): 'returned' | 'claimed' | 'breach' | undefined {
  switch (type) {
    case 'lead.assigned': {
      const repId = typeof data.repId === 'string' ? data.repId : undefined;
      if (lead.assignedAt === undefined) {
        lead.assignedAt = at;
        lead.firstOwnerId = repId;
      }
      lead.ownerId = repId ?? lead.ownerId;
      lead.currentOwnerId = repId ?? lead.currentOwnerId;
      enter(lead, 'assigned', at);
      return data.by === 'pool' ? 'claimed' : undefined;
    }
    case 'lead.offered':
      enter(lead, 'awaitingAssignment.offered', at);
      return undefined;
    case 'lead.offerExpired':
      // Back to a decision: the next one (logged right after) starts the lead's next state.
      enter(lead, 'received', at);
      return undefined;
    case 'lead.queued':
      enter(lead, 'awaitingAssignment.queued', at);
      return undefined;
    case 'lead.opened':
      lead.openedAt ??= at;
      enter(lead, 'opened', at);
      return undefined;
    case 'lead.followedUp':
      lead.followedUpAt ??= at;
      // A follow-up that keeps (or puts) the lead on hold leaves it nurturing (older logs: contacted).
      enter(lead, data.moveTo === 'nurturing' ? 'nurturing' : 'contacted', at);
      return undefined;
    case 'lead.nurturing':
      if (lead.assignedAt === undefined) lead.assignable = false;
      enter(lead, 'nurturing', at);
      return undefined;
    case 'lead.recycled':
      // Back in the pool (公海): nobody owns it until someone claims it.
      delete lead.currentOwnerId;
      enter(lead, 'recycled', at);
      return 'returned';
    case 'lead.handedOver':
      if (typeof data.to === 'string') lead.currentOwnerId = data.to;
      return undefined;
    case 'lead.closed':
      enter(lead, typeof data.state === 'string' ? data.state : 'closed', at);
      lead.closed = true;
      return undefined;
    case 'sla.breached':
      return 'breach';
    default:
      return undefined;
  }
}

/** Move a lead's state; the dwell restarts only when the state changes, and a closed lead stays. */
function enter(lead: LeadTimeline, state: string, at: number): void {
  if (lead.closed || lead.state === state) return;
  lead.state = state;
  lead.stateSince = at;
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
 * @category Metrics
 */
export function computeLeadMetrics(events: readonly StoredEvent[], options: LeadMetricsOptions): LeadMetrics {
  const fold = leadMetricsFold(options);
  for (const event of events) fold.add(event);
  return fold.finish();
}

/**
 * The {@link LeadMetrics} report from the timelines of the leads received in the window, their
 * breaches and pool moves: what both folds (the log's and the projection's) end with. Internal
 * to the metrics module.
 * @category Metrics
 */
export function finishLeadMetrics(
  leads: ReadonlyMap<string, LeadTimeline>,
  breaches: ReadonlyMap<string, number>,
  pool: { readonly returned: number; readonly claimed: number },
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
  const stalledAfter = options.stalledAfterMs ?? 5 * DAY;
  const stalled: StalledLeads['top5'][number][] = [];
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
  for (const [leadId, lead] of leads) {
    ingestionGaps.push(lead.ingestedAt - lead.receivedAt);
    // Strictly longer: a lead exactly 5 days in its state is not stalled yet.
    if (!lead.closed && STALL_STATES.has(lead.state) && asOf - lead.stateSince > stalledAfter)
      stalled.push({
        leadId,
        state: lead.state as LeadStallState,
        dwellMs: asOf - lead.stateSince,
        ownerId: lead.currentOwnerId ?? null,
      });
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
  const byState = Object.fromEntries(LEAD_STALL_STATES.map((state) => [state, 0])) as Record<
    LeadStallState,
    number
  >;
  for (const row of stalled) byState[row.state]++;
  stalled.sort((a, b) => b.dwellMs - a.dwellMs || (a.leadId < b.leadId ? -1 : 1));

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
    stalled: { afterMs: stalledAfter, count: stalled.length, byState, top5: stalled.slice(0, 5) },
    pool: {
      ...pool,
      waiting: [...leads.values()].filter((lead) => !lead.closed && lead.state === 'recycled').length,
    },
    assignmentTime: durationStats(assignmentTimes),
    firstTouchTime: durationStats(touchTimes),
    ingestionGap: durationStats(ingestionGaps),
    ingestedAfterAssignTarget,
    // Keyed by ids: built from the maps (fromEntries defines own properties, whatever the key).
    breaches: Object.fromEntries(breaches),
    perRep: Object.fromEntries(perRep),
  };
}
