import { ClockError } from '../errors.js';

/**
 * The one source of "now" in leadflow. The core never reads the system time itself: the host
 * injects a clock, so simulations, replays and tests are deterministic.
 *
 * @example
 * ```ts
 * import { type Clock, systemClock } from 'leadflow';
 * const clock: Clock = systemClock;
 * console.log(new Date(clock.now()).toISOString());
 * ```
 * @category Calendar and clocks
 */
export interface Clock {
  /** Current instant in epoch milliseconds. */
  now(): number;
}

/**
 * The wall clock of the machine (`Date.now()`); the default for production engines.
 *
 * @example
 * ```ts
 * import { systemClock } from 'leadflow';
 * const startedAt = systemClock.now();
 * ```
 * @category Calendar and clocks
 */
export const systemClock: Clock = /* @__PURE__ */ (() =>
  Object.freeze({
    now: () => Date.now(),
  }))();

/**
 * A clock that only moves when told to. Used by simulations, replays and tests.
 *
 * @example
 * ```ts
 * import { createVirtualClock } from 'leadflow';
 * const clock = createVirtualClock(Date.parse('2026-03-02T01:00:00Z'));
 * clock.advanceBy(15 * 60_000);
 * clock.now(); // 15 minutes later
 * ```
 * @category Calendar and clocks
 */
export interface VirtualClock extends Clock {
  /** Move to the instant `t` (epoch ms or Date). Moving backwards throws a {@link ClockError}. */
  advanceTo(t: number | Date): number;
  /** Move forward by `ms` milliseconds (≥ 0). Returns the new instant. */
  advanceBy(ms: number): number;
}

function toEpochMs(t: number | Date, field: string): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new ClockError(`${field} must be a finite epoch-ms number or a valid Date`);
  return ms;
}

/**
 * Create a {@link VirtualClock} starting at `start` (epoch ms or Date).
 *
 * @example
 * ```ts
 * import { createVirtualClock } from 'leadflow';
 * const clock = createVirtualClock(new Date('2026-01-05T09:00:00+08:00'));
 * clock.advanceTo(new Date('2026-01-05T10:00:00+08:00'));
 * ```
 * @category Calendar and clocks
 */
export function createVirtualClock(start: number | Date): VirtualClock {
  let current = toEpochMs(start, 'start');
  return {
    now: () => current,
    advanceTo(t) {
      const target = toEpochMs(t, 'advanceTo(t)');
      if (target < current) {
        throw new ClockError(
          `advanceTo(t): a virtual clock never moves backwards (now ${new Date(current).toISOString()}, asked ${new Date(target).toISOString()})`,
        );
      }
      current = target;
      return current;
    },
    advanceBy(ms) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new ClockError(`advanceBy(ms): ms must be a finite number ≥ 0, got ${ms}`);
      }
      current += ms;
      return current;
    },
  };
}
