import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CalendarError } from '../../src/errors.js';
import {
  type CalendarOptions,
  CHINA_DEFAULT_WEEK,
  chinaCalendar,
  createCalendar,
  workweek,
} from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const sh = (iso: string) => Date.parse(`${iso}+08:00`);
const iso = (t: number, zone = 'Asia/Shanghai') => DateTime.fromMillis(t, { zone }).toISO();

const china = chinaCalendar({ years: [2025, 2026] });

describe('chinaCalendar: SLA examples', () => {
  it('Friday 17:30 lead with a 4-business-hour SLA is due Monday 13:30', () => {
    // 30 min on Friday, Monday 09:00–12:00 (3 h), then 30 min after lunch.
    const due = china.addBusinessTime(sh('2025-03-14T17:30:00'), 4 * HOUR);
    expect(due).toBe(sh('2025-03-17T13:30:00'));
  });

  it('landing exactly on an interval end returns the end, not the next start', () => {
    expect(china.addBusinessTime(sh('2025-03-17T09:00:00'), 3 * HOUR)).toBe(sh('2025-03-17T12:00:00'));
    expect(china.addBusinessTime(sh('2025-03-17T12:00:00'), 0)).toBe(sh('2025-03-17T13:00:00'));
    expect(china.isBusinessTime(sh('2025-03-17T12:00:00'))).toBe(false);
    expect(china.isBusinessTime(sh('2025-03-17T11:59:59.999'))).toBe(true);
    expect(china.isBusinessTime(sh('2025-03-17T09:00:00'))).toBe(true);
  });

  it('nextBusinessTime is t itself inside an interval, else the next start', () => {
    const inside = sh('2025-03-17T10:15:00');
    expect(china.nextBusinessTime(inside)).toBe(inside);
    expect(china.nextBusinessTime(sh('2025-03-17T12:30:00'))).toBe(sh('2025-03-17T13:00:00'));
    expect(china.nextBusinessTime(sh('2025-03-15T10:00:00'))).toBe(sh('2025-03-17T09:00:00'));
    expect(china.nextBusinessTime(new Date('2025-03-17T10:15:00+08:00'))).toBe(inside);
  });

  it('2025: holidays are off, make-up weekend days are on', () => {
    for (const day of [
      '2025-01-01',
      '2025-01-28',
      '2025-02-04',
      '2025-04-04',
      '2025-05-05',
      '2025-06-02',
      '2025-10-08',
    ]) {
      expect(china.isBusinessTime(sh(`${day}T10:00:00`)), day).toBe(false);
    }
    for (const day of ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']) {
      expect(china.isBusinessTime(sh(`${day}T10:00:00`)), day).toBe(true);
      expect(china.isBusinessTime(sh(`${day}T12:30:00`)), day).toBe(false);
    }
  });

  it('2026 Spring Festival: make-up Saturday 14 Feb, closed 15–23 Feb, make-up Saturday 28 Feb', () => {
    // Friday 17:00 + 2 h: one hour on Friday, then the make-up Saturday.
    expect(china.addBusinessTime(sh('2026-02-13T17:00:00'), 2 * HOUR)).toBe(sh('2026-02-14T10:00:00'));
    // Saturday 14 Feb 17:00 + 2 h: one hour that day, then nothing until Tuesday 24 Feb.
    expect(china.addBusinessTime(sh('2026-02-14T17:00:00'), 2 * HOUR)).toBe(sh('2026-02-24T10:00:00'));
    expect(china.nextBusinessTime(sh('2026-02-15T08:00:00'))).toBe(sh('2026-02-24T09:00:00'));
    expect(china.isBusinessTime(sh('2026-02-28T10:00:00'))).toBe(true);
    expect(china.isBusinessTime(sh('2026-03-01T10:00:00'))).toBe(false);
    // The whole holiday week contributes nothing.
    expect(china.businessTimeBetween(sh('2026-02-15T00:00:00'), sh('2026-02-24T00:00:00'))).toBe(0);
  });

  it('2026 Mid-Autumn and National Day: make-up Sunday 20 Sep and Saturday 10 Oct', () => {
    expect(china.isBusinessTime(sh('2026-09-20T10:00:00'))).toBe(true);
    expect(china.isBusinessTime(sh('2026-09-25T10:00:00'))).toBe(false);
    // Wednesday 30 Sep 17:00 + 8 h: 1 h that day, 1–7 Oct off, Thursday 8 Oct 09–12 + 13–17.
    expect(china.addBusinessTime(sh('2026-09-30T17:00:00'), 8 * HOUR)).toBe(sh('2026-10-08T17:00:00'));
    // Friday 9 Oct 17:00 + 2 h lands on the make-up Saturday.
    expect(china.addBusinessTime(sh('2026-10-09T17:00:00'), 2 * HOUR)).toBe(sh('2026-10-10T10:00:00'));
    // 2026-01-04 (Sunday) is a make-up day for New Year.
    expect(china.nextBusinessTime(sh('2026-01-01T09:00:00'))).toBe(sh('2026-01-04T09:00:00'));
  });

  it('businessTimeBetween counts [a, b) and is negative when b < a', () => {
    const a = sh('2025-03-14T17:30:00');
    const b = sh('2025-03-17T13:30:00');
    expect(china.businessTimeBetween(a, b)).toBe(4 * HOUR);
    expect(china.businessTimeBetween(b, a)).toBe(-4 * HOUR);
    expect(china.businessTimeBetween(a, a)).toBe(0);
    expect(china.businessTimeBetween(sh('2025-03-17T12:00:00'), sh('2025-03-17T13:00:00'))).toBe(0);
    // A whole ordinary week: 5 × 8 h.
    expect(china.businessTimeBetween(sh('2025-03-17T00:00:00'), sh('2025-03-24T00:00:00'))).toBe(40 * HOUR);
  });

  it('exposes zone and covered years', () => {
    expect(china.zone).toBe('Asia/Shanghai');
    expect(china.coveredYears).toEqual([2025, 2026]);
  });

  it('accepts host data for a year leadflow does not ship', () => {
    const cal = chinaCalendar({
      years: [2027],
      data: { 2027: { holidays: ['2027-01-01'], extraWorkdays: ['2027-01-09'] } },
    });
    expect(cal.isBusinessTime(sh('2027-01-01T10:00:00'))).toBe(false);
    expect(cal.isBusinessTime(sh('2027-01-09T10:00:00'))).toBe(true); // a Saturday made a workday
  });

  it('custom week and extra workday hours', () => {
    const cal = chinaCalendar({
      years: [2025],
      week: workweek([['08:30', '17:30']]),
      extraWorkdayHours: [['10:00', '15:00']],
    });
    expect(cal.isBusinessTime(sh('2025-03-17T08:45:00'))).toBe(true);
    expect(cal.businessTimeBetween(sh('2025-01-26T00:00:00'), sh('2025-01-27T00:00:00'))).toBe(5 * HOUR);
  });

  it('ships data for 2025 and 2026 only, with the notice sources', () => {
    expect(Object.keys(CHINA_HOLIDAYS)).toEqual(['2025', '2026']);
    expect(CHINA_HOLIDAYS[2025]?.source).toContain('国办发明电〔2024〕12号');
    expect(CHINA_HOLIDAYS[2026]?.extraWorkdays).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
  });
});

