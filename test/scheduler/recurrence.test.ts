import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CalendarError, RecurrenceError } from '../../src/errors.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { DEFAULT_OCCURRENCE_LIMIT, occurrences } from '../../src/scheduler/recurrence.js';

const sh = (iso: string) => Date.parse(`${iso}+08:00`);
const local = (t: number, zone: string) => DateTime.fromMillis(t, { zone }).toISO();

describe('occurrences', () => {
  it('quarterly maintenance reminders in Asia/Shanghai', () => {
    const result = occurrences('FREQ=MONTHLY;INTERVAL=3', {
      start: sh('2025-01-15T10:00:00'),
      zone: 'Asia/Shanghai',
      from: sh('2025-01-01T00:00:00'),
      to: sh('2026-01-01T00:00:00'),
    });
    expect(result.map((t) => local(t, 'Asia/Shanghai'))).toEqual([
      '2025-01-15T10:00:00.000+08:00',
      '2025-04-15T10:00:00.000+08:00',
      '2025-07-15T10:00:00.000+08:00',
      '2025-10-15T10:00:00.000+08:00',
    ]);
  });

  it('accepts the RRULE: prefix, lower case and Date inputs', () => {
    const result = occurrences('rrule:freq=daily;count=3', {
      start: new Date('2025-03-01T09:00:00+08:00'),
      zone: 'Asia/Shanghai',
      from: new Date('2025-01-01T00:00:00+08:00'),
      to: new Date('2025-12-31T00:00:00+08:00'),
    });
    expect(result).toEqual([sh('2025-03-01T09:00:00'), sh('2025-03-02T09:00:00'), sh('2025-03-03T09:00:00')]);
  });

  it('a weekly rule keeps local 10:00 across the New York DST change', () => {
    const zone = 'America/New_York';
    const result = occurrences('FREQ=WEEKLY;BYDAY=MO', {
      start: DateTime.fromISO('2026-02-23T10:00', { zone }).toMillis(),
      zone,
      from: Date.parse('2026-02-01T00:00:00Z'),
      to: Date.parse('2026-03-31T00:00:00Z'),
    });
    expect(result.map((t) => DateTime.fromMillis(t, { zone }).toFormat('ccc HH:mm'))).toEqual(
      Array(6).fill('Mon 10:00'),
    );
    // The UTC hour moves from 15:00 (EST) to 14:00 (EDT) after 2026-03-08.
    expect(result.map((t) => new Date(t).getUTCHours())).toEqual([15, 15, 14, 14, 14, 14]);
    // And back in the autumn.
    const autumn = occurrences('FREQ=WEEKLY', {
      start: DateTime.fromISO('2026-10-26T10:00', { zone }).toMillis(),
      zone,
      from: Date.parse('2026-10-01T00:00:00Z'),
      to: Date.parse('2026-11-10T00:00:00Z'),
    });
    expect(autumn.map((t) => local(t, zone))).toEqual([
      '2026-10-26T10:00:00.000-04:00',
      '2026-11-02T10:00:00.000-05:00',
      '2026-11-09T10:00:00.000-05:00',
    ]);
  });

  it('only returns occurrences inside [from, to] (inclusive), counting COUNT from start', () => {
    const start = sh('2025-01-06T10:00:00');
    const result = occurrences('FREQ=WEEKLY;COUNT=4', {
      start,
      zone: 'Asia/Shanghai',
      from: sh('2025-01-13T10:00:00'),
      to: sh('2025-03-01T00:00:00'),
    });
    expect(result).toEqual([sh('2025-01-13T10:00:00'), sh('2025-01-20T10:00:00'), sh('2025-01-27T10:00:00')]);
  });

  it('UNTIL: with Z it is an instant, without it a local wall time, date-only includes the day', () => {
    const base = {
      start: sh('2025-03-01T09:00:00'),
      zone: 'Asia/Shanghai',
      from: sh('2025-03-01T00:00:00'),
      to: sh('2025-04-01T00:00:00'),
    };
    // 2025-03-03T01:00Z is 09:00 in Shanghai: inclusive.
    expect(occurrences('FREQ=DAILY;UNTIL=20250303T010000Z', base)).toHaveLength(3);
    // Local 08:59 on 3 March: the 09:00 occurrence is excluded.
    expect(occurrences('FREQ=DAILY;UNTIL=20250303T085900', base)).toHaveLength(2);
    expect(occurrences('FREQ=DAILY;UNTIL=20250303', base)).toHaveLength(3);
  });

  it('shifts occurrences on holidays and weekends to the next business time', () => {
    const calendar = chinaCalendar({ years: [2026] });
    const result = occurrences('FREQ=MONTHLY;BYMONTHDAY=1', {
      start: sh('2026-01-01T10:00:00'),
      zone: 'Asia/Shanghai',
      from: sh('2026-01-01T00:00:00'),
      to: sh('2026-10-31T00:00:00'),
      shift: 'next-business-time',
      calendar,
    });
    expect(result.map((t) => local(t, 'Asia/Shanghai'))).toEqual([
      '2026-01-04T09:00:00.000+08:00', // New Year off 1–3 Jan; Sunday 4 Jan is a make-up workday
      '2026-02-02T09:00:00.000+08:00', // Sunday → Monday
      '2026-03-02T09:00:00.000+08:00', // Sunday → Monday
      '2026-04-01T10:00:00.000+08:00', // a Wednesday: unchanged
      '2026-05-06T09:00:00.000+08:00', // Labour Day 1–5 May
      '2026-06-01T10:00:00.000+08:00',
      '2026-07-01T10:00:00.000+08:00',
      '2026-08-03T09:00:00.000+08:00', // Saturday → Monday
      '2026-09-01T10:00:00.000+08:00',
      '2026-10-08T09:00:00.000+08:00', // National Day 1–7 Oct
    ]);
  });

  it('shifting into a year the calendar does not cover is a CalendarError', () => {
    const calendar = chinaCalendar({ years: [2026] });
    expect(() =>
      occurrences('FREQ=YEARLY', {
        start: sh('2026-12-31T19:00:00'),
        zone: 'Asia/Shanghai',
        from: sh('2026-01-01T00:00:00'),
        to: sh('2027-01-01T00:00:00'),
        shift: 'next-business-time',
        calendar,
      }),
    ).toThrowError(CalendarError);
  });

  it('caps results at the limit (default 1000)', () => {
    const opts = { start: 0, zone: 'UTC', from: 0, to: Date.parse('1980-01-01T00:00:00Z') };
    expect(DEFAULT_OCCURRENCE_LIMIT).toBe(1000);
    expect(occurrences('FREQ=DAILY', opts)).toHaveLength(1000);
    expect(occurrences('FREQ=DAILY', { ...opts, limit: 5 })).toEqual(
      [0, 1, 2, 3, 4].map((d) => d * 86_400_000),
    );
  });

  describe('errors', () => {
    const opts = { start: 0, zone: 'UTC', from: 0, to: 1e10 };
    const fails = (rule: string, message: RegExp, options: Parameters<typeof occurrences>[1] = opts) => {
      expect(() => occurrences(rule, options)).toThrowError(RecurrenceError);
      expect(() => occurrences(rule, options)).toThrowError(message);
    };

    it('invalid rules name the problem', () => {
      fails('FREQ=SOMETIMES', /FREQ=SOMETIMES is not a frequency/);
      fails('FREQ=DAILY;FOO=1', /unknown part FOO/);
      fails('INTERVAL=2', /FREQ is required/);
      fails('', /non-empty RRULE string/);
      fails('FREQ=DAILY;INTERVAL=0', /INTERVAL=0 must be a positive integer/);
      fails('FREQ=DAILY;COUNT=x', /COUNT=X must be a positive integer/);
      fails('FREQ=WEEKLY;BYDAY=XX', /invalid weekday "XX"/);
      fails('FREQ=MONTHLY;BYMONTHDAY=32', /BYMONTHDAY=32 has "32" outside/);
      fails('FREQ=DAILY;UNTIL=2025-01-01', /UNTIL=2025-01-01 must be YYYYMMDD/);
      fails('FREQ=DAILY;COUNT=2;UNTIL=20250101', /COUNT and UNTIL/);
      fails('FREQ=DAILY;FREQ=WEEKLY', /FREQ is given twice/);
      fails('FREQ=DAILY;garbage', /"garbage" is not a KEY=VALUE part/);
      fails('DTSTART:20250101T000000Z\nRRULE:FREQ=DAILY', /single RRULE line/);
    });

    it('options are checked', () => {
      fails('FREQ=DAILY', /zone: "Nowhere\/City"/, { ...opts, zone: 'Nowhere/City' });
      fails('FREQ=DAILY', /calendar: required with shift/, { ...opts, shift: 'next-business-time' });
      fails('FREQ=DAILY', /shift: unknown value/, { ...opts, shift: 'previous' as never });
      fails('FREQ=DAILY', /limit: must be a positive integer/, { ...opts, limit: 0 });
      fails('FREQ=DAILY', /to: must not be before from/, { ...opts, from: 10, to: 0 });
      fails('FREQ=DAILY', /start must be a finite/, { ...opts, start: Number.NaN });
    });
  });
});
