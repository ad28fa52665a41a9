/**
 * leadflow — the lead and opportunity workflow engine a CRM or ERP embeds.
 *
 * The root entry exports named symbols only; adapters and test helpers get subpath exports.
 *
 * @packageDocumentation
 */

export { CalendarError, ClockError, LeadflowError, RecurrenceError, TimerError } from './errors.js';
export {
  type BusinessCalendar,
  type CalendarOptions,
  CHINA_DEFAULT_WEEK,
  type ChinaCalendarOptions,
  chinaCalendar,
  createCalendar,
  type Instant,
  type Weekday,
  type WeekHours,
  type WorkInterval,
  workweek,
} from './scheduler/calendar.js';
export { CHINA_HOLIDAYS, type ChinaYearData } from './scheduler/china-holidays.js';
export { type Clock, createVirtualClock, systemClock, type VirtualClock } from './scheduler/clock.js';
export { DEFAULT_OCCURRENCE_LIMIT, type OccurrenceOptions, occurrences } from './scheduler/recurrence.js';
export {
  createTimerQueue,
  type ScheduleTimer,
  type Timer,
  type TimerQueue,
} from './scheduler/timer-queue.js';
