/**
 * Summary statistics of a list of durations (ms): count, mean, median and 90th percentile
 * (nearest-rank). Empty lists give `null` figures rather than zeros, so "no data" never reads
 * as "instant".
 *
 * @example
 * ```ts
 * import type { DurationStats } from 'leadflow/core';
 * const s: DurationStats = { count: 3, mean: 20, p50: 20, p90: 30 };
 * ```
 * @category Metrics
 */
export interface DurationStats {
  readonly count: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
}

/**
 * Compute {@link DurationStats} for a list of durations.
 *
 * @example
 * ```ts
 * import { durationStats } from 'leadflow/core';
 * durationStats([10, 20, 30]); // { count: 3, mean: 20, p50: 20, p90: 30 }
 * ```
 * @category Metrics
 */
export function durationStats(values: readonly number[]): DurationStats {
  if (values.length === 0) return { count: 0, mean: null, p50: null, p90: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return { count: sorted.length, mean: sum / sorted.length, p50: rank(0.5), p90: rank(0.9) };
}

/**
 * A share against its target: how many met it, missed it, or are still pending (not yet
 * decided either way), `share = met / (met + missed)` (null when nothing is decided), and
 * whether the target held.
 *
 * @example
 * ```ts
 * import type { TargetShare } from 'leadflow/core';
 * const t: TargetShare = { met: 95, missed: 5, pending: 2, share: 0.95, target: 0.95, passed: true };
 * ```
 * @category Metrics
 */
export interface TargetShare {
  readonly met: number;
  readonly missed: number;
  readonly pending: number;
  readonly share: number | null;
  readonly target: number;
  readonly passed: boolean;
}

/**
 * Build a {@link TargetShare}; an empty population passes vacuously.
 *
 * @example
 * ```ts
 * import { targetShare } from 'leadflow';
 * targetShare(95, 5, 0, 0.95); // { met: 95, missed: 5, pending: 0, share: 0.95, target: 0.95, passed: true }
 * ```
 * @category Metrics
 */
export function targetShare(met: number, missed: number, pending: number, target: number): TargetShare {
  const decided = met + missed;
  const share = decided === 0 ? null : met / decided;
  return { met, missed, pending, share, target, passed: share === null || share >= target };
}
