import type { Lead } from '../model/lead.js';
import { ownValue } from '../model/own.js';
import { inShift, isTimedLeave, type LeaveRange, leaveOn, type Rep, timedLeaveAt } from '../model/rep.js';
import type { Team } from '../model/team.js';
import type { BusinessCalendar, LocalTime } from '../scheduler/calendar.js';
import { civilDate } from '../scheduler/rrule-days.js';
import type { CompiledRuleSet, ResolvedStrategy } from './compile.js';
import type { CompiledCondition, ConditionTraceEntry } from './conditions.js';
import { leadFacts } from './facts.js';

/**
 * Assignment state that outlives a single decision: today's assignment counts per rep (and load
 * units, with capacity weights) and the round-robin cursors. It is explicit input and output of {@link decideLead} — never a hidden
 * global — so decisions replay deterministically. When `day` changes, counts start from zero.
 * Plain JSON (the engine stores it as is): both records are read through own properties only,
 * so a rep or rule id like `toString` or `constructor` is an entry like any other — read a count
 * with {@link assignmentsToday}, not `assignedToday[repId]`.
 *
 * @example
 * ```ts
 * import type { AssignmentState } from 'leadflow/core';
 * const state: AssignmentState = { day: '2026-03-02', assignedToday: { 'rep-a': 8 }, cursors: {} };
 * ```
 * @category Rule sets
 */
export interface AssignmentState {
  /** The local business day (`YYYY-MM-DD`) the counts belong to. */
  readonly day: string;
  /** Leads assigned to each rep on `day` (whatever their weight). */
  readonly assignedToday: Readonly<Record<string, number>>;
  /**
   * Capacity units each rep used on `day`, once a lead counted other than 1 unit
   * (`assignment.capacityWeights`): an A lead of weight 2 adds 2 here and 1 to `assignedToday`.
   * Absent: every lead so far was 1 unit, so the load is `assignedToday`. Read it with
   * {@link loadToday}.
   */
  readonly loadToday?: Readonly<Record<string, number>>;
  /** Round-robin position per assignment rule id. */
  readonly cursors: Readonly<Record<string, number>>;
}

/**
 * An empty {@link AssignmentState} for a day.
 *
 * @example
 * ```ts
 * import { emptyAssignmentState } from 'leadflow/core';
 * const state = emptyAssignmentState('2026-03-02');
 * ```
 * @category Rule sets
 */
export function emptyAssignmentState(day: string): AssignmentState {
  return { day, assignedToday: {}, cursors: {} };
}

/**
 * How many leads `repId` was assigned on `day` according to `state` (0 when the state belongs to
 * another day). Reads own entries only: `assignedToday['toString']` of a plain object is not 0.
 *
 * @example
 * ```ts
 * import { assignmentsToday, emptyAssignmentState, recordAssignment } from 'leadflow/core';
 * const state = recordAssignment(emptyAssignmentState('2026-03-02'), 'constructor', '2026-03-02');
 * assignmentsToday(state, 'constructor', '2026-03-02'); // 1
 * assignmentsToday(state, 'toString', '2026-03-02'); // 0
 * ```
 * @category Rule sets
 */
export function assignmentsToday(state: AssignmentState, repId: string, day: string): number {
  return state.day === day ? countOf(state.assignedToday, repId) : 0;
}

/**
 * The capacity units `repId` used on `day` according to `state`: the sum of its leads' weights
 * (`assignment.capacityWeights`), which is {@link assignmentsToday} when every lead weighed 1.
 *
 * @example
 * ```ts
 * import { emptyAssignmentState, loadToday, recordAssignment } from 'leadflow/core';
 * const state = recordAssignment(emptyAssignmentState('2026-03-02'), 'rep-a', '2026-03-02', 2);
 * loadToday(state, 'rep-a', '2026-03-02'); // 2 (and assignmentsToday: 1)
 * ```
 * @category Rule sets
 */
export function loadToday(state: AssignmentState, repId: string, day: string): number {
  return state.day === day ? countOf(state.loadToday ?? state.assignedToday, repId) : 0;
}

/** A rep's count in `counts`, 0 when absent (own entries only). */
function countOf(counts: Readonly<Record<string, number>>, repId: string): number {
  return ownValue(counts, repId) ?? 0;
}

/**
 * Count one more assignment for `repId` (e.g. when a broadcast offer is claimed), using `units`
 * of its daily capacity (the lead's capacity weight, {@link leadUnits}), rolling the counts over
 * when `day` differs from the state's day.
 *
 * @example
 * ```ts
 * import { emptyAssignmentState, recordAssignment } from 'leadflow/core';
 * const next = recordAssignment(emptyAssignmentState('2026-03-02'), 'rep-a', '2026-03-02');
 * next.assignedToday['rep-a']; // 1
 * ```
 * @category Rule sets
 */
