/**
 * What the results page shows beyond the targets table, computed from a run's event log and
 * report in one pass: the funnel, arrivals by weekday × hour, a per-day series with holidays and
 * make-up workdays, SLA breaches for click-through, per-rep load against capacity, department
 * response times, the stalled TOP5s (opportunities and leads, with their counts) and, where the data can tell, the root cause of a missed
 * target. Pure (no DOM); the result is plain JSON, so the worker can post it to the page.
 */
import type { StoredEvent } from '../../src/adapters/storage/port.js';
import type { Team } from '../../src/model/team.js';
import type { BusinessCalendar } from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';
import type {
  DepartmentResponse,
  FunnelStage,
  SimulationReport,
  SimulationTimeline,
} from '../../src/simulate/report.js';
import { zoneOffsets } from '../../src/simulate/run.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Breaches kept for click-through: the first of the run, and the first of each day. */
const BREACHES_KEPT = 200;
const BREACHES_KEPT_PER_DAY = 30;
const REP_LEADS_KEPT = 20;

/**
 * The event types {@link buildInsights} reads: the worker asks storage for these only.
 *
 * @example
 * ```ts
 * const events = await engine.storage.readEvents({ types: INSIGHT_EVENT_TYPES });
 * ```
 */
export const INSIGHT_EVENT_TYPES: readonly string[] = Object.freeze([
  'lead.received',
  'lead.assigned',
  'lead.offered',
  'lead.nurturing',
  'lead.followedUp',
  'lead.escalated',
  'opportunity.created',
  'opportunity.escalated',
  'task.escalated',
  'sla.breached',
]);

/** A funnel row: the lead stages of the report, then opportunities and wins when the run had them. */
export interface InsightFunnelStage {
  readonly stage: FunnelStage['stage'] | 'opportunity' | 'won';
  readonly count: number;
  readonly ofPrevious: number | null;
  readonly ofReceived: number | null;
}

/** How the calendar treats a day: make-up workday = a weekend day that is a working day (调休). */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup';

/** One simulated local day. */
export interface InsightDay {
  /** Local date `YYYY-MM-DD` in the calendar's zone. */
  readonly date: string;
  /** Monday = 0 … Sunday = 6. */
  readonly weekday: number;
  readonly kind: DayKind;
  readonly received: number;
  readonly breaches: { readonly lead: number; readonly opportunity: number };
  readonly escalations: { readonly lead: number; readonly opportunity: number; readonly task: number };
  /** Leads in the supervisor queue at the end of the day (the timeline's figure). */
  readonly queueDepth: number;
}

/** One SLA breach, for click-through. */
export interface InsightBreach {
  readonly at: number;
  /** Local date of `at`, as in {@link InsightDay.date}. */
  readonly date: string;
  readonly entityId: string;
  readonly entity: 'lead' | 'opportunity';
  /** The lead behind it: the entity itself, or the lead an opportunity came from. */
  readonly leadId: string | null;
  readonly policyId: string;
  readonly dueAt: number | null;
}

/** One rep's load. */
export interface InsightRep {
  readonly id: string;
  readonly name: string;
  readonly dailyCapacity: number;
  readonly active: boolean;
  /** Assignments (`lead.assigned` to this rep) per simulated day, as {@link Insights.days}. */
  readonly perDay: readonly number[];
  /** Most assignments on one day. */
  readonly peak: number;
  /** Assignments on working days off leave / those days; null when the rep had none. */
  readonly averagePerWorkingDay: number | null;
  /** Local dates of the period the rep was on leave. */
  readonly leaveDays: readonly string[];
  readonly assigned: number;
  /** Peak reached or passed the capacity (capacity > 0). */
  readonly atCapacity: boolean;
  /** Median time from arrival to a first follow-up by this rep; null when none. */
  readonly firstFollowUpP50Ms: number | null;
  /** The first leads assigned to the rep (up to 20). */
  readonly leadIds: readonly string[];
}

/** A stalled opportunity with its owner's name. */
export interface InsightStalled {
  readonly opportunityId: string;
  readonly leadId: string | null;
  readonly company: string | null;
  readonly stage: string;
  readonly ownerId: string | null;
  readonly ownerName: string | null;
  readonly dwellMs: number;
}

