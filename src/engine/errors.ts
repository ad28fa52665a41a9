import { LeadflowError } from '../errors.js';

/**
 * An engine operation was refused: unknown lead, an event the lead's current state does not
 * accept, a follow-up missing required fields, a claim by a rep the lead was not offered to.
 * `code` tells which; the message names the lead, the state and the field.
 *
 * @example
 * ```ts
 * import { EngineError } from 'leadflow';
 * try { await engine.claim('lead-1', 'rep-x'); } catch (e) {
 *   if (e instanceof EngineError && e.code === 'EVENT_NOT_ACCEPTED') console.log(e.message);
 * }
 * ```
 * @category Engine
 */
export class EngineError extends LeadflowError {
  declare readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Stable codes of {@link EngineError}:
 * - `LEAD_NOT_FOUND`, `NOT_FOUND`: the lead, customer, opportunity or task does not exist;
 * - `EVENT_NOT_ACCEPTED`: the entity's current state does not accept the event;
 * - `FOLLOW_UP_INVALID`, `CUSTOMER_INVALID`, `ENGINE_INVALID`: bad arguments (the message names the field);
 * - `GATE_NOT_MET`: an opportunity advance misses gate fields; `HANDOVER_UNPLACED`: a handover has nowhere to put an item;
 * - `CLOCK_NOT_VIRTUAL`: `advanceTo` on a system clock;
 * - `ENGINE_CONTENDED`: other engines on the same storage kept winning the race after every retry —
 *   nothing was written, and calling again is safe (retryable);
 * - `ENGINE_STOPPED`: the engine was stopped (`stop()`), nothing was started;
 * - `ABORTED`: the call's `AbortSignal` fired; what committed before it stays committed;
 * - `IDEMPOTENCY_KEY_REUSED`: an idempotency key was used before for a different operation.
 *
 * @example
 * ```ts
 * import type { EngineErrorCode } from 'leadflow';
 * const retryable = (code: EngineErrorCode) => code === 'ENGINE_CONTENDED';
 * ```
 * @category Engine
 */
export type EngineErrorCode =
  | 'LEAD_NOT_FOUND'
  | 'EVENT_NOT_ACCEPTED'
  | 'FOLLOW_UP_INVALID'
  | 'CLOCK_NOT_VIRTUAL'
  | 'ENGINE_INVALID'
  | 'CUSTOMER_INVALID'
  | 'HANDOVER_UNPLACED'
  | 'GATE_NOT_MET'
  | 'NOT_FOUND'
  | 'ENGINE_CONTENDED'
  | 'ENGINE_STOPPED'
  | 'ABORTED'
  | 'IDEMPOTENCY_KEY_REUSED';
