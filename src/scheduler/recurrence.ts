import { DateTime, IANAZone } from 'luxon';
import { RecurrenceError } from '../errors.js';
import type { BusinessCalendar, Instant } from './calendar.js';
import { expandRRule, FREQUENCIES, type ParsedRRule, parseRRule, WEEKDAYS } from './rrule-expand.js';

const HOUR_MS = 3_600_000;

/**
 * Default cap on the number of occurrences {@link occurrences} returns.
 *
 * @example
 * ```ts
 * import { DEFAULT_OCCURRENCE_LIMIT } from 'leadflow';
 * console.log(DEFAULT_OCCURRENCE_LIMIT); // 1000
 * ```
 * @category Calendar and clocks
 */
export const DEFAULT_OCCURRENCE_LIMIT = 1000;

/**
 * Options of {@link occurrences}.
 *
 * @example
 * ```ts
 * import { type OccurrenceOptions, chinaCalendar } from 'leadflow';
 * const options: OccurrenceOptions = {
 *   start: Date.parse('2026-01-01T10:00:00+08:00'),
 *   zone: 'Asia/Shanghai',
 *   from: Date.parse('2026-01-01T00:00:00+08:00'),
 *   to: Date.parse('2026-12-31T23:59:59+08:00'),
 *   shift: 'next-business-time',
 *   calendar: chinaCalendar({ years: [2026] }),
 * };
 * ```
 * @category Calendar and clocks
 */
export interface OccurrenceOptions {
  /** First occurrence (DTSTART). Its local wall time in `zone` is what repeats. */
  start: Instant;
  /** IANA zone the rule's wall times are read in. */
  zone: string;
  /** Window start, inclusive. */
  from: Instant;
  /** Window end, inclusive. */
  to: Instant;
  /** Move an occurrence outside business time to `calendar.nextBusinessTime(occurrence)`. */
  shift?: 'next-business-time';
  /** Required with `shift`. */
  calendar?: BusinessCalendar;
  /**
   * Maximum number of occurrences returned (the earliest ones).
   * @default 1000 ({@link DEFAULT_OCCURRENCE_LIMIT})
   */
  limit?: number;
}

const FREQS: readonly string[] = FREQUENCIES;
const WEEKDAY_RE = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/;
const UNTIL_RE = /^(\d{8})(T\d{6}(Z?))?$/;
/** Numeric list parts with their allowed absolute range and whether negatives are allowed. */
const NUMERIC_PARTS: Record<string, [min: number, max: number, signed: boolean]> = {
  BYSECOND: [0, 60, false],
  BYMINUTE: [0, 59, false],
  BYHOUR: [0, 23, false],
  BYMONTH: [1, 12, false],
  BYMONTHDAY: [1, 31, true],
  BYYEARDAY: [1, 366, true],
  BYWEEKNO: [1, 53, true],
  BYSETPOS: [1, 366, true],
};

/**
 * Checks the rule and names the bad part, so the expander (rrule-expand.ts) only sees values it
 * can use.
 */
function normalizeRule(input: unknown): { body: string; until?: { utc: boolean; dateOnly: boolean } } {
  if (typeof input !== 'string' || input.trim() === '') {
    throw new RecurrenceError('rrule: expected a non-empty RRULE string like "FREQ=MONTHLY;INTERVAL=3"');
  }
  let body = input.trim();
  if (/^RRULE:/i.test(body)) body = body.slice(6);
  if (/[\r\n]/.test(body) || /(^|;)\s*(DTSTART|TZID)\b/i.test(body)) {
    throw new RecurrenceError(
      'rrule: give a single RRULE line; pass DTSTART and the zone as the start and zone options',
    );
  }
  const seen = new Set<string>();
  const parts: string[] = [];
  let until: { utc: boolean; dateOnly: boolean } | undefined;
  for (const raw of body.split(';')) {
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new RecurrenceError(`rrule: "${raw}" is not a KEY=VALUE part`);
    const key = raw.slice(0, eq).trim().toUpperCase();
    const value = raw
      .slice(eq + 1)
      .trim()
      .toUpperCase();
    if (seen.has(key)) throw new RecurrenceError(`rrule: ${key} is given twice`);
    seen.add(key);
    const bad = (why: string): never => {
      throw new RecurrenceError(`rrule: ${key}=${value} ${why}`);
    };
    if (key === 'FREQ') {
      if (!FREQS.includes(value)) bad(`is not a frequency; use one of ${FREQS.join(', ')}`);
    } else if (key === 'INTERVAL' || key === 'COUNT') {
      if (!/^\d+$/.test(value) || Number(value) < 1) bad('must be a positive integer');
    } else if (key === 'UNTIL') {
      const match = UNTIL_RE.exec(value);
      if (!match) bad('must be YYYYMMDD or YYYYMMDDTHHMMSS[Z]');
      until = { utc: match?.[3] === 'Z', dateOnly: match?.[2] === undefined };
    } else if (key === 'BYDAY') {
      for (const day of value.split(',')) if (!WEEKDAY_RE.test(day)) bad(`has an invalid weekday "${day}"`);
    } else if (key === 'WKST') {
      if (!WEEKDAYS.includes(value)) bad('must be one of MO..SU');
    } else if (key in NUMERIC_PARTS) {
      const [min, max, signed] = NUMERIC_PARTS[key] as [number, number, boolean];
      for (const item of value.split(',')) {
        if (!/^[+-]?\d+$/.test(item)) bad(`has a non-integer value "${item}"`);
        const n = Number(item);
        const abs = Math.abs(n);
        if ((n < 0 && !signed) || abs < min || abs > max || (signed && n === 0)) {
          bad(`has "${item}" outside ${signed ? `±${min}..${max}` : `${min}..${max}`}`);
        }
      }
    } else {
      throw new RecurrenceError(`rrule: unknown part ${key}`);
    }
    parts.push(`${key}=${value}`);
  }
  if (!seen.has('FREQ')) throw new RecurrenceError('rrule: FREQ is required (e.g. FREQ=WEEKLY)');
  if (seen.has('COUNT') && seen.has('UNTIL'))
    throw new RecurrenceError('rrule: COUNT and UNTIL cannot both be given');
  return until ? { body: parts.join(';'), until } : { body: parts.join(';') };
}