/** A stalled lead with its owner's name. */
export interface InsightStalledLead {
  readonly leadId: string;
  readonly company: string | null;
  /** One of `LEAD_STALL_STATES`. */
  readonly state: string;
  readonly ownerId: string | null;
  readonly ownerName: string | null;
  readonly dwellMs: number;
}

/** How many stalled beyond the threshold, in all and by stage or state (the TOP5 shows five). */
export interface InsightStallCounts {
  readonly afterMs: number;
  readonly count: number;
  /** Non-zero entries only, in the stage / state order. */
  readonly by: readonly { readonly key: string; readonly count: number }[];
}

/**
 * A machine-readable finding behind a missed target; the page words it
 * (`rootCauseSentence`). Kinds and their facts:
 * - `capacity`: `dailyCapacity`, `validPerWorkingDay` (rounded), `valid`, `workingDays`, `queuedAtEnd`;
 * - `unclaimedOffers`: `offers`, `offeredLeads`, `unclaimedLeads`, `claimed`, `missed`;
 * - `offHours`: `offHoursLate`, `offHoursArrivals`, `missed`;
 * - `slowFollowUp`: `medianMs`, `notFollowedUp`, `missed`, and when known `targetMs`,
 *   `slowestRepId`, `slowestRepName`, `slowestRepMedianMs`.
 */
export interface RootCause {
  readonly kind: 'capacity' | 'unclaimedOffers' | 'offHours' | 'slowFollowUp';
  /** The target it explains. */
  readonly target: 'assignedWithin' | 'followedUpWithin';
  readonly facts: Readonly<Record<string, number | string>>;
}

/** Everything the results page charts, as plain JSON. */
export interface Insights {
  readonly period: {
    readonly start: string;
    readonly days: number;
    readonly workingDays: number;
    readonly zone: string;
  };
  readonly funnel: readonly InsightFunnelStage[];
  /** `matrix[weekday][hour]`: leads received, Monday first, local hour of the calendar's zone. */
  readonly arrivals: {
    readonly matrix: readonly (readonly number[])[];
    readonly max: number;
    readonly total: number;
  };
  readonly days: readonly InsightDay[];
  /** Breaches sorted by time: the first 200 and the first 30 of each day; `total` counts them all. */
  readonly breaches: { readonly items: readonly InsightBreach[]; readonly total: number };
  readonly reps: readonly InsightRep[];
  readonly departments: readonly DepartmentResponse[];
  readonly stalled: readonly InsightStalled[];
  /** The counts behind `stalled` (`report.metrics.stalled`), by stage. */
  readonly stalledCounts: InsightStallCounts;
  /** Open leads stalled in one state (`report.stalledLeads`): their counts by state, and the TOP5. */
  readonly stalledLeads: InsightStallCounts & { readonly top5: readonly InsightStalledLead[] };
  /** Ids of the report's targets that were decided and missed. */
  readonly targetsMissed: readonly string[];
  readonly rootCause: RootCause | null;
}

/** What {@link buildInsights} reads. */
export interface InsightsInput {
  /** The run's log; those of {@link INSIGHT_EVENT_TYPES} are enough. */
  readonly events: readonly StoredEvent[];
  readonly report: SimulationReport;
  readonly timeline: SimulationTimeline;
  /** The team the engine ran (`engine.team`: with the simulated leave). */
  readonly team: Team;
  readonly calendar: BusinessCalendar;
  /**
   * The rule set's target durations (`engine.ruleSet.source.targets`); without them the
   * off-hours finding is not tried and the follow-up finding has no target figure.
   */
  readonly targets?: { readonly assignWithin: number; readonly firstFollowUpWithin: number };
}

/** Per lead, what the findings need. */
interface LeadTrack {
  receivedAt: number;
  assignable: boolean;
  assignedAt: number;
  offered: boolean;
  claimed: boolean;
  followedUpAt: number;
  followedUpBy: string | null;
}

/**
 * Build the {@link Insights} of a run from its event log and report, in one pass over the events.
 *
 * @example
 * ```ts
 * const { report, timeline, engine } = await runSimulation(options);
 * const events = await engine.storage.readEvents({ types: INSIGHT_EVENT_TYPES });
 * const insights = buildInsights({
 *   events, report, timeline, team: engine.team, calendar: options.calendar,
 *   targets: engine.ruleSet.source.targets,
 * });
 * ```
 */