export function recordAssignment(
  state: AssignmentState,
  repId: string,
  day: string,
  units = 1,
): AssignmentState {
  const sameDay = state.day === day;
  const counts = sameDay ? state.assignedToday : {};
  // A computed key defines an own property (even `__proto__`), so the result stays plain JSON.
  const next = {
    day,
    cursors: state.cursors,
    assignedToday: { ...counts, [repId]: countOf(counts, repId) + 1 },
  };
  const loads = sameDay ? state.loadToday : undefined;
  // Loads are kept apart only once a lead weighed other than 1: until then they are the counts.
  if (loads === undefined && units === 1) return next;
  const base = loads ?? counts;
  return { ...next, loadToday: { ...base, [repId]: countOf(base, repId) + units } };
}

/**
 * The capacity units a lead of `grade` uses under `compiled`'s `assignment.capacityWeights`
 * (1 without them).
 *
 * @example
 * ```ts
 * import { compileRuleSet } from 'leadflow';
 * import { leadUnits } from 'leadflow/core';
 * const compiled = compileRuleSet({ id: 'r', version: '1', assignment: { capacityWeights: { A: 2 } } });
 * leadUnits(compiled, 'A'); // 2
 * leadUnits(compiled, 'B'); // 1
 * ```
 * @category Rule sets
 */
export function leadUnits(compiled: Pick<CompiledRuleSet, 'assignment'>, grade: 'A' | 'B' | 'C'): number {
  return compiled.assignment.capacityWeights?.[grade] ?? 1;
}

/** Today's load as one decision sees it: leads and units per rep, and what this lead weighs. */
interface Load {
  readonly counts: Readonly<Record<string, number>>;
  readonly units: Readonly<Record<string, number>>;
  /** Units this lead would use. */
  readonly lead: number;
  /** Whether the rule set weighs leads (explanations then speak of units). */
  readonly weighted: boolean;
}

/**
 * Why a candidate rep was or was not chosen.
 *
 * @example
 * ```ts
 * import type { CandidateVerdict } from 'leadflow/core';
 * const v: CandidateVerdict = { repId: 'rep-a', eligible: false, reasons: ['capacity 8/8'] };
 * ```
 * @category Rule sets
 */
export interface CandidateVerdict {
  readonly repId: string;
  readonly eligible: boolean;
  /**
   * Why the rep was skipped ("capacity 8/8", "on leave 2026-03-02..2026-03-04", "away",
   * "off shift at 2026-03-02 13:00", "region mismatch …"), or why chosen.
   */
  readonly reasons: readonly string[];
  /** bestMatch score (similar wins in the lookback window). */
  readonly score?: number;
  /** bestMatch: the wins that scored, newest first — which deal, when, and on what it matched. */
  readonly scoredWins?: readonly ScoredWin[];
}

/**
 * A rep's recent win that counted for a bestMatch score: +2 for the lead's industry, +1 for its
 * region.
 *
 * @example
 * ```ts
 * import type { ScoredWin } from 'leadflow/core';
 * const w: ScoredWin = { date: '2026-02-10', industry: '汽车零部件', region: '江苏', amount: 820000, customerId: 'c-9', matchedOn: ['industry', 'region'], points: 3 };
 * ```
 * @category Rule sets
 */
export interface ScoredWin {
  readonly date: string;
  readonly industry: string;
  readonly region: string;
  readonly amount: number;
  readonly customerId?: string;
  readonly matchedOn: readonly ('industry' | 'region')[];
  readonly points: number;
}

/**
 * The explanation of one rule's evaluation.
 *
 * @example
 * ```ts
 * import type { RuleTrace } from 'leadflow/core';
 * const t: RuleTrace = { ruleId: 'suzhou-auto-parts', matched: true, conditions: [] };
 * ```
 * @category Rule sets
 */
export interface RuleTrace {
  readonly ruleId: string;
  readonly matched: boolean;
  /** Each evaluated condition with the fact value seen (empty when the rule has no condition). */
  readonly conditions: readonly ConditionTraceEntry[];
  /** For assignment rules that matched: every candidate considered. */
  readonly candidates?: readonly CandidateVerdict[];
  /** For assignment rules that matched: what happened ("assigned rep-b", "no eligible candidate"). */
  readonly outcome?: string;
}

/**
 * Where a lead goes: a rep, a broadcast offer, the supervisor queue, or incubation.
 *
 * @example
 * ```ts
 * import type { AssignmentDecision } from 'leadflow/core';
 * function ownerOf(d: AssignmentDecision) { return d.kind === 'assign' ? d.repId : undefined; }
 * ```
 * @category Rule sets
 */
export type AssignmentDecision =
  | {
      readonly kind: 'assign';
      readonly repId: string;
      readonly ruleId: string;
      readonly strategy: ResolvedStrategy['type'];
    }
  | {
      readonly kind: 'offer';
      readonly repIds: readonly string[];
      readonly ruleId: string;
      readonly claimTimeoutMs: number;
    }
  | { readonly kind: 'queue'; readonly supervisorId: string | undefined; readonly reason: string }
  | { readonly kind: 'nurture'; readonly untilMs: number; readonly reason: string };

/**
 * The full result of deciding a lead: tags, intent grade, qualification, assignment, the next
 * assignment state and the explanation of every step.
 *
 * @example
 * ```ts
 * import { decideLead } from 'leadflow/core';
 * const day = '2026-03-02';
 * const { decision, state: nextState, explanation } = decideLead(compiled, lead, team, assignmentState, { now, day });
 * ```
 * @category Rule sets
 */
