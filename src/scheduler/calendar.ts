import { IANAZone } from 'luxon';
import { CalendarError } from '../errors.js';
import { CHINA_HOLIDAYS, type ChinaYearData } from './china-holidays.js';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Consecutive days without business time after which a walk gives up (about 3 years). */
const MAX_EMPTY_DAYS = 3 * 366;
/** Day caches are dropped past this size so a long-running host cannot grow them forever. */
const MAX_CACHED_DAYS = 20_000;
/** Instants accepted: years 1000 to 9999. */
const MIN_INSTANT = /* @__PURE__ */ (() => Date.UTC(1000, 0, 1))();
const MAX_INSTANT = /* @__PURE__ */ (() => Date.UTC(10_000, 0, 1) - 1)();
const MAX_DURATION_MS = 100 * 365 * DAY_MS;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * A weekday key of {@link WeekHours}.
 *
 * @example
 * ```ts
 * import type { Weekday } from 'leadflow';
 * const day: Weekday = 'sat';
 * ```
 * @category Calendar and clocks
 */
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * An instant: epoch milliseconds or a `Date`. Calendars always return epoch milliseconds.
 *
 * @example
 * ```ts
 * import type { Instant } from 'leadflow';
 * const a: Instant = Date.parse('2026-03-02T09:00:00+08:00');
 * const b: Instant = new Date('2026-03-02T09:00:00+08:00');
 * ```
 * @category Calendar and clocks
 */
export type Instant = number | Date;

/**
 * A working interval in local wall time, `[start, end)` as `'HH:mm'`. `end` may be `'24:00'`.
 *
 * @example
 * ```ts
 * import type { WorkInterval } from 'leadflow';
 * const morning: WorkInterval = ['09:00', '12:00'];
 * ```
 * @category Calendar and clocks
 */
export type WorkInterval = readonly [start: string, end: string];

/**
 * Working intervals per weekday; several per day allowed, sorted and non-overlapping.
 * A missing weekday (or an empty list) is a day off.
 *
 * @example
 * ```ts
 * import type { WeekHours } from 'leadflow';
 * const week: WeekHours = {
 *   mon: [['09:00', '12:00'], ['13:00', '18:00']],
 *   sat: [['10:00', '14:00']],
 * };
 * ```
 * @category Calendar and clocks
 */
export type WeekHours = Partial<Readonly<Record<Weekday, readonly WorkInterval[]>>>;

/**
 * Options of {@link createCalendar}.
 *
 * @example
 * ```ts
 * import { type CalendarOptions, createCalendar, workweek } from 'leadflow';
 * const options: CalendarOptions = {
 *   zone: 'Asia/Shanghai',
 *   week: workweek([['09:00', '18:00']]),
 *   holidays: ['2026-10-01'],
 *   extraWorkdays: ['2026-10-10'],
 *   coveredYears: [2026, 2026],
 * };
 * const calendar = createCalendar(options);
 * ```
 * @category Calendar and clocks
 */
export interface CalendarOptions {
  /** IANA time zone the working hours are read in, e.g. `Asia/Shanghai`. */
  zone: string;
  /** Working intervals per weekday, in local wall time. */
  week: WeekHours;
  /**
   * ISO dates (YYYY-MM-DD, local to `zone`) that are days off.
   * @default []
   */
  holidays?: readonly string[];
  /**
   * ISO dates that are working days although the week has no hours for them (China's 调休).
   * @default []
   */
  extraWorkdays?: readonly string[];
  /**
   * Intervals an extra workday uses, whatever its weekday.
   * @default the Monday's intervals (`week.mon`); required when `week.mon` is empty and
   * `extraWorkdays` is not.
   */
  extraWorkdayHours?: readonly WorkInterval[];
  /**
   * Inclusive range of years the holiday data is known for. A computation that needs a day outside
   * it throws a {@link CalendarError} instead of silently treating that day as an ordinary weekday.
   * @default undefined (every year is trusted)
   */
  coveredYears?: readonly [from: number, to: number];
}

