import type { StoredEvent } from '../adapters/storage/port.js';
import { OPPORTUNITY_STAGE_IDS, type OpportunityStageId } from '../rules/stages.js';
import {
  LEAD_METRICS_EVENT_TYPES,
  type LeadMetrics,
  type LeadMetricsOptions,
  type LeadTimeline,
  leadArrivedAt,
  leadMetricsFold,
} from './lead-metrics.js';
import { type DurationStats, durationStats, type TargetShare, targetShare } from './stats.js';

/**
 * Every KPI of the seeds in one typed object, each target with pass/fail: the three "action
 * certainty" figures, the funnel, stage dwell and rollbacks, the stalled opportunities (and, under
 * `leads.stalled`, the stalled leads), data completeness, department response times, per-rep
 * completion and timeliness, duplicate-entry rates and cross-sell opportunities identified. Every
 * share comes with the counts it is made of.
 *
 * @example
 * ```ts
 * const report: Metrics = await engine.metrics();
 * report.targets.filter((t) => !t.passed).map((t) => t.name);
 * ```
 * @category Metrics
 */
export interface Metrics {
  readonly window: { readonly from: number; readonly to: number; readonly asOf: number };
  readonly actionCertainty: {
    /** ≥ 95 % of leads assigned within 5 business minutes (default target). */
    readonly assignedWithinTarget: TargetShare;
    /** ≥ 90 % with a first follow-up within 24 h. */
    readonly followedUpWithinTarget: TargetShare;
    /**
     * ≥ 85 % of planned stage visits moved on by the planned next-contact time: advanced a stage,
     * or closed (won or lost) — the rep acted on the plan. A rollback, or a visit still in its
     * stage after the planned time, is missed. (Counting a timely loss as missed would cap the
     * share at the win rate's mercy: with 70 % of deals lost, the target could never be met.)
     */
    readonly advancedOnTime: TargetShare;
  };
  readonly leads: LeadMetrics;
  readonly funnel: {
    readonly leads: number;
    readonly validLeads: number;
    readonly opportunities: number;
    readonly won: number;
    readonly lost: number;
    /** opportunities / valid leads (null when no valid leads). */
    readonly leadToOpportunity: number | null;
    /** won / (won + lost) (null when none closed). */
    readonly winRate: number | null;
  };
  readonly stages: Readonly<
    Record<OpportunityStageId, { readonly dwell: DurationStats; readonly rollbacks: number }>
  >;
  /**
   * The seeds' "商机停滞TOP5" with the counts behind it: open opportunities in their current stage
   * longer than `stalledAfterMs` (see {@link StalledOpportunities}). The lead view is
   * `leads.stalled`.
   */
  readonly stalled: StalledOpportunities;
  /**
   * The same rows as `stalled.top5`, kept for existing callers.
   * @deprecated Read `stalled.top5` (and `stalled.count` for the full number).
   */
  readonly stalledTop5: StalledOpportunities['top5'];
  /**
   * Share of leads received in the window with each field sales needs, and with all of them —
   * with the counts the shares are made of (`filled[field] / leads`, `complete / leads`).
   */
  readonly dataCompleteness: {
    readonly all: number | null;
    readonly fields: Readonly<Record<string, number | null>>;
    /** Leads received in the window: the denominator of every share above. */
    readonly leads: number;
    /** Leads with every field filled in. */
    readonly complete: number;
    /** Per field, the leads that had it. */
    readonly filled: Readonly<Record<string, number>>;
  };
  /** Department task response times (creation → acknowledgement / completion) and on-time share. */
  readonly departmentTasks: Readonly<
    Record<
      string,
      {
        readonly created: number;
        readonly done: number;
        readonly overdue: number;
        readonly acknowledge: DurationStats;
        readonly complete: DurationStats;
        /** Done by their due time (or without one): `onTimeShare = onTime / done`. */
        readonly onTime: number;
        readonly onTimeShare: number | null;
      }
    >
  >;
  /** Per rep and action type: completion (done / due) and timeliness (on time / done). */
  readonly perRep: Readonly<
    Record<
      string,
      Readonly<
        Record<
          'open' | 'firstFollowUp' | 'stageAdvance',
          {
            readonly due: number;
            readonly done: number;
            readonly onTime: number;
            readonly completionRate: number | null;
            readonly timeliness: number | null;
          }
        >
      >
    >
  >;
  /** Duplicates / every entry attempt (`duplicateEntries` holds the counts). */
  readonly duplicateEntryRate: { readonly leads: number | null; readonly customers: number | null };
  /** The counts behind `duplicateEntryRate`: duplicates, and every entry (duplicates included). */
  readonly duplicateEntries: {
    readonly leads: { readonly duplicates: number; readonly entries: number };
    readonly customers: { readonly duplicates: number; readonly entries: number };
  };
  readonly crossSellIdentified: number;
  readonly riskAlerts: number;
  /** Every target with its achieved value and verdict. */
  readonly targets: readonly {
    readonly name: string;
    readonly target: number;
    readonly achieved: number | null;
    readonly passed: boolean;
  }[];
}