export interface LeadDecision {
  readonly tags: readonly string[];
  readonly intentGrade: 'A' | 'B' | 'C';
  readonly qualified: boolean;
  readonly decision: AssignmentDecision;
  readonly state: AssignmentState;
  readonly explanation: {
    readonly tagging: readonly RuleTrace[];
    readonly intentGrade: { readonly grade: 'A' | 'B' | 'C'; readonly byRule: number | undefined };
    readonly qualification: readonly {
      readonly part: string;
      readonly held: boolean;
      readonly conditions: readonly ConditionTraceEntry[];
    }[];
    readonly assignment: readonly RuleTrace[];
  };
}

/**
 * Inputs of {@link decideLead} besides the lead: the instant, the local business day, and which
 * rules to skip (e.g. a broadcast whose claim window expired).
 *
 * @example
 * ```ts
 * import type { DecideContext } from 'leadflow/core';
 * const context: DecideContext = { now: Date.parse('2026-03-02T02:00:00Z'), day: '2026-03-02', trace: true };
 * ```
 * @category Rule sets
 */
export interface DecideContext {
  readonly now: number;
  /**
   * When the lead's clocks started (its own `receivedAt`, at most `now`): a first decision's
   * incubation counts from it, so a lead that reached leadflow late is not nurtured longer.
   * Omitted on re-decisions, which count from `now`. @default now
   */
  readonly arrivedAt?: number;
  /** Local business day of `now` (`YYYY-MM-DD`), for whole-day leave and daily capacity. */
  readonly day: string;
  /** Assignment rule ids not to try (fall-through after an unclaimed broadcast). */
  readonly skipRules?: ReadonlySet<string>;
  /** Reps not to pick (e.g. the rep a lead is being reassigned away from). */
  readonly excludeReps?: ReadonlySet<string>;
  /**
   * Record each condition with the fact value seen and every candidate's verdict. With `false`
   * the explanation keeps only what decided the outcome (matched rules, failed qualification
   * parts) — for bulk replays where speed matters. @default true
   */
  readonly trace?: boolean;
}

const NO_TRACE: readonly ConditionTraceEntry[] = /* @__PURE__ */ (() => Object.freeze([]))();

/** How the decision logic gets a condition evaluated: by the compiled closures or a reference. */
type Answer = (
  condition: CompiledCondition,
  facts: Record<string, unknown>,
  trace: boolean,
) => ConditionOutcome;

interface ConditionOutcome {
  readonly result: boolean;
  readonly conditions: readonly ConditionTraceEntry[];
}

const ALWAYS: ConditionOutcome = /* @__PURE__ */ (() =>
  Object.freeze({ result: true, conditions: NO_TRACE }))();
const NEVER: ConditionOutcome = /* @__PURE__ */ (() =>
  Object.freeze({ result: false, conditions: NO_TRACE }))();

/*
 * The decision logic is written once (decideCore) and asks an `answer` callback for every
 * condition. decideLead answers with the compiled closures; decideLeadWithReference
 * (decide-reference.ts, exported by `leadflow/testing`) answers through decideLeadUsing with
 * json-rules-engine — so both make the same decisions by construction, differing only in
 * how conditions are evaluated.
 */

const channelTags = /* @__PURE__ */ (() => new Map<string, string>())();
function channelTag(channel: string): string {
  let tag = channelTags.get(channel);
  if (tag === undefined) {
    tag = `channel/${channel}`;
    if (channelTags.size < 1_000) channelTags.set(channel, tag);
  }
  return tag;
}
const INTENT_TAGS = { A: 'intent/A', B: 'intent/B', C: 'intent/C' } as const;

function addTag(tags: string[], tag: string): void {
  if (!tags.includes(tag)) tags.push(tag);
}

const repIndexCache = /* @__PURE__ */ (() => new WeakMap<readonly Rep[], ReadonlyMap<string, Rep>>())();
function repsByIdOf(reps: readonly Rep[]): ReadonlyMap<string, Rep> {
  let index = repIndexCache.get(reps);
  if (index === undefined) {
    index = new Map(reps.map((rep) => [rep.id, rep]));
    repIndexCache.set(reps, index);
  }
  return index;
}

function covers(list: readonly string[], value: string | undefined): boolean {
  // An empty list means "no restriction"; "*" is an explicit wildcard.
  if (list.length === 0) return true;
  if (value === undefined) return false;
  return list.some((entry) => entry === '*' || entry === value || value.startsWith(`${entry}/`));
}