/**
 * What a calendar makes of a local day: a regular working day (the week has hours for its
 * weekday), a make-up working day (调休: an `extraWorkdays` date), a public holiday, or a day off.
 *
 * @example
 * ```ts
 * import type { DayKind } from 'leadflow';
 * const kind: DayKind = 'makeUpWorkday';
 * ```
 * @category Calendar and clocks
 */
export type DayKind = 'workday' | 'makeUpWorkday' | 'holiday' | 'dayOff';

/**
 * An instant read on the calendar's wall clock, from {@link BusinessCalendar.localTime}.
 *
 * @example
 * ```ts
 * import { chinaCalendar } from 'leadflow';
 * chinaCalendar({ years: [2026] }).localTime(Date.parse('2026-02-14T10:30:00+08:00'));
 * // { day: '2026-02-14', weekday: 'sat', minute: 630, kind: 'makeUpWorkday' }
 * ```
 * @category Calendar and clocks
 */
export interface LocalTime {
  /** The local date, `YYYY-MM-DD`. */
  readonly day: string;
  readonly weekday: Weekday;
  /** Whole minutes since local midnight on the wall clock, 0–1439. */
  readonly minute: number;
  readonly kind: DayKind;
}

/**
 * Business-time arithmetic in one zone. Intervals are half-open `[start, end)`; instants are
 * epoch ms or `Date`; results are epoch ms.
 *
 * Conventions:
 * - `addBusinessTime` landing exactly on an interval end returns that end (12:00, not 13:00);
 *   `addBusinessTime(t, 0)` equals `nextBusinessTime(t)`.
 * - `businessTimeBetween(a, b)` with `b < a` is `-businessTimeBetween(b, a)`, so it is additive
 *   for any order of its arguments.
 * - Working hours are local wall times: on a DST spring-forward day an interval covering the
 *   skipped hour is shorter; a wall time inside the gap means the first instant the clock shows a
 *   later time; an ambiguous (fall-back) wall time means its first occurrence.
 *
 * @example
 * ```ts
 * import { chinaCalendar } from 'leadflow';
 * const calendar = chinaCalendar({ years: [2025, 2026] });
 * const due = calendar.addBusinessTime(Date.parse('2025-03-14T17:30:00+08:00'), 4 * 3_600_000);
 * new Date(due).toISOString(); // '2025-03-17T05:30:00.000Z' — Monday 13:30 in Shanghai
 * ```
 * @category Calendar and clocks
 */
export interface BusinessCalendar {
  /** The IANA zone working hours are read in. */
  readonly zone: string;
  /** Inclusive year range the calendar answers for, or `undefined` for unbounded. */
  readonly coveredYears: readonly [from: number, to: number] | undefined;
  /** Whether `t` lies inside a working interval (`start <= t < end`). */
  isBusinessTime(t: Instant): boolean;
  /** `t` itself when it is business time, else the start of the next working interval. */
  nextBusinessTime(t: Instant): number;
  /** The instant at which `ms` (≥ 0) of business time has elapsed from `t`. */
  addBusinessTime(t: Instant, ms: number): number;
  /** Business milliseconds in `[a, b)`; negative when `b < a`. */
  businessTimeBetween(a: Instant, b: Instant): number;
  /**
   * `t` on the local wall clock: date, weekday, minute of the day, and whether the day is a
   * working day, a make-up working day, a holiday or a day off (assignment reads rep shifts and
   * timed leave with it). Throws like the arithmetic for a day outside `coveredYears`.
   */
  localTime(t: Instant): LocalTime;
}

/**
 * The same intervals on Monday to Friday (or on the `days` given): a shorthand for `week`.
 *
 * @example
 * ```ts
 * import { createCalendar, workweek } from 'leadflow';
 * const calendar = createCalendar({ zone: 'Europe/Berlin', week: workweek([['08:00', '16:30']]) });
 * const sixDays = workweek([['09:00', '17:00']], ['mon', 'tue', 'wed', 'thu', 'fri', 'sat']);
 * ```
 * @category Calendar and clocks
 */
export function workweek(
  intervals: readonly WorkInterval[],
  days: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'],
): WeekHours {
  const frozen = Object.freeze(intervals.map((iv) => Object.freeze([iv[0], iv[1]] as const)));
  const week: Partial<Record<Weekday, readonly WorkInterval[]>> = {};
  for (const day of days) week[day] = frozen;
  return Object.freeze(week);
}

