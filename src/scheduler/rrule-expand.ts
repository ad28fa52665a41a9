// RFC 5545 RRULE expansion in floating time, without dependencies: the algorithm of
// python-dateutil and rrule.js (per period of FREQ × INTERVAL from DTSTART: the candidate days
// through the day-level BYxxx parts, times from BYHOUR/BYMINUTE/BYSECOND, then BYSETPOS, then
// DTSTART, UNTIL and COUNT). Instants are epoch ms whose UTC fields are the wall-clock fields.
//
// Where rrule.js 2.8 contradicts RFC 5545 this follows the RFC; the differential test
// (test/scheduler/rrule-expand.diff.test.ts) lists each case and pins the RFC answer.
import { DAY_MS, type DayParts, dayNumber, dayPartsOf, matchingDays, mod, periodDays } from './rrule-days.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

/**
 * RFC 5545's frequencies, coarsest first.
 * @internal
 */
export const FREQUENCIES = [
  'YEARLY',
  'MONTHLY',
  'WEEKLY',
  'DAILY',
  'HOURLY',
  'MINUTELY',
  'SECONDLY',
] as const;
const HOURLY = FREQUENCIES.indexOf('HOURLY');
const MINUTELY = FREQUENCIES.indexOf('MINUTELY');
const SECONDLY = FREQUENCIES.indexOf('SECONDLY');
/**
 * RFC 5545's weekday codes, in the order the expander numbers them (0 = MO … 6 = SU).
 * @internal
 */
export const WEEKDAYS: readonly string[] = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/**
 * The bound that makes a rule that never matches (`BYMONTH=2;BYMONTHDAY=30`) stop: like
 * rrule.js's MAXYEAR, no period starting after 9999 is expanded (the first, DTSTART's, always is).
 * Expansion also stops at the first period that starts after the window or after UNTIL.
 */
const LAST_YEAR = 9999;
const END_DAY = dayNumber(LAST_YEAR + 1, 1, 1);

/**
 * One RFC 5545 frequency.
 * @internal
 */
export type Frequency = (typeof FREQUENCIES)[number];

/**
 * An RRULE as {@link parseRRule} reads it. Weekdays are 0 = MO … 6 = SU.
 * @internal
 */
export interface ParsedRRule {
  freq: Frequency;
  interval: number;
  count?: number;
  /** UNTIL as floating epoch ms, read as written: converting a `Z` form is the caller's job. */
  until?: number;
  wkst: number;
  /** BYDAY; `n` is the `+2`/`-1` prefix. */
  byday?: { weekday: number; n?: number }[];
  bymonth?: number[];
  byweekno?: number[];
  byyearday?: number[];
  bymonthday?: number[];
  byhour?: number[];
  byminute?: number[];
  bysecond?: number[];
  bysetpos?: number[];
}

const LIST_PARTS = [
  'BYMONTH',
  'BYWEEKNO',
  'BYYEARDAY',
  'BYMONTHDAY',
  'BYHOUR',
  'BYMINUTE',
  'BYSECOND',
  'BYSETPOS',
];
type ListKey =
  | 'bymonth'
  | 'byweekno'
  | 'byyearday'
  | 'bymonthday'
  | 'byhour'
  | 'byminute'
  | 'bysecond'
  | 'bysetpos';

/**
 * Read a rule body in the upper-case `KEY=VALUE;…` form recurrence.ts's `normalizeRule` produces
 * (which has checked every value). Throws an `Error` for what it cannot read.
 * @internal
 */
