/**
 * Issue #18, rep availability: "Working hours and shifts per rep, partial-day leave, an 'away'
 * flag; assignment skips unavailable reps, and an empty eligible set escalates (never falls back
 * to everyone silently)."
 */
import { fc, test } from '@fast-check/vitest';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { type Lead, parseLead } from '../../src/model/lead.js';
import { inShift, isOnLeave, leaveOn, type RepInput, timedLeaveAt } from '../../src/model/rep.js';
import { parseTeam, type Team } from '../../src/model/team.js';
import { compileRuleSet } from '../../src/rules/compile.js';
import { type CandidateVerdict, decideLead, emptyAssignmentState } from '../../src/rules/decide.js';
import { decideLeadWithReference } from '../../src/rules/decide-reference.js';
import { chinaCalendar } from '../../src/scheduler/calendar.js';
import { CHINA_HOLIDAYS } from '../../src/scheduler/china-holidays.js';

const calendar = chinaCalendar({ years: [2026] });
const shanghai = (local: string) => Date.parse(`${local}+08:00`);
const localDay = (at: number) => DateTime.fromMillis(at, { zone: 'Asia/Shanghai' }).toISODate()!;

/** One catch-all round robin over the team's reps, queueing when nobody is free. */
const ruleSet = {
  id: 'availability',
  version: '1',
  assignment: {
    rules: [
      {
        id: 'everyone',
        strategy: { type: 'roundRobin', repIds: ['rep-a', 'rep-b', 'rep-c'] },
        onNoCandidate: 'fallback',
      },
    ],
    fallback: { type: 'supervisorQueue', supervisorId: 'sup' },
  },
};

function team(reps: Partial<Record<'rep-a' | 'rep-b' | 'rep-c', Partial<RepInput>>>): Team {
  return parseTeam({
    reps: (['rep-a', 'rep-b', 'rep-c'] as const).map((id) => ({
      id,
      name: id,
      dailyCapacity: 100,
      ...reps[id],
    })),
    supervisors: [{ id: 'sup', name: '主管' }],
  });
}

function leadAt(at: number): Lead {
  const parsed = parseLead({
    receivedAt: at,
    channel: 'website_form',
    company: { name: '苏州精工', region: '上海', industry: '机械制造' },
    contact: { phone: '13800000000' },
    need: '产线改造',
  });
  if (!parsed.ok) throw new Error('invalid lead');
  return parsed.lead;
}

const compiled = compileRuleSet(ruleSet, { calendar });

/** The verdict of every candidate at `local` (Shanghai wall time). */
function verdicts(t: Team, local: string, trace = true): Record<string, CandidateVerdict> {
  const at = shanghai(local);
  const result = decideLead(compiled, leadAt(at), t, emptyAssignmentState(localDay(at)), {
    now: at,
    day: localDay(at),
    trace,
  });
  const candidates = result.explanation.assignment[0]?.candidates ?? [];
  return Object.fromEntries(candidates.map((c) => [c.repId, c]));
}

function eligibleAt(t: Team, local: string): string[] {
  return Object.values(verdicts(t, local))
    .filter((v) => v.eligible)
    .map((v) => v.repId);
}

const partTimer = team({
  'rep-b': { shifts: [{ days: ['mon', 'tue', 'wed'], from: '09:00', to: '13:00' }] },
});