export function buildInsights(input: InsightsInput): Insights {
  const { events, report, timeline, team, calendar } = input;
  const start = Date.parse(report.period.start);
  const dayCount = timeline.days.length;
  // The same day split as the run's timeline, so the per-day figures match it.
  const dayIndex = (t: number) => Math.min(dayCount - 1, Math.max(0, Math.floor((t - start) / DAY)));
  const clock = localClock(calendar.zone);

  const matrix = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const received = new Array<number>(dayCount).fill(0);
  const leadBreaches = new Array<number>(dayCount).fill(0);
  const opportunityBreaches = new Array<number>(dayCount).fill(0);
  const escalations = {
    lead: new Array<number>(dayCount).fill(0),
    opportunity: new Array<number>(dayCount).fill(0),
    task: new Array<number>(dayCount).fill(0),
  };
  const repIndex = new Map(team.reps.map((rep, index) => [rep.id, index]));
  const repDays = team.reps.map(() => new Array<number>(dayCount).fill(0));
  const repLeads = team.reps.map((): string[] => []);
  const leads = new Map<string, LeadTrack>();
  const leadOfOpportunity = new Map<string, string>();
  const breachEvents: StoredEvent[] = [];
  let offers = 0;

  for (const event of events) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    switch (event.type) {
      case 'lead.received': {
        const arrivedAt = typeof data.receivedAt === 'number' ? data.receivedAt : event.at;
        const local = clock(arrivedAt);
        matrix[local.weekday]![local.hour]!++;
        received[dayIndex(event.at)]!++;
        // As the metrics: arrival is the event time; a lead is assignable unless unqualified.
        leads.set(event.entityId, {
          receivedAt: event.at,
          assignable: data.qualified !== false,
          assignedAt: -1,
          offered: false,
          claimed: false,
          followedUpAt: -1,
          followedUpBy: null,
        });
        break;
      }
      case 'lead.assigned': {
        const index = typeof data.repId === 'string' ? repIndex.get(data.repId) : undefined;
        if (index !== undefined) {
          repDays[index]![dayIndex(event.at)]!++;
          const list = repLeads[index]!;
          if (list.length < REP_LEADS_KEPT && !list.includes(event.entityId)) list.push(event.entityId);
        }
        const lead = leads.get(event.entityId);
        if (lead !== undefined && lead.assignedAt < 0) {
          lead.assignedAt = event.at;
          lead.claimed = data.by === 'claim';
        } else if (lead !== undefined && data.by === 'claim') lead.claimed = true;
        break;
      }
      case 'lead.offered': {
        offers++;
        const lead = leads.get(event.entityId);
        if (lead !== undefined) lead.offered = true;
        break;
      }
      case 'lead.nurturing': {
        const lead = leads.get(event.entityId);
        if (lead !== undefined && lead.assignedAt < 0) lead.assignable = false;
        break;
      }
      case 'lead.followedUp': {
        const lead = leads.get(event.entityId);
        if (lead !== undefined && lead.followedUpAt < 0) {
          lead.followedUpAt = event.at;
          lead.followedUpBy = typeof data.repId === 'string' ? data.repId : null;
        }
        break;
      }
      case 'lead.escalated':
        escalations.lead[dayIndex(event.at)]!++;
        break;
      case 'opportunity.escalated':
        escalations.opportunity[dayIndex(event.at)]!++;
        break;
      case 'task.escalated':
        escalations.task[dayIndex(event.at)]!++;
        break;
      case 'opportunity.created':
        if (typeof data.leadId === 'string') leadOfOpportunity.set(event.entityId, data.leadId);
        break;
      case 'sla.breached':
        if (event.kind === 'opportunity') opportunityBreaches[dayIndex(event.at)]!++;
        else leadBreaches[dayIndex(event.at)]!++;
        breachEvents.push(event);
        break;
    }
  }

  const days = classifyDays(timeline.days, start, calendar).map(
    (day, i): InsightDay => ({
      ...day,
      received: received[i]!,
      breaches: { lead: leadBreaches[i]!, opportunity: opportunityBreaches[i]! },
      escalations: {
        lead: escalations.lead[i]!,
        opportunity: escalations.opportunity[i]!,
        task: escalations.task[i]!,
      },
      queueDepth: timeline.queueDepth[i] ?? 0,
    }),
  );

  const followUpTimes = new Map<string, number[]>();
  const allFollowUpTimes: number[] = [];
  for (const lead of leads.values()) {
    if (lead.followedUpAt < 0) continue;
    const ms = lead.followedUpAt - lead.receivedAt;
    allFollowUpTimes.push(ms);
    if (lead.followedUpBy === null) continue;
    const list = followUpTimes.get(lead.followedUpBy);
    if (list === undefined) followUpTimes.set(lead.followedUpBy, [ms]);
    else list.push(ms);
  }

  const reps = team.reps.map((rep, index): InsightRep => {
    const perDay = repDays[index]!;
    const leaveDays = leaveDaysOf(rep.leave, report.leave[rep.id] ?? [], timeline.days);
    const onLeave = new Set(leaveDays);
    let workingTotal = 0;
    let workingDays = 0;
    days.forEach((day, i) => {
      if ((day.kind === 'workday' || day.kind === 'makeup') && !onLeave.has(day.date)) {
        workingTotal += perDay[i]!;
        workingDays++;
      }
    });
    const peak = perDay.reduce((max, n) => Math.max(max, n), 0);
    return {
      id: rep.id,
      name: rep.name,
      dailyCapacity: rep.dailyCapacity,
      active: rep.active,
      perDay,
      peak,
      averagePerWorkingDay: workingDays === 0 ? null : workingTotal / workingDays,
      leaveDays,
      assigned: perDay.reduce((sum, n) => sum + n, 0),
      atCapacity: rep.dailyCapacity > 0 && peak >= rep.dailyCapacity,
      firstFollowUpP50Ms: median(followUpTimes.get(rep.id) ?? []),
      leadIds: repLeads[index]!,
    };
  });

  const repNames = new Map(team.reps.map((rep) => [rep.id, rep.name]));
  return {
    period: {
      start: report.period.start,
      days: report.period.days,
      workingDays: report.period.workingDays,
      zone: report.period.zone,
    },
    funnel: funnelOf(report),
    arrivals: {
      matrix,
      max: matrix.reduce((max, row) => Math.max(max, ...row), 0),
      total: matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0),
    },
    days,
    breaches: keptBreaches(breachEvents, timeline.days, dayIndex, leadOfOpportunity),
    reps,
    departments: report.departments.map((d) => ({ ...d })),
    stalled: report.stalled.map((s) => ({
      ...s,
      ownerName: s.ownerId === null ? null : (repNames.get(s.ownerId) ?? null),
    })),
    stalledCounts: stallCounts(
      report.metrics.stalled.afterMs,
      report.metrics.stalled.count,
      report.metrics.stalled.byStage,
    ),
    stalledLeads: {
      ...stallCounts(report.stalledLeads.afterMs, report.stalledLeads.count, report.stalledLeads.byState),
      top5: report.stalledLeads.top5.map((s) => ({
        ...s,
        ownerName: s.ownerId === null ? null : (repNames.get(s.ownerId) ?? null),
      })),
    },
    targetsMissed: report.targets.filter((t) => t.achieved !== null && !t.passed).map((t) => t.id),
    rootCause: findRootCause({
      report,
      calendar,
      leads,
      offers,
      allFollowUpTimes,
      reps,
      ...(input.targets ? { targets: input.targets } : {}),
    }),
  };
}

