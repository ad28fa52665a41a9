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
 */
export class EngineError extends LeadflowError {
  constructor(
    code:
      | 'LEAD_NOT_FOUND'
      | 'EVENT_NOT_ACCEPTED'
      | 'FOLLOW_UP_INVALID'
      | 'CLOCK_NOT_VIRTUAL'
      | 'ENGINE_INVALID'
      | 'CUSTOMER_INVALID'
      | 'HANDOVER_UNPLACED'
      | 'GATE_NOT_MET'
      | 'NOT_FOUND',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