function decideCore(
  compiled: CompiledRuleSet,
  lead: Lead,
  team: Pick<Team, 'reps' | 'supervisors'>,
  state: AssignmentState,
  context: DecideContext,
  answer: Answer,
): LeadDecision {
  const trace = context.trace ?? true;
  const facts = leadFacts(lead) as Record<string, unknown>;

  // 1. Tagging: every matching rule contributes (not first-match).
  const tags: string[] = [...lead.tags];
  if (compiled.tagging.channelTag) addTag(tags, channelTag(lead.channel));
  if (lead.budget !== undefined) {
    for (const band of compiled.tagging.budgetBands) {
      if (band.below === undefined || lead.budget.amount < band.below) {
        addTag(tags, band.tag);
        break;
      }
    }
  }
  const taggingTrace: RuleTrace[] = [];
  for (const rule of compiled.tagging.rules) {
    const { result, conditions } = rule.when === undefined ? ALWAYS : answer(rule.when, facts, trace);
    if (result) for (const tag of rule.tags) addTag(tags, tag);
    if (trace) taggingTrace.push({ ruleId: rule.id, matched: result, conditions });
  }
  facts.tags = tags;

  // 2. Intent grade: first matching grade, else C.
  let intentGrade: 'A' | 'B' | 'C' = 'C';
  let gradeRule: number | undefined;
  for (let index = 0; index < compiled.tagging.intentGrades.length; index++) {
    const grade = compiled.tagging.intentGrades[index]!;
    if ((grade.when === undefined ? ALWAYS : answer(grade.when, facts, false)).result) {
      intentGrade = grade.grade;
      gradeRule = index;
      break;
    }
  }
  addTag(tags, INTENT_TAGS[intentGrade]);
  facts.intentGrade = intentGrade;

  // 3. Qualification: the valid-lead contract, all parts must hold.
  const qualification: { part: string; held: boolean; conditions: readonly ConditionTraceEntry[] }[] = [];
  let qualified = true;
  for (const part of compiled.qualification.parts) {
    const { result, conditions } = part.when === undefined ? ALWAYS : answer(part.when, facts, trace);
    if (!result) qualified = false;
    // Failed parts are always kept (they are the nurture reason); passing ones only when tracing.
    if (trace || !result) qualification.push({ part: part.name, held: result, conditions });
  }
  facts.qualified = qualified;

  /** The result, with the explanation of every phase (assignment as traced so far). */
  const decided = (
    decision: AssignmentDecision,
    assignment: RuleTrace[],
    nextState: AssignmentState = state,
  ): LeadDecision => ({
    tags,
    intentGrade,
    qualified,
    state: nextState,
    decision,
    explanation: {
      tagging: taggingTrace,
      intentGrade: { grade: intentGrade, byRule: gradeRule },
      qualification,
      assignment,
    },
  });
  if (!qualified && !compiled.qualification.assignUnqualified) {
    const failed = qualification.filter((part) => !part.held).map((part) => part.part);
    return decided(
      {
        kind: 'nurture',
        untilMs: (context.arrivedAt ?? context.now) + compiled.qualification.incubationMs,
        reason: `not a valid lead: ${failed.join(', ')} failed`,
      },
      [],
    );
  }

  // 4. Assignment: ordered rules; the first that matches and finds an eligible rep wins.
  const sameDay = state.day === context.day;
  const counts = sameDay ? state.assignedToday : {};
  const load: Load = {
    counts,
    units: sameDay ? (state.loadToday ?? counts) : counts,
    lead: leadUnits(compiled, intentGrade),
    weighted: compiled.assignment.capacityWeights !== undefined,
  };
  const repsById = repsByIdOf(team.reps);
  const clock = availabilityClock(compiled.calendar, context.now);
  const assignmentTrace: RuleTrace[] = [];
  // Untraced, a rule that found nobody keeps its candidates' reasons for when the lead is queued:
  // they are the queue's reason.
  const unexplained: { at: number; explain: () => CandidateVerdict[] }[] = [];
  let matchedAny = false;
  for (const rule of compiled.assignment.rules) {
    if (context.skipRules?.has(rule.id)) {
      if (trace)
        assignmentTrace.push({ ruleId: rule.id, matched: false, conditions: NO_TRACE, outcome: 'skipped' });
      continue;
    }
    const { result, conditions } = rule.when === undefined ? ALWAYS : answer(rule.when, facts, trace);
    if (!result) {
      if (trace) assignmentTrace.push({ ruleId: rule.id, matched: false, conditions });
      continue;
    }
    matchedAny = true;
    const strategy = rule.strategy;
    const needs = neededSkills(strategy, tags);
    const eligibleIds: string[] = [];
    for (const repId of strategy.repIds) {
      const rep = repsById.get(repId);
      if (rep !== undefined && isEligible(repId, rep, strategy, lead, load, needs, context, clock)) {
        eligibleIds.push(repId);
      }
    }
    const chosen = pick(strategy, eligibleIds, rule.id, state, load, repsById, lead, context);
    const explain = () =>
      explainCandidates(
        strategy,
        repsById,
        lead,
        load,
        needs,
        context,
        clock,
        chosen.scores,
        chosen.sinceDay,
      );
    // Candidate verdicts (with reasons) are only built for traced decisions (and queued leads).
    const candidates = trace ? explain() : undefined;
    if (chosen.kind === 'none') {
      if (!trace) unexplained.push({ at: assignmentTrace.length, explain });
      assignmentTrace.push({
        ruleId: rule.id,
        matched: true,
        conditions,
        candidates,
        outcome: chosen.reason ?? 'no eligible candidate',
      });
      if (rule.onNoCandidate === 'fallback') break;
      continue;
    }
    if (chosen.kind === 'offer') {
      assignmentTrace.push({
        ruleId: rule.id,
        matched: true,
        conditions,
        candidates,
        outcome: `offered to ${chosen.repIds.join(', ')}`,
      });
      return decided(
        {
          kind: 'offer',
          repIds: chosen.repIds,
          ruleId: rule.id,
          claimTimeoutMs: strategy.type === 'broadcast' ? strategy.claimTimeoutMs : 0,
        },
        assignmentTrace,
      );
    }
    assignmentTrace.push({
      ruleId: rule.id,
      matched: true,
      conditions,
      candidates,
      outcome: `assigned ${chosen.repId}`,
    });
    const assigned = recordAssignment(state, chosen.repId, context.day, load.lead);
    return decided(
      { kind: 'assign', repId: chosen.repId, ruleId: rule.id, strategy: strategy.type },
      assignmentTrace,
      chosen.cursor === undefined
        ? assigned
        : { ...assigned, cursors: { ...state.cursors, [rule.id]: chosen.cursor } },
    );
  }
  const supervisorId = compiled.assignment.fallback.supervisorId ?? team.supervisors[0]?.id;
  for (const { at, explain } of unexplained)
    assignmentTrace[at] = { ...assignmentTrace[at]!, candidates: explain() };
  return decided(
    {
      kind: 'queue',
      supervisorId,
      reason: matchedAny
        ? 'every matching rule was out of eligible candidates'
        : 'no assignment rule matched',
    },
    assignmentTrace,
  );
}