function stallCounts(
  afterMs: number,
  count: number,
  byKey: Readonly<Record<string, number>>,
): InsightStallCounts {
  const by = Object.entries(byKey)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => ({ key, count: n }));
  return { afterMs, count, by };
}

/**
 * Local weekday (Monday = 0) and hour of instants in `zone`, with the simulation's own offsets
 * (read once per UTC day: Intl is slow, and a DST change inside a day is ignored).
 */
function localClock(zone: string): (t: number) => { weekday: number; hour: number } {
  const offsetAt = zoneOffsets(zone);
  return (t) => {
    const local = t + offsetAt(t);
    const dayNumber = Math.floor(local / DAY);
    // 1970-01-01 was a Thursday (3 counting from Monday).
    return { weekday: (((dayNumber + 3) % 7) + 7) % 7, hour: Math.floor((local - dayNumber * DAY) / HOUR) };
  };
}

/**
 * Kind of each simulated day: a weekday without business time is a holiday, a weekend day with
 * business time a make-up workday; a weekend day inside a published holiday period is a holiday
 * (China's notices list them, and a China calendar covers years of that data).
 */
function classifyDays(
  dates: readonly string[],
  start: number,
  calendar: BusinessCalendar,
): { date: string; weekday: number; kind: DayKind }[] {
  const published = publishedHolidays(calendar);
  return dates.map((date, i) => {
    const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
    const weekend = weekday >= 5;
    let working: boolean;
    try {
      working = calendar.businessTimeBetween(start + i * DAY, start + (i + 1) * DAY) > 0;
    } catch {
      // A day the calendar does not cover: say what the week alone says.
      working = !weekend;
    }
    const kind: DayKind = working
      ? weekend
        ? 'makeup'
        : 'workday'
      : !weekend || published.has(date)
        ? 'holiday'
        : 'weekend';
    return { date, weekday, kind };
  });
}