describe('createCalendar: DST (America/New_York)', () => {
  const ny = (local: string) => DateTime.fromISO(local, { zone: 'America/New_York' }).toMillis();

  it('an interval covering the skipped hour is shorter on the spring-forward day', () => {
    const cal = createCalendar({ zone: 'America/New_York', week: { sun: [['01:00', '04:00']] } });
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    expect(cal.businessTimeBetween(ny('2026-03-08T00:00'), ny('2026-03-09T00:00'))).toBe(2 * HOUR);
    expect(cal.addBusinessTime(ny('2026-03-08T01:00'), 2 * HOUR)).toBe(ny('2026-03-08T04:00'));
    // An ordinary Sunday has 3 h; the fall-back Sunday 2026-11-01 has 4 h.
    expect(cal.businessTimeBetween(ny('2026-03-01T00:00'), ny('2026-03-02T00:00'))).toBe(3 * HOUR);
    expect(cal.businessTimeBetween(ny('2026-11-01T00:00'), ny('2026-11-02T00:00'))).toBe(4 * HOUR);
  });

  it('a wall time inside the gap starts at the transition instant', () => {
    const cal = createCalendar({ zone: 'America/New_York', week: { sun: [['02:30', '04:00']] } });
    expect(cal.nextBusinessTime(ny('2026-03-08T00:00'))).toBe(Date.parse('2026-03-08T07:00:00Z'));
    expect(cal.businessTimeBetween(ny('2026-03-08T00:00'), ny('2026-03-09T00:00'))).toBe(HOUR);
  });

  it('a 9–17 weekday calendar keeps local 09:00 across the DST weekend', () => {
    const cal = createCalendar({ zone: 'America/New_York', week: workweek([['09:00', '17:00']]) });
    // Friday 16:00 EST + 2 h: 1 h on Friday, Monday 09:00–10:00 EDT.
    const due = cal.addBusinessTime(ny('2026-03-06T16:00'), 2 * HOUR);
    expect(iso(due, 'America/New_York')).toBe('2026-03-09T10:00:00.000-04:00');
    expect(new Date(due).toISOString()).toBe('2026-03-09T14:00:00.000Z');
    expect(cal.nextBusinessTime(ny('2026-03-07T12:00'))).toBe(ny('2026-03-09T09:00'));
    expect(cal.businessTimeBetween(ny('2026-03-06T00:00'), ny('2026-03-10T00:00'))).toBe(16 * HOUR);
  });
});