/**
 * Decide a lead: tag it, grade intent, check the valid-lead contract, and pick an owner. Pure:
 * no I/O and no clock reads — `now` and `day` come in through `context`. Never "no decision": a
 * lead nobody can take goes to the supervisor queue, keeping every candidate's reason.
 *
 * Rep availability: a rep who is inactive, `away`, on whole-day leave on `context.day`, or — read
 * in `compiled.calendar` — off shift or on partial-day leave when the lead is worked (`now` in
 * business hours, else the next working time; a rep on shift at `now` counts too) is skipped.
 *
 * @example
 * ```ts
 * import { compileRuleSet, parseLead, zhikongPreset } from 'leadflow';
 * import { decideLead, emptyAssignmentState } from 'leadflow/core';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * const parsed = parseLead(raw);
 * if (parsed.ok) {
 *   const result = decideLead(compiled, parsed.lead, zhikongPreset.team, emptyAssignmentState('2026-03-02'), {
 *     now: parsed.lead.receivedAt,
 *     day: '2026-03-02',
 *   });
 *   console.log(result.decision, result.explanation.assignment);
 * }
 * ```
 * @category Rule sets
 */
export function decideLead(
  compiled: CompiledRuleSet,
  lead: Lead,
  team: Pick<Team, 'reps' | 'supervisors'>,
  state: AssignmentState,
  context: DecideContext,
): LeadDecision {
  const evaluation = { now: context.now };
  return decideCore(compiled, lead, team, state, context, (condition, facts, trace) => {
    if (!trace) return condition.evaluate(facts, evaluation) ? ALWAYS : NEVER;
    const explained = condition.explain(facts, evaluation);
    return { result: explained.result, conditions: explained.trace };
  });
}

/**
 * Drive the decision steps with a caller-supplied synchronous condition oracle. Internal: used
 * by benchmarks to feed in results computed elsewhere (e.g. batched json-rules-engine runs).
 *
 * @internal
 */
export function decideLeadUsing(
  compiled: CompiledRuleSet,
  lead: Lead,
  team: Pick<Team, 'reps' | 'supervisors'>,
  state: AssignmentState,
  context: DecideContext,
  answer: (condition: CompiledCondition, facts: Record<string, unknown>) => boolean,
): LeadDecision {
  return decideCore(compiled, lead, team, state, { ...context, trace: false }, (condition, facts) =>
    answer(condition, facts) ? ALWAYS : NEVER,
  );
}

const DAY_MS = 86_400_000;

/**
 * The decision instant as rep availability needs it, read from the calendar at most once per
 * decision and only when a candidate has shifts or partial-day leave.
 */
interface AvailabilityClock {
  readonly calendar: BusinessCalendar | undefined;
  readonly now: number;
  /** Whether `now` is the calendar's business time. */
  business(): boolean;
  /** `now` on the wall clock. */
  localNow(): LocalTime;
  /** The next working time when `now` is not business time, on the wall clock. */
  localNext(): LocalTime;
}

function availabilityClock(calendar: BusinessCalendar | undefined, now: number): AvailabilityClock {
  let business: boolean | undefined;
  let localNow: LocalTime | undefined;
  let localNext: LocalTime | undefined;
  return {
    calendar,
    now,
    business: () => (business ??= calendar!.isBusinessTime(now)),
    localNow: () => (localNow ??= calendar!.localTime(now)),
    localNext: () => (localNext ??= calendar!.localTime(calendar!.nextBusinessTime(now))),
  };
}