/** China's published holidays when the calendar is a China one (its zone, covered years). */
function publishedHolidays(calendar: BusinessCalendar): ReadonlySet<string> {
  const dates = new Set<string>();
  if (calendar.zone !== 'Asia/Shanghai' || calendar.coveredYears === undefined) return dates;
  for (let year = calendar.coveredYears[0]; year <= calendar.coveredYears[1]; year++)
    for (const date of CHINA_HOLIDAYS[year]?.holidays ?? []) dates.add(date);
  return dates;
}

/** Leave dates inside the period, from the team's ranges and the report's `from..to` strings. */
function leaveDaysOf(
  ranges: readonly { readonly from: string; readonly to: string }[],
  reported: readonly string[],
  dates: readonly string[],
): string[] {
  const all = [
    ...ranges,
    ...reported.map((range) => {
      const [from = '', to = from] = range.split('..');
      return { from, to };
    }),
  ];
  return dates.filter((date) => all.some((range) => range.from <= date && date <= range.to));
}

function funnelOf(report: SimulationReport): InsightFunnelStage[] {
  const rows: InsightFunnelStage[] = report.funnel.map((row) => ({ ...row }));
  const opportunities = report.opportunities;
  if (opportunities === null) return rows;
  const received = report.funnel[0]?.count ?? 0;
  const share = (count: number, of: number) => (of === 0 ? null : count / of);
  const converted = rows.at(-1)?.count ?? 0;
  rows.push({
    stage: 'opportunity',
    count: opportunities.created,
    ofPrevious: share(opportunities.created, converted),
    ofReceived: share(opportunities.created, received),
  });
  rows.push({
    stage: 'won',
    count: opportunities.won,
    ofPrevious: share(opportunities.won, opportunities.created),
    ofReceived: share(opportunities.won, received),
  });
  return rows;
}

function keptBreaches(
  events: StoredEvent[],
  dates: readonly string[],
  dayIndex: (t: number) => number,
  leadOfOpportunity: ReadonlyMap<string, string>,
): Insights['breaches'] {
  // The log is in commit order, nearly time order: sort to be sure.
  events.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const perDay = new Array<number>(dates.length).fill(0);
  const items: InsightBreach[] = [];
  events.forEach((event, i) => {
    const day = dayIndex(event.at);
    perDay[day]!++;
    if (i >= BREACHES_KEPT && perDay[day]! > BREACHES_KEPT_PER_DAY) return;
    const data = (event.data ?? {}) as Record<string, unknown>;
    const entity = event.kind === 'opportunity' ? 'opportunity' : 'lead';
    items.push({
      at: event.at,
      date: dates[day] ?? '',
      entityId: event.entityId,
      entity,
      leadId: entity === 'lead' ? event.entityId : (leadOfOpportunity.get(event.entityId) ?? null),
      policyId: typeof data.policyId === 'string' ? data.policyId : '',
      dueAt: typeof data.dueAt === 'number' ? data.dueAt : null,
    });
  });
  return { items, total: events.length };
}

