import type { EventObject } from 'xstate';
import type { StepResult } from '../../src/machines/xstate-step.js';

/** A template event type meaning "fire the earliest pending timer". */
export const FIRE = 'FIRE_PENDING_TIMER';

/** One random step: how far the clock moves, how `at` is stamped, and the event to send. */
export type EventTemplate = {
  dt: number;
  atMode: 'now' | 'omit' | 'earlier';
  make: (now: number) => object;
};

/**
 * Drives a random sequence the way the engine would: a clock that only moves forward, the
 * timers scheduled so far, and a `FIRE` template that fires the earliest pending timer with the
 * event the machine scheduled (advancing the clock to its due time; with nothing pending it
 * sends `fallbackType`).
 */
export function createTimerDriver<E extends EventObject>(t0: number, fallbackType: string) {
  let now = t0;
  const pending = new Map<string, { dueAt: number; event: E }>();
  return {
    get now() {
      return now;
    },
    next(template: EventTemplate): E {
      now += template.dt;
      const event = template.make(now) as Record<string, unknown>;
      if (event.type === FIRE) {
        let earliest: [string, { dueAt: number; event: E }] | undefined;
        for (const entry of pending) if (!earliest || entry[1].dueAt < earliest[1].dueAt) earliest = entry;
        if (earliest) {
          pending.delete(earliest[0]);
          now = Math.max(now, earliest[1].dueAt);
          return { ...earliest[1].event };
        }
        event.type = fallbackType;
      }
      if (template.atMode === 'now') event.at = now;
      else if (template.atMode === 'earlier') event.at = now - 1_000;
      return event as unknown as E;
    },
    track(result: StepResult<unknown>): void {
      for (const timer of result.timers) {
        if (timer.type === 'schedule')
          pending.set(timer.timerKey, { dueAt: timer.dueAt, event: timer.event as E });
        else pending.delete(timer.timerKey);
      }
    },
  };
}

/** Run `events` through a stepper from its initial state; every intermediate result. */
export function driveSteps<C, E extends EventObject & { at: number }, I>(
  stepper: {
    initial(input: I, now: number): StepResult<C, E>;
    step(snapshot: StepResult<C, E>['snapshot'], event: E, now: number): StepResult<C, E>;
  },
  input: I,
  events: readonly E[],
  t0: number,
): StepResult<C, E>[] {
  const results = [stepper.initial(input, t0)];
  for (const event of events)
    results.push(stepper.step(results[results.length - 1]!.snapshot, event, event.at));
  return results;
}