export function parseRRule(body: string): ParsedRRule {
  const rule: Partial<ParsedRRule> = { interval: 1, wkst: 0 };
  for (const part of body.split(';')) {
    if (part === '') continue;
    const [key = '', value = ''] = part.split('=');
    if (key === 'FREQ') rule.freq = parseFrequency(value);
    else if (key === 'INTERVAL') rule.interval = parseInteger(value);
    else if (key === 'COUNT') rule.count = parseInteger(value);
    else if (key === 'UNTIL') rule.until = parseUntil(value);
    else if (key === 'WKST') rule.wkst = parseWeekday(value);
    else if (key === 'BYDAY') rule.byday = value.split(',').map(parseByDay);
    else if (LIST_PARTS.includes(key))
      rule[key.toLowerCase() as ListKey] = value.split(',').map(parseInteger);
    else throw new Error(`unknown part ${key}`);
  }
  if (rule.freq === undefined) throw new Error('FREQ is required');
  return rule as ParsedRRule;
}

function parseFrequency(value: string): Frequency {
  const freq = FREQUENCIES.find((name) => name === value);
  if (!freq) throw new Error(`unknown frequency ${value}`);
  return freq;
}

function parseInteger(value: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw new Error(`${value} is not an integer`);
  return Number(value);
}

function parseWeekday(value: string): number {
  const weekday = WEEKDAYS.indexOf(value);
  if (weekday < 0) throw new Error(`${value} is not a weekday`);
  return weekday;
}

function parseByDay(value: string): { weekday: number; n?: number } {
  const match = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(value);
  if (!match) throw new Error(`${value} is not a weekday`);
  const weekday = parseWeekday(match[2] as string);
  if (match[1] === undefined) return { weekday };
  const n = Number(match[1]);
  // The wording the rrule package used for this error, kept so occurrences' message is unchanged.
  if (n === 0) throw new Error("Can't create weekday with n == 0");
  return { weekday, n };
}

/** `YYYYMMDD[THHMMSS[Z]]` as floating ms; out-of-range fields roll over, as Date.UTC does. */
function parseUntil(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(value);
  if (!match) throw new Error(`${value} is not YYYYMMDD or YYYYMMDDTHHMMSS[Z]`);
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match
    .slice(1)
    .map((f) => Number(f ?? 0));
  return dayNumber(year, month, day) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
}

/** The rule with DTSTART's defaults filled in, in the shape the loops below use. */
interface Plan {
  freq: Frequency;
  interval: number;
  dtstart: number;
  dayParts: DayParts;
  /** The span `times` are offsets into: a day for DAILY and coarser, else one FREQ unit. */
  unit: number;
  /** Offsets of a period's instants into each day or unit, sorted, each once. */
  times: number[];
  bysetpos?: number[];
  /** HOURLY and finer: the BYxxx parts the counter itself must pass (the others expand it). */
  match: { byhour?: number[]; byminute?: number[]; bysecond?: number[] };
}

function planOf(rule: ParsedRRule, dtstart: number): Plan {
  const startDay = Math.floor(dtstart / DAY_MS);
  const level = FREQUENCIES.indexOf(rule.freq);
  const hour = Math.floor(mod(dtstart, DAY_MS) / HOUR_MS);
  const minute = Math.floor(mod(dtstart, HOUR_MS) / MINUTE_MS);
  const second = Math.floor(mod(dtstart, MINUTE_MS) / SECOND_MS);
  // BYHOUR, BYMINUTE, BYSECOND expand units coarser than FREQ — from DTSTART's when not given
  // (RFC 5545) — and limit the others.
  const hours = level < HOURLY ? (rule.byhour ?? [hour]) : [0];
  const minutes = level < MINUTELY ? (rule.byminute ?? [minute]) : [0];
  const seconds = level < SECONDLY ? (rule.bysecond ?? [second]) : [0];
  return {
    freq: rule.freq,
    interval: rule.interval,
    dtstart,
    dayParts: dayPartsOf(rule, startDay),
    unit: [HOUR_MS, MINUTE_MS, SECOND_MS][level - HOURLY] ?? DAY_MS,
    times: timesOf(hours, minutes, seconds, mod(dtstart, SECOND_MS)),
    ...(rule.bysetpos && { bysetpos: rule.bysetpos }),
    match: {
      ...(level >= HOURLY && rule.byhour && { byhour: rule.byhour }),
      ...(level >= MINUTELY && rule.byminute && { byminute: rule.byminute }),
      ...(level >= SECONDLY && rule.bysecond && { bysecond: rule.bysecond }),
    },
  };
}