describe('shifts: working hours per rep', () => {
  it('a rep without shifts works the calendar hours; a 09:00–13:00 shift ends at 13:00 exactly', () => {
    // Monday 2 March 2026.
    expect(eligibleAt(partTimer, '2026-03-02T09:00:00')).toEqual(['rep-a', 'rep-b', 'rep-c']);
    expect(eligibleAt(partTimer, '2026-03-02T12:59:59')).toContain('rep-b');
    const atEnd = verdicts(partTimer, '2026-03-02T13:00:00');
    expect(atEnd['rep-b']).toEqual({
      repId: 'rep-b',
      eligible: false,
      reasons: ['off shift at 2026-03-02 13:00'],
    });
    expect(atEnd['rep-a']?.eligible).toBe(true);
    // Thursday: not one of the rep's days.
    expect(verdicts(partTimer, '2026-03-05T10:00:00')['rep-b']?.reasons).toEqual([
      'off shift at 2026-03-05 10:00',
    ]);
  });

  it('lunch: a lead at 12:30 is worked at 13:00, so a shift ending at 12:00 is over, one ending at 13:00 is on', () => {
    const t = team({
      'rep-a': { shifts: [{ days: ['mon'], from: '09:00', to: '12:00' }] },
      'rep-b': { shifts: [{ days: ['mon'], from: '09:00', to: '13:00' }] },
    });
    const lunch = verdicts(t, '2026-03-02T12:30:00');
    // rep-a: off now, and off at 13:00 when the company reopens.
    expect(lunch['rep-a']?.reasons).toEqual(['off shift at 2026-03-02 13:00']);
    // rep-b: on shift right now (the company's lunch break is not the rep's).
    expect(lunch['rep-b']?.eligible).toBe(true);
    // rep-c has no shifts: as before, a lunch-time lead may go to them.
    expect(lunch['rep-c']?.eligible).toBe(true);
  });

  it('a lead at 22:00 goes to whoever works at the next opening, or to tonight’s hotline shift', () => {
    const t = team({
      'rep-a': { shifts: [{ days: ['mon'], from: '09:00', to: '18:00' }] },
      'rep-b': { shifts: [{ days: ['tue'], from: '09:00', to: '18:00' }] },
      'rep-c': { shifts: [{ days: ['mon'], from: '18:00', to: '22:30' }] },
    });
    const night = verdicts(t, '2026-03-02T22:00:00');
    expect(night['rep-a']?.reasons).toEqual(['off shift at 2026-03-03 09:00']);
    expect(night['rep-b']?.eligible).toBe(true);
    expect(night['rep-c']?.eligible).toBe(true);
    // 22:30: the hotline shift is over too, and it does not work Tuesday morning.
    expect(verdicts(t, '2026-03-02T22:30:00')['rep-c']?.reasons).toEqual(['off shift at 2026-03-03 09:00']);
  });

  it('a make-up working Saturday (调休, 2026-02-14) is worked with the Monday shift; a holiday is off', () => {
    const t = team({
      'rep-a': { shifts: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }] },
      'rep-b': { shifts: [{ days: ['tue', 'wed', 'thu', 'fri'], from: '09:00', to: '18:00' }] },
      'rep-c': { shifts: [{ days: ['sat', 'sun'], from: '10:00', to: '16:00' }] },
    });
    expect(calendar.localTime(shanghai('2026-02-14T10:00:00'))).toEqual({
      day: '2026-02-14',
      weekday: 'sat',
      minute: 600,
      kind: 'makeUpWorkday',
    });
    const saturday = verdicts(t, '2026-02-14T10:00:00');
    expect(saturday['rep-a']?.eligible).toBe(true);
    expect(saturday['rep-b']?.reasons).toEqual(['off shift at 2026-02-14 10:00']);
    // The weekend rep's Saturday is a Monday this week: no Monday shift.
    expect(saturday['rep-c']?.reasons).toEqual(['off shift at 2026-02-14 10:00']);
    // An ordinary Saturday: the company is closed, the lead is worked Monday 09:00 — but the
    // weekend rep is on shift now.
    const ordinary = verdicts(t, '2026-03-07T11:00:00');
    expect(ordinary['rep-a']?.eligible).toBe(true);
    expect(ordinary['rep-b']?.reasons).toEqual(['off shift at 2026-03-09 09:00']);
    expect(ordinary['rep-c']?.eligible).toBe(true);
    // Labour Day (Friday 1 May) is a holiday even for the weekend rep's shifts: judged at the
    // next opening (Wednesday 6 May 09:00).
    const mayDay = verdicts(t, '2026-05-02T11:00:00');
    expect(mayDay['rep-c']?.reasons).toEqual(['off shift at 2026-05-06 09:00']);
    expect(mayDay['rep-a']?.eligible).toBe(true);
  });
});

