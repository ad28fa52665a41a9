/**
 * Pure shaping of a simulation report into what the page shows: the targets table (✔/✘ with
 * the targets described in words, not ids), the headline counts and the breaches by SLA policy
 * (with the policy's description). No DOM, no engine: unit-tested in test/playground/.
 */
import type { SimulationReport } from '../../src/simulate/report.js';
import { type Lang, STRINGS, type Strings } from './i18n.js';

/** The form's inputs. */
export interface RunParams {
  readonly preset: 'zhikong' | 'hengrui';
  readonly days: number;
  readonly leadsPerMonth: number;
  readonly seed: number;
}

/** The defaults of the form (the CLI's defaults, except a volume that runs in a few seconds). */
export const DEFAULT_PARAMS: RunParams = { preset: 'zhikong', days: 30, leadsPerMonth: 12_000, seed: 42 };

/** Durations of the rule set's targets (ms), for the target descriptions. */
export interface PlaygroundTargetsConfig {
  readonly assignWithinMs: number;
  readonly firstFollowUpWithinMs: number;
}

/** An SLA policy of the rule set: its id and its own description. */
export interface PlaygroundPolicy {
  readonly id: string;
  readonly description: string | null;
}

/** One row of the targets table, every cell as shown. */
export interface TargetRow {
  readonly id: SimulationReport['targets'][number]['id'];
  readonly passed: boolean;
  /** Met or missed; `undecided` when no lead reached its deadline in the run (nothing to judge). */
  readonly state: 'met' | 'missed' | 'undecided';
  readonly mark: '✔' | '✘' | '—';
  readonly description: string;
  readonly target: string;
  readonly achieved: string;
  readonly metDecided: string;
  readonly pending: string;
}

/** A headline figure. */
export interface HeadlineItem {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

/** A policy's breaches, described. */
export interface BreachRow {
  readonly policyId: string;
  readonly description: string;
  readonly count: string;
}

/** A share as a percentage with one decimal; `—` when nothing was decided. */
export function percent(share: number | null): string {
  return share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}

/** An integer with thousands separators (the same in both languages). */
export function integer(value: number): string {
  return value.toLocaleString('en-US');
}

/** A duration in the UI's language: whole hours as hours, else minutes. */
export function duration(ms: number, s: Strings): string {
  return ms % 3_600_000 === 0 ? s.hours(ms / 3_600_000) : s.minutes(Math.round(ms / 60_000));
}

/** The targets table of a report. */
export function targetRows(
  report: Pick<SimulationReport, 'targets'>,
  config: PlaygroundTargetsConfig,
  lang: Lang,
): TargetRow[] {
  const s = STRINGS[lang];
  const describe = (id: TargetRow['id']) =>
    id === 'assignedWithin'
      ? s.targetAssigned(duration(config.assignWithinMs, s))
      : id === 'followedUpWithin'
        ? s.targetFollowedUp(duration(config.firstFollowUpWithinMs, s))
        : s.targetAdvanced;
  return report.targets.map((t) => {
    // Nothing decided is not "met": a short run must not show a target as held.
    const state = t.achieved === null ? 'undecided' : t.passed ? 'met' : 'missed';
    return {
      id: t.id,
      passed: t.passed,
      state,
      mark: state === 'undecided' ? '—' : state === 'met' ? '✔' : '✘',
      description: describe(t.id),
      target: `≥ ${percent(t.target)}`,
      achieved: percent(t.achieved),
      metDecided: `${integer(t.met)} / ${integer(t.met + t.missed)}`,
      pending: integer(t.pending),
    };
  });
}

/** The headline counts of a report. */
export function headline(report: Pick<SimulationReport, 'counts'>, lang: Lang): HeadlineItem[] {
  const s = STRINGS[lang];
  const c = report.counts;
  const items: [string, string, number][] = [
    ['received', s.received, c.received],
    ['valid', s.valid, c.valid],
    ['assigned', s.assigned, c.assigned],
    ['followedUp', s.followedUp, c.followedUp],
    ['converted', s.converted, c.converted],
    ['escalations', s.escalations, c.escalations],
    ['queuedAtEnd', s.queuedAtEnd, c.queuedAtEnd],
    ['quarantined', s.quarantined, c.quarantined],
  ];
  return items.map(([key, label, value]) => ({ key, label, value: integer(value) }));
}

/**
 * Breaches by SLA policy, most first (ties by policy id), described by the policy's own
 * description (the id when it has none).
 */
export function breachRows(
  report: Pick<SimulationReport, 'counts'>,
  policies: readonly PlaygroundPolicy[],
): BreachRow[] {
  const descriptions = new Map(policies.map((p) => [p.id, p.description]));
  return Object.entries(report.counts.breachesByPolicy)
    .filter(([, count]) => count > 0)
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
    .map(([policyId, count]) => ({
      policyId,
      description: descriptions.get(policyId) ?? policyId,
      count: integer(count),
    }));
}
