import type { LeadStallState, StalledLeads } from '../metrics/lead-metrics.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RuleSet } from '../rules/ruleset.js';
import { OPPORTUNITY_STAGE_IDS, type OpportunityStageId } from '../rules/stages.js';

/**
 * One "action certainty" target of the seeds, as achieved by a simulation run — each row is the
 * figure of `engine.metrics()` at the end of the run (`metrics.actionCertainty`):
 *
 * - `assignedWithin`: share of valid leads assigned within `targets.assignWithin` of business
 *   time (holidays excluded);
 * - `followedUpWithin`: share of valid leads with a first follow-up within
 *   `targets.firstFollowUpWithin` of arrival (wall time);
 * - `advancedOnTime`: share of opportunity stage visits with a planned next contact that advanced
 *   (or won) by the first planned time; missed when the visit ended otherwise (later, rolled back,
 *   lost) or the planned time passed with the visit still open; pending while it is still ahead
 *   at the end of the run.
 *
 * @example
 * ```ts
 * import type { SimulationTarget } from 'leadflow';
 * const row = (t: SimulationTarget) => `${t.label}: ${t.achieved ?? '-'} / ${t.target} ${t.passed ? '✔' : '✘'}`;
 * ```
 * @category Simulation
 */
export interface SimulationTarget {
  readonly id: 'assignedWithin' | 'followedUpWithin' | 'advancedOnTime';
  readonly label: string;
  readonly target: number;
  /** met / (met + missed), or null when nothing was decided. */
  readonly achieved: number | null;
  readonly met: number;
  readonly missed: number;
  readonly pending: number;
  readonly passed: boolean;
}

/**
 * One stage of the lead funnel: how many leads reached it, and the share of the previous stage
 * and of the first.
 *
 * @example
 * ```ts
 * import type { FunnelStage } from 'leadflow';
 * const stage: FunnelStage = { stage: 'assigned', count: 900, ofPrevious: 0.9, ofReceived: 0.75 };
 * ```
 * @category Simulation
 */
export interface FunnelStage {
  readonly stage: 'received' | 'valid' | 'assigned' | 'followedUp' | 'converted';
  readonly count: number;
  readonly ofPrevious: number | null;
  readonly ofReceived: number | null;
}

/**
 * An open opportunity longest in its current stage beyond 5 days — the seeds' "stalled TOP5",
 * as `engine.metrics().stalledTop5` defines it — with the company and lead it came from.
 *
 * @example
 * ```ts
 * import type { StalledOpportunity } from 'leadflow';
 * const line = (s: StalledOpportunity) => `${s.company} ${s.stage} ${(s.dwellMs / 86_400_000).toFixed(1)} d`;
 * ```
 * @category Simulation
 */
export interface StalledOpportunity {
  readonly opportunityId: string;
  readonly leadId: string | null;
  readonly company: string | null;
  readonly stage: string;
  readonly ownerId: string | null;
  readonly dwellMs: number;
}

/**
 * An open lead longest in its current state beyond 5 days — a row of the seeds' "阶段停滞超5天线索
 * TOP5", as `engine.metrics().leads.stalled.top5` defines it — with its company.
 *
 * @example
 * ```ts
 * import type { StalledLead } from 'leadflow';
 * const line = (s: StalledLead) => `${s.company} ${s.state} ${(s.dwellMs / 86_400_000).toFixed(1)} d`;
 * ```
 * @category Simulation
 */
export interface StalledLead {
  readonly leadId: string;
  readonly company: string | null;
  readonly state: LeadStallState;
  readonly ownerId: string | null;
  readonly dwellMs: number;
}

/**
 * The opportunities of a run: the funnel of `engine.metrics()` (`created`, `won`, `lost`,
 * `winRate`, `leadToOpportunity`) and what the driver saw. Nothing is lost:
 * `converted = created + pendingAtEnd` (every converted lead gets exactly one opportunity, or is
 * still waiting for its owner to enter it when the run ends), `created = won + lost + open` and
 * `open` is the sum of `openByStage`.
 *
 * @example
 * ```ts
 * import type { SimulatedOpportunities } from 'leadflow';
 * const closed = (o: SimulatedOpportunities) => o.won + o.lost;
 * ```
 * @category Simulation
 */