describe('partial-day leave', () => {
  const dentist = team({
    'rep-a': { leave: [{ from: '2026-03-02', to: '2026-03-02', fromTime: '14:00', toTime: '16:30' }] },
  });

  it('counts from its first minute to (not including) its last: 13:59 yes, 14:00 no, 16:29 no, 16:30 yes', () => {
    expect(eligibleAt(dentist, '2026-03-02T13:59:00')).toContain('rep-a');
    expect(verdicts(dentist, '2026-03-02T14:00:00')['rep-a']).toEqual({
      repId: 'rep-a',
      eligible: false,
      reasons: ['on leave 2026-03-02 14:00..2026-03-02 16:30'],
    });
    expect(eligibleAt(dentist, '2026-03-02T16:29:59')).not.toContain('rep-a');
    expect(eligibleAt(dentist, '2026-03-02T16:30:00')).toContain('rep-a');
    // The day of a partial leave is not a whole-day leave.
    expect(isOnLeave(dentist.reps[0]!, '2026-03-02')).toBe(false);
  });

  it('before opening and at lunch, the leave is judged when the lead will be worked', () => {
    const t = team({
      'rep-a': { leave: [{ from: '2026-03-02', to: '2026-03-02', toTime: '12:00' }] },
      'rep-b': { leave: [{ from: '2026-03-02', to: '2026-03-02', toTime: '13:30' }] },
    });
    // 08:00: both are on leave at 09:00.
    const early = verdicts(t, '2026-03-02T08:00:00');
    expect(early['rep-a']?.reasons).toEqual(['on leave 2026-03-02 00:00..2026-03-02 12:00']);
    expect(early['rep-b']?.eligible).toBe(false);
    // 12:30: worked at 13:00 — rep-a is back, rep-b is not.
    const lunch = verdicts(t, '2026-03-02T12:30:00');
    expect(lunch['rep-a']?.eligible).toBe(true);
    expect(lunch['rep-b']?.reasons).toEqual(['on leave 2026-03-02 00:00..2026-03-02 13:30']);
  });

  it('a multi-day leave with times is whole-day leave on the days inside it', () => {
    const t = team({
      'rep-a': { leave: [{ from: '2026-03-02', to: '2026-03-04', fromTime: '14:00', toTime: '12:00' }] },
    });
    const rep = t.reps[0]!;
    expect(leaveOn(rep, '2026-03-02')).toBeUndefined();
    expect(leaveOn(rep, '2026-03-03')).toBeDefined();
    expect(leaveOn(rep, '2026-03-04')).toBeUndefined();
    expect(eligibleAt(t, '2026-03-02T13:00:00')).toContain('rep-a');
    expect(verdicts(t, '2026-03-03T10:00:00')['rep-a']?.reasons).toEqual([
      'on leave 2026-03-02 14:00..2026-03-04 12:00',
    ]);
    expect(eligibleAt(t, '2026-03-04T11:59:00')).not.toContain('rep-a');
    expect(eligibleAt(t, '2026-03-04T13:00:00')).toContain('rep-a');
  });

  it('whole-day leave keeps its meaning: judged on the decision’s day', () => {
    const t = team({ 'rep-a': { leave: [{ from: '2026-03-03', to: '2026-03-03' }] } });
    expect(verdicts(t, '2026-03-03T10:00:00')['rep-a']?.reasons).toEqual(['on leave 2026-03-03..2026-03-03']);
    expect(eligibleAt(t, '2026-03-02T22:00:00')).toContain('rep-a');
  });
});

describe('away, and an empty eligible set', () => {
  it('an away rep is skipped with the reason "away"', () => {
    const t = team({ 'rep-b': { away: true } });
    expect(verdicts(t, '2026-03-02T10:00:00')['rep-b']).toEqual({
      repId: 'rep-b',
      eligible: false,
      reasons: ['away'],
    });
  });

  it.each([true, false])(
    'nobody available → the supervisor queue, every candidate’s reason kept (trace: %s), never everyone',
    async (trace) => {
      const t = team({
        'rep-a': { away: true },
        'rep-b': { shifts: [{ days: ['tue'], from: '09:00', to: '18:00' }] },
        'rep-c': { leave: [{ from: '2026-03-02', to: '2026-03-02', fromTime: '09:30' }] },
      });
      const at = shanghai('2026-03-02T10:00:00');
      const context = { now: at, day: '2026-03-02', trace };
      const result = decideLead(compiled, leadAt(at), t, emptyAssignmentState('2026-03-02'), context);
      expect(result.decision).toEqual({
        kind: 'queue',
        supervisorId: 'sup',
        reason: 'every matching rule was out of eligible candidates',
      });
      expect(result.explanation.assignment[0]).toMatchObject({
        ruleId: 'everyone',
        outcome: 'no eligible candidate',
        candidates: [
          { repId: 'rep-a', eligible: false, reasons: ['away'] },
          { repId: 'rep-b', eligible: false, reasons: ['off shift at 2026-03-02 10:00'] },
          { repId: 'rep-c', eligible: false, reasons: ['on leave 2026-03-02 09:30..2026-03-02 24:00'] },
        ],
      });
      // The state did not move: nobody was counted.
      expect(result.state).toEqual(emptyAssignmentState('2026-03-02'));
      const reference = await decideLeadWithReference(
        compiled,
        leadAt(at),
        t,
        emptyAssignmentState('2026-03-02'),
        context,
      );
      expect(reference.decision).toEqual(result.decision);
    },
  );

  it('without a calendar, a rep with shifts is not assigned by a rule, and the reason says why', () => {
    const bare = compileRuleSet(ruleSet);
    const t = team({ 'rep-a': { shifts: [{ days: ['mon'], from: '09:00', to: '18:00' }] } });
    const at = shanghai('2026-03-02T10:00:00');
    const result = decideLead(bare, leadAt(at), t, emptyAssignmentState('2026-03-02'), {
      now: at,
      day: '2026-03-02',
    });
    expect(result.explanation.assignment[0]?.candidates?.[0]?.reasons).toEqual([
      'no calendar to read shifts and partial-day leave in',
    ]);
    expect(result.decision).toMatchObject({ kind: 'assign', repId: 'rep-b' });
  });
});