/**
 * China's default office week: Monday to Friday, 09:00–12:00 and 13:00–18:00.
 *
 * @example
 * ```ts
 * import { CHINA_DEFAULT_WEEK, createCalendar } from 'leadflow';
 * const calendar = createCalendar({ zone: 'Asia/Shanghai', week: CHINA_DEFAULT_WEEK });
 * ```
 * @category Calendar and clocks
 */
export const CHINA_DEFAULT_WEEK: WeekHours = /* @__PURE__ */ (() =>
  workweek([
    ['09:00', '12:00'],
    ['13:00', '18:00'],
  ]))();

// ---------------------------------------------------------------------------------------------
// Validation helpers

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseTime(value: unknown, path: string, isEnd: boolean): number {
  if (isEnd && value === '24:00') return 24 * 60;
  const match = typeof value === 'string' ? TIME_RE.exec(value) : null;
  if (!match) {
    throw new CalendarError(
      `${path}: ${JSON.stringify(value)} is not a time of day in HH:mm format (00:00–23:59${isEnd ? ', or 24:00 as an end' : ''})`,
    );
  }
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Validates intervals and returns them as flat local minutes `[s0, e0, s1, e1, ...]`. */
function parseIntervals(value: unknown, path: string): number[] {
  if (!Array.isArray(value))
    throw new CalendarError(`${path}: expected an array of ['HH:mm', 'HH:mm'] intervals`);
  const minutes: number[] = [];
  value.forEach((iv: unknown, i: number) => {
    const at = `${path}[${i}]`;
    if (!Array.isArray(iv) || iv.length !== 2) {
      throw new CalendarError(`${at}: expected a [start, end] pair like ['09:00', '12:00']`);
    }
    const start = parseTime(iv[0], `${at}[0]`, false);
    const end = parseTime(iv[1], `${at}[1]`, true);
    if (start >= end) throw new CalendarError(`${at}: start ${iv[0]} must be before end ${iv[1]}`);
    const prevEnd = minutes[minutes.length - 1];
    if (prevEnd !== undefined && start < prevEnd) {
      throw new CalendarError(
        `${at}: overlaps or is out of order with ${path}[${i - 1}]; sort intervals by start`,
      );
    }
    minutes.push(start, end);
  });
  return minutes;
}

/** ISO date → day ordinal (days since 1970-01-01 on the proleptic Gregorian calendar). */
function parseDate(value: unknown, path: string): number {
  const match = typeof value === 'string' ? DATE_RE.exec(value) : null;
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const ms = Date.UTC(year, month - 1, day);
    const back = new Date(ms);
    if (back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day) {
      return ms / DAY_MS;
    }
  }
  throw new CalendarError(`${path}: ${JSON.stringify(value)} is not a valid ISO date (YYYY-MM-DD)`);
}

function parseDates(value: unknown, path: string): Set<number> {
  if (value === undefined) return new Set();
  if (!Array.isArray(value)) throw new CalendarError(`${path}: expected an array of ISO dates (YYYY-MM-DD)`);
  return new Set(value.map((d: unknown, i: number) => parseDate(d, `${path}[${i}]`)));
}

function isoOf(ordinal: number): string {
  return new Date(ordinal * DAY_MS).toISOString().slice(0, 10);
}

function yearOf(ordinal: number): number {
  return new Date(ordinal * DAY_MS).getUTCFullYear();
}

function toMs(t: Instant, field: string): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new CalendarError(`${field} must be a finite epoch-ms number or a valid Date`);
  }
  // Zone offsets (Intl) are only defined inside this range; outside it the arithmetic would be NaN.
  if (ms < MIN_INSTANT || ms > MAX_INSTANT) {
    throw new CalendarError(`${field} must lie between the years 1000 and 9999, got ${ms}`);
  }
  return ms;
}

// ---------------------------------------------------------------------------------------------
// Zone math

/**
 * Maps local wall times of one zone to instants. `offsetMs` calls luxon (a few µs each), so the
 * calendar only uses this while filling its per-day caches.
 */
