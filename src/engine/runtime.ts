/**
 * The runtime loop of a production host: fire due timers, start delivery, sleep until the next
 * known due time or the poll interval, whichever is sooner. One round at a time; `stop()` lets the
 * round in flight finish. The poll is the backstop for what other engines scheduled.
 *
 * @module
 */
import type { Clock } from '../scheduler/clock.js';
import { EngineError } from './errors.js';
import type { RuntimeOptions } from './types.js';

const DEFAULT_POLL_MS = 1_000;

/**
 * A start/stop loop around `round`.
 *
 * @example
 * ```ts
 * const runtime = createRuntime({ clock, round: async () => { await engine.runDue(); } });
 * runtime.start({ pollIntervalMs: 500 });
 * runtime.wake(clock.now() + 100); // something is due sooner than the next poll
 * await runtime.stop();
 * ```
 * @category Engine
 */
export function createRuntime(options: {
  readonly clock: Clock;
  /** One round: fire what is due, start delivery. Errors are the round's to report. */
  readonly round: (settings: RuntimeOptions) => Promise<void>;
  /** The earliest due time known without asking storage (a retry this engine scheduled). */
  readonly nextKnownDue?: () => number | undefined;
}) {
  const { clock } = options;
  let loop: Promise<void> | undefined;
  let stopping = false;
  let wakeAt = Number.POSITIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let resolveSleep: (() => void) | undefined;
  let sleepUntil = Number.POSITIVE_INFINITY;

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      resolveSleep = resolve;
      arm(clock.now() + ms);
    });
  }

  /** (Re)set the end of the current sleep. */
  function arm(until: number): void {
    if (timer !== undefined) clearTimeout(timer);
    sleepUntil = until;
    timer = setTimeout(interrupt, Math.max(0, until - clock.now()));
  }

  /** End the current sleep now. */
  function interrupt(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    sleepUntil = Number.POSITIVE_INFINITY;
    const resolve = resolveSleep;
    resolveSleep = undefined;
    resolve?.();
  }

  async function run(current: RuntimeOptions): Promise<void> {
    const poll = current.pollIntervalMs ?? DEFAULT_POLL_MS;
    while (!stopping) {
      // A wake-up still ahead survives the round (a timer may fire a millisecond early).
      if (wakeAt <= clock.now()) wakeAt = Number.POSITIVE_INFINITY;
      await options.round(current);
      if (stopping) break;
      const now = clock.now();
      const known = Math.min(wakeAt, options.nextKnownDue?.() ?? Number.POSITIVE_INFINITY);
      await sleep(Math.min(poll, Math.max(0, known - now)));
    }
  }

  return {
    start(current: RuntimeOptions = {}): void {
      if (loop || stopping) return;
      const poll = current.pollIntervalMs ?? DEFAULT_POLL_MS;
      if (!Number.isFinite(poll) || poll <= 0) {
        throw new EngineError(
          'ENGINE_INVALID',
          `start: pollIntervalMs must be a positive number of milliseconds, got ${poll}`,
        );
      }
      loop = run(current);
    },
    /** Something is due at `at`: wake sooner than the poll if that is earlier. */
    wake(at: number): void {
      if (!loop || stopping) return;
      if (at < wakeAt) wakeAt = at;
      if (resolveSleep && at < sleepUntil) arm(at);
    },
    get running(): boolean {
      return loop !== undefined && !stopping;
    },
    async stop(): Promise<void> {
      stopping = true;
      interrupt();
      await loop;
    },
  };
}

export type Runtime = ReturnType<typeof createRuntime>;
