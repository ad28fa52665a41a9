import type { Team, TeamInput } from '../model/team.js';
import type { OpportunityStageId } from '../rules/stages.js';
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
 * @category Simulation
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
 * - `opportunities`: what the owner of a converted lead does with the opportunity (see
 *   {@link OpportunityBehaviour}); `null` turns opportunities off (the run ends at conversion).
 *   Its draws come from a random stream of their own (lead-level figures still move a little
 *   with it on: the engine is advanced in more, smaller steps, so reactions to its timers
 *   interleave differently).
 * - `departments`: how each department answers the tasks opportunities start (see
 *   {@link DepartmentBehaviour}), by the team's department key (`technical`, `production`,
 *   `afterSales`); a department not listed answers as in {@link DEFAULT_DEPARTMENT_BEHAVIOURS},
 *   or like {@link DEFAULT_DEPARTMENT_BEHAVIOUR} when that does not list it either.
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOUR, type BehaviourModel } from 'leadflow';
 * const slowReps: BehaviourModel = { ...DEFAULT_BEHAVIOUR, firstFollowUp: { ...DEFAULT_BEHAVIOUR.firstFollowUp, medianMs: 12 * 3_600_000 } };
 * ```
 * @category Simulation
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
  /**
   * What reps do with the opportunity of a converted lead; `null` turns opportunities off.
   * @default DEFAULT_OPPORTUNITY_BEHAVIOUR
   */
  readonly opportunities?: OpportunityBehaviour | null;
  /**
   * Department response times, by department key.
   * @default DEFAULT_DEPARTMENT_BEHAVIOURS
   */
  readonly departments?: Readonly<Record<string, DepartmentBehaviour>>;
}

/**
 * One stage of {@link OpportunityBehaviour}: how long the owner plans the stage to take, and how
 * the stage visit ends. On entering the stage the owner plans the next contact a log-normal
 * `planMedianMs` (σ `planSigma`, snapped to business time) ahead; at the visit's decision the
 * opportunity is lost with `loseShare`, rolled back with `rollbackShare` (never from the first
 * stage), otherwise advanced — or won, from the last stage.
 *
 * @example
 * ```ts
 * import type { OpportunityStageBehaviour } from 'leadflow';
 * const quotation: OpportunityStageBehaviour = { planMedianMs: 21 * 86_400_000, planSigma: 0.5, loseShare: 0.22, rollbackShare: 0.06 };
 * ```
 * @category Simulation
 */
export interface OpportunityStageBehaviour {
  readonly planMedianMs: number;
  readonly planSigma: number;
  readonly loseShare: number;
  readonly rollbackShare: number;
}

/**
 * How the owner of a converted lead works its opportunity (reps act in business hours and not
 * on leave; the delays to enter the opportunity and of late decisions scale with the rep's
 * diligence factor).
 *
 * - `create`: delay from the conversion to entering the customer (reused when the master already
 *   has it under the same USCC, phone or e-mail) and the opportunity, in the first stage, with
 *   what the lead already told (contact confirmed, budget band).
 * - `stages`: per stage, the planned length and how visits end ({@link OpportunityStageBehaviour}).
 *   On every stage entered the owner plans the next contact (`PLAN_NEXT_CONTACT`).
 * - Visits: decided by the planned contact (in the second half of the planned time) with
 *   `onTimeShare`; otherwise, with `stallShare`, the opportunity stalls — nobody touches it
 *   until a uniform `[stallMinMs, stallMaxMs]` after the planned contact — or, for the rest,
 *   the owner re-plans at the planned contact and decides a log-normal `lateMedianMs`
 *   (σ `lateSigma`) later. The owner does not advance a stage before
 *   the department tasks it started are answered (technical feasibility, production planning):
 *   they re-plan to the answer instead.
 * - `ADVANCE` / `WIN` carry the stage's gate fields; with `gateSlipShare` the owner forgets one,
 *   the engine refuses (counted in `actions.refused.advance`) and the owner retries with it
 *   within the hour. Rollbacks go one stage back (two with `rollbackTwoShare`).
 * - A won deal is flagged with a delivery delay with `deliveryDelayShare`, a uniform
 *   `[deliveryDelayMinMs, deliveryDelayMaxMs]` after the win.
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOUR, DEFAULT_OPPORTUNITY_BEHAVIOUR, type BehaviourModel } from 'leadflow';
 * const punctual: BehaviourModel = { ...DEFAULT_BEHAVIOUR, opportunities: { ...DEFAULT_OPPORTUNITY_BEHAVIOUR, onTimeShare: 0.97, stallShare: 0 } };
 * ```
 * @category Simulation
 */
