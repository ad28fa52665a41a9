import { fc, test } from '@fast-check/vitest';
import { DateTime } from 'luxon';
import { describe, expect } from 'vitest';
import { type BusinessCalendar, chinaCalendar, createCalendar } from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';
import { minuteSteppingChinaCalendar } from '../../src/testing/minute-calendar.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

interface Case {
  name: string;
  calendar: BusinessCalendar;
  /** Longest working day in ms, so "30 business days" has a concrete size. */
  dayMs: number;
  /** Instants for addBusinessTime: far enough from the end of the covered years for 30 business days. */
  starts: fc.Arbitrary<number>;
  /** Any instant the calendar covers. */
  anywhere: fc.Arbitrary<number>;
  /** Local wall times where the result of a positive addBusinessTime may sit without being business time. */
  intervalEnds: ReadonlySet<string>;
}

const instant = (fromIso: string, toIso: string) =>
  fc.integer({ min: Date.parse(fromIso), max: Date.parse(toIso) });

// Mix arbitrary milliseconds with instants on whole minutes, which hit interval edges exactly.
const mixed = (fromIso: string, toIso: string) =>
  fc.oneof(
    instant(fromIso, toIso),
    instant(fromIso, toIso).map((t) => Math.floor(t / MINUTE) * MINUTE),
    instant(fromIso, toIso).map((t) => Math.floor(t / HOUR) * HOUR),
  );

const cases: Case[] = [
  {
    name: 'chinaCalendar 2025–2026',
    calendar: chinaCalendar({ years: [2025, 2026] }),
    dayMs: 8 * HOUR,
    starts: mixed('2025-01-01T00:00:00+08:00', '2026-10-31T23:59:59+08:00'),
    anywhere: mixed('2025-01-01T00:00:00+08:00', '2026-12-31T23:59:59.999+08:00'),
    intervalEnds: new Set(['12:00', '18:00']),
  },
  {
    // A custom calendar in a DST zone, with a split Saturday and a holiday on a DST Sunday.
    name: 'custom America/New_York',
    calendar: createCalendar({
      zone: 'America/New_York',
      week: {
        mon: [['08:00', '17:00']],
        tue: [['08:00', '17:00']],
        wed: [
          ['08:00', '12:00'],
          ['12:30', '17:00'],
        ],
        thu: [['08:00', '17:00']],
        fri: [['08:00', '15:00']],
        sat: [['10:00', '14:00']],
        sun: [['01:00', '04:00']],
      },
      holidays: ['2025-07-04', '2025-12-25', '2026-01-01', '2026-07-03', '2026-11-01'],
      extraWorkdays: ['2025-12-28'],
    }),
    dayMs: 9 * HOUR,
    starts: mixed('2025-01-01T00:00:00Z', '2026-12-31T23:59:59Z'),
    anywhere: mixed('2025-01-01T00:00:00Z', '2026-12-31T23:59:59Z'),
    intervalEnds: new Set(['17:00', '12:00', '15:00', '14:00', '04:00']),
  },
];