/**
 * The stalled opportunities of {@link Metrics}: open opportunities (created in the window) whose
 * time in their current stage exceeds `afterMs` (strictly) at `asOf`. Dwell is wall time from
 * entering the stage, as the `stage-stalled-5d` policy counts it; an owner change or a planned
 * next contact does not reset it. `count` is every stalled opportunity, `byStage` splits it over
 * the six stages (zeros included, plus any other stage the log names; the values sum to
 * `count`), `top5` lists the longest dwells, ties by opportunity id.
 *
 * @example
 * ```ts
 * import type { StalledOpportunities } from 'leadflow/core';
 * const line = (s: StalledOpportunities) => `${s.count} stalled, ${s.byStage.needsDiagnosis} in needs diagnosis`;
 * ```
 * @category Metrics
 */
export interface StalledOpportunities {
  /** The threshold: stalled means a dwell longer than this (wall ms). */
  readonly afterMs: number;
  readonly count: number;
  readonly byStage: Readonly<Record<OpportunityStageId, number>>;
  readonly top5: readonly {
    readonly opportunityId: string;
    readonly stage: string;
    readonly dwellMs: number;
    readonly ownerId: string | null;
  }[];
}

/**
 * Options of {@link computeMetrics}: the lead options (the stall threshold `stalledAfterMs`
 * among them) plus the targets and the open-window threshold.
 *
 * @example
 * ```ts
 * const options: MetricsOptions = { from, to, asOf, calendar, targets, unopenedWithinMs: 1_800_000 };
 * ```
 * @category Metrics
 */
export interface MetricsOptions extends LeadMetricsOptions {
  readonly targets: LeadMetricsOptions['targets'] & { readonly advancedOnTimeShare: number };
  /** An "open" counts as on time within this long of assignment. @default 30 minutes */
  readonly unopenedWithinMs?: number;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/**
 * The event types {@link computeMetrics} reads ({@link LEAD_METRICS_EVENT_TYPES} included); every
 * other event leaves its report unchanged, so a caller may ask storage for these only.
 *
 * @example
 * ```ts
 * import { METRICS_EVENT_TYPES, computeMetrics } from 'leadflow/core';
 * const events = await storage.readEvents({ types: METRICS_EVENT_TYPES });
 * const report = computeMetrics(events, { from, to, asOf, calendar, targets });
 * ```
 * @category Metrics
 */
export const METRICS_EVENT_TYPES: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze([
    ...new Set([
      ...LEAD_METRICS_EVENT_TYPES,
      'lead.duplicate',
      'opportunity.created',
      'opportunity.stageEntered',
      'opportunity.nextContactPlanned',
      'opportunity.stageLeft',
      'opportunity.rolledBack',
      'opportunity.won',
      'opportunity.lost',
      'opportunity.ownerChanged',
      'task.created',
      'task.acknowledged',
      'task.completed',
      'task.overdue',
      'customer.created',
      'customer.duplicateEntry',
      'customer.crossSell',
      'customer.risk',
    ]),
  ]))();

/**
 * Compute {@link Metrics} from the event log (all kinds, in sequence order; those of
 * {@link METRICS_EVENT_TYPES} are enough). Pure. The log is read once, for the lead KPIs too.
 *
 * @example
 * ```ts
 * import { computeMetrics } from 'leadflow/core';
 * const report = computeMetrics(await storage.readEvents(), { from, to, asOf, calendar, targets });
 * ```
 * @category Metrics
 */