const SET_PARTS = ['BYDAY', 'BYSETPOS', 'BYYEARDAY', 'BYWEEKNO'];

/**
 * A monthly or yearly rule from a start on day 29–31 repeats "that day, or the month's last day
 * when the month is shorter": RFC 5545 (and rrule) skip the months without that day, so a
 * quarterly reminder from 31 January would lose April. Rewritten as `BYMONTHDAY=<day>,-1;
 * BYSETPOS=1` — the first of {that day, the last day} in each period — which keeps exactly one
 * occurrence per period. Rules that already pick days another way (`BYDAY`, `BYSETPOS`, several
 * month days, several times of day) are left as written.
 */
function clampToMonthEnd(body: string, startLocal: DateTime): string {
  const parts = new Map(body.split(';').map((part) => part.split('=') as [string, string]));
  const freq = parts.get('FREQ');
  if (freq !== 'MONTHLY' && freq !== 'YEARLY') return body;
  if (SET_PARTS.some((key) => parts.has(key))) return body;
  for (const key of ['BYHOUR', 'BYMINUTE', 'BYSECOND']) if (parts.get(key)?.includes(',')) return body;
  const monthDay = parts.get('BYMONTHDAY');
  let day: number;
  if (monthDay === undefined) day = startLocal.day;
  else if (/^\d+$/.test(monthDay)) day = Number(monthDay);
  else return body;
  if (day <= 28) return body;
  if (freq === 'YEARLY') {
    // One occurrence per year only when the year has one month: the start's, unless given.
    const month = parts.get('BYMONTH') ?? String(startLocal.month);
    if (month.includes(',')) return body;
    parts.set('BYMONTH', month);
  }
  parts.set('BYMONTHDAY', `${day},-1`);
  parts.set('BYSETPOS', '1');
  return [...parts].map(([key, value]) => `${key}=${value}`).join(';');
}

function toMs(t: Instant, field: string): number {
  const ms = typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Number.NaN;
  if (!Number.isFinite(ms))
    throw new RecurrenceError(`${field} must be a finite epoch-ms number or a valid Date`);
  return ms;
}

/** Local wall time of `t` in `zone`, as a UTC-shaped Date ("floating" time). */
function toFloating(t: number, zone: string): Date {
  const dt = DateTime.fromMillis(t, { zone });
  return new Date(Date.UTC(dt.year, dt.month - 1, dt.day, dt.hour, dt.minute, dt.second, dt.millisecond));
}

/** Back from floating wall fields to an instant in `zone` (luxon moves gap times forward). */
function fromFloating(d: Date, zone: string): number {
  return DateTime.fromObject(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      millisecond: d.getUTCMilliseconds(),
    },
    { zone },
  ).toMillis();
}