export interface SimulatedOpportunities {
  readonly created: number;
  readonly won: number;
  readonly lost: number;
  readonly open: number;
  /** Open opportunities by their current stage. */
  readonly openByStage: Readonly<Record<OpportunityStageId, number>>;
  /** Converted leads whose opportunity was not entered yet when the run ended. */
  readonly pendingAtEnd: number;
  /** won / (won + lost); null when none closed. */
  readonly winRate: number | null;
  /** created / valid leads. */
  readonly leadToOpportunity: number | null;
  readonly customersCreated: number;
  /** Conversions whose company the customer master already had (same USCC, phone or e-mail). */
  readonly customersReused: number;
  readonly rollbacks: number;
  readonly deliveryDelays: number;
  /** Per stage: visits entered, the median dwell of visits that ended (`engine.metrics()`), rollbacks from it. */
  readonly stages: readonly {
    readonly stage: OpportunityStageId;
    readonly entered: number;
    readonly dwellP50Ms: number | null;
    readonly rollbacks: number;
  }[];
}

/**
 * Response times of one department to the tasks opportunities started, from
 * `engine.metrics().departmentTasks`: tasks created, answered (`done`), escalated as overdue,
 * the share answered by the due time, and median times from creation to acknowledgement and to
 * the answer.
 *
 * @example
 * ```ts
 * import type { DepartmentResponse } from 'leadflow';
 * const late = (d: DepartmentResponse) => d.overdue / Math.max(1, d.created);
 * ```
 * @category Simulation
 */
export interface DepartmentResponse {
  /** Department key (`technical`, `production`, `afterSales`). */
  readonly department: string;
  /** The team's name for it, when the team has it. */
  readonly name: string | null;
  readonly created: number;
  readonly done: number;
  readonly overdue: number;
  readonly onTimeShare: number | null;
  readonly acknowledgeP50Ms: number | null;
  readonly completeP50Ms: number | null;
}

/**
 * Counts of a simulation run. Nothing is lost: `arrivals = received + quarantined +
 * duplicatesMerged`; arrivals after the end of an explicit stream are counted in `afterEnd` and
 * not ingested. Breaches and warnings include the opportunity policies (`stage-stalled-5d`).
 *
 * @example
 * ```ts
 * import type { SimulationCounts } from 'leadflow';
 * const lost = (c: SimulationCounts) => c.arrivals - c.received - c.quarantined - c.duplicatesMerged; // 0
 * ```
 * @category Simulation
 */
export interface SimulationCounts {
  readonly arrivals: number;
  readonly afterEnd: number;
  readonly received: number;
  readonly quarantined: number;
  /** Quarantined payloads by the path of their first issue (`company.region`, `channel`, …). */
  readonly quarantinedByPath: Readonly<Record<string, number>>;
  readonly duplicatesMerged: number;
  readonly valid: number;
  readonly assigned: number;
  readonly offered: number;
  readonly claimed: number;
  readonly queued: number;
  readonly queuedAtEnd: number;
  readonly nurturing: number;
  readonly followedUp: number;
  readonly converted: number;
  readonly disqualified: number;
  readonly reassigned: number;
  readonly escalations: number;
  readonly escalationsByPolicy: Readonly<Record<string, number>>;
  readonly breachesByPolicy: Readonly<Record<string, number>>;
  readonly warningsByPolicy: Readonly<Record<string, number>>;
}

/**
 * What the simulated people did, and what the engine refused: `EVENT_NOT_ACCEPTED` (a claim
 * lost to a faster rep or after the offer expired, a manual assignment to a rep at capacity …)
 * and, under `advance`, `GATE_NOT_MET` (an advance missing a gate field; the rep retries).
 * `skipped` counts planned actions dropped without calling the engine because the lead or
 * opportunity had moved on (reassigned, closed, recycled).
 *
 * @example
 * ```ts
 * import type { SimulatedActions } from 'leadflow';
 * const refusals = (a: SimulatedActions) => Object.values(a.refused).reduce((x, y) => x + y, 0);
 * ```
 * @category Simulation
 */
