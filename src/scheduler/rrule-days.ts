// Calendar arithmetic, periods and the day-level BYxxx parts of the RRULE expander (rrule-expand.ts).
// Days are "day numbers": whole days since 1970-01-01 in the proleptic Gregorian calendar, read in
// floating time (UTC-shaped), for any year (Date.UTC reads years 0–99 as 1900–1999; this does not).
// Weekdays are numbered like RFC 5545 lists them: 0 = MO … 6 = SU.

import type { ParsedRRule } from './rrule-expand.js';

/**
 * Milliseconds in a (floating, so always 24-hour) day.
 * @internal
 */
export const DAY_MS = 86_400_000;

/**
 * Year, month (1–12) and day of the month of a day number.
 * @internal
 */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/**
 * The day number of a calendar date; out-of-range months and days roll over (month 13 is next
 * January, day 0 the previous month's last day), as with Date.UTC.
 * @internal
 */
export function dayNumber(year: number, month: number, day: number): number {
  // Howard Hinnant's days_from_civil, on a year that starts in March so leap days come last.
  const y = year + Math.floor((month - 1) / 12) - (mod(month - 1, 12) < 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * mod(month - 3, 12) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The calendar date of a day number.
 * @internal
 */
export function civilDate(day: number): CivilDate {
  // Hinnant's civil_from_days, the inverse of dayNumber.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const m = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const month = m < 10 ? m + 3 : m - 9;
  return {
    year: era * 400 + yearOfEra + (month <= 2 ? 1 : 0),
    month,
    day: dayOfYear - Math.floor((153 * m + 2) / 5) + 1,
  };
}

/**
 * Weekday of a day number, 0 = Monday … 6 = Sunday.
 * @internal
 */
export function weekdayOf(day: number): number {
  return mod(day + 3, 7); // 1970-01-01 was a Thursday
}

/**
 * Non-negative remainder (`%` keeps the dividend's sign).
 * @internal
 */
export function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function monthLength(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * First day of week 1 of `year` when weeks start on `wkst`: RFC 5545 (after ISO 8601) makes week 1
 * the first week with at least four days in the year, so it may start in late December.
 */
function weekOneStart(year: number, wkst: number): number {
  const jan1 = dayNumber(year, 1, 1);
  const daysBefore = mod(weekdayOf(jan1) - wkst, 7); // days of Jan 1's week that fall in December
  return daysBefore <= 3 ? jan1 - daysBefore : jan1 + 7 - daysBefore;
}

/**
 * Week number of a day of calendar year `year` (1–53, counted in the week-numbering year the day
 * belongs to, which may be the next or the previous one) and how many weeks that year has.
 */
function weekOfYear(day: number, year: number, wkst: number): { week: number; weeks: number } {
  let weekYear = year;
  if (day >= weekOneStart(year + 1, wkst)) weekYear += 1;
  else if (day < weekOneStart(year, wkst)) weekYear -= 1;
  const start = weekOneStart(weekYear, wkst);
  return { week: Math.floor((day - start) / 7) + 1, weeks: (weekOneStart(weekYear + 1, wkst) - start) / 7 };
}

/**
 * Whether a list holds `value` counted from the start or `negative` counted from the end
 * (RFC 5545: -1 is the last day of the month, the last week of the year, …).
 */
function holds(list: readonly number[], value: number, negative: number): boolean {
  return list.includes(value) || list.includes(negative);
}

/**
 * The day-level parts of a rule, defaults already applied. `byweekday` are the plain BYDAY
 * weekdays; `bynweekday` the numbered ones (`+1MO`, `-1FR`) of a MONTHLY or YEARLY rule.
 * @internal
 */
export interface DayParts {
  wkst: number;
  bymonth?: readonly number[];
  byweekno?: readonly number[];
  byyearday?: readonly number[];
  bymonthday?: readonly number[];
  byweekday?: readonly number[];
  bynweekday?: readonly (readonly [weekday: number, n: number])[];
}

/**
 * The parts of a rule {@link dayPartsOf} reads.
 * @internal
 */
export type DayRule = Pick<
  ParsedRRule,
  'freq' | 'wkst' | 'byday' | 'bymonth' | 'byweekno' | 'byyearday' | 'bymonthday'
>;

/**
 * The day-level parts, with RFC 5545's defaults from DTSTART's day `start` when the rule names no
 * day at all (a YEARLY rule repeats DTSTART's month and day, a MONTHLY one its day, a WEEKLY one its
 * weekday). Numbered weekdays only mean "n-th in the month or year" for MONTHLY and YEARLY rules;
 * finer rules read `+1MO` as plain `MO`, as rrule.js and dateutil do.
 * @internal
 */
export function dayPartsOf(rule: DayRule, start: number): DayParts {
  const { freq, byday, byweekno, byyearday } = rule;
  let { bymonth, bymonthday } = rule;
  const counted = (d: { n?: number }) => d.n !== undefined && (freq === 'YEARLY' || freq === 'MONTHLY');
  let byweekday = byday?.filter((d) => !counted(d)).map((d) => d.weekday);
  const nth = byday?.filter(counted).map((d) => [d.weekday, d.n as number] as const);
  if (!byweekno && !byyearday && !bymonthday && !byday) {
    const date = civilDate(start);
    if (freq === 'YEARLY') bymonth ??= [date.month];
    if (freq === 'YEARLY' || freq === 'MONTHLY') bymonthday = [date.day];
    if (freq === 'WEEKLY') byweekday = [weekdayOf(start)];
  }
  return {
    wkst: rule.wkst,
    ...(bymonth && { bymonth }),
    ...(byweekno && { byweekno }),
    ...(byyearday && { byyearday }),
    ...(bymonthday && { bymonthday }),
    ...(byweekday?.length && { byweekday }),
    ...(nth?.length && { bynweekday: nth }),
  };
}

/**
 * The days of `[first, last]` (a period of the rule) that pass every day-level part. The parts
 * narrow the period's days together (RFC 5545 §3.3.10 "expand" and "limit" amount to the same
 * filter once the period's days are the candidates); BYDAY keeps a day that is one of the plain
 * weekdays or one of the numbered weekdays. Numbered weekdays count within `nthRanges`: the
 * month for MONTHLY and for YEARLY with BYMONTH, the year for YEARLY otherwise.
 * @internal
 */
export function matchingDays(
  parts: DayParts,
  first: number,
  last: number,
  nthRanges: readonly DayRange[],
): number[] {
  const nth = parts.bynweekday && nthWeekdays(parts.bynweekday, nthRanges);
  const days: number[] = [];
  // Walk the calendar along with the day number rather than converting each day.
  const date = civilDate(first);
  let length = monthLength(date.year, date.month);
  for (let day = first; day <= last; day += 1) {
    if (dayMatches(parts, day, date, length, nth)) days.push(day);
    date.day += 1;
    if (date.day > length) {
      date.day = 1;
      date.month = date.month === 12 ? 1 : date.month + 1;
      if (date.month === 1) date.year += 1;
      length = monthLength(date.year, date.month);
    }
  }
  return days;
}

function dayMatches(
  parts: DayParts,
  day: number,
  date: CivilDate,
  monthDays: number,
  nth: ReadonlySet<number> | undefined,
): boolean {
  const { bymonth, byweekno, byyearday, bymonthday, byweekday } = parts;
  if (bymonth && !bymonth.includes(date.month)) return false;
  if (byweekno) {
    const { week, weeks } = weekOfYear(day, date.year, parts.wkst);
    if (!holds(byweekno, week, week - weeks - 1)) return false;
  }
  if ((byweekday || nth) && !byweekday?.includes(weekdayOf(day)) && !nth?.has(day)) return false;
  if (bymonthday && !holds(bymonthday, date.day, date.day - monthDays - 1)) return false;
  if (byyearday) {
    const yearDay = day - dayNumber(date.year, 1, 1) + 1;
    const yearLength = isLeapYear(date.year) ? 366 : 365;
    if (!holds(byyearday, yearDay, yearDay - yearLength - 1)) return false;
  }
  return true;
}

/**
 * The n-th weekdays within each range: `[MO, 2]` is the second Monday, `[FR, -1]` the last Friday.
 * A weekday a range does not have that many of (`+5MO` in most months) selects nothing.
 */
function nthWeekdays(
  nth: readonly (readonly [weekday: number, n: number])[],
  ranges: readonly DayRange[],
): Set<number> {
  const days = new Set<number>();
  for (const [first, last] of ranges) {
    for (const [weekday, n] of nth) {
      const day =
        n > 0
          ? first + mod(weekday - weekdayOf(first), 7) + (n - 1) * 7
          : last - mod(weekdayOf(last) - weekday, 7) + (n + 1) * 7;
      if (day >= first && day <= last) days.add(day);
    }
  }
  return days;
}

/**
 * A span of day numbers, both ends included.
 * @internal
 */
export type DayRange = readonly [first: number, last: number];

/**
 * The days of the period `offset` periods of `freq` (DAILY or coarser) after the one holding day
 * `start`, and the ranges its numbered weekdays count within (see {@link matchingDays}). WEEKLY
 * periods are whole weeks from WKST (RFC 5545), so DTSTART's week includes its days before
 * DTSTART: they count for BYSETPOS, then fall before DTSTART.
 * @internal
 */
export function periodDays(
  freq: string,
  start: number,
  offset: number,
  parts: DayParts,
): { days: DayRange; nthRanges: DayRange[] } {
  if (freq === 'YEARLY' || freq === 'MONTHLY') {
    const date = civilDate(start);
    const months = date.year * 12 + date.month - 1 + offset * (freq === 'YEARLY' ? 12 : 1);
    const year = Math.floor(months / 12);
    if (freq === 'MONTHLY') {
      const month = monthRange(year, mod(months, 12) + 1);
      return { days: month, nthRanges: [month] };
    }
    const whole: DayRange = [dayNumber(year, 1, 1), dayNumber(year + 1, 1, 1) - 1];
    return {
      days: whole,
      nthRanges: parts.bymonth ? parts.bymonth.map((m) => monthRange(year, m)) : [whole],
    };
  }
  if (freq === 'WEEKLY') {
    const first = start - mod(weekdayOf(start) - parts.wkst, 7) + 7 * offset;
    return { days: [first, first + 6], nthRanges: [] };
  }
  return { days: [start + offset, start + offset], nthRanges: [] };
}

function monthRange(year: number, month: number): DayRange {
  return [dayNumber(year, month, 1), dayNumber(year, month + 1, 1) - 1];
}