export function computeMetrics(events: readonly StoredEvent[], options: MetricsOptions): Metrics {
  const { from, to, asOf } = options;
  const leadFold = leadMetricsFold(options);
  const stalledAfter = options.stalledAfterMs ?? 5 * 86_400_000;
  const inWindow = (at: number) => at >= from && at < to;

  // --- leads: completeness, duplicates (per-rep open / follow-up come from the lead fold)
  // Id- and name-keyed tallies are Maps (a stage, field or rep may be called `constructor`).
  const fieldCounts = new Map<string, number>();
  let leadsSeen = 0;
  let allComplete = 0;
  let leadDuplicates = 0;
  // --- opportunities
  const opportunityCreated = new Map<string, { at: number; ownerId: string | null }>();
  const currentStage = new Map<
    string,
    { stage: string; enteredAt: number; ownerId: string | null; open: boolean }
  >();
  const visitPlan = new Map<string, number>(); // opportunityId → first planned time of the current visit
  const dwell = new Map<string, number[]>();
  const rollbacks = new Map<string, number>();
  let won = 0;
  let lost = 0;
  let advancedMet = 0;
  let advancedMissed = 0;
  let advancedPending = 0;
  const repAdvance = new Map<string, { due: number; done: number; onTime: number }>();
  // --- tasks
  const tasks = new Map<
    string,
    {
      department: string;
      createdAt: number;
      dueAt: number | null;
      acknowledgedAt?: number;
      doneAt?: number;
      overdue: boolean;
    }
  >();
  // --- customers
  let customersCreated = 0;
  let customerDuplicates = 0;
  let crossSell = 0;
  let risk = 0;

  for (const event of events) {
    leadFold.add(event);
    const data = (event.data ?? {}) as Record<string, unknown>;
    switch (event.type) {
      case 'lead.received': {
        if (!inWindow(leadArrivedAt(event))) break;
        leadsSeen++;
        const complete = (data.complete ?? {}) as Record<string, boolean>;
        let all = true;
        for (const [field, filled] of Object.entries(complete)) {
          fieldCounts.set(field, (fieldCounts.get(field) ?? 0) + (filled ? 1 : 0));
          if (!filled) all = false;
        }
        if (all) allComplete++;
        break;
      }
      case 'lead.duplicate':
        if (inWindow(event.at)) leadDuplicates++;
        break;
      case 'opportunity.created':
        if (inWindow(event.at))
          opportunityCreated.set(event.entityId, {
            at: event.at,
            ownerId: (data.ownerId as string | null) ?? null,
          });
        break;
      case 'opportunity.stageEntered': {
        if (!opportunityCreated.has(event.entityId)) break;
        const previous = currentStage.get(event.entityId);
        currentStage.set(event.entityId, {
          stage: String(data.stage),
          enteredAt: event.at,
          ownerId: (data.ownerId as string | null) ?? previous?.ownerId ?? null,
          open: true,
        });
        visitPlan.delete(event.entityId);
        break;
      }
      case 'opportunity.nextContactPlanned':
        if (opportunityCreated.has(event.entityId) && !visitPlan.has(event.entityId))
          visitPlan.set(event.entityId, Number(data.plannedAt));
        break;
      case 'opportunity.stageLeft': {
        if (!opportunityCreated.has(event.entityId)) break;
        const stage = String(data.stage);
        const dwells = dwell.get(stage);
        if (dwells === undefined) dwell.set(stage, [Number(data.dwellMs ?? 0)]);
        else dwells.push(Number(data.dwellMs ?? 0));
        const planned = visitPlan.get(event.entityId);
        const ownerId = currentStage.get(event.entityId)?.ownerId ?? null;
        if (planned !== undefined) {
          // Moved on: advanced, or closed either way (see actionCertainty.advancedOnTime).
          const advanced = data.via === 'advance' || data.via === 'won' || data.via === 'lost';
          const rep = ownerId ? (repAdvance.get(ownerId) ?? { due: 0, done: 0, onTime: 0 }) : undefined;
          if (rep) rep.due++;
          if (advanced && event.at <= planned) {
            advancedMet++;
            if (rep) {
              rep.done++;
              rep.onTime++;
            }
          } else {
            advancedMissed++;
            if (advanced && rep) rep.done++;
          }
          if (rep && ownerId) repAdvance.set(ownerId, rep);
        }
        visitPlan.delete(event.entityId);
        const current = currentStage.get(event.entityId);
        if (current && (data.to === 'won' || data.to === 'lost')) current.open = false;
        break;
      }
      case 'opportunity.rolledBack':
        if (opportunityCreated.has(event.entityId))
          rollbacks.set(String(data.from), (rollbacks.get(String(data.from)) ?? 0) + 1);
        break;
      case 'opportunity.won':
        if (opportunityCreated.has(event.entityId)) won++;
        break;
      case 'opportunity.lost':
        if (opportunityCreated.has(event.entityId)) lost++;
        break;
      case 'opportunity.ownerChanged': {
        const current = currentStage.get(event.entityId);
        if (current) current.ownerId = (data.to as string) ?? current.ownerId;
        break;
      }
      case 'task.created':
        if (inWindow(event.at))
          tasks.set(event.entityId, {
            department: String(data.department),
            createdAt: event.at,
            dueAt: (data.dueAt as number | null) ?? null,
            overdue: false,
          });
        break;
      case 'task.acknowledged': {
        const task = tasks.get(event.entityId);
        if (task) task.acknowledgedAt ??= event.at;
        break;
      }
      case 'task.completed': {
        const task = tasks.get(event.entityId);
        if (task) {
          task.doneAt = event.at;
          task.acknowledgedAt ??= event.at;
        }
        break;
      }
      case 'task.overdue': {
        const task = tasks.get(event.entityId);
        if (task) task.overdue = true;
        break;
      }
      case 'customer.created':
        if (inWindow(event.at)) customersCreated++;
        break;
      case 'customer.duplicateEntry':
        if (inWindow(event.at)) customerDuplicates++;
        break;
      case 'customer.crossSell':
        if (inWindow(event.at)) crossSell++;
        break;
      case 'customer.risk':
        if (inWindow(event.at)) risk++;
        break;
    }
  }
  const leads = leadFold.finish();
  // Visits still open with a plan: missed once the planned time has passed, else pending.
  for (const [opportunityId, planned] of visitPlan) {
    if (!currentStage.get(opportunityId)?.open) continue;
    if (asOf > planned) advancedMissed++;
    else advancedPending++;
  }
  const stalledRows: StalledOpportunities['top5'][number][] = [];
  for (const [opportunityId, current] of currentStage)
    if (current.open && asOf - current.enteredAt > stalledAfter)
      stalledRows.push({
        opportunityId,
        stage: current.stage,
        dwellMs: asOf - current.enteredAt,
        ownerId: current.ownerId,
      });
  return assembleMetrics(
    {
      leads,
      timelines: leadFold.timelines.values(),
      completeness: { leads: leadsSeen, complete: allComplete, filled: fieldCounts },
      leadDuplicates,
      opportunities: { created: opportunityCreated.size, won, lost },
      advanced: { met: advancedMet, missed: advancedMissed, pending: advancedPending },
      dwell,
      rollbacks,
      stalledRows,
      repAdvance,
      tasks: tasks.values(),
      customers: { created: customersCreated, duplicates: customerDuplicates, crossSell, risk },
    },
    options,
  );
}

