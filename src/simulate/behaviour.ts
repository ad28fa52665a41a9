import type { Team, TeamInput } from '../model/team.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { createRandom } from './random.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A delay distribution: log-normal around `medianMs` (σ of the underlying normal), with a share
 * of a long tail drawn uniformly from `[tailMinMs, tailMaxMs]`, and a share that never happens.
 *
 * @example
 * ```ts
 * import type { DelayModel } from 'leadflow';
 * const openDelay: DelayModel = { medianMs: 480_000, sigma: 1, tailShare: 0.08, tailMinMs: 3_600_000, tailMaxMs: 28_800_000, neverShare: 0.04 };
 * ```
 */
export interface DelayModel {
  readonly medianMs: number;
  readonly sigma: number;
  readonly tailShare: number;
  readonly tailMinMs: number;
  readonly tailMaxMs: number;
  readonly neverShare: number;
}

/**
 * How the simulated people behave. Every draw comes from the simulation's seeded PRNG.
 *
 * - Reps act in business time, except a `mobileShare` of their actions done from the mobile app
 *   in the evening or at the weekend (never 23:00–08:00); a rep on leave acts the first working
 *   day back. Each rep gets a seeded diligence factor in `[1 − diligenceSpread, 1 + diligenceSpread]`
 *   that scales their delays.
 * - `open` / `firstFollowUp`: delay from assignment to opening the card and from opening to the
 *   first follow-up. `outcomes`: weights of the rule set's follow-up outcome ids (ids not listed
 *   weigh 1).
 * - `nextFollowUp`: reps come back at the planned next contact time (`onTimeShare` of the time
 *   before it, otherwise late by a log-normal delay), drop a lead with `dropShare`, convert it with
 *   `convertAfterQuote` after a quote (`convertShare` otherwise), disqualify it with
 *   `disqualifyShare`, stop after `maxFollowUps`, and pick a nurtured lead up again with
 *   `nurtureReturnShare`.
 * - `claim`: a broadcast offer is claimed with `claimShare` after a log-normal delay; a second rep
 *   tries too with `raceShare` (first to claim wins, the other is refused and counted).
 * - `reminders`: how reps react to the engine's SLA notifications — an "unopened" reminder (a
 *   breach of a policy that stops on `lead.opened`) makes the owner open the card with
 *   `openShare` after a log-normal delay; a warning or breach of a policy that stops on
 *   `lead.followedUp` makes the owner follow up with `followUpShare` (from the mobile app).
 * - `supervisor`: sweeps the supervisor queue every `sweepEveryMs` of business time and assigns
 *   leads queued at least a uniform `[reactionMinMs, reactionMaxMs]` ago to the eligible rep with
 *   the most capacity left (region and industry match first).
 * - `leave`: per rep and working day, the chance a leave block of 2–5 days starts, and the chance
 *   of a single sick day; written into the team input as `leave` ranges.
 * - `departments`: reserved for cross-department response times (technical feasibility,
 *   production planning) once opportunities exist; use a {@link SimulationExtension} meanwhile.
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOUR, type BehaviourModel } from 'leadflow';
 * const slowReps: BehaviourModel = { ...DEFAULT_BEHAVIOUR, firstFollowUp: { ...DEFAULT_BEHAVIOUR.firstFollowUp, medianMs: 12 * 3_600_000 } };
 * ```
 */
export interface BehaviourModel {
  readonly mobileShare: number;
  readonly diligenceSpread: number;
  readonly open: DelayModel;
  readonly firstFollowUp: DelayModel;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly nextFollowUp: {
    readonly onTimeShare: number;
    readonly lateMedianMs: number;
    readonly lateSigma: number;
    readonly dropShare: number;
    readonly convertAfterQuote: number;
    readonly convertShare: number;
    readonly disqualifyShare: number;
    readonly maxFollowUps: number;
    readonly nurtureReturnShare: number;
  };
  readonly reminders: {
    readonly openShare: number;
    readonly openMedianMs: number;
    readonly followUpShare: number;
    readonly followUpMedianMs: number;
  };
  readonly claim: {
    readonly claimShare: number;
    readonly medianMs: number;
    readonly sigma: number;
    readonly raceShare: number;
  };
  readonly supervisor: {
    readonly sweepEveryMs: number;
    readonly reactionMinMs: number;
    readonly reactionMaxMs: number;
  };
  readonly leave: { readonly blockChancePerDay: number; readonly sickChancePerDay: number };
  /** Extension point: cross-department response times, once opportunities and tasks are simulated. */
  readonly departments?: Readonly<Record<string, DelayModel>>;
}

/**
 * The default {@link BehaviourModel}: reps open most leads within minutes (a tail of hours),
 * follow up mostly within hours (a tail of days), quote, ask for technical confirmation, compare
 * competitors or put on hold in roughly 30/30/25/15 proportions, convert about one quoted lead in
 * four at the next contact, react to most SLA reminders and warnings; supervisors sweep their
 * queue every 15 minutes.
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOUR } from 'leadflow';
 * DEFAULT_BEHAVIOUR.open.medianMs; // 480000 (8 minutes)
 * ```
 */