const timedReps = /* @__PURE__ */ (() => new WeakMap<Rep, boolean>())();
/** Whether availability depends on the instant for this rep (shifts or partial-day leave). */
function hasTimedAvailability(rep: Rep): boolean {
  let timed = timedReps.get(rep);
  if (timed === undefined) {
    timed = rep.shifts !== undefined || rep.leave.some(isTimedLeave);
    timedReps.set(rep, timed);
  }
  return timed;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const wallText = (local: LocalTime) =>
  `${local.day} ${pad2(Math.floor(local.minute / 60))}:${pad2(local.minute % 60)}`;
/** A leave range as reasons name it: `2026-03-02..2026-03-04`, or with times when partial. */
function leaveText(range: LeaveRange): string {
  return isTimedLeave(range)
    ? `${range.from} ${range.fromTime ?? '00:00'}..${range.to} ${range.toTime ?? '24:00'}`
    : `${range.from}..${range.to}`;
}

/** Why `rep` does not work at `local` (a business instant when `business`), or nothing. */
function offAt(rep: Rep, local: LocalTime, business: boolean, reasons: string[]): void {
  if (!(inShift(rep, local) ?? business)) reasons.push(`off shift at ${wallText(local)}`);
  const leave = timedLeaveAt(rep, local);
  if (leave !== undefined) reasons.push(`on leave ${leaveText(leave)}`);
}

/**
 * Why a rep with shifts or partial-day leave cannot take a lead decided at `clock.now` (empty:
 * they can). The rep must work at `now`, or — when `now` is outside the calendar's business
 * hours — at the next working time, when the lead will be worked: a lead at 22:00 is for a rep
 * on tomorrow's 09:00 shift (or on tonight's hotline shift), as before for reps without shifts.
 * Reasons are those of the instant the lead is worked at: `now` in business hours, else the
 * next working time.
 */
function unavailability(rep: Rep, clock: AvailabilityClock): readonly string[] {
  if (!hasTimedAvailability(rep)) return NO_REASONS;
  if (clock.calendar === undefined) return NO_CALENDAR;
  const now: string[] = [];
  offAt(rep, clock.localNow(), clock.business(), now);
  if (now.length === 0 || clock.business()) return now;
  const next: string[] = [];
  offAt(rep, clock.localNext(), true, next);
  return next;
}

/**
 * Why `rep` cannot take a lead at `now` by hand (a claim, a supervisor's assignment): `away`, or
 * off shift / on partial-day leave when the lead is worked, read as rules read it. Empty: they
 * can. Whole-day leave, `active` and capacity are checked by the caller as before.
 *
 * @example
 * ```ts
 * import { compileRuleSet, zhikongPreset } from 'leadflow';
 * import { repUnavailability } from 'leadflow/core';
 * const compiled = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * repUnavailability(compiled, zhikongPreset.team.reps[0]!, Date.now()); // [] or ['away'], ['off shift at …']
 * ```
 * @category Rule sets
 */
export function repUnavailability(
  compiled: Pick<CompiledRuleSet, 'calendar'>,
  rep: Rep,
  now: number,
): readonly string[] {
  const timed = unavailability(rep, availabilityClock(compiled.calendar, now));
  return rep.away === true ? ['away', ...timed] : timed;
}

const NO_REASONS: readonly string[] = /* @__PURE__ */ (() => Object.freeze([]))();
const NO_CALENDAR: readonly string[] = /* @__PURE__ */ (() =>
  Object.freeze(['no calendar to read shifts and partial-day leave in']))();

function isEligible(
  repId: string,
  rep: Rep,
  strategy: ResolvedStrategy,
  lead: Lead,
  load: Load,
  needs: readonly string[],
  context: DecideContext,
  clock: AvailabilityClock,
): boolean {
  if (!rep.active || rep.away === true || context.excludeReps?.has(repId)) return false;
  if (countOf(load.units, repId) + load.lead > rep.dailyCapacity) return false;
  if (leaveOn(rep, context.day) !== undefined) return false;
  if (unavailability(rep, clock).length > 0) return false;
  if (strategy.type !== 'owner') {
    if (strategy.match.region && !covers(rep.regions, lead.company.region)) return false;
    if (strategy.match.industry && !covers(rep.industries, lead.company.industry)) return false;
    if (needs.length > 0 && missingSkills(rep, needs).length > 0) return false;
  }
  return rep.channels === undefined || rep.channels.includes(lead.channel);
}

function judgeCandidate(
  repId: string,
  rep: Rep | undefined,
  strategy: ResolvedStrategy,
  lead: Lead,
  load: Load,
  needs: readonly string[],
  context: DecideContext,
  clock: AvailabilityClock,
): CandidateVerdict {
  if (rep === undefined) return { repId, eligible: false, reasons: ['not in the team'] };
  const today = countOf(load.counts, repId);
  const units = countOf(load.units, repId);
  const reasons: string[] = [];
  if (!rep.active) reasons.push('inactive');
  if (context.excludeReps?.has(repId)) reasons.push('excluded (reassigning away)');
  if (rep.away === true) reasons.push('away');
  const leave = leaveOn(rep, context.day);
  if (leave) reasons.push(`on leave ${leaveText(leave)}`);
  else reasons.push(...unavailability(rep, clock));
  if (units + load.lead > rep.dailyCapacity) {
    reasons.push(
      load.weighted
        ? `capacity ${units}/${rep.dailyCapacity} units (${leadsText(today)}), this lead ${load.lead}`
        : `capacity ${today}/${rep.dailyCapacity}`,
    );
  }
  if (strategy.type !== 'owner') {
    if (strategy.match.region && !covers(rep.regions, lead.company.region)) {
      reasons.push(
        `region mismatch (lead ${lead.company.region}; rep covers ${rep.regions.join(', ') || 'none'})`,
      );
    }
    if (strategy.match.industry && !covers(rep.industries, lead.company.industry)) {
      reasons.push(
        `industry mismatch (lead ${lead.company.industry}; rep covers ${rep.industries.join(', ') || 'none'})`,
      );
    }
    const missing = needs.length > 0 ? missingSkills(rep, needs) : NO_REASONS;
    if (missing.length > 0) reasons.push(`lacks skill ${missing.join(', ')}`);
  }
  if (rep.channels !== undefined && !rep.channels.includes(lead.channel)) {
    reasons.push(`channel ${lead.channel} not handled`);
  }
  if (reasons.length > 0) return { repId, eligible: false, reasons };
  const chosen = [
    load.weighted
      ? `load ${units}/${rep.dailyCapacity} units (${leadsText(today)}), this lead ${load.lead}`
      : `load ${today}/${rep.dailyCapacity}`,
  ];
  if (strategy.type === 'roundRobin' && strategy.weights !== undefined) {
    const index = strategy.repIds.indexOf(repId);
    chosen.push(`weight ${strategy.weights[index]} of ${totalWeight(strategy.weights)}`);
  }
  return { repId, eligible: true, reasons: chosen };
}

/** `YYYY-MM-DD` of an epoch-ms instant in UTC, without allocating a Date. */
function utcDay(ms: number): string {
  const { year, month, day } = civilDate(Math.floor(ms / DAY_MS));
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

const leadsText = (n: number) => `${n} lead${n === 1 ? '' : 's'}`;

/** The skills a rule asks of its candidates for this lead: `requireSkills`, and with `match.skills` the lead's `skill/<name>` tags. */
function neededSkills(strategy: ResolvedStrategy, tags: readonly string[]): readonly string[] {
  if (strategy.type === 'owner') return NO_REASONS;
  if (!strategy.match.skills) return strategy.requireSkills;
  const needs = [...strategy.requireSkills];
  for (const tag of tags) {
    if (tag.startsWith('skill/') && tag.length > 6 && !needs.includes(tag.slice(6))) needs.push(tag.slice(6));
  }
  return needs;
}

function missingSkills(rep: Rep, needs: readonly string[]): readonly string[] {
  return needs.filter((skill) => !rep.skills.includes(skill));
}

function totalWeight(weights: readonly number[]): number {
  let total = 0;
  for (const weight of weights) total += weight;
  return total;
}

const rotations = /* @__PURE__ */ (() => new WeakMap<readonly number[], readonly number[]>())();
/** The weighted rotation of a roundRobin strategy, built once per compiled rule. */
function rotationOf(strategy: { readonly weights?: readonly number[] }): readonly number[] {
  const weights = strategy.weights!;
  let rotation = rotations.get(weights);
  if (rotation === undefined) {
    rotation = weightedRotation(weights);
    rotations.set(weights, rotation);
  }
  return rotation;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * One round of a smooth weighted round robin: candidate indices, each `i` appearing
 * `weights[i] / g` times (`g` the weights' greatest common divisor), spread so that after any
 * first `t` entries every candidate's count is within 1 − 1/(2n − 2) of `t × weight / total`
 * (Tijdeman's chairman assignment: at step `t`, among the candidates owed at least
 * 1/(2n − 2) of a lead, the one whose next lead is due first — the smallest
 * `(count + 1 − 1/(2n − 2)) / weight` — ties to the earlier candidate). nginx's smooth weighted
 * round robin (largest running deficit) can drift further, up to about 1.15 leads. Equal weights
 * give the candidate order. Integer arithmetic only, so every platform builds the same round.
 *
 * @internal
 */
export function weightedRotation(weights: readonly number[]): readonly number[] {
  const n = weights.length;
  const g = weights.reduce(gcd, 0) || 1;
  const w = weights.map((weight) => weight / g);
  const total = totalWeight(w);
  if (n === 1) return new Array<number>(total).fill(0);
  const d = 2 * n - 2;
  const counts = new Array<number>(n).fill(0);
  const rotation: number[] = [];
  for (let t = 1; t <= total; t++) {
    let best = -1;
    for (let i = 0; i < n; i++) {
      // Owed at least 1/d of a lead: t·w_i/total − c_i ≥ 1/d.
      if (d * (t * w[i]! - counts[i]! * total) < total) continue;
      // Due first: (c_i + 1 − 1/d) / w_i smallest, compared without division.
      if (best < 0 || ((counts[i]! + 1) * d - 1) * w[best]! < ((counts[best]! + 1) * d - 1) * w[i]!) best = i;
    }
    counts[best]! += 1;
    rotation.push(best);
  }
  return rotation;
}

type Choice = (
  | { kind: 'none'; reason?: string }
  | { kind: 'assign'; repId: string; cursor?: number }
  | { kind: 'offer'; repIds: string[] }
) & { scores?: ReadonlyMap<string, number>; sinceDay?: string };

/** A rep's bestMatch score over its wins since `sinceDay`; with `scored`, the wins that counted. */
function winScore(rep: Rep, lead: Lead, sinceDay: string, scored?: ScoredWin[]): number {
  let score = 0;
  for (const win of rep.recentWins) {
    if (win.date < sinceDay) continue;
    const industry = win.industry === lead.company.industry;
    const region = win.region === lead.company.region;
    const points = (industry ? 2 : 0) + (region ? 1 : 0);
    if (points === 0) continue;
    score += points;
    scored?.push({
      date: win.date,
      industry: win.industry,
      region: win.region,
      amount: win.amount,
      ...(win.customerId !== undefined ? { customerId: win.customerId } : {}),
      matchedOn: industry && region ? ['industry', 'region'] : industry ? ['industry'] : ['region'],
      points,
    });
  }
  return score;
}

const describeWin = (win: ScoredWin) =>
  `${win.date}${win.customerId === undefined ? '' : ` ${win.customerId}`} (${win.matchedOn.map((on) => (on === 'industry' ? win.industry : win.region)).join(', ')}) +${win.points}`;

function explainCandidates(
  strategy: ResolvedStrategy,
  repsById: ReadonlyMap<string, Rep>,
  lead: Lead,
  load: Load,
  needs: readonly string[],
  context: DecideContext,
  clock: AvailabilityClock,
  scores: ReadonlyMap<string, number> | undefined,
  sinceDay: string | undefined,
): CandidateVerdict[] {
  return strategy.repIds.map((repId) => {
    const rep = repsById.get(repId);
    const verdict = judgeCandidate(repId, rep, strategy, lead, load, needs, context, clock);
    const score = scores?.get(repId);
    if (score === undefined || rep === undefined || sinceDay === undefined) return verdict;
    const scoredWins: ScoredWin[] = [];
    winScore(rep, lead, sinceDay, scoredWins);
    scoredWins.sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
    const because =
      scoredWins.length === 0
        ? `score 0: no win in ${lead.company.industry} or ${lead.company.region} since ${sinceDay}`
        : `score ${score}: ${scoredWins.map(describeWin).join('; ')}`;
    return { ...verdict, score, scoredWins, reasons: [...verdict.reasons, because] };
  });
}

function pick(
  strategy: ResolvedStrategy,
  eligible: readonly string[],
  ruleId: string,
  state: AssignmentState,
  load: Load,
  repsById: ReadonlyMap<string, Rep>,
  lead: Lead,
  context: DecideContext,
): Choice {
  if (eligible.length === 0) return { kind: 'none' };
  const units = load.units;
  switch (strategy.type) {
    case 'owner':
      // Candidates are in preference order: the first eligible one takes it (overflow A → B).
      return { kind: 'assign', repId: eligible[0]! };
    case 'roundRobin': {
      if (strategy.weights !== undefined) {
        // The cursor walks the weighted rotation (one round = total weight), skipping reps that
        // are not eligible, as the plain rotation does.
        const rotation = rotationOf(strategy);
        const free = new Set(eligible);
        const size = rotation.length;
        const start = (ownValue(state.cursors, ruleId) ?? 0) % size;
        for (let step = 0; step < size; step++) {
          const index = (start + step) % size;
          const repId = strategy.repIds[rotation[index]!]!;
          if (free.has(repId)) return { kind: 'assign', repId, cursor: (index + 1) % size };
        }
        return { kind: 'none' };
      }
      const size = strategy.repIds.length;
      const start = (ownValue(state.cursors, ruleId) ?? 0) % size;
      for (let step = 0; step < size; step++) {
        const index = (start + step) % size;
        const repId = strategy.repIds[index]!;
        if (eligible.includes(repId)) return { kind: 'assign', repId, cursor: (index + 1) % size };
      }
      return { kind: 'none' };
    }
    case 'leastLoaded': {
      // Ties broken by candidate order (stable and deterministic).
      let best = eligible[0]!;
      for (const repId of eligible) if (countOf(units, repId) < countOf(units, best)) best = repId;
      return { kind: 'assign', repId: best };
    }
    case 'bestMatch': {
      const sinceDay = utcDay(context.now - strategy.lookbackDays * DAY_MS);
      let best = eligible[0]!;
      let bestScore = -1;
      const scores = new Map<string, number>();
      for (const repId of eligible) {
        const score = winScore(repsById.get(repId)!, lead, sinceDay);
        scores.set(repId, score);
        // Higher score wins; ties go to the lighter load today, then to candidate order.
        if (score > bestScore || (score === bestScore && countOf(units, repId) < countOf(units, best))) {
          best = repId;
          bestScore = score;
        }
      }
      // Nobody similar enough: the rule did not find its rep, so it must not claim one.
      if (bestScore < strategy.minScore)
        return {
          kind: 'none',
          reason: `best similar-win score ${bestScore} is below the minimum ${strategy.minScore}`,
          scores,
          sinceDay,
        };
      return { kind: 'assign', repId: best, scores, sinceDay };
    }
    case 'broadcast':
      return { kind: 'offer', repIds: [...eligible] };
  }
}
