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
 */
export class LeadflowError extends Error {
  /** Stable machine-readable code, e.g. `CALENDAR_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
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
 */
export class CalendarError extends LeadflowError {
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
 */
export class ClockError extends LeadflowError {
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
 */
export class RecurrenceError extends LeadflowError {
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
 */
export class TimerError extends LeadflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TIMER_INVALID', message, options);
  }
}