export interface OpportunityBehaviour {
  readonly create: DelayModel;
  readonly stages: Readonly<Record<OpportunityStageId, OpportunityStageBehaviour>>;
  readonly onTimeShare: number;
  readonly lateMedianMs: number;
  readonly lateSigma: number;
  readonly stallShare: number;
  readonly stallMinMs: number;
  readonly stallMaxMs: number;
  readonly rollbackTwoShare: number;
  readonly gateSlipShare: number;
  readonly deliveryDelayShare: number;
  readonly deliveryDelayMinMs: number;
  readonly deliveryDelayMaxMs: number;
}

/**
 * How a department answers the tasks opportunities start (`ACKNOWLEDGE`, then `COMPLETE` with the
 * task's required result), in business time of the calendar:
 *
 * - `acknowledge`: delay from the task's creation to its acknowledgement; `neverShare` answers
 *   without acknowledging first.
 * - `answer`: delay from the acknowledgement (or creation) to the answer; `neverShare` forgets the
 *   task until the engine's overdue escalation reaches the department head.
 * - `escalatedMedianMs`: once a task is overdue (the engine escalates it to the department head
 *   at its due time), the head has it answered a log-normal (σ 0.6) this long after — sooner
 *   answers stand.
 *
 * @example
 * ```ts
 * import { DEFAULT_DEPARTMENT_BEHAVIOUR, type DepartmentBehaviour } from 'leadflow';
 * const slowLab: DepartmentBehaviour = { ...DEFAULT_DEPARTMENT_BEHAVIOUR, answer: { ...DEFAULT_DEPARTMENT_BEHAVIOUR.answer, medianMs: 24 * 3_600_000 } };
 * ```
 * @category Simulation
 */
export interface DepartmentBehaviour {
  readonly acknowledge: DelayModel;
  readonly answer: DelayModel;
  readonly escalatedMedianMs: number;
}

/**
 * The default {@link OpportunityBehaviour}, for a mid-size manufacturer: a sales cycle of about
 * ten weeks when nothing goes wrong (lead confirmation ≈ 5 days, needs diagnosis ≈ 10, solution
 * matching ≈ 14, samples and quotation ≈ 21, contract review ≈ 10, delivery kickoff ≈ 7), about
 * 30% of opportunities won (most losses while qualifying and quoting), a few rollbacks (price
 * renegotiated, samples redone), 85% of visits decided by the planned contact, 5% stalling for
 * two to six weeks, 1% of advances refused for a forgotten gate field, one won deal in eight
 * flagged with a delivery delay. A run shorter than the cycle shows mostly open opportunities
 * and early losses: simulate half a year or more for the win rate.
 *
 * @example
 * ```ts
 * import { DEFAULT_OPPORTUNITY_BEHAVIOUR } from 'leadflow';
 * DEFAULT_OPPORTUNITY_BEHAVIOUR.stages.sampleQuotation.planMedianMs; // 1814400000 (21 days)
 * ```
 * @category Simulation
 */
export const DEFAULT_OPPORTUNITY_BEHAVIOUR: OpportunityBehaviour = {
  create: { medianMs: 2 * HOUR, sigma: 1, tailShare: 0.1, tailMinMs: DAY, tailMaxMs: 3 * DAY, neverShare: 0 },
  stages: {
    leadConfirmation: { planMedianMs: 5 * DAY, planSigma: 0.5, loseShare: 0.15, rollbackShare: 0 },
    needsDiagnosis: { planMedianMs: 10 * DAY, planSigma: 0.5, loseShare: 0.17, rollbackShare: 0.03 },
    solutionMatching: { planMedianMs: 14 * DAY, planSigma: 0.5, loseShare: 0.17, rollbackShare: 0.05 },
    sampleQuotation: { planMedianMs: 21 * DAY, planSigma: 0.5, loseShare: 0.22, rollbackShare: 0.06 },
    contractReview: { planMedianMs: 10 * DAY, planSigma: 0.5, loseShare: 0.1, rollbackShare: 0.05 },
    deliveryKickoff: { planMedianMs: 7 * DAY, planSigma: 0.5, loseShare: 0.03, rollbackShare: 0.02 },
  },
  onTimeShare: 0.85,
  lateMedianMs: 4 * DAY,
  lateSigma: 0.7,
  stallShare: 0.05,
  stallMinMs: 14 * DAY,
  stallMaxMs: 42 * DAY,
  rollbackTwoShare: 0.25,
  gateSlipShare: 0.01,
  deliveryDelayShare: 0.125,
  deliveryDelayMinMs: 14 * DAY,
  deliveryDelayMaxMs: 60 * DAY,
};

/**
 * How a department not listed in `BehaviourModel.departments` (nor in
 * {@link DEFAULT_DEPARTMENT_BEHAVIOURS}) answers: acknowledged within a couple of business hours,
 * answered within about a working day, a tenth much later.
 *
 * @example
 * ```ts
 * import { DEFAULT_DEPARTMENT_BEHAVIOUR } from 'leadflow';
 * DEFAULT_DEPARTMENT_BEHAVIOUR.answer.medianMs; // 28800000 (8 business hours)
 * ```
 * @category Simulation
 */
