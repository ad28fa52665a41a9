/**
 * A small seeded pseudo-random source for simulations: mulberry32 plus the distributions the
 * lead-stream generator and the simulated reps need. Never reads `Math.random` or the clock, so a
 * seed fully determines every draw.
 *
 * @module
 */

/**
 * A seeded random source. Every method advances the same mulberry32 state.
 *
 * @example
 * ```ts
 * import { createRandom } from 'leadflow/core';
 * const random = createRandom(42);
 * random.next(); // the same number on every run with seed 42
 * random.pick(['a', 'b', 'c']);
 * ```
 * @category Simulation
 */
export interface SeededRandom {
  /** Uniform in `[0, 1)`. */
  next(): number;
  /** Uniform integer in `[min, max]` (inclusive). */
  int(min: number, max: number): number;
  /** `true` with probability `p`. */
  chance(p: number): boolean;
  /** One item, uniformly. Throws on an empty list. */
  pick<T>(items: readonly T[]): T;
  /** Standard normal (Box–Muller, one value per call). */
  normal(): number;
  /** Log-normal with the given median and σ of the underlying normal. */
  logNormal(median: number, sigma: number): number;
  /** Poisson-distributed count with the given mean (normal approximation above 40). */
  poisson(mean: number): number;
  /** A fresh independent source derived from this one (for sub-streams). */
  fork(): SeededRandom;
}

/**
 * Create a {@link SeededRandom} from a 32-bit seed (mulberry32).
 *
 * @example
 * ```ts
 * import { createRandom } from 'leadflow/core';
 * const a = createRandom(7);
 * const b = createRandom(7);
 * a.next() === b.next(); // true
 * ```
 * @category Simulation
 */
export function createRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    // Box–Muller; 1 - next() keeps the logarithm's argument in (0, 1].
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const random: SeededRandom = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick: empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    normal,
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
    poisson(mean) {
      if (!(mean > 0)) return 0;
      if (mean > 40) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
      // Knuth: multiply uniforms until the product drops below e^-mean.
      const limit = Math.exp(-mean);
      let k = 0;
      let product = next();
      while (product > limit) {
        k++;
        product *= next();
      }
      return k;
    },
    fork: () => createRandom(Math.floor(next() * 4294967296)),
  };
  return random;
}

/**
 * A weighted choice table built once and drawn from in O(log n) (binary search over cumulative
 * weights). Weights need not sum to 1; zero-weight items are never drawn.
 *
 * @example
 * ```ts
 * import { weightedTable } from 'leadflow';
 * import { createRandom } from 'leadflow/core';
 * const channels = weightedTable([['website_form', 3], ['hotline_400', 1]]);
 * channels.draw(createRandom(1)); // 'website_form' three times as often as 'hotline_400'
 * ```
 * @category Simulation
 */
export interface WeightedTable<T> {
  readonly items: readonly T[];
  /** Weights normalised to shares summing to 1, in item order. */
  readonly shares: readonly number[];
  draw(random: SeededRandom): T;
}

/**
 * Build a {@link WeightedTable} from `[item, weight]` pairs.
 *
 * @throws {RangeError} when no weight is positive or a weight is negative or not finite.
 * @example
 * ```ts
 * import { weightedTable } from 'leadflow';
 * const grades = weightedTable([['A', 0.2], ['B', 0.5], ['C', 0.3]]);
 * grades.shares; // [0.2, 0.5, 0.3]
 * ```
 * @category Simulation
 */
export function weightedTable<T>(entries: readonly (readonly [T, number])[]): WeightedTable<T> {
  const items: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [item, weight] of entries) {
    if (!Number.isFinite(weight) || weight < 0)
      throw new RangeError(`weightedTable: invalid weight ${weight}`);
    total += weight;
    items.push(item);
    cumulative.push(total);
  }
  if (!(total > 0)) throw new RangeError('weightedTable: no positive weight');
  const shares = entries.map(([, weight]) => weight / total);
  return {
    items,
    shares,
    draw(random) {
      const target = random.next() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! > target) hi = mid;
        else lo = mid + 1;
      }
      return items[lo]!;
    },
  };
}