/** Every hour × minute × second as an offset in ms, sorted and each once (BYxxx lists are sets). */
function timesOf(hours: number[], minutes: number[], seconds: number[], ms: number): number[] {
  const times = new Set<number>();
  for (const h of hours) {
    for (const m of minutes)
      for (const s of seconds) times.add(h * HOUR_MS + m * MINUTE_MS + s * SECOND_MS + ms);
  }
  return [...times].sort((a, b) => a - b);
}

/** The expansion's running state: the window, what is left of COUNT, and where results go. */
interface Cursor {
  dtstart: number;
  until: number | undefined;
  after: number;
  before: number;
  remaining: number | undefined;
  accept: (t: number) => boolean;
}

/**
 * Expand `rule` from the floating `dtstart`, calling `accept` with each occurrence inside the
 * floating window `[after, before]` (inclusive), in order, until it returns `false`, the window
 * ends, or the rule does (COUNT, UNTIL, or the year-9999 bound). DTSTART is an occurrence only
 * if it matches the rule; COUNT counts occurrences from DTSTART, inside the window or not.
 * @internal
 */
export function expandRRule(
  rule: ParsedRRule,
  dtstart: number,
  window: { after: number; before: number },
  accept: (t: number) => boolean,
): void {
  const plan = planOf(rule, dtstart);
  const cursor: Cursor = { dtstart, until: rule.until, remaining: rule.count, accept, ...window };
  if (plan.unit === DAY_MS) expandByDays(plan, cursor);
  else expandByCounter(plan, cursor);
}

/** DAILY and coarser: one period (day, week, month, year) after another. */
function expandByDays(plan: Plan, cursor: Cursor): void {
  const startDay = Math.floor(plan.dtstart / DAY_MS);
  for (let k = 0; ; k += 1) {
    const period = periodDays(plan.freq, startDay, k * plan.interval, plan.dayParts);
    const [first, last] = period.days;
    if ((k > 0 && first >= END_DAY) || ended(first * DAY_MS, cursor)) return;
    const starts = matchingDays(plan.dayParts, first, last, period.nthRanges).map((day) => day * DAY_MS);
    if (!offerSet(starts, plan, cursor)) return;
  }
}

/** HOURLY, MINUTELY, SECONDLY: one counter value (DTSTART + n × INTERVAL units) after another. */
function expandByCounter(plan: Plan, cursor: Cursor): void {
  // Every period's set has the same size here, so BYSETPOS positions outside it never select.
  if (plan.bysetpos && pickPositions([0], plan.times, plan.bysetpos).length === 0) return;
  let t: number | undefined = plan.dtstart;
  // Without COUNT nothing before the window matters: start at the last unit before it.
  if (cursor.remaining === undefined) t = onOrAfter(plan, t, cursor.after - plan.unit - MINUTE_MS);
  if (mismatch(plan, t) !== undefined) t = nextCounter(plan, t);
  while (t !== undefined) {
    if (t !== plan.dtstart && t >= END_DAY * DAY_MS) return;
    const unitStart = t - mod(t, plan.unit);
    if (ended(unitStart, cursor)) return;
    const day = Math.floor(t / DAY_MS);
    if (matchingDays(plan.dayParts, day, day, []).length === 0) {
      // The whole day is excluded: go on from the counter's first value on the next day.
      t = onOrAfter(plan, t, (day + 1) * DAY_MS);
      if (mismatch(plan, t) !== undefined) t = nextCounter(plan, t);
      continue;
    }
    if (!offerSet([unitStart], plan, cursor)) return;
    t = nextCounter(plan, t);
  }
}