export interface SimulatedActions {
  readonly opens: number;
  readonly followUps: number;
  readonly conversions: number;
  readonly disqualifications: number;
  readonly claims: number;
  readonly supervisorAssigns: number;
  /** Opportunities entered by the owners of converted leads. */
  readonly opportunities: number;
  /** `PLAN_NEXT_CONTACT`: one per stage entered, plus re-plans of late visits. */
  readonly plans: number;
  readonly advances: number;
  readonly rollbacks: number;
  readonly wins: number;
  readonly losses: number;
  readonly deliveryDelays: number;
  /** Department tasks acknowledged / answered. */
  readonly taskAcknowledgements: number;
  readonly taskAnswers: number;
  readonly refused: {
    readonly open: number;
    readonly followUp: number;
    readonly claim: number;
    readonly assign: number;
    readonly close: number;
    readonly advance: number;
    readonly opportunity: number;
    readonly task: number;
  };
  readonly skipped: number;
}

/**
 * The report of {@link runSimulation}: plain JSON, byte-identical for the same seed and inputs.
 *
 * @example
 * ```ts
 * import type { SimulationReport } from 'leadflow';
 * const failing = (r: SimulationReport) => r.targets.filter((t) => !t.passed).map((t) => t.id);
 * ```
 * @category Simulation
 */