function makeWallConverter(zone: IANAZone): (wall: number) => number {
  const offsetMs = (t: number): number => zone.offset(t) * MINUTE_MS;
  return (wall: number): number => {
    // A wall time maps to an instant within [wall - 14h, wall + 12h]; compare offsets a day apart.
    const before = offsetMs(wall - DAY_MS);
    const after = offsetMs(wall + DAY_MS);
    const tBefore = wall - before;
    if (before === after && offsetMs(tBefore) === before) return tBefore;
    const tAfter = wall - after;
    const validBefore = offsetMs(tBefore) === before;
    const validAfter = offsetMs(tAfter) === after;
    // Fall-back fold: the wall time happens twice — take the first occurrence.
    if (validBefore && validAfter) return Math.min(tBefore, tAfter);
    if (validBefore) return tBefore;
    if (validAfter) return tAfter;
    // Spring-forward gap: the wall time never shows; the first instant showing a later time is the
    // transition itself. Binary search it (only on transition days, then cached).
    let lo = Math.min(tBefore, tAfter);
    let hi = Math.max(tBefore, tAfter);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetMs(mid) === after) hi = mid;
      else lo = mid;
    }
    return hi;
  };
}

// ---------------------------------------------------------------------------------------------
// The calendar

interface Day {
  /** Flat working intervals as instants `[s0, e0, s1, e1, ...]`, sorted, none empty. */
  readonly iv: readonly number[];
  /** Sum of the day's interval lengths. */
  readonly total: number;
}

const EMPTY_DAY: Day = /* @__PURE__ */ (() =>
  Object.freeze({ iv: Object.freeze([]) as readonly number[], total: 0 }))();

/**
 * Create a {@link BusinessCalendar}. Validates everything up front; errors are
 * {@link CalendarError}s naming the field (`zone`, `week.mon[1]`, `holidays[3]`, ...).
 *
 * Per-local-day interval lists are built lazily and cached (keyed by day ordinal), so the
 * arithmetic walks whole intervals and days and never steps minute by minute.
 * A walk that finds no business time within about 3 years throws instead of looping.
 *
 * @example
 * ```ts
 * import { createCalendar } from 'leadflow';
 * const calendar = createCalendar({
 *   zone: 'America/New_York',
 *   week: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']] },
 *   holidays: ['2026-07-04'],
 * });
 * calendar.nextBusinessTime(Date.parse('2026-03-07T12:00:00-05:00')); // Monday 09:00 EDT
 * ```
 * @category Calendar and clocks
 */