export const DEFAULT_BEHAVIOUR: BehaviourModel = {
  mobileShare: 0.55,
  diligenceSpread: 0.35,
  open: {
    medianMs: 8 * MINUTE,
    sigma: 1,
    tailShare: 0.08,
    tailMinMs: HOUR,
    tailMaxMs: 8 * HOUR,
    neverShare: 0.04,
  },
  firstFollowUp: {
    medianMs: 2 * HOUR,
    sigma: 1,
    tailShare: 0.06,
    tailMinMs: 20 * HOUR,
    tailMaxMs: 72 * HOUR,
    neverShare: 0.02,
  },
  outcomes: {
    quoted: 30,
    'needs-technical-confirmation': 30,
    'comparing-competitors': 25,
    'on-hold': 15,
  },
  nextFollowUp: {
    onTimeShare: 0.93,
    lateMedianMs: DAY,
    lateSigma: 0.8,
    dropShare: 0.03,
    convertAfterQuote: 0.25,
    convertShare: 0.06,
    disqualifyShare: 0.06,
    maxFollowUps: 5,
    nurtureReturnShare: 0.85,
  },
  reminders: {
    openShare: 0.85,
    openMedianMs: 5 * MINUTE,
    followUpShare: 0.75,
    followUpMedianMs: 45 * MINUTE,
  },
  claim: { claimShare: 0.85, medianMs: 3 * MINUTE, sigma: 0.8, raceShare: 0.3 },
  supervisor: { sweepEveryMs: 15 * MINUTE, reactionMinMs: 5 * MINUTE, reactionMaxMs: 45 * MINUTE },
  leave: { blockChancePerDay: 3 / 260, sickChancePerDay: 4 / 260 },
};

/**
 * Add seeded leave ranges to every rep of a team (kept alongside leave the team already has):
 * on each working day of `[start, start + days)` a leave block of 2–5 calendar days starts with
 * `blockChancePerDay`, a single sick day with `sickChancePerDay`. Returns a new team input;
 * the one given is not changed.
 *
 * @example
 * ```ts
 * import { chinaCalendar, DEFAULT_BEHAVIOUR, withSimulatedLeave, zhikongPreset } from 'leadflow';
 * const team = withSimulatedLeave(zhikongPreset.team, {
 *   seed: 42, start: Date.parse('2026-03-02T00:00:00+08:00'), days: 30,
 *   calendar: chinaCalendar({ years: [2026] }), leave: DEFAULT_BEHAVIOUR.leave,
 * });
 * team.reps[0]?.leave; // e.g. [{ from: '2026-03-17', to: '2026-03-19', reason: '年假' }]
 * ```
 */
export function withSimulatedLeave(
  team: TeamInput | Team,
  options: {
    readonly seed: number;
    readonly start: number;
    readonly days: number;
    readonly calendar: BusinessCalendar;
    readonly leave: BehaviourModel['leave'];
  },
): TeamInput {
  const random = createRandom((options.seed ^ 0x1ea7e) >>> 0);
  const dateOf = localDateFormatter(options.calendar.zone);
  const working: boolean[] = [];
  for (let day = 0; day < options.days; day++) {
    const dayStart = options.start + day * DAY;
    working.push(options.calendar.businessTimeBetween(dayStart, dayStart + DAY) > 0);
  }
  const input = team as TeamInput;
  return {
    ...input,
    reps: input.reps.map((rep) => {
      const leave: { from: string; to: string; reason: string }[] = [];
      let day = 0;
      while (day < options.days) {
        if (working[day]) {
          if (random.chance(options.leave.blockChancePerDay)) {
            const length = random.int(2, 5);
            const last = Math.min(options.days - 1, day + length - 1);
            leave.push({
              from: dateOf(options.start + day * DAY + 12 * HOUR),
              to: dateOf(options.start + last * DAY + 12 * HOUR),
              reason: '年假',
            });
            day = last + 1;
            continue;
          }
          if (random.chance(options.leave.sickChancePerDay)) {
            const date = dateOf(options.start + day * DAY + 12 * HOUR);
            leave.push({ from: date, to: date, reason: '病假' });
          }
        }
        day++;
      }
      return leave.length === 0 ? rep : { ...rep, leave: [...(rep.leave ?? []), ...leave] };
    }),
  };
}

/**
 * A formatter of instants to their local date `YYYY-MM-DD` in `zone`.
 *
 * @example
 * ```ts
 * import { localDateFormatter } from 'leadflow';
 * localDateFormatter('Asia/Shanghai')(Date.parse('2026-03-01T16:30:00Z')); // '2026-03-02'
 * ```
 */
export function localDateFormatter(zone: string): (t: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  return (t) => format.format(t);
}