describe('the team schema', () => {
  it('refuses shifts and partial leave that end before they start, naming the field', () => {
    const result = (() => {
      try {
        parseTeam({
          reps: [
            {
              id: 'a',
              name: 'A',
              dailyCapacity: 1,
              shifts: [
                { days: ['mon', 'mon'], from: '09:00', to: '18:00' },
                { days: ['tue'], from: '22:00', to: '06:00' },
                { days: ['wed'], from: '9:00', to: '24:00' },
              ],
              leave: [{ from: '2026-03-02', to: '2026-03-02', fromTime: '15:00', toTime: '14:00' }],
            },
          ],
        });
      } catch (error) {
        return (error as { issues: { path: string }[] }).issues.map((issue) => issue.path);
      }
      return [];
    })();
    expect(result).toEqual([
      'reps[0].leave[0].toTime',
      'reps[0].shifts[0].days',
      'reps[0].shifts[1].to',
      'reps[0].shifts[2].from',
    ]);
  });

  it('keeps parsed reps unchanged when the new fields are absent', () => {
    expect(Object.keys(team({}).reps[0]!).sort()).toEqual(
      [
        'active',
        'dailyCapacity',
        'id',
        'industries',
        'leave',
        'name',
        'recentWins',
        'regions',
        'skills',
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property: an unavailable rep is never assigned; an available one is never passed over for the
// supervisor queue. The oracle is written plainly: luxon per minute and the holiday lists.

const holidays = new Set(CHINA_HOLIDAYS[2026]!.holidays);
const makeUp = new Set(CHINA_HOLIDAYS[2026]!.extraWorkdays);
const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function wall(t: number) {
  const local = DateTime.fromMillis(t, { zone: 'Asia/Shanghai' });
  return {
    day: local.toISODate()!,
    weekday: WEEKDAY_KEYS[local.weekday - 1]!,
    hhmm: local.toFormat('HH:mm'),
  };
}

function businessMinuteOf(t: number): boolean {
  const { day, weekday, hhmm } = wall(t);
  if (holidays.has(day)) return false;
  if ((weekday === 'sat' || weekday === 'sun') && !makeUp.has(day)) return false;
  return (hhmm >= '09:00' && hhmm < '12:00') || (hhmm >= '13:00' && hhmm < '18:00');
}

// The instants drawn lie in 12 days from 2026-02-12; the next opening after them within 14 days.
const WINDOW_START = shanghai('2026-02-12T00:00:00');
const businessMinutes = Array.from({ length: 14 * 24 * 60 }, (_, i) =>
  businessMinuteOf(WINDOW_START + i * 60_000),
);
const businessMinute = (t: number) => businessMinutes[(t - WINDOW_START) / 60_000]!;

function nextBusinessMinute(t: number): number {
  let i = (t - WINDOW_START) / 60_000;
  while (!businessMinutes[i]) i += 1;
  return WINDOW_START + i * 60_000;
}

function worksPlain(rep: Team['reps'][number], t: number): boolean {
  const { day, weekday, hhmm } = wall(t);
  let on: boolean;
  if (rep.shifts === undefined) on = businessMinute(t);
  else if (holidays.has(day)) on = false;
  else {
    const as = makeUp.has(day) ? 'mon' : weekday;
    on = rep.shifts.some((s) => s.days.includes(as) && s.from <= hhmm && hhmm < s.to);
  }
  const onLeave = rep.leave.some((range) => {
    if (range.fromTime === undefined && range.toTime === undefined) return false;
    const start = `${range.from} ${range.fromTime ?? '00:00'}`;
    const end = `${range.to} ${range.toTime ?? '24:00'}`;
    const now = `${day} ${hhmm}`;
    return start <= now && now < end;
  });
  return on && !onLeave;
}

function availablePlain(rep: Team['reps'][number], t: number): boolean {
  if (!rep.active || rep.away === true) return false;
  const day = wall(t).day;
  const wholeDay = rep.leave.some(
    (range) =>
      range.from <= day &&
      day <= range.to &&
      !(day === range.from && (range.fromTime ?? '00:00') !== '00:00') &&
      !(day === range.to && (range.toTime ?? '24:00') !== '24:00'),
  );
  if (wholeDay) return false;
  if (worksPlain(rep, t)) return true;
  return !businessMinute(t) && worksPlain(rep, nextBusinessMinute(t));
}

const hhmmArb = (from: number, to: number) =>
  fc.integer({ min: from, max: to }).map((q) => {
    const minutes = q * 30;
    return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  });
const shiftArb = fc
  .tuple(fc.subarray([...WEEKDAY_KEYS], { minLength: 1 }), hhmmArb(0, 46), fc.integer({ min: 1, max: 20 }))
  .map(([days, from, length]) => {
    const start = Number(from.slice(0, 2)) * 60 + Number(from.slice(3));
    const end = Math.min(24 * 60, start + length * 30);
    const to = `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
    return { days, from, to };
  });
const dayArb = fc.integer({ min: 0, max: 9 }).map((n) => `2026-02-${String(12 + n).padStart(2, '0')}`);
const leaveArb = fc
  .tuple(dayArb, fc.integer({ min: 0, max: 2 }), fc.option(hhmmArb(0, 47)), fc.option(hhmmArb(1, 48)))
  .map(([from, extra, fromTime, toTime]) => {
    const to = `2026-02-${String(Number(from.slice(8)) + extra).padStart(2, '0')}`;
    return {
      from,
      to,
      ...(fromTime !== null ? { fromTime } : {}),
      ...(toTime !== null ? { toTime } : {}),
    };
  })
  .filter((r) => r.from !== r.to || (r.fromTime ?? '00:00') < (r.toTime ?? '24:00'));
const repArb = fc.record(
  {
    shifts: fc.array(shiftArb, { maxLength: 3 }),
    leave: fc.array(leaveArb, { maxLength: 2 }),
    away: fc.boolean(),
  },
  { requiredKeys: [] },
);
// Around the Spring Festival and the make-up Saturday of 2026: every kind of day, whole minutes.
const instantArb = fc
  .integer({ min: 0, max: 12 * 24 * 60 - 1 })
  .map((minute) => WINDOW_START + minute * 60_000);

describe('availability invariants', () => {
  test.prop(
    [fc.array(repArb, { minLength: 3, maxLength: 3 }), fc.array(instantArb, { minLength: 1, maxLength: 8 })],
    {
      numRuns: 150,
    },
  )(
    'an unavailable rep is never assigned, and the queue only takes leads nobody available could have',
    (reps, instants) => {
      const t = team({ 'rep-a': reps[0]!, 'rep-b': reps[1]!, 'rep-c': reps[2]! } as never);
      for (const at of instants) {
        const result = decideLead(compiled, leadAt(at), t, emptyAssignmentState(localDay(at)), {
          now: at,
          day: localDay(at),
          trace: false,
        });
        const available = t.reps.filter((rep) => availablePlain(rep, at)).map((rep) => rep.id);
        if (result.decision.kind === 'assign') expect(available).toContain(result.decision.repId);
        else expect(available).toEqual([]);
      }
    },
  );

  test.prop([fc.array(repArb, { minLength: 3, maxLength: 3 }), instantArb])(
    'inShift and timedLeaveAt read the calendar’s wall clock like the plain oracle',
    (reps, at) => {
      const t = team({ 'rep-a': reps[0]!, 'rep-b': reps[1]!, 'rep-c': reps[2]! } as never);
      const local = calendar.localTime(at);
      for (const rep of t.reps) {
        const on = inShift(rep, local) ?? calendar.isBusinessTime(at);
        expect(on && timedLeaveAt(rep, local) === undefined).toBe(worksPlain(rep, at));
      }
    },
  );
});