for (const c of cases) {
  const cal = c.calendar;
  const duration = fc.oneof(
    fc.integer({ min: 0, max: 30 * c.dayMs }),
    fc.integer({ min: 0, max: 30 * 8 * 60 }).map((m) => m * MINUTE),
    fc.integer({ min: 0, max: 2 * HOUR }),
    // Whole half-hours from edge-aligned starts often land exactly on an interval end.
    fc.integer({ min: 0, max: 30 * 2 * (c.dayMs / HOUR) }).map((n) => n * 30 * MINUTE),
  );
  const localHm = (t: number) => DateTime.fromMillis(t, { zone: cal.zone }).toFormat('HH:mm:ss.SSS');

  describe(c.name, () => {
    test.prop([c.starts, duration])('businessTimeBetween(t, addBusinessTime(t, d)) === d', (t, d) => {
      expect(cal.businessTimeBetween(t, cal.addBusinessTime(t, d))).toBe(d);
    });

    test.prop([c.starts, duration, duration])('addBusinessTime is monotonic in d', (t, d1, d2) => {
      const [lo, hi] = d1 <= d2 ? [d1, d2] : [d2, d1];
      expect(cal.addBusinessTime(t, lo)).toBeLessThanOrEqual(cal.addBusinessTime(t, hi));
    });

    test.prop([c.starts])('addBusinessTime(t, 0) === nextBusinessTime(t)', (t) => {
      expect(cal.addBusinessTime(t, 0)).toBe(cal.nextBusinessTime(t));
    });

    test.prop([c.starts])('nextBusinessTime(t) >= t, is business time, and nothing between is', (t) => {
      const next = cal.nextBusinessTime(t);
      expect(next).toBeGreaterThanOrEqual(t);
      expect(cal.isBusinessTime(next)).toBe(true);
      expect(cal.businessTimeBetween(t, next)).toBe(0);
      if (next > t) expect(cal.isBusinessTime(t)).toBe(false);
    });

    test.prop([c.starts, duration.filter((d) => d > 0)])(
      'a positive addBusinessTime ends inside an interval or exactly on its end (never in a break)',
      (t, d) => {
        const due = cal.addBusinessTime(t, d);
        // The last millisecond consumed was business time.
        expect(cal.isBusinessTime(due - 1)).toBe(true);
        if (!cal.isBusinessTime(due)) {
          expect(c.intervalEnds.has(localHm(due).slice(0, 5))).toBe(true);
          expect(localHm(due).slice(5)).toBe(':00.000');
        }
      },
    );

    test.prop([c.anywhere, c.anywhere, c.anywhere])(
      'businessTimeBetween is additive (any order) and antisymmetric',
      (a, b, x) => {
        expect(cal.businessTimeBetween(a, b) + cal.businessTimeBetween(b, x)).toBe(
          cal.businessTimeBetween(a, x),
        );
        const ab = cal.businessTimeBetween(a, b);
        expect(cal.businessTimeBetween(b, a)).toBe(ab === 0 ? 0 : -ab);
      },
    );

    test.prop([c.starts, duration])(
      'addBusinessTime(t, d) is the first instant with d business ms since t',
      (t, d) => {
        const due = cal.addBusinessTime(t, d);
        if (due > t && d > 0) expect(cal.businessTimeBetween(t, due - 1)).toBe(d - 1);
      },
    );
  });
}

describe('chinaCalendar data', () => {
  const cal = chinaCalendar({ years: [2025, 2026] });
  const allHolidays = [...(CHINA_HOLIDAYS[2025]?.holidays ?? []), ...(CHINA_HOLIDAYS[2026]?.holidays ?? [])];
  const allExtra = [
    ...(CHINA_HOLIDAYS[2025]?.extraWorkdays ?? []),
    ...(CHINA_HOLIDAYS[2026]?.extraWorkdays ?? []),
  ];
  const at = (date: string, minuteOfDay: number) =>
    DateTime.fromISO(date, { zone: 'Asia/Shanghai' }).plus({ minutes: minuteOfDay }).toMillis();

  test.prop([fc.constantFrom(...allHolidays), fc.integer({ min: 0, max: 24 * 60 - 1 })])(
    'listed holidays are never business time',
    (date, minute) => {
      expect(cal.isBusinessTime(at(date, minute))).toBe(false);
    },
  );

  test.prop([fc.constantFrom(...allExtra)])('make-up workdays are business time at 10:00 local', (date) => {
    expect(cal.isBusinessTime(at(date, 10 * 60))).toBe(true);
    expect(cal.isBusinessTime(at(date, 12 * 60 + 30))).toBe(false);
  });

  test.prop([fc.constantFrom(...allExtra)])('make-up workdays fall on weekends', (date) => {
    expect(DateTime.fromISO(date).weekday).toBeGreaterThanOrEqual(6);
  });
});

describe('chinaCalendar agrees with a naive minute-stepping oracle', () => {
  const cal = chinaCalendar({ years: [2025, 2026] });
  // Written independently of the calendar: one luxon conversion per minute.
  const naiveAdd = minuteSteppingChinaCalendar([2025, 2026]).addBusinessMinutes;
  const minuteStart = instant('2025-01-01T00:00:00+08:00', '2026-12-01T00:00:00+08:00').map(
    (t) => Math.floor(t / MINUTE) * MINUTE,
  );

  test.prop([minuteStart, fc.integer({ min: 1, max: 16 * 60 })], { numRuns: 40 })(
    'addBusinessTime matches for minute-aligned inputs',
    (t, minutes) => {
      expect(cal.addBusinessTime(t, minutes * MINUTE)).toBe(naiveAdd(t, minutes));
    },
  );
});