/** The counter's first value at or after `bound` (counter values are DTSTART + n × INTERVAL units). */
function onOrAfter(plan: Plan, t: number, bound: number): number {
  const step = plan.interval * plan.unit;
  return t >= bound ? t : t + Math.ceil((bound - t) / step) * step;
}

/**
 * The next counter value after `t` that passes BYHOUR, BYMINUTE and BYSECOND, or undefined if
 * none ever does (`FREQ=HOURLY;INTERVAL=2;BYHOUR=1` from an even hour): the times of day the
 * counter takes repeat after INTERVAL days, so looking that far ahead is enough.
 */
function nextCounter(plan: Plan, t: number): number | undefined {
  const horizon = t + plan.interval * DAY_MS;
  let next = onOrAfter(plan, t, t + 1);
  while (next <= horizon) {
    const retry = mismatch(plan, next);
    if (retry === undefined) return next;
    next = onOrAfter(plan, next, retry);
  }
  return undefined;
}

/** Undefined if the counter value `t` passes its BYxxx parts, else the next hour, minute or second that could. */
function mismatch(plan: Plan, t: number): number | undefined {
  const { byhour, byminute, bysecond } = plan.match;
  const next = (unit: number) => t - mod(t, unit) + unit;
  if (byhour && !byhour.includes(Math.floor(mod(t, DAY_MS) / HOUR_MS))) return next(HOUR_MS);
  if (byminute && !byminute.includes(Math.floor(mod(t, HOUR_MS) / MINUTE_MS))) return next(MINUTE_MS);
  if (bysecond && !bysecond.includes(Math.floor(mod(t, MINUTE_MS) / SECOND_MS))) return next(SECOND_MS);
  return undefined;
}

/** Whether no occurrence can come at or after `start`: past the window, or past UNTIL. */
function ended(start: number, cursor: Cursor): boolean {
  return start > cursor.before || (cursor.until !== undefined && start > cursor.until);
}

/**
 * Offer one period's set — each of `starts` (days, or the counter's unit) plus each of the plan's
 * times, or the BYSETPOS picks from it — in order. False once the expansion is over.
 */
function offerSet(starts: number[], plan: Plan, cursor: Cursor): boolean {
  const { times, bysetpos } = plan;
  if (bysetpos) return pickPositions(starts, times, bysetpos).every((t) => offer(t, cursor));
  const lastTime = times[times.length - 1] as number;
  for (const start of starts) {
    // A day wholly before the window, with no COUNT to keep: nothing to offer.
    if (cursor.remaining === undefined && start + lastTime < cursor.after) continue;
    for (const time of times) if (!offer(start + time, cursor)) return false;
  }
  return true;
}

/**
 * BYSETPOS: the n-th (or, negative, n-th from last) instants of the period's set, in time order,
 * each once. A position the set does not have selects nothing (RFC 5545 §3.3.10).
 */
function pickPositions(starts: number[], times: number[], positions: number[]): number[] {
  const size = starts.length * times.length;
  const picked = new Set<number>();
  for (const position of positions) {
    const index = position > 0 ? position - 1 : size + position;
    if (index < 0 || index >= size) continue;
    picked.add(
      (starts[Math.floor(index / times.length)] as number) + (times[index % times.length] as number),
    );
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * One instant through RFC 5545's last steps, in rrule.js's order: past UNTIL ends the rule, before
 * DTSTART is skipped, past the window ends the expansion, and COUNT counts every instant from
 * DTSTART on. False once the expansion is over.
 */
function offer(t: number, cursor: Cursor): boolean {
  if (cursor.until !== undefined && t > cursor.until) return false;
  if (t < cursor.dtstart) return true;
  if (t > cursor.before) return false;
  if (t >= cursor.after && !cursor.accept(t)) return false;
  if (cursor.remaining !== undefined) {
    cursor.remaining -= 1;
    if (cursor.remaining === 0) return false;
  }
  return true;
}