/**
 * A department task as the report counts it.
 * @category Metrics
 */
export interface TaskTally {
  readonly department: string;
  readonly createdAt: number;
  readonly dueAt: number | null;
  readonly acknowledgedAt?: number;
  readonly doneAt?: number;
  readonly overdue: boolean;
}

/**
 * What a fold of the KPIs hands to the report — the log's ({@link computeMetrics}) or the
 * projection's (`metricsFromKpi`) — already restricted to the window. Internal to the metrics
 * module.
 * @category Metrics
 */
export interface MetricsParts {
  readonly leads: LeadMetrics;
  /** The leads received in the window (per-rep open and first follow-up). */
  readonly timelines: Iterable<LeadTimeline>;
  readonly completeness: {
    readonly leads: number;
    readonly complete: number;
    readonly filled: ReadonlyMap<string, number>;
  };
  readonly leadDuplicates: number;
  readonly opportunities: { readonly created: number; readonly won: number; readonly lost: number };
  readonly advanced: { readonly met: number; readonly missed: number; readonly pending: number };
  /** Ended stage visits' dwell, by stage. */
  readonly dwell: ReadonlyMap<string, readonly number[]>;
  readonly rollbacks: ReadonlyMap<string, number>;
  /** Open opportunities past the stall threshold, in any order. */
  readonly stalledRows: readonly StalledOpportunities['top5'][number][];
  /** Stage advances due, done and on time, by the owner at the time. */
  readonly repAdvance: ReadonlyMap<
    string,
    { readonly due: number; readonly done: number; readonly onTime: number }
  >;
  readonly tasks: Iterable<TaskTally>;
  readonly customers: {
    readonly created: number;
    readonly duplicates: number;
    readonly crossSell: number;
    readonly risk: number;
  };
}