/**
 * Expand an RRULE (RFC 5545 `RRULE` value, with or without the `RRULE:` prefix) into the epoch-ms
 * instants inside `[from, to]`, in order.
 *
 * The rule repeats the local wall time of `start` in `zone` — a weekly 10:00 meeting stays at 10:00
 * across DST — because it is expanded in floating time and each result's wall fields are
 * converted back with luxon. A wall time inside a DST gap is
 * moved forward by the gap; an ambiguous one takes luxon's choice (the later offset).
 * A monthly or yearly rule never skips a period: from a start on the 29th–31st (or with one
 * `BYMONTHDAY` of 29–31), a month without that day gets its last day instead (31 Jan → 28 Feb →
 * 31 Mar → 30 Apr; a yearly 29 Feb → 28 Feb in common years). Shifting (below) then moves it to
 * a working time.
 * `UNTIL` ending in `Z` is an instant; without `Z` it is a wall time in `zone`; a date-only
 * `UNTIL` includes that whole local day.
 *
 * With `shift: 'next-business-time'` each occurrence outside business time moves to
 * `calendar.nextBusinessTime(occurrence)` (shifted occurrences can coincide; they are kept).
 * At most `limit` (default 1000) occurrences are returned — the earliest ones.
 *
 * Errors are {@link RecurrenceError}s naming the problem (bad RRULE part, unknown zone, `shift`
 * without `calendar`, ...). Calendar errors from shifting pass through unchanged.
 *
 * @example
 * ```ts
 * import { occurrences } from 'leadflow';
 * // Quarterly maintenance reminders at 10:00 Shanghai time.
 * const reminders = occurrences('FREQ=MONTHLY;INTERVAL=3', {
 *   start: Date.parse('2025-01-15T10:00:00+08:00'),
 *   zone: 'Asia/Shanghai',
 *   from: Date.parse('2025-01-01T00:00:00+08:00'),
 *   to: Date.parse('2025-12-31T23:59:59+08:00'),
 * });
 * reminders.map((t) => new Date(t).toISOString());
 * // ['2025-01-15T02:00:00.000Z', '2025-04-15T02:00:00.000Z', '2025-07-15T02:00:00.000Z', '2025-10-15T02:00:00.000Z']
 * ```
 * @category Calendar and clocks
 */
export function occurrences(rule: string, options: OccurrenceOptions): number[] {
  if (options === null || typeof options !== 'object') {
    throw new RecurrenceError('options: expected { start, zone, from, to, shift?, calendar?, limit? }');
  }
  const { zone, shift, calendar } = options;
  if (typeof zone !== 'string' || !IANAZone.isValidZone(zone)) {
    throw new RecurrenceError(
      `zone: ${JSON.stringify(zone)} is not a known IANA time zone (e.g. 'Asia/Shanghai')`,
    );
  }
  const start = toMs(options.start, 'start');
  const from = toMs(options.from, 'from');
  const to = toMs(options.to, 'to');
  if (to < from) throw new RecurrenceError('to: must not be before from');
  const limit = options.limit ?? DEFAULT_OCCURRENCE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1)
    throw new RecurrenceError(`limit: must be a positive integer, got ${limit}`);
  if (shift !== undefined && shift !== 'next-business-time') {
    throw new RecurrenceError(
      `shift: unknown value ${JSON.stringify(shift)}; the only shift is 'next-business-time'`,
    );
  }
  if (shift !== undefined && (calendar === undefined || typeof calendar.nextBusinessTime !== 'function')) {
    throw new RecurrenceError("calendar: required with shift: 'next-business-time'");
  }
  const normalized = normalizeRule(rule);
  const { until } = normalized;
  const body = clampToMonthEnd(normalized.body, DateTime.fromMillis(start, { zone }));
  let parsed: ParsedRRule;
  try {
    parsed = parseRRule(body);
  } catch (error) {
    throw new RecurrenceError(`rrule: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (until && parsed.until !== undefined) {
    if (until.utc) parsed.until = toFloating(parsed.until, zone).getTime();
    else if (until.dateOnly) parsed.until += 24 * HOUR_MS - 1;
  }
  const dtstart = toFloating(start, zone).getTime();
  if (!Number.isFinite(dtstart))
    throw new RecurrenceError('start: outside the dates luxon and Date can hold (about ±270,000 years)');
  // Offsets lie within [-12h, +14h], so wall times of [from, to] lie within this floating window.
  const window = { after: from - 13 * HOUR_MS, before: to + 15 * HOUR_MS };
  if (!Number.isFinite(new Date(window.after).getTime() + new Date(window.before).getTime())) {
    throw new RecurrenceError(
      'from/to: the window lies outside the dates Date can hold (about ±270,000 years)',
    );
  }

  const out: number[] = [];
  try {
    expandRRule(parsed, dtstart, window, (t) => {
      const instant = fromFloating(new Date(t), zone);
      if (instant >= from && instant <= to) out.push(instant);
      return out.length < limit;
    });
  } catch (error) {
    throw new RecurrenceError(
      `rrule: expansion failed: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  out.sort((a, b) => a - b);
  if (shift === 'next-business-time' && calendar) {
    return out.map((t) => calendar.nextBusinessTime(t));
  }
  return out;
}
