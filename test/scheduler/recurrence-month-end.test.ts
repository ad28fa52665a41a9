/**
 * Seed: 售后部预生成《客户设备档案》并推送保养提醒日历 — a maintenance calendar from the delivery
 * date. A reminder rule never loses a period: a month without the start's day gets its last day,
 * and the reminder then moves to a working time (weekends, 2026 public holidays, 调休 make-up days).
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { maintenanceReminders } from '../../src/machines/task.js';
import { CHINA_DEFAULT_WEEK, chinaCalendar, createCalendar } from '../../src/scheduler/calendar.js';
import { dateOnlyInstant } from '../../src/scheduler/local-date.js';
import { occurrences } from '../../src/scheduler/recurrence.js';

const ZONE = 'Asia/Shanghai';
const sh = (iso: string) => Date.parse(`${iso}+08:00`);
const local = (t: number) => DateTime.fromMillis(t, { zone: ZONE }).toFormat("yyyy-MM-dd'T'HH:mm ccc");
const calendar = chinaCalendar({ years: [2025, 2026] });

describe('monthly and quarterly rules from a month end', () => {
  it('quarterly from 31 January keeps April (30th) and October (31st, a Saturday → Monday)', () => {
    const reminders = maintenanceReminders('FREQ=MONTHLY;INTERVAL=3', {
      start: sh('2026-01-31T10:00:00'),
      calendar,
      from: sh('2026-01-01T00:00:00'),
      to: sh('2026-12-31T00:00:00'),
    });
    expect(reminders.map(local)).toEqual([
      '2026-02-02T09:00 Mon', // Sat 31 Jan → Monday morning
      '2026-04-30T10:00 Thu', // April has no 31st: its last day, not skipped
      '2026-07-31T10:00 Fri',
      '2026-11-02T09:00 Mon', // Sat 31 Oct → Monday
    ]);
  });

  it('quarterly from a 30 November delivery: 28 February is the month end and a make-up working Saturday', () => {
    const reminders = maintenanceReminders('FREQ=MONTHLY;INTERVAL=3', {
      start: sh('2025-11-30T10:00:00'),
      calendar,
      from: sh('2025-12-01T00:00:00'),
      to: sh('2026-12-31T00:00:00'),
    });
    expect(reminders.map(local)).toEqual([
      '2026-02-28T10:00 Sat', // 调休: a working Saturday, so it stays
      '2026-06-01T09:00 Mon', // Sat 30 May → Monday
      '2026-08-31T09:00 Mon', // Sun 30 Aug → Monday
      '2026-11-30T10:00 Mon',
    ]);
  });

  it('monthly from 31 January: one reminder in every month, February on its 28th', () => {
    const raw = occurrences('FREQ=MONTHLY', {
      start: sh('2026-01-31T10:00:00'),
      zone: ZONE,
      from: sh('2026-01-01T00:00:00'),
      to: sh('2026-12-31T23:59:59'),
    });
    expect(raw.map((t) => local(t).slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
      '2026-05-31',
      '2026-06-30',
      '2026-07-31',
      '2026-08-31',
      '2026-09-30',
      '2026-10-31',
      '2026-11-30',
      '2026-12-31',
    ]);
  });

  it('the eve of National Day: 30 September stays (a working Wednesday), 31 December stays', () => {
    const reminders = maintenanceReminders('FREQ=MONTHLY;INTERVAL=3', {
      start: sh('2025-12-31T10:00:00'),
      calendar,
      from: sh('2026-01-01T00:00:00'),
      to: sh('2026-12-31T23:00:00'),
    });
    expect(reminders.map(local)).toEqual([
      '2026-03-31T10:00 Tue',
      '2026-06-30T10:00 Tue',
      '2026-09-30T10:00 Wed',
      '2026-12-31T10:00 Thu',
    ]);
  });

  it('an explicit BYMONTHDAY=31 clamps too; COUNT counts the clamped ones', () => {
    const raw = occurrences('FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3', {
      start: sh('2026-01-31T09:30:00'),
      zone: ZONE,
      from: sh('2026-01-01T00:00:00'),
      to: sh('2026-12-31T23:59:59'),
    });
    expect(raw.map(local)).toEqual(['2026-01-31T09:30 Sat', '2026-02-28T09:30 Sat', '2026-03-31T09:30 Tue']);
  });

  it('yearly from 29 February lands on 28 February in common years', () => {
    const raw = occurrences('FREQ=YEARLY;COUNT=3', {
      start: sh('2024-02-29T10:00:00'),
      zone: ZONE,
      from: sh('2024-01-01T00:00:00'),
      to: sh('2030-01-01T00:00:00'),
    });
    expect(raw.map((t) => local(t).slice(0, 10))).toEqual(['2024-02-29', '2025-02-28', '2026-02-28']);
  });

  it('rules that pick their days themselves are left as written (last Friday of the month)', () => {
    const raw = occurrences('FREQ=MONTHLY;BYDAY=-1FR;COUNT=2', {
      start: sh('2026-01-30T10:00:00'),
      zone: ZONE,
      from: sh('2026-01-01T00:00:00'),
      to: sh('2026-12-31T00:00:00'),
    });
    expect(raw.map((t) => local(t).slice(0, 10))).toEqual(['2026-01-30', '2026-02-27']);
  });
});

describe('date-only fields are read in the calendar zone', () => {
  it('2026-01-31 is Shanghai midnight, not 08:00 (UTC midnight)', () => {
    expect(dateOnlyInstant('2026-01-31', ZONE)).toBe(sh('2026-01-31T00:00:00'));
    expect(dateOnlyInstant('2026-01-31', 'America/Los_Angeles')).toBe(
      Date.parse('2026-01-31T00:00:00-08:00'),
    );
    expect(dateOnlyInstant('2026-01-31T10:00:00', ZONE)).toBe(sh('2026-01-31T10:00:00'));
    expect(dateOnlyInstant('2026-01-31T10:00:00Z', ZONE)).toBe(Date.parse('2026-01-31T10:00:00Z'));
    expect(dateOnlyInstant(1_000, ZONE)).toBe(1_000);
    expect(dateOnlyInstant('2026-02-30', ZONE)).toBeNaN();
    expect(dateOnlyInstant('31/01/2026', ZONE)).toBeNaN();
    expect(dateOnlyInstant(null, ZONE)).toBeNaN();
  });

  it('a maintenance start given as a date runs from that local day (moved to 09:00), not the day before', () => {
    // West of Greenwich UTC midnight is the previous local evening: the reminder would move a day.
    const pacific = createCalendar({ zone: 'America/Los_Angeles', week: CHINA_DEFAULT_WEEK });
    const start = dateOnlyInstant('2026-03-31', pacific.zone);
    const [first] = maintenanceReminders('FREQ=MONTHLY;INTERVAL=3', {
      start,
      calendar: pacific,
      from: start,
      to: start + 10 * 86_400_000,
    });
    expect(DateTime.fromMillis(first!, { zone: pacific.zone }).toFormat('yyyy-MM-dd HH:mm')).toBe(
      '2026-03-31 09:00',
    );
  });
});

const daysIn = (year: number, month: number) => DateTime.fromObject({ year, month }).daysInMonth!;

describe('properties', () => {
  it('a monthly rule with INTERVAL=k yields exactly one occurrence per period, on min(day, month length)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 23 }),
        (month, rawDay, interval, hour) => {
          const day = Math.min(rawDay, daysIn(2025, month));
          const start = DateTime.fromObject({ year: 2025, month, day, hour }, { zone: ZONE });
          const end = start.plus({ years: 3 });
          const raw = occurrences(`FREQ=MONTHLY;INTERVAL=${interval}`, {
            start: start.toMillis(),
            zone: ZONE,
            from: start.toMillis(),
            to: end.toMillis() - 1,
          });
          const periods = Math.ceil(36 / interval);
          expect(raw).toHaveLength(periods);
          raw.forEach((t, i) => {
            const expected = start.startOf('month').plus({ months: i * interval });
            const got = DateTime.fromMillis(t, { zone: ZONE });
            expect(got.year).toBe(expected.year);
            expect(got.month).toBe(expected.month);
            expect(got.day).toBe(Math.min(day, expected.daysInMonth!));
            expect(got.hour).toBe(hour);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('every shifted maintenance reminder is business time, one per period, never before its occurrence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.constantFrom(1, 3, 6),
        fc.integer({ min: 0, max: 17 }),
        (month, rawDay, interval, hour) => {
          const day = Math.min(rawDay, daysIn(2025, month));
          const start = DateTime.fromObject({ year: 2025, month, day, hour }, { zone: ZONE }).toMillis();
          const to = sh('2026-12-20T00:00:00');
          const rule = `FREQ=MONTHLY;INTERVAL=${interval}`;
          const raw = occurrences(rule, { start, zone: ZONE, from: start, to });
          const shifted = maintenanceReminders(rule, { start, calendar, from: start, to });
          expect(shifted).toHaveLength(raw.length);
          shifted.forEach((t, i) => {
            expect(calendar.isBusinessTime(t)).toBe(true);
            expect(t).toBeGreaterThanOrEqual(raw[i]!);
          });
        },
      ),
      { numRuns: 150 },
    );
  });
});