/**
 * The {@link Metrics} report from its parts: sorting, shares, per-department and per-rep tables,
 * the target rows. Internal to the metrics module.
 * @category Metrics
 */
export function assembleMetrics(parts: MetricsParts, options: MetricsOptions): Metrics {
  const { from, to, asOf } = options;
  const { leads, dwell, rollbacks } = parts;
  const unopenedWithin = options.unopenedWithinMs ?? 30 * 60_000;
  const stalledAfter = options.stalledAfterMs ?? 5 * 86_400_000;
  const { leads: leadsSeen, complete: allComplete, filled: fieldCounts } = parts.completeness;
  const leadDuplicates = parts.leadDuplicates;
  const { won, lost } = parts.opportunities;
  const opportunitiesCreated = parts.opportunities.created;
  const { created: customersCreated, duplicates: customerDuplicates, crossSell, risk } = parts.customers;

  const stages = Object.fromEntries(
    OPPORTUNITY_STAGE_IDS.map((stage) => [
      stage,
      { dwell: durationStats(dwell.get(stage) ?? []), rollbacks: rollbacks.get(stage) ?? 0 },
    ]),
  ) as Metrics['stages'];
  // Strictly longer (the folds keep only those): an opportunity exactly 5 days in its stage is not stalled yet.
  const stalledRows = [...parts.stalledRows].sort(
    (a, b) => b.dwellMs - a.dwellMs || (a.opportunityId < b.opportunityId ? -1 : 1),
  );
  // A Map: a stage name from the log may be `__proto__`.
  const stalledByStage = new Map<string, number>(OPPORTUNITY_STAGE_IDS.map((stage) => [stage, 0]));
  for (const row of stalledRows) stalledByStage.set(row.stage, (stalledByStage.get(row.stage) ?? 0) + 1);
  const stalled: StalledOpportunities = {
    afterMs: stalledAfter,
    count: stalledRows.length,
    byStage: Object.fromEntries(stalledByStage) as StalledOpportunities['byStage'],
    top5: stalledRows.slice(0, 5),
  };

  const departmentTasks = new Map<
    string,
    {
      created: number;
      done: number;
      overdue: number;
      acknowledge: number[];
      complete: number[];
      onTime: number;
    }
  >();
  for (const task of parts.tasks) {
    let department = departmentTasks.get(task.department);
    if (department === undefined) {
      department = { created: 0, done: 0, overdue: 0, acknowledge: [], complete: [], onTime: 0 };
      departmentTasks.set(task.department, department);
    }
    department.created++;
    if (task.overdue) department.overdue++;
    if (task.acknowledgedAt !== undefined) department.acknowledge.push(task.acknowledgedAt - task.createdAt);
    if (task.doneAt !== undefined) {
      department.done++;
      department.complete.push(task.doneAt - task.createdAt);
      if (task.dueAt === null || task.doneAt <= task.dueAt) department.onTime++;
    }
  }

  const perRep = new Map<
    string,
    Record<'open' | 'firstFollowUp' | 'stageAdvance', { due: number; done: number; onTime: number }>
  >();
  const repEntry = (repId: string) => {
    let entry = perRep.get(repId);
    if (entry === undefined) {
      entry = {
        open: { due: 0, done: 0, onTime: 0 },
        firstFollowUp: { due: 0, done: 0, onTime: 0 },
        stageAdvance: { due: 0, done: 0, onTime: 0 },
      };
      perRep.set(repId, entry);
    }
    return entry;
  };
  for (const lead of parts.timelines) {
    if (lead.assignedAt === undefined || lead.firstOwnerId === undefined) continue;
    const rep = repEntry(lead.firstOwnerId);
    rep.open.due++;
    if (lead.openedAt !== undefined) {
      rep.open.done++;
      if (lead.openedAt - lead.assignedAt <= unopenedWithin) rep.open.onTime++;
    }
    rep.firstFollowUp.due++;
    if (lead.followedUpAt !== undefined) {
      rep.firstFollowUp.done++;
      if (lead.followedUpAt - lead.receivedAt <= options.targets.firstFollowUpWithin)
        rep.firstFollowUp.onTime++;
    }
  }
  for (const [repId, advance] of parts.repAdvance) repEntry(repId).stageAdvance = { ...advance };

  const advancedOnTime = targetShare(
    parts.advanced.met,
    parts.advanced.missed,
    parts.advanced.pending,
    options.targets.advancedOnTimeShare,
  );
  const validLeads = leads.assignable;
  const targets = [
    {
      name: 'assigned within target',
      target: leads.assignedWithinTarget.target,
      achieved: leads.assignedWithinTarget.share,
      passed: leads.assignedWithinTarget.passed,
    },
    {
      name: 'first follow-up within target',
      target: leads.followedUpWithinTarget.target,
      achieved: leads.followedUpWithinTarget.share,
      passed: leads.followedUpWithinTarget.passed,
    },
    {
      name: 'advanced by planned next contact',
      target: advancedOnTime.target,
      achieved: advancedOnTime.share,
      passed: advancedOnTime.passed,
    },
  ];
  return {
    window: { from, to, asOf },
    actionCertainty: {
      assignedWithinTarget: leads.assignedWithinTarget,
      followedUpWithinTarget: leads.followedUpWithinTarget,
      advancedOnTime,
    },
    leads,
    funnel: {
      leads: leads.received,
      validLeads,
      opportunities: opportunitiesCreated,
      won,
      lost,
      leadToOpportunity: share(opportunitiesCreated, validLeads),
      winRate: share(won, won + lost),
    },
    stages,
    stalled,
    stalledTop5: stalled.top5,
    dataCompleteness: {
      all: share(allComplete, leadsSeen),
      // Records built with fromEntries: own properties for every key, `__proto__` included.
      fields: Object.fromEntries([...fieldCounts].map(([field, count]) => [field, share(count, leadsSeen)])),
      leads: leadsSeen,
      complete: allComplete,
      filled: Object.fromEntries(fieldCounts),
    },
    departmentTasks: Object.fromEntries(
      [...departmentTasks].map(([department, d]) => [
        department,
        {
          created: d.created,
          done: d.done,
          overdue: d.overdue,
          acknowledge: durationStats(d.acknowledge),
          complete: durationStats(d.complete),
          onTime: d.onTime,
          onTimeShare: share(d.onTime, d.done),
        },
      ]),
    ),
    perRep: Object.fromEntries(
      [...perRep].map(([repId, actions]) => [
        repId,
        Object.fromEntries(
          Object.entries(actions).map(([action, a]) => [
            action,
            { ...a, completionRate: share(a.done, a.due), timeliness: share(a.onTime, a.done) },
          ]),
        ),
      ]),
    ) as Metrics['perRep'],
    duplicateEntryRate: {
      leads: share(leadDuplicates, leadsSeen + leadDuplicates),
      customers: share(customerDuplicates, customersCreated + customerDuplicates),
    },
    duplicateEntries: {
      leads: { duplicates: leadDuplicates, entries: leadsSeen + leadDuplicates },
      customers: { duplicates: customerDuplicates, entries: customersCreated + customerDuplicates },
    },
    crossSellIdentified: crossSell,
    riskAlerts: risk,
    targets,
  };
}