export const DEFAULT_DEPARTMENT_BEHAVIOUR: DepartmentBehaviour = {
  acknowledge: {
    medianMs: 2 * HOUR,
    sigma: 1,
    tailShare: 0.1,
    tailMinMs: 8 * HOUR,
    tailMaxMs: 24 * HOUR,
    neverShare: 0.1,
  },
  answer: {
    medianMs: 8 * HOUR,
    sigma: 0.8,
    tailShare: 0.1,
    tailMinMs: 24 * HOUR,
    tailMaxMs: 48 * HOUR,
    neverShare: 0.03,
  },
  escalatedMedianMs: 4 * HOUR,
};

/**
 * The default department response times, in business hours (8 a working day) against the task
 * targets of 48 h (technical feasibility), 24 h (production planning) and 72 h (after-sales
 * equipment file) of wall time. Most answers are in time, but the targets run over weekends:
 * a task created on a Friday afternoon is due before Monday, so it is usually late; with the
 * long tail and the forgotten few, a fair share goes overdue and the engine escalates it.
 *
 * | department | acknowledge (median) | answer (median, after it) | tail | forgotten |
 * |---|---|---|---|---|
 * | `technical` 技术部 | 1 h | 5 h | 8%: 2–5 working days | 3% |
 * | `production` 生产部 | 30 min | 3 h | 10%: 1–3 working days | 3% |
 * | `afterSales` 售后部 | 2 h | 6 h | 10%: 3–6 working days | 4% |
 *
 * @example
 * ```ts
 * import { DEFAULT_DEPARTMENT_BEHAVIOURS } from 'leadflow';
 * DEFAULT_DEPARTMENT_BEHAVIOURS.technical?.answer.medianMs; // 18000000 (5 business hours)
 * ```
 * @category Simulation
 */
export const DEFAULT_DEPARTMENT_BEHAVIOURS: Readonly<Record<string, DepartmentBehaviour>> = {
  technical: {
    acknowledge: {
      medianMs: HOUR,
      sigma: 1,
      tailShare: 0.1,
      tailMinMs: 4 * HOUR,
      tailMaxMs: 16 * HOUR,
      neverShare: 0.1,
    },
    answer: {
      medianMs: 5 * HOUR,
      sigma: 0.6,
      tailShare: 0.08,
      tailMinMs: 16 * HOUR,
      tailMaxMs: 40 * HOUR,
      neverShare: 0.03,
    },
    escalatedMedianMs: 4 * HOUR,
  },
  production: {
    acknowledge: {
      medianMs: 30 * MINUTE,
      sigma: 1,
      tailShare: 0.08,
      tailMinMs: 2 * HOUR,
      tailMaxMs: 8 * HOUR,
      neverShare: 0.15,
    },
    answer: {
      medianMs: 3 * HOUR,
      sigma: 0.6,
      tailShare: 0.1,
      tailMinMs: 8 * HOUR,
      tailMaxMs: 24 * HOUR,
      neverShare: 0.03,
    },
    escalatedMedianMs: 3 * HOUR,
  },
  afterSales: {
    acknowledge: {
      medianMs: 2 * HOUR,
      sigma: 1,
      tailShare: 0.1,
      tailMinMs: 8 * HOUR,
      tailMaxMs: 24 * HOUR,
      neverShare: 0.1,
    },
    answer: {
      medianMs: 6 * HOUR,
      sigma: 0.6,
      tailShare: 0.1,
      tailMinMs: 24 * HOUR,
      tailMaxMs: 48 * HOUR,
      neverShare: 0.04,
    },
    escalatedMedianMs: 8 * HOUR,
  },
};

/**
 * The default {@link BehaviourModel}: reps open most leads within minutes (a tail of hours),
 * follow up mostly within hours (a tail of days), quote, ask for technical confirmation, compare
 * competitors or put on hold in roughly 30/30/25/15 proportions, convert about one quoted lead in
 * four at the next contact, react to most SLA reminders and warnings; supervisors sweep their
 * queue every 15 minutes; the owners of converted leads work their opportunities as
 * {@link DEFAULT_OPPORTUNITY_BEHAVIOUR} and departments answer as
 * {@link DEFAULT_DEPARTMENT_BEHAVIOURS}.
 *
 * @example
 * ```ts
 * import { DEFAULT_BEHAVIOUR } from 'leadflow';
 * DEFAULT_BEHAVIOUR.open.medianMs; // 480000 (8 minutes)
 * ```
 * @category Simulation
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
  opportunities: DEFAULT_OPPORTUNITY_BEHAVIOUR,
  departments: DEFAULT_DEPARTMENT_BEHAVIOURS,
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
 * @category Simulation
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
 * @category Simulation
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