export interface SimulationReport {
  readonly ruleSet: { readonly id: string; readonly version: string; readonly name: string | null };
  readonly seed: number;
  readonly period: {
    readonly start: string;
    readonly end: string;
    readonly days: number;
    /** Days with business hours in the period (make-up working days count, holidays do not). */
    readonly workingDays: number;
    readonly zone: string;
  };
  /** The team simulated: reps and their summed daily capacity. */
  readonly team: { readonly reps: number; readonly dailyCapacity: number };
  readonly input: {
    readonly source: 'generated' | 'explicit';
    readonly market: string | null;
    readonly leadsPerMonth: number | null;
  };
  readonly targets: readonly SimulationTarget[];
  /** Every target passed. */
  readonly passed: boolean;
  readonly counts: SimulationCounts;
  readonly funnel: readonly FunnelStage[];
  /** Opportunities of converted leads; null when `behaviour.opportunities` is null. */
  readonly opportunities: SimulatedOpportunities | null;
  /** Department task response times, by department key (`engine.metrics().departmentTasks`). */
  readonly departments: readonly DepartmentResponse[];
  readonly escalations: {
    readonly byPolicy: readonly { readonly policyId: string; readonly count: number }[];
    readonly topLeads: readonly {
      readonly leadId: string;
      readonly count: number;
      readonly policies: Readonly<Record<string, number>>;
    }[];
  };
  /**
   * The stalled TOP5 of `engine.metrics()`: open opportunities longest in their stage beyond 5
   * days (`metrics.stalled` has their count, in all and by stage).
   */
  readonly stalled: readonly StalledOpportunity[];
  /**
   * The stalled leads of `engine.metrics().leads.stalled`: open leads in one state beyond 5 days —
   * how many, by state, and the TOP5 with their company.
   */
  readonly stalledLeads: Omit<StalledLeads, 'top5'> & { readonly top5: readonly StalledLead[] };
  readonly actions: SimulatedActions;
  /** Outbox messages delivered, by channel (sms, wecom, …). */
  readonly notifications: Readonly<Record<string, number>>;
  /** Leave ranges the simulation gave reps. */
  readonly leave: Readonly<Record<string, readonly string[]>>;
  /**
   * `engine.metrics()` at the end of the run, computed once: every KPI of the seeds, the lead
   * figures under `metrics.leads`. Targets, stalled TOP5 and department rows are read from it.
   */
  readonly metrics: Metrics;
  /** Counters of {@link SimulationExtension}s, by extension name (absent without extensions). */
  readonly extensions?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/**
 * A compact per-day series of a run (one entry per simulated day in every array): leads received,
 * leads assigned for the first time, SLA breaches, leads entering the supervisor queue, and the
 * queue depth at the end of the day.
 *
 * @example
 * ```ts
 * import type { SimulationTimeline } from 'leadflow';
 * const busiest = (t: SimulationTimeline) => t.days[t.received.indexOf(Math.max(...t.received))];
 * ```
 * @category Simulation
 */
export interface SimulationTimeline {
  readonly days: readonly string[];
  readonly received: readonly number[];
  readonly assigned: readonly number[];
  readonly breaches: readonly number[];
  readonly queued: readonly number[];
  readonly queueDepth: readonly number[];
}

/**
 * Build the funnel received → valid → assigned → followed up → converted.
 *
 * @example
 * ```ts
 * import { buildFunnel } from 'leadflow';
 * buildFunnel({ received: 100, valid: 80, assigned: 70, followedUp: 60, converted: 6 })[4]?.ofReceived; // 0.06
 * ```
 * @category Simulation
 */
export function buildFunnel(counts: {
  readonly received: number;
  readonly valid: number;
  readonly assigned: number;
  readonly followedUp: number;
  readonly converted: number;
}): FunnelStage[] {
  const stages: FunnelStage['stage'][] = ['received', 'valid', 'assigned', 'followedUp', 'converted'];
  let previous: number | null = null;
  return stages.map((stage) => {
    const count = counts[stage];
    const row: FunnelStage = {
      stage,
      count,
      ofPrevious: previous === null ? null : previous === 0 ? null : count / previous,
      ofReceived: counts.received === 0 ? null : count / counts.received,
    };
    previous = count;
    return row;
  });
}

/**
 * The three target rows of a report, all from `engine.metrics()` (see {@link SimulationTarget}),
 * labelled with the rule set's targets.
 *
 * @example
 * ```ts
 * import { buildTargets } from 'leadflow';
 * const rows = buildTargets(await engine.metrics(), engine.ruleSet.source.targets);
 * rows[2]?.achieved; // share of stage visits advanced by the planned next contact
 * ```
 * @category Simulation
 */
export function buildTargets(metrics: Metrics, targets: RuleSet['targets']): SimulationTarget[] {
  const row = (
    id: SimulationTarget['id'],
    label: string,
    share: Metrics['actionCertainty']['advancedOnTime'],
  ): SimulationTarget => ({
    id,
    label,
    target: share.target,
    achieved: share.share,
    met: share.met,
    missed: share.missed,
    pending: share.pending,
    passed: share.passed,
  });
  const certainty = metrics.actionCertainty;
  return [
    row(
      'assignedWithin',
      `线索分配时效 — assigned within ${formatDuration(targets.assignWithin)} (business time)`,
      certainty.assignedWithinTarget,
    ),
    row(
      'followedUpWithin',
      `销售跟进动作 — first follow-up within ${formatDuration(targets.firstFollowUpWithin)}`,
      certainty.followedUpWithinTarget,
    ),
    row(
      'advancedOnTime',
      '阶段推进 — stage visits advanced by the planned next contact',
      certainty.advancedOnTime,
    ),
  ];
}

/**
 * The department rows of a report from `engine.metrics().departmentTasks`, in department-key
 * order, named from the team.
 *
 * @example
 * ```ts
 * import { buildDepartments } from 'leadflow';
 * const rows = buildDepartments(await engine.metrics(), engine.team.departments);
 * rows.map((d) => `${d.name ?? d.department}: ${d.onTimeShare}`);
 * ```
 * @category Simulation
 */
export function buildDepartments(
  metrics: Metrics,
  departments: Readonly<Record<string, { readonly name: string }>>,
): DepartmentResponse[] {
  return Object.keys(metrics.departmentTasks)
    .sort()
    .map((department) => {
      const d = metrics.departmentTasks[department]!;
      return {
        department,
        name: Object.hasOwn(departments, department) ? departments[department]!.name : null,
        created: d.created,
        done: d.done,
        overdue: d.overdue,
        onTimeShare: d.onTimeShare,
        acknowledgeP50Ms: d.acknowledge.p50,
        completeP50Ms: d.complete.p50,
      };
    });
}

/**
 * Per-stage rows of {@link SimulatedOpportunities.stages}: visits entered (counted by the driver)
 * with dwell and rollbacks from `engine.metrics().stages`.
 *
 * @example
 * ```ts
 * import { buildStageRows } from 'leadflow';
 * buildStageRows(await engine.metrics(), { leadConfirmation: 12 })[0]?.entered; // 12
 * ```
 * @category Simulation
 */
export function buildStageRows(
  metrics: Metrics,
  entered: Readonly<Partial<Record<OpportunityStageId, number>>>,
): SimulatedOpportunities['stages'] {
  return OPPORTUNITY_STAGE_IDS.map((stage) => ({
    stage,
    entered: entered[stage] ?? 0,
    dwellP50Ms: metrics.stages[stage].dwell.p50,
    rollbacks: metrics.stages[stage].rollbacks,
  }));
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Math.round(ms / 60_000)} min`;
}