export function createCalendar(options: CalendarOptions): BusinessCalendar {
  if (options === null || typeof options !== 'object') {
    throw new CalendarError('options: expected { zone, week, holidays?, extraWorkdays? }');
  }
  const { zone } = options;
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
    throw new CalendarError(
      `zone: ${JSON.stringify(zone)} is not a known IANA time zone (e.g. 'Asia/Shanghai')`,
    );
  }
  const week: unknown = options.week;
  if (week === null || typeof week !== 'object' || Array.isArray(week)) {
    throw new CalendarError("week: expected an object like { mon: [['09:00', '18:00']], ... }");
  }
  for (const key of Object.keys(week)) {
    if (!(WEEKDAYS as readonly string[]).includes(key)) {
      throw new CalendarError(`week.${key}: unknown weekday; use one of ${WEEKDAYS.join(', ')}`);
    }
  }
  const weekRecord = week as Record<string, unknown>;
  // Index 0 = Monday … 6 = Sunday.
  const weekMinutes = WEEKDAYS.map((day) => {
    const value = weekRecord[day];
    return value === undefined ? [] : parseIntervals(value, `week.${day}`);
  });

  const holidays = parseDates(options.holidays, 'holidays');
  const extraWorkdays = parseDates(options.extraWorkdays, 'extraWorkdays');
  for (const day of extraWorkdays) {
    if (holidays.has(day)) {
      throw new CalendarError(
        `extraWorkdays: ${isoOf(day)} is also listed in holidays; a date can only be one`,
      );
    }
  }

  let extraMinutes: number[];
  if (options.extraWorkdayHours !== undefined) {
    extraMinutes = parseIntervals(options.extraWorkdayHours, 'extraWorkdayHours');
  } else {
    extraMinutes = weekMinutes[0] ?? [];
    if (extraMinutes.length === 0 && extraWorkdays.size > 0) {
      throw new CalendarError(
        'extraWorkdayHours: required when extraWorkdays is not empty and week.mon has no intervals (extra workdays default to the Monday hours)',
      );
    }
  }

  let covered: readonly [number, number] | undefined;
  let coveredFrom = Number.NEGATIVE_INFINITY;
  let coveredTo = Number.POSITIVE_INFINITY; // exclusive day ordinal
  if (options.coveredYears !== undefined) {
    const range: unknown = options.coveredYears;
    const [from, to] = Array.isArray(range) ? (range as unknown[]) : [];
    if (!Array.isArray(range) || range.length !== 2 || !Number.isInteger(from) || !Number.isInteger(to)) {
      throw new CalendarError('coveredYears: expected [fromYear, toYear] as integers');
    }
    if ((from as number) > (to as number)) throw new CalendarError(`coveredYears: ${from} is after ${to}`);
    if ((from as number) < 1000 || (to as number) > 9999) {
      throw new CalendarError('coveredYears: years must lie between 1000 and 9999');
    }
    covered = Object.freeze([from as number, to as number] as const);
    coveredFrom = Date.UTC(from as number, 0, 1) / DAY_MS;
    coveredTo = Date.UTC((to as number) + 1, 0, 1) / DAY_MS;
  }

  const wallToInstant = makeWallConverter(IANAZone.create(zone));
  const days = new Map<number, Day>();
  const starts = new Map<number, number>();
  let guessOffset = 0;

  /** Working intervals of local day `n`; throws when `n` is outside the covered years. */
  function dayAt(n: number): Day {
    const cached = days.get(n);
    if (cached) return cached;
    if (n < coveredFrom || n >= coveredTo) {
      const year = yearOf(n);
      throw new CalendarError(
        `this calendar's holiday data covers ${covered?.[0]}–${covered?.[1]} only, but the computation needs ${isoOf(n)} (year ${year}). ` +
          `Pass data for ${year}: chinaCalendar({ years: [..., ${year}], data: { ${year}: { holidays: [...], extraWorkdays: [...] } } }), ` +
          'or widen coveredYears of createCalendar with the matching holidays/extraWorkdays.',
      );
    }
    let day = EMPTY_DAY;
    if (!holidays.has(n)) {
      const minutes = extraWorkdays.has(n)
        ? extraMinutes
        : (weekMinutes[(((n % 7) + 10) % 7) as number] ?? []);
      if (minutes.length > 0) {
        const base = n * DAY_MS;
        const iv: number[] = [];
        let total = 0;
        for (let i = 0; i < minutes.length; i += 2) {
          const start = wallToInstant(base + (minutes[i] as number) * MINUTE_MS);
          const end = wallToInstant(base + (minutes[i + 1] as number) * MINUTE_MS);
          if (end > start) {
            iv.push(start, end);
            total += end - start;
          }
        }
        day = { iv, total };
      }
    }
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(n, day);
    return day;
  }

  /** Instant of local midnight starting day `n` (never needs holiday data). */
  function startOf(n: number): number {
    let s = starts.get(n);
    if (s === undefined) {
      s = wallToInstant(n * DAY_MS);
      if (starts.size >= MAX_CACHED_DAYS) starts.clear();
      starts.set(n, s);
    }
    return s;
  }

  /** Local day ordinal containing instant `t`, from cached midnights (no luxon once warm). */
  function locate(t: number): number {
    let n = Math.floor((t + guessOffset) / DAY_MS);
    for (;;) {
      const s = startOf(n);
      if (t < s) n -= 1;
      else if (t >= startOf(n + 1)) n += 1;
      else {
        guessOffset = n * DAY_MS - s;
        return n;
      }
    }
  }

  function noBusinessTime(t: number): never {
    throw new CalendarError(
      `no business time within ${MAX_EMPTY_DAYS} days after ${new Date(t).toISOString()}; check week, holidays and extraWorkdays`,
    );
  }

  function add(t: number, ms: number): number {
    let n = locate(t);
    let remaining = ms;
    let emptyRun = 0;
    for (; ; n += 1) {
      const day = dayAt(n);
      const iv = day.iv;
      if (iv.length === 0) {
        if (++emptyRun > MAX_EMPTY_DAYS) noBusinessTime(t);
        continue;
      }
      // Whole day ahead of t and not enough to finish: skip it in one step.
      if ((iv[0] as number) >= t && remaining > day.total) {
        remaining -= day.total;
        emptyRun = 0;
        continue;
      }
      let found = false;
      for (let i = 0; i < iv.length; i += 2) {
        const end = iv[i + 1] as number;
        if (end <= t) continue;
        found = true;
        const start = iv[i] as number;
        const from = Math.max(start, t);
        const available = end - from;
        // `<=`: landing exactly on an interval end returns that end.
        if (remaining <= available) return from + remaining;
        remaining -= available;
      }
      if (found) emptyRun = 0;
      else if (++emptyRun > MAX_EMPTY_DAYS) noBusinessTime(t);
    }
  }

  function between(a: number, b: number): number {
    // a < b here.
    const first = locate(a);
    let last = locate(b);
    if (startOf(last) === b && last > first) last -= 1; // [a, b) does not touch day `last`
    let sum = 0;
    for (let n = first; n <= last; n += 1) {
      const day = dayAt(n);
      const iv = day.iv;
      if (iv.length === 0) continue;
      if (n !== first && n !== last) {
        sum += day.total;
        continue;
      }
      for (let i = 0; i < iv.length; i += 2) {
        const s = Math.max(iv[i] as number, a);
        const e = Math.min(iv[i + 1] as number, b);
        if (e > s) sum += e - s;
      }
    }
    return sum;
  }

  const zoneOffset = IANAZone.create(zone);
  return Object.freeze({
    zone,
    coveredYears: covered,
    localTime(t: Instant): LocalTime {
      const ms = toMs(t, 'localTime(t)');
      const wall = ms + zoneOffset.offset(ms) * MINUTE_MS;
      const n = Math.floor(wall / DAY_MS);
      if (n < coveredFrom || n >= coveredTo) dayAt(n); // throws the coverage error
      const weekdayIndex = ((n % 7) + 10) % 7;
      const kind: DayKind = holidays.has(n)
        ? 'holiday'
        : extraWorkdays.has(n)
          ? 'makeUpWorkday'
          : (weekMinutes[weekdayIndex]?.length ?? 0) > 0
            ? 'workday'
            : 'dayOff';
      return {
        day: isoOf(n),
        weekday: WEEKDAYS[weekdayIndex] as Weekday,
        minute: Math.floor((wall - n * DAY_MS) / MINUTE_MS),
        kind,
      };
    },
    isBusinessTime(t: Instant): boolean {
      const ms = toMs(t, 'isBusinessTime(t)');
      const iv = dayAt(locate(ms)).iv;
      for (let i = 0; i < iv.length; i += 2) {
        if (ms < (iv[i] as number)) return false;
        if (ms < (iv[i + 1] as number)) return true;
      }
      return false;
    },
    nextBusinessTime(t: Instant): number {
      return add(toMs(t, 'nextBusinessTime(t)'), 0);
    },
    addBusinessTime(t: Instant, ms: number): number {
      const start = toMs(t, 'addBusinessTime(t)');
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        throw new CalendarError(`addBusinessTime(ms): ms must be a finite number ≥ 0, got ${ms}`);
      }
      // Bounds the walk; far beyond any SLA.
      if (ms > MAX_DURATION_MS) {
        throw new CalendarError(
          `addBusinessTime(ms): ms must be at most ${MAX_DURATION_MS} (100 years), got ${ms}`,
        );
      }
      return add(start, ms);
    },
    businessTimeBetween(a: Instant, b: Instant): number {
      const from = toMs(a, 'businessTimeBetween(a)');
      const to = toMs(b, 'businessTimeBetween(b)');
      if (from === to) return 0;
      if (from < to) return between(from, to);
      const reverse = between(to, from);
      return reverse === 0 ? 0 : -reverse;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// China preset

/**
 * Options of {@link chinaCalendar}.
 *
 * @example
 * ```ts
 * import { type ChinaCalendarOptions, chinaCalendar } from 'leadflow';
 * const options: ChinaCalendarOptions = { years: [2025, 2026] };
 * const calendar = chinaCalendar(options);
 * ```
 * @category Calendar and clocks
 */
export interface ChinaCalendarOptions {
  /** Consecutive years the calendar answers for; each needs holiday data (shipped or in `data`). */
  years: readonly number[];
  /**
   * Working hours.
   * @default CHINA_DEFAULT_WEEK (Mon–Fri 09:00–12:00, 13:00–18:00)
   */
  week?: WeekHours;
  /**
   * Holiday data for years leadflow does not ship (or to override a shipped year), keyed by year.
   * @default CHINA_HOLIDAYS
   */
  data?: Readonly<Record<number, ChinaYearData>>;
  /**
   * Hours of a make-up working day.
   * @default the Monday's intervals of `week`
   */
  extraWorkdayHours?: readonly WorkInterval[];
}

/**
 * A {@link BusinessCalendar} for mainland China: zone Asia/Shanghai, the official public holidays
 * and make-up working days (调休) of the requested years. Asking for a year without data is a
 * {@link CalendarError} — it never falls back to plain weekdays — and so is any later computation
 * that needs a day outside the requested years.
 *
 * @example
 * ```ts
 * import { chinaCalendar } from 'leadflow';
 * const calendar = chinaCalendar({ years: [2025, 2026] });
 * calendar.isBusinessTime(Date.parse('2026-02-14T10:00:00+08:00')); // true: a make-up Saturday
 *
 * // A year leadflow does not ship: pass its data from the State Council notice.
 * const later = chinaCalendar({
 *   years: [2027],
 *   data: { 2027: { holidays: ['2027-01-01'], extraWorkdays: [] } },
 * });
 * ```
 * @category Calendar and clocks
 */
export function chinaCalendar(options: ChinaCalendarOptions): BusinessCalendar {
  const years: unknown = options?.years;
  if (!Array.isArray(years) || years.length === 0 || !years.every((y) => Number.isInteger(y))) {
    throw new CalendarError(
      'years: expected a non-empty array of years, e.g. chinaCalendar({ years: [2025, 2026] })',
    );
  }
  const sorted = [...new Set(years as number[])].sort((x, y) => x - y);
  const from = sorted[0] as number;
  const to = sorted[sorted.length - 1] as number;
  for (let year = from; year <= to; year += 1) {
    if (!sorted.includes(year)) {
      throw new CalendarError(`years: must be consecutive; ${year} is missing between ${from} and ${to}`);
    }
  }
  const holidays: string[] = [];
  const extraWorkdays: string[] = [];
  for (const year of sorted) {
    const data = options.data?.[year] ?? CHINA_HOLIDAYS[year];
    if (!data) {
      throw new CalendarError(
        `years: no China holiday data for ${year} (leadflow ships ${Object.keys(CHINA_HOLIDAYS).join(', ')}). ` +
          `Pass it from the State Council notice: chinaCalendar({ years: [${year}], data: { ${year}: { holidays: ['${year}-01-01', ...], extraWorkdays: [...] } } })`,
      );
    }
    const check = (list: unknown, field: string, into: string[]) => {
      if (!Array.isArray(list))
        throw new CalendarError(`data.${year}.${field}: expected an array of ISO dates`);
      list.forEach((date: unknown, i: number) => {
        const path = `data.${year}.${field}[${i}]`;
        if (yearOf(parseDate(date, path)) !== year) {
          throw new CalendarError(`${path}: ${date} is not in ${year}`);
        }
        into.push(date as string);
      });
    };
    check(data.holidays, 'holidays', holidays);
    check(data.extraWorkdays, 'extraWorkdays', extraWorkdays);
  }
  return createCalendar({
    zone: 'Asia/Shanghai',
    week: options.week ?? CHINA_DEFAULT_WEEK,
    holidays,
    extraWorkdays,
    ...(options.extraWorkdayHours ? { extraWorkdayHours: options.extraWorkdayHours } : {}),
    coveredYears: [from, to],
  });
}
