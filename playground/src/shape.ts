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

/** One target compared: the baseline (A) and the edited rule set (B) on the same stream. */
export interface CompareTargetRow {
  readonly id: TargetRow['id'];
  readonly description: string;
  readonly target: string;
  readonly a: TargetRow;
  readonly b: TargetRow;
  /** B − A in percentage points (`+1.2 pp`), `—` when either is undecided. */
  readonly delta: string;
  /** Whether B is better, worse or the same as A on this target. */
  readonly change: 'better' | 'worse' | 'same';
}

/** A headline count compared. */
export interface CompareCountRow {
  readonly key: string;
  readonly label: string;
  readonly a: string;
  readonly b: string;
  /** B − A with its sign (`+12`, `−3`, `0`). */
  readonly delta: string;
  /** Whether more of this count is good (assigned), bad (escalations) or neither (received). */
  readonly change: 'better' | 'worse' | 'same';
}

/** A signed number as shown in a difference column (a real minus sign). */
export function signed(value: number, digits = 0): string {
  const text = Math.abs(value).toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  if (Number(text.replaceAll(',', '')) === 0) return digits === 0 ? '0' : (0).toFixed(digits);
  return `${value > 0 ? '+' : '−'}${text}`;
}

/** The targets of two runs side by side, with B − A. */
export function compareTargets(
  a: Pick<SimulationReport, 'targets'>,
  b: Pick<SimulationReport, 'targets'>,
  config: PlaygroundTargetsConfig,
  lang: Lang,
): CompareTargetRow[] {
  const rowsA = targetRows(a, config, lang);
  const rowsB = targetRows(b, config, lang);
  return rowsB.map((rowB) => {
    const rowA = rowsA.find((row) => row.id === rowB.id)!;
    const shareA = a.targets.find((t) => t.id === rowB.id)!.achieved;
    const shareB = b.targets.find((t) => t.id === rowB.id)!.achieved;
    const points = shareA === null || shareB === null ? null : (shareB - shareA) * 100;
    const shown = points === null ? '—' : `${signed(points, 1)} pp`;
    return {
      id: rowB.id,
      description: rowB.description,
      target: rowB.target,
      a: rowA,
      b: rowB,
      delta: shown,
      change: points === null || shown.startsWith('0') ? 'same' : points > 0 ? 'better' : 'worse',
    };
  });
}

/** Counts where more is better (+1) or worse (−1); the rest are neutral. */
const COUNT_DIRECTION: Readonly<Record<string, 1 | -1>> = {
  assigned: 1,
  followedUp: 1,
  converted: 1,
  escalations: -1,
  queuedAtEnd: -1,
};

/** The headline counts of two runs side by side, with B − A. */
export function compareCounts(
  a: Pick<SimulationReport, 'counts'>,
  b: Pick<SimulationReport, 'counts'>,
  lang: Lang,
): CompareCountRow[] {
  const itemsA = headline(a, lang);
  return headline(b, lang).map((item, index) => {
    const key = item.key as keyof SimulationReport['counts'];
    const diff = (b.counts[key] as number) - (a.counts[key] as number);
    const direction = COUNT_DIRECTION[item.key] ?? 0;
    return {
      key: item.key,
      label: item.label,
      a: itemsA[index]!.value,
      b: item.value,
      delta: signed(diff),
      change: diff === 0 || direction === 0 ? 'same' : diff * direction > 0 ? 'better' : 'worse',
    };
  });
}
