import type { JsonValue, TimerRecord, TimerRef } from '../adapters/storage/port.js';
import type { SlaFiredTimer, SlaTimerCommand, SlaTimerPayload } from '../machines/sla.js';
import type { TimerCommand } from '../machines/xstate-step.js';

/**
 * A timer command of one step, in issue order; a step's list is collapsed per key before commit.
 *
 * @example
 * ```ts
 * const op: TimerOp = { op: 'cancel', ref: { entityId: 'lead-1', timerKey: 'machine:incubation' } };
 * ```
 * @category Engine
 */
export type TimerOp = { op: 'schedule'; timer: TimerRecord } | { op: 'cancel'; ref: TimerRef };

/**
 * A machine's delayed-raise timers as durable timer ops. Each schedule bumps the key's
 * generation, so a superseded firing is recognised; returns the new generations (the input is
 * not mutated).
 *
 * @example
 * ```ts
 * record.timerGenerations = machineTimerOps(ops, 'lead-1', record.timerGenerations, result.timers);
 * ```
 * @category Engine
 */
export function machineTimerOps(
  ops: TimerOp[],
  entityId: string,
  generations: Readonly<Record<string, number>>,
  commands: readonly TimerCommand[],
): Readonly<Record<string, number>> {
  let next = generations;
  for (const command of commands) {
    const timerKey = `machine:${command.timerKey}`;
    if (command.type === 'cancel') {
      ops.push({ op: 'cancel', ref: { entityId, timerKey } });
      continue;
    }
    const generation = (next[timerKey] ?? 0) + 1;
    next = { ...next, [timerKey]: generation };
    ops.push({
      op: 'schedule',
      timer: {
        entityId,
        timerKey,
        generation,
        dueAt: command.dueAt,
        payload: { source: 'machine', event: command.event as unknown as JsonValue },
      },
    });
  }
  return next;
}

/**
 * An SLA tracker's timer commands as durable timer ops (the tracker owns their generations).
 *
 * @example
 * ```ts
 * slaTimerOps(ops, 'lead-1', step.timers);
 * ```
 * @category Engine
 */
export function slaTimerOps(ops: TimerOp[], entityId: string, commands: readonly SlaTimerCommand[]): void {
  for (const command of commands) {
    if (command.type === 'cancel') {
      ops.push({ op: 'cancel', ref: { entityId, timerKey: command.timerKey } });
      continue;
    }
    ops.push({
      op: 'schedule',
      timer: {
        entityId,
        timerKey: command.timerKey,
        generation: command.generation,
        dueAt: command.dueAt,
        payload: { source: 'sla', policyId: command.payload.policyId, phase: command.payload.phase },
      },
    });
  }
}

/**
 * The way back from {@link slaTimerOps}: a stored SLA timer that fired at `at`, as the SLA
 * tracker's input (`slaOnTimer`).
 *
 * @example
 * ```ts
 * const result = slaOnTimer(record.sla, slaFiredTimer(timer, now), context);
 * ```
 * @category Engine
 */
export function slaFiredTimer(
  timer: { readonly timerKey: string; readonly generation: number; readonly payload?: JsonValue },
  at: number,
): SlaFiredTimer {
  return {
    timerKey: timer.timerKey,
    generation: timer.generation,
    payload: timer.payload as unknown as SlaTimerPayload,
    at,
  };
}

/**
 * An event type without its timestamp: the step that applies it stamps `at`.
 *
 * @example
 * ```ts
 * type OpenCommand = WithoutAt<{ type: 'OPEN'; repId: string; at: number }>; // { type: 'OPEN'; repId: string }
 * ```
 * @category Engine
 */
export type WithoutAt<E> = E extends { at: number } ? Omit<E, 'at'> : never;
