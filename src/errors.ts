import type { StorageErrorCode } from './adapters/storage/port.js';
import type { EngineErrorCode } from './engine/errors.js';

/**
 * Every stable `code` a {@link LeadflowError} carries, one literal per error class (several for
 * {@link StorageErrorCode} and {@link EngineErrorCode}):
 *
 * | code | thrown as |
 * |---|---|
 * | `CALENDAR_INVALID` | `CalendarError` |
 * | `CLOCK_INVALID` | `ClockError` |
 * | `RECURRENCE_INVALID` | `RecurrenceError` |
 * | `TIMER_INVALID` | `TimerError` |
 * | `MODEL_INVALID` | `ModelError` |
 * | `TEAM_INVALID` | `TeamError` |
 * | `MACHINE_UNSUPPORTED` | `UnsupportedMachineError` |
 * | `SLA_INVALID` | `SlaError` |
 * | `CONDITION_INVALID` | `ConditionError` |
 * | `RULE_SET_INVALID` | `RuleSetError` |
 * | `RULE_PATH_INVALID` | `RulePathError` |
 * | `STORAGE_*` ({@link StorageErrorCode}) | `StorageError`, `VersionConflictError` |
 * | {@link EngineErrorCode} (`LEAD_NOT_FOUND`, `GATE_NOT_MET`, …) | `EngineError`, `GateNotMetError` |
 *
 * A `switch` over it is checked for exhaustiveness by the compiler; a code added in a later
 * version shows up as a type error in the host rather than as a silent fall-through.
 *
 * @example
 * ```ts
 * import { LeadflowError, type LeadflowErrorCode } from 'leadflow';
 * const httpStatus = (code: LeadflowErrorCode): number =>
 *   code === 'LEAD_NOT_FOUND' || code === 'NOT_FOUND' ? 404 : code === 'STORAGE_UNAVAILABLE' ? 503 : 400;
 * const status = (error: unknown) => (error instanceof LeadflowError ? httpStatus(error.code) : 500);
 * ```
 * @category Errors
 */
export type LeadflowErrorCode =
  | 'CALENDAR_INVALID'
  | 'CLOCK_INVALID'
  | 'RECURRENCE_INVALID'
  | 'TIMER_INVALID'
  | 'MODEL_INVALID'
  | 'TEAM_INVALID'
  | 'MACHINE_UNSUPPORTED'
  | 'SLA_INVALID'
  | 'CONDITION_INVALID'
  | 'RULE_SET_INVALID'
  | 'RULE_PATH_INVALID'
  | StorageErrorCode
  | EngineErrorCode;

/**
 * Base class of every error leadflow throws on purpose. Each subclass has a stable `code`
 * a host can switch on, a message naming the offending field or rule, and an optional `cause`.
 *
 * @example
 * ```ts
 * import { LeadflowError } from 'leadflow';
 * try {
 *   calendar.addBusinessTime(t, -1);
 * } catch (error) {
 *   if (error instanceof LeadflowError) console.error(error.code, error.message);
 * }
 * ```
 * @category Errors
 */
export class LeadflowError extends Error {
  /**
   * Stable machine-readable code, e.g. `CALENDAR_INVALID`; each subclass narrows it to its own
   * literal(s) (see {@link LeadflowErrorCode}).
   */
  readonly code: LeadflowErrorCode;

  constructor(code: LeadflowErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Invalid calendar configuration or a question the calendar cannot answer (unknown zone,
 * malformed interval, a year the holiday data does not cover).
 *
 * @example
 * ```ts
 * import { CalendarError, chinaCalendar } from 'leadflow';
 * try { chinaCalendar({ years: [2031] }); } catch (e) { if (e instanceof CalendarError) console.log(e.code); }
 * ```
 * @category Errors
 */
export class CalendarError extends LeadflowError {
  declare readonly code: 'CALENDAR_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CALENDAR_INVALID', message, options);
  }
}

/**
 * A clock was asked to move backwards, or given an instant that is not a finite number.
 *
 * @example
 * ```ts
 * import { ClockError, createVirtualClock } from 'leadflow';
 * const clock = createVirtualClock(1_000);
 * try { clock.advanceTo(0); } catch (e) { if (e instanceof ClockError) console.log(e.message); }
 * ```
 * @category Errors
 */
export class ClockError extends LeadflowError {
  declare readonly code: 'CLOCK_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CLOCK_INVALID', message, options);
  }
}

/**
 * An RRULE string could not be parsed or expanded.
 *
 * @example
 * ```ts
 * import { RecurrenceError, occurrences } from 'leadflow';
 * try { occurrences('FREQ=SOMETIMES', opts); } catch (e) { if (e instanceof RecurrenceError) console.log(e.message); }
 * ```
 * @category Errors
 */
export class RecurrenceError extends LeadflowError {
  declare readonly code: 'RECURRENCE_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super('RECURRENCE_INVALID', message, options);
  }
}

/**
 * A timer command was malformed (non-finite due time, empty key, negative generation).
 *
 * @example
 * ```ts
 * import { TimerError, createTimerQueue } from 'leadflow';
 * try { createTimerQueue().schedule({ key: '', dueAt: 0 }); } catch (e) { if (e instanceof TimerError) console.log(e.message); }
 * ```
 * @category Errors
 */
export class TimerError extends LeadflowError {
  declare readonly code: 'TIMER_INVALID';

  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMER_INVALID', message, options);
  }
}