describe('createCalendar: validation and errors', () => {
  const base: CalendarOptions = { zone: 'Asia/Shanghai', week: CHINA_DEFAULT_WEEK };
  const fails = (options: CalendarOptions, message: RegExp) => {
    expect(() => createCalendar(options)).toThrowError(CalendarError);
    expect(() => createCalendar(options)).toThrowError(message);
  };

  it('unknown zone names the field', () => {
    fails({ ...base, zone: 'Mars/Olympus' }, /^zone: "Mars\/Olympus" is not a known IANA time zone/);
  });

  it('malformed intervals name their path', () => {
    fails(
      { ...base, week: { mon: [['9:00', '12:00']] } },
      /week\.mon\[0\]\[0\]: "9:00" is not a time of day/,
    );
    fails({ ...base, week: { mon: [['09:00', '25:00']] } }, /week\.mon\[0\]\[1\]/);
    fails(
      { ...base, week: { tue: [['12:00', '09:00']] } },
      /week\.tue\[0\]: start 12:00 must be before end 09:00/,
    );
    fails(
      {
        ...base,
        week: {
          mon: [
            ['09:00', '12:00'],
            ['11:00', '18:00'],
          ],
        },
      },
      /week\.mon\[1\]: overlaps/,
    );
    fails({ ...base, week: { monday: [['09:00', '12:00']] } as never }, /week\.monday: unknown weekday/);
    fails({ ...base, week: { mon: [['09:00']] as never } }, /week\.mon\[0\]: expected a \[start, end\] pair/);
  });

  it('allows 24:00 as an end and adjacent intervals', () => {
    const cal = createCalendar({
      zone: 'UTC',
      week: {
        mon: [
          ['00:00', '12:00'],
          ['12:00', '24:00'],
        ],
      },
    });
    expect(cal.businessTimeBetween(Date.parse('2026-03-02T00:00Z'), Date.parse('2026-03-03T00:00Z'))).toBe(
      24 * HOUR,
    );
  });

  it('validates dates and refuses a date in both lists', () => {
    fails({ ...base, holidays: ['2025-02-30'] }, /holidays\[0\]: "2025-02-30" is not a valid ISO date/);
    fails({ ...base, extraWorkdays: ['2025/01/26'] }, /extraWorkdays\[0\]/);
    fails(
      { ...base, holidays: ['2025-01-26'], extraWorkdays: ['2025-01-26'] },
      /2025-01-26 is also listed in holidays/,
    );
  });

  it('extra workdays need hours when Monday has none', () => {
    fails(
      { zone: 'UTC', week: { tue: [['09:00', '17:00']] }, extraWorkdays: ['2026-01-03'] },
      /extraWorkdayHours/,
    );
    const cal = createCalendar({
      zone: 'UTC',
      week: { tue: [['09:00', '17:00']] },
      extraWorkdays: ['2026-01-03'],
      extraWorkdayHours: [['10:00', '11:00']],
    });
    expect(cal.businessTimeBetween(Date.parse('2026-01-03T00:00Z'), Date.parse('2026-01-04T00:00Z'))).toBe(
      HOUR,
    );
  });

  it('negative or non-finite durations and instants are refused', () => {
    expect(() => china.addBusinessTime(sh('2025-03-17T10:00:00'), -1)).toThrowError(
      /addBusinessTime\(ms\): ms must be a finite number ≥ 0, got -1/,
    );
    expect(() => china.addBusinessTime(sh('2025-03-17T10:00:00'), Number.NaN)).toThrowError(CalendarError);
    expect(() => china.isBusinessTime(Number.NaN)).toThrowError(/isBusinessTime\(t\) must be a finite/);
    expect(() => china.nextBusinessTime(new Date('nope'))).toThrowError(CalendarError);
    expect(() => china.isBusinessTime(1e16)).toThrowError(/between the years 1000 and 9999/);
    expect(() => china.addBusinessTime(sh('2025-03-17T10:00:00'), 1e300)).toThrowError(
      /at most .* \(100 years\)/,
    );
  });

  it('a year without data is a CalendarError naming the year and how to pass data', () => {
    expect(() => chinaCalendar({ years: [2024] })).toThrowError(CalendarError);
    expect(() => chinaCalendar({ years: [2024] })).toThrowError(
      /no China holiday data for 2024.*data: \{ 2024:/,
    );
    expect(() => chinaCalendar({ years: [2026, 2027] })).toThrowError(/2027/);
    expect(() => chinaCalendar({ years: [] })).toThrowError(/years/);
    expect(() =>
      chinaCalendar({ years: [2025, 2027], data: { 2027: { holidays: [], extraWorkdays: [] } } }),
    ).toThrowError(/consecutive; 2026 is missing/);
    expect(() =>
      chinaCalendar({ years: [2027], data: { 2027: { holidays: ['2026-10-01'], extraWorkdays: [] } } }),
    ).toThrowError(/data\.2027\.holidays\[0\]: 2026-10-01 is not in 2027/);
  });

  it('a computation that needs an uncovered year throws instead of guessing', () => {
    const only2025 = chinaCalendar({ years: [2025] });
    expect(() => only2025.isBusinessTime(sh('2026-03-02T10:00:00'))).toThrowError(
      /covers 2025–2025.*year 2026/,
    );
    // The last working hour of 2025 is fine; going past it needs 2026.
    expect(only2025.addBusinessTime(sh('2025-12-31T17:00:00'), HOUR)).toBe(sh('2025-12-31T18:00:00'));
    expect(() => only2025.addBusinessTime(sh('2025-12-31T17:00:00'), HOUR + MINUTE)).toThrowError(
      CalendarError,
    );
    expect(() => only2025.nextBusinessTime(sh('2025-12-31T18:00:00'))).toThrowError(/2026-01-01/);
    expect(() =>
      only2025.businessTimeBetween(sh('2024-12-31T10:00:00'), sh('2025-01-02T10:00:00')),
    ).toThrowError(/year 2024/);
    // Instants near the year edge whose UTC date is in the previous year still work.
    expect(only2025.isBusinessTime(sh('2025-01-01T05:00:00'))).toBe(false);
    expect(
      only2025.businessTimeBetween(sh('2025-01-01T00:00:00'), sh('2026-01-01T00:00:00')),
    ).toBeGreaterThan(0);
  });

  it('a calendar without any business time throws instead of looping', () => {
    const never = createCalendar({ zone: 'UTC', week: {} });
    expect(() => never.nextBusinessTime(0)).toThrowError(/no business time within 1098 days/);
    expect(never.isBusinessTime(0)).toBe(false);
    expect(never.businessTimeBetween(0, 10 * 24 * HOUR)).toBe(0);
  });
});
