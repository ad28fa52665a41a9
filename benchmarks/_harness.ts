/** Shared helpers for benchmarks: a seeded PRNG, a timer, and the one-JSON-line report. */

/** mulberry32: a small seeded PRNG so both sides of a comparison see the same inputs. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Run `fn` once and return elapsed seconds (monotonic clock). */
export function timeIt(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Run an async `fn` once and return elapsed seconds. */
export async function timeItAsync(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Force a full GC when node runs with --expose-gc (the bench runner passes it). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** Print the benchmark's result as its last line: one JSON object. Ratios are ours/baseline. */
export function report(result: {
  name: string;
  ours: number;
  baseline: number;
  [extra: string]: unknown;
}): void {
  const ratio = result.baseline > 0 ? result.ours / result.baseline : null;
  const rounded = Object.fromEntries(
    Object.entries({ ...result, ratio }).map(([key, value]) => [
      key,
      typeof value === 'number' ? Number(value.toPrecision(4)) : value,
    ]),
  );
  console.log(JSON.stringify(rounded));
}

/**
 * How every benchmark is bundled before it runs under plain node (run.ts), and what a benchmark
 * that bundles a baseline beside it must use too, so both sides are the same kind of code.
 */
export const BENCH_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'error',
} as const;