function findRootCause(context: {
  readonly report: SimulationReport;
  readonly calendar: BusinessCalendar;
  readonly leads: ReadonlyMap<string, LeadTrack>;
  readonly offers: number;
  readonly allFollowUpTimes: number[];
  readonly reps: readonly InsightRep[];
  readonly targets?: { readonly assignWithin: number; readonly firstFollowUpWithin: number };
}): RootCause | null {
  const { report, leads } = context;
  const missedTarget = (id: 'assignedWithin' | 'followedUpWithin') => {
    const row = report.targets.find((t) => t.id === id);
    return row !== undefined && row.achieved !== null && !row.passed ? row : undefined;
  };
  const assignment = missedTarget('assignedWithin');
  const followUp = missedTarget('followedUpWithin');
  if (assignment === undefined && followUp === undefined) return null;

  // (a) More valid leads per working day than the team can take: leads queue, both targets slip.
  const { workingDays } = report.period;
  const capacity = report.team.dailyCapacity;
  const validPerWorkingDay = workingDays > 0 ? report.counts.valid / workingDays : null;
  if (validPerWorkingDay !== null && capacity < validPerWorkingDay) {
    return {
      kind: 'capacity',
      target: assignment !== undefined ? 'assignedWithin' : 'followedUpWithin',
      facts: {
        dailyCapacity: capacity,
        validPerWorkingDay: Math.round(validPerWorkingDay),
        valid: report.counts.valid,
        workingDays,
        queuedAtEnd: report.counts.queuedAtEnd,
      },
    };
  }

  if (assignment !== undefined) {
    // (b1) Offers nobody claimed: the lead waits for the fallback after the offer expires.
    let offeredLeads = 0;
    let unclaimedLeads = 0;
    for (const lead of leads.values()) {
      if (!lead.offered) continue;
      offeredLeads++;
      if (!lead.claimed) unclaimedLeads++;
    }
    if (unclaimedLeads > 0 && unclaimedLeads * 2 >= assignment.missed) {
      return {
        kind: 'unclaimedOffers',
        target: 'assignedWithin',
        facts: {
          offers: context.offers,
          offeredLeads,
          unclaimedLeads,
          claimed: report.counts.claimed,
          missed: assignment.missed,
        },
      };
    }
    // (b2) Late assignments of leads that arrived outside business hours.
    if (context.targets !== undefined) {
      const { assignWithin } = context.targets;
      let offHoursArrivals = 0;
      let offHoursLate = 0;
      for (const lead of leads.values()) {
        if (!lead.assignable || isBusinessTime(context.calendar, lead.receivedAt)) continue;
        offHoursArrivals++;
        const until = lead.assignedAt >= 0 ? lead.assignedAt : Date.parse(report.period.end);
        if (businessTimeBetween(context.calendar, lead.receivedAt, until) > assignWithin) offHoursLate++;
      }
      if (offHoursLate > 0 && offHoursLate * 2 >= assignment.missed) {
        return {
          kind: 'offHours',
          target: 'assignedWithin',
          facts: { offHoursLate, offHoursArrivals, missed: assignment.missed },
        };
      }
    }
  }

  // (c) Capacity is enough, yet first follow-ups come late.
  const medianMs = median(context.allFollowUpTimes);
  if (followUp !== undefined && medianMs !== null) {
    let notFollowedUp = 0;
    for (const lead of leads.values()) if (lead.assignedAt >= 0 && lead.followedUpAt < 0) notFollowedUp++;
    const facts: Record<string, number | string> = { medianMs, notFollowedUp, missed: followUp.missed };
    if (context.targets !== undefined) facts.targetMs = context.targets.firstFollowUpWithin;
    const slowest = context.reps
      .filter((rep) => rep.firstFollowUpP50Ms !== null)
      .sort((a, b) => b.firstFollowUpP50Ms! - a.firstFollowUpP50Ms!)[0];
    if (slowest !== undefined) {
      facts.slowestRepId = slowest.id;
      facts.slowestRepName = slowest.name;
      facts.slowestRepMedianMs = slowest.firstFollowUpP50Ms!;
    }
    return { kind: 'slowFollowUp', target: 'followedUpWithin', facts };
  }
  return null;
}

// The calendar throws outside its covered years: such an instant counts as off-hours, no time.
function isBusinessTime(calendar: BusinessCalendar, t: number): boolean {
  try {
    return calendar.isBusinessTime(t);
  } catch {
    return false;
  }
}

function businessTimeBetween(calendar: BusinessCalendar, a: number, b: number): number {
  try {
    return calendar.businessTimeBetween(a, b);
  } catch {
    return 0;
  }
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
