/**
 * Firing durable timers: the runtime's round (claim due timers in batches, fire each as a
 * domain operation) and a replay's walk through virtual time (each timer at its own due instant,
 * delivering what is due — retries included — before time moves on).
 *
 * @module
 */
import { DEFAULT_LEASE_MS, type StorageAdapter, type StoredTimer } from '../adapters/storage/port.js';
import type { VirtualClock } from '../scheduler/clock.js';
import type { CustomerOperations } from './customer-ops.js';
import type { EngineDelivery } from './delivery.js';
import { EngineError } from './errors.js';
import type { LeadOperations } from './lead-ops.js';
import type { RuntimeOptions } from './types.js';
import type { UnitOfWork } from './unit-of-work.js';
import type { WorkOperations } from './work-ops.js';

const CLAIM_ONE = /* @__PURE__ */ (() => Object.freeze({ limit: 1 }))();

/**
 * What the timer runner needs from the engine.
 *
 * @category Engine
 */
export interface TimerRunnerContext {
  readonly storage: StorageAdapter;
  readonly clock: { now(): number };
  readonly unit: UnitOfWork;
  readonly leads: LeadOperations;
  readonly work: WorkOperations;
  readonly customers: Pick<CustomerOperations, 'fire'>;
  /** Undefined when the engine does not deliver on its own (`autoDeliver: false`). */
  readonly delivery: EngineDelivery | undefined;
  /** Run a domain operation in the engine's queue. */
  readonly serial: <T>(operation: () => Promise<T>) => Promise<T>;
  /** A timer's step failed (not a lost race: those are retried); it comes back after its lease. */
  readonly failed: (timer: StoredTimer, error: unknown) => void;
}

/**
 * The timer side of one engine.
 *
 * @example
 * ```ts
 * const timers = createTimerRunner({ storage, clock, unit, leads, work, customers, delivery, serial, failed });
 * await timers.runDue({ timerBatchSize: 50 });
 * ```
 * @category Engine
 */
export function createTimerRunner(ctx: TimerRunnerContext) {
  const { storage, clock, unit, delivery } = ctx;

  /** Fire one claimed timer: a domain operation, to run inside the queue. */
  function fire(timer: StoredTimer): Promise<'fired' | 'stale'> {
    const entity = (timer.payload as { entity?: unknown } | undefined)?.entity;
    return unit.run('fire', `${timer.entityId}/${timer.timerKey}`, undefined, (attempt) =>
      entity === 'opportunity' || entity === 'task'
        ? ctx.work.fire(entity, timer, attempt)
        : entity === 'customer'
          ? ctx.customers.fire(timer, attempt)
          : ctx.leads.fire(timer, attempt),
    );
  }

  /** Fire every timer due now, each in the queue (other operations interleave between them). */
  async function runDue(settings: RuntimeOptions = {}, max = Number.POSITIVE_INFINITY) {
    const batch = settings.timerBatchSize ?? 20;
    const leaseMs = settings.timerLeaseMs ?? DEFAULT_LEASE_MS;
    let fired = 0;
    let stale = 0;
    let failed = 0;
    let claimed = 0;
    let more = false;
    for (;;) {
      const limit = Math.min(batch, max - claimed);
      if (limit <= 0) break;
      const timers = await storage.claimDueTimers(clock.now(), { limit, leaseMs });
      claimed += timers.length;
      for (const timer of timers) {
        try {
          if ((await ctx.serial(() => fire(timer))) === 'fired') fired++;
          else stale++;
        } catch (error) {
          if (error instanceof EngineError && error.code === 'ENGINE_STOPPED')
            return { fired, stale, failed, more: true };
          failed++;
          ctx.failed(timer, error);
        }
      }
      more = timers.length === limit;
      if (!more) break;
    }
    return { fired, stale, failed, more };
  }

  /**
   * Move a virtual clock to `target`, firing each timer at its own due time and stopping at every
   * known retry, so a replay sends each message when it would have gone. Call inside the queue.
   */
  async function replayTo(clockToMove: VirtualClock, target: number, signal: AbortSignal | undefined) {
    let fired = 0;
    let stale = 0;
    const settle = async () => {
      if (!delivery) return;
      if (delivery.due(clockToMove.now())) await delivery.deliver(signal);
      await delivery.idle();
    };
    for (;;) {
      if (signal?.aborted) {
        throw new EngineError('ABORTED', 'advanceTo: aborted (what committed before stays committed)', {
          cause: signal.reason,
        });
      }
      const retryAt = delivery?.nextRetryAt();
      const horizon =
        retryAt !== undefined && retryAt < target ? Math.max(retryAt, clockToMove.now()) : target;
      const next = (await storage.claimDueTimers(horizon, CLAIM_ONE))[0];
      if (next === undefined) {
        if (horizon >= target) break;
        clockToMove.advanceTo(horizon);
        await settle();
        continue;
      }
      if (next.dueAt > clockToMove.now()) clockToMove.advanceTo(next.dueAt);
      if ((await fire(next)) === 'fired') fired++;
      else stale++;
      await settle();
    }
    if (target > clockToMove.now()) clockToMove.advanceTo(target);
    await settle();
    return { fired, stale };
  }

  return { runDue, replayTo };
}
