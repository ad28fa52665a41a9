import type { LeadMetrics } from '../metrics/lead-metrics.js';
import type { RuleSet } from '../rules/ruleset.js';

/**
 * One "action certainty" target of the seeds, as achieved by a simulation run.
 *
 * - `assignedWithin`: share of valid leads assigned within `targets.assignWithin` of business
 *   time (holidays excluded) — from `engine.leadMetrics()`;
 * - `followedUpWithin`: share of valid leads with a first follow-up within
 *   `targets.firstFollowUpWithin` of arrival (wall time) — from `engine.leadMetrics()`;
 * - `advancedOnTime`: share of leads whose first follow-up planned a next contact and that
 *   progressed again (another follow-up, a conversion or a disqualification) by that planned
 *   time; missed when the progress came later or the planned time passed without it; pending
 *   while the planned time is still ahead at the end of the run.
 *
 * @example
 * ```ts
 * import type { SimulationTarget } from 'leadflow';
 * const row = (t: SimulationTarget) => `${t.label}: ${t.achieved ?? '-'} / ${t.target} ${t.passed ? '✔' : '✘'}`;
 * ```
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
 */
export interface FunnelStage {
  readonly stage: 'received' | 'valid' | 'assigned' | 'followedUp' | 'converted';
  readonly count: number;
  readonly ofPrevious: number | null;
  readonly ofReceived: number | null;
}

/**
 * An open lead without progress for a long time (the "stalled TOP5" of the seeds, defined for
 * leads): no assignment, opening or follow-up since `lastActivityAt`. Nurturing leads are left out
 * (waiting is their plan), as are closed ones.
 *
 * @example
 * ```ts
 * import type { StalledLead } from 'leadflow';
 * const line = (s: StalledLead) => `${s.leadId} ${s.company} idle ${s.idleHours} h (${s.state})`;
 * ```
 */
export interface StalledLead {
  readonly leadId: string;
  readonly company: string;
  readonly state: string;
  readonly ownerId: string | null;
  readonly lastActivityAt: string;
  readonly idleHours: number;
}

/**
 * Counts of a simulation run. `arrivals = received + quarantined + duplicatesMerged` (nothing is
 * lost); arrivals after the end of an explicit stream are counted in `afterEnd` and not ingested.
 *
 * @example
 * ```ts
 * import type { SimulationCounts } from 'leadflow';
 * const lost = (c: SimulationCounts) => c.arrivals - c.received - c.quarantined - c.duplicatesMerged; // 0
 * ```
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
 * What the simulated people did, and what the engine refused (`EVENT_NOT_ACCEPTED`: a claim
 * lost to a faster rep or after the offer expired, a manual assignment to a rep at capacity …).
 * `skipped` counts planned actions dropped without calling the engine because the lead had
 * moved on (reassigned, closed, recycled).
 *
 * @example
 * ```ts
 * import type { SimulatedActions } from 'leadflow';
 * const refusals = (a: SimulatedActions) => Object.values(a.refused).reduce((x, y) => x + y, 0);
 * ```
 */
export interface SimulatedActions {
  readonly opens: number;
  readonly followUps: number;
  readonly conversions: number;
  readonly disqualifications: number;
  readonly claims: number;
  readonly supervisorAssigns: number;
  readonly refused: {
    readonly open: number;
    readonly followUp: number;
    readonly claim: number;
    readonly assign: number;
    readonly close: number;
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
  readonly escalations: {
    readonly byPolicy: readonly { readonly policyId: string; readonly count: number }[];
    readonly topLeads: readonly {
      readonly leadId: string;
      readonly count: number;
      readonly policies: Readonly<Record<string, number>>;
    }[];
  };
  readonly stalled: readonly StalledLead[];
  readonly actions: SimulatedActions;
  /** Outbox messages delivered, by channel (sms, wecom, …). */
  readonly notifications: Readonly<Record<string, number>>;
  /** Leave ranges the simulation gave reps. */
  readonly leave: Readonly<Record<string, readonly string[]>>;
  readonly metrics: LeadMetrics;
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
 * The three target rows of a report: the two lead KPIs of `engine.leadMetrics()` and the
 * advanced-on-time tally of the simulation (see {@link SimulationTarget}), against the rule set's
 * targets.
 *
 * @example
 * ```ts
 * import { buildTargets } from 'leadflow';
 * const rows = buildTargets(await engine.leadMetrics(), engine.ruleSet.source.targets, { met: 85, missed: 10, pending: 5 });
 * rows[2]?.passed; // 85 / 95 ≥ 0.85
 * ```
 */
export function buildTargets(
  metrics: LeadMetrics,
  targets: RuleSet['targets'],
  advanced: { readonly met: number; readonly missed: number; readonly pending: number },
): SimulationTarget[] {
  const decided = advanced.met + advanced.missed;
  const advancedShare = decided === 0 ? null : advanced.met / decided;
  const fromMetrics = (
    id: SimulationTarget['id'],
    label: string,
    share: LeadMetrics['assignedWithinTarget'],
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
  return [
    fromMetrics(
      'assignedWithin',
      `线索分配时效 — assigned within ${formatDuration(targets.assignWithin)} (business time)`,
      metrics.assignedWithinTarget,
    ),
    fromMetrics(
      'followedUpWithin',
      `销售跟进动作 — first follow-up within ${formatDuration(targets.firstFollowUpWithin)}`,
      metrics.followedUpWithinTarget,
    ),
    {
      id: 'advancedOnTime',
      label: '阶段推进 — progressed by the planned next contact',
      target: targets.advancedOnTimeShare,
      achieved: advancedShare,
      ...advanced,
      passed: advancedShare === null || advancedShare >= targets.advancedOnTimeShare,
    },
  ];
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Math.round(ms / 60_000)} min`;
}
