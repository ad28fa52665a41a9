import fc from 'fast-check';
import type { StoredEvent } from '../adapters/storage/port.js';
import { replayMemoryStorage } from '../adapters/storage/replay-memory.js';
import { createEngine, type Engine, type IngestResult } from '../engine/engine.js';
import { stateValueToString } from '../machines/xstate-step.js';
import { parseTeam, type Team, type TeamInput } from '../model/team.js';
import { type CompiledRuleSet, compileRuleSet } from '../rules/compile.js';
import type { RuleSetInput } from '../rules/ruleset.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { createVirtualClock } from '../scheduler/clock.js';
import { arrivalStreamArbitrary, followUpBehaviourArbitrary } from './arbitraries.js';
import { driveStream } from './drive.js';

/**
 * Options of {@link checkSlaGuarantees}.
 *
 * @example
 * ```ts
 * const options: SlaGuaranteeOptions = { ruleSet, team, calendar, numRuns: 50 };
 * ```
 * @category Testing
 */
export interface SlaGuaranteeOptions {
  readonly ruleSet: RuleSetInput | CompiledRuleSet;
  readonly team: TeamInput | Team;
  readonly calendar: BusinessCalendar;
  /** @default 30 */
  readonly numRuns?: number;
  /** fast-check seed, to replay a failure. */
  readonly seed?: number;
  /** First arrival instant. @default 2026-03-02T08:30+08:00 */
  readonly start?: number;
  /** Most leads per generated stream. @default 30 */
  readonly maxLeads?: number;
}

/**
 * What {@link checkSlaGuarantees} found: success, or the smallest failing scenario fast-check
 * could shrink to, with the broken guarantee spelled out and the seed/path to replay it.
 *
 * @example
 * ```ts
 * const result: SlaGuaranteeResult = await checkSlaGuarantees(options);
 * if (!result.ok) console.log(result.failure, result.counterexample);
 * ```
 * @category Testing
 */
export type SlaGuaranteeResult =
  | { readonly ok: true; readonly numRuns: number }
  | {
      readonly ok: false;
      readonly failure: string;
      readonly counterexample: {
        readonly arrivals: readonly { at: number; payload: unknown }[];
        readonly behaviours: readonly unknown[];
      };
      readonly seed: number;
      readonly path: string | undefined;
    };

const SETTLE_MS = 90 * 86_400_000;
const OK_STATES = new Set([
  'assigned',
  'opened',
  'contacted',
  'nurturing',
  'recycled',
  'converted',
  'disqualified',
  'merged',
]);

/**
 * Property-check a rule set against the guarantees a sales-ops team relies on, for random
 * arrival streams (including malformed and duplicate leads) and random rep behaviour:
 * - **no lead is lost**: every payload is accepted, merged into an open lead or quarantined, and
 *   every accepted lead ends assigned (or beyond), nurturing, recycled, closed, or queued for a
 *   supervisor with an escalation or a pending timer — never stuck;
 * - **capacity holds**: no rep gets more leads on a local day than their daily capacity;
 * - **every missed SLA is escalated**: whenever a lead waited past an SLA policy's target (in
 *   its clock), a breach was recorded (policies with pause events are not checked).
 * Runs the real engine on a virtual clock with memory storage. Returns a shrunk counterexample.
 *
 * @example
 * ```ts
 * import { chinaCalendar, zhikongPreset } from 'leadflow';
 * import { checkSlaGuarantees } from 'leadflow/testing';
 * import { expect, it } from 'vitest';
 *
 * it('our rule set keeps its SLA promises', async () => {
 *   const result = await checkSlaGuarantees({ ...zhikongPreset, calendar: chinaCalendar({ years: [2026] }) });
 *   expect(result).toEqual({ ok: true, numRuns: 30 });
 * });
 * ```
 * @category Testing
 */
export async function checkSlaGuarantees(options: SlaGuaranteeOptions): Promise<SlaGuaranteeResult> {
  const team = parseTeam(options.team);
  const compiled =
    'source' in options.ruleSet
      ? (options.ruleSet as CompiledRuleSet)
      : compileRuleSet(options.ruleSet, { team });
  const start = options.start ?? Date.parse('2026-03-02T08:30:00+08:00');
  const numRuns = options.numRuns ?? 30;
  const scenario = fc.record({
    arrivals: arrivalStreamArbitrary({
      start,
      maxLeads: options.maxLeads ?? 30,
      maxGapMs: 2 * 3_600_000,
      malformed: true,
    }),
    behaviours: fc.array(followUpBehaviourArbitrary(), { minLength: 1, maxLength: 8 }),
  });
  const property = fc.asyncProperty(scenario, async ({ arrivals, behaviours }) => {
    const failure = await violatedGuarantee(compiled, team, options.calendar, start, arrivals, behaviours);
    if (failure !== undefined) throw new Error(failure);
  });
  const details = await fc.check(property, {
    numRuns,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
  if (!details.failed || details.counterexample === null) return { ok: true, numRuns: details.numRuns };
  const [example] = details.counterexample;
  return {
    ok: false,
    failure:
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
    counterexample: example,
    seed: details.seed,
    path: details.counterexamplePath ?? undefined,
  };
}

async function violatedGuarantee(
  compiled: CompiledRuleSet,
  team: Team,
  calendar: BusinessCalendar,
  start: number,
  arrivals: readonly { at: number; payload: unknown }[],
  behaviours: readonly { opensAfterMs: number | null; followsUpAfterMs: number | null; outcome: string }[],
): Promise<string | undefined> {
  const storage = replayMemoryStorage();
  const engine = createEngine({
    ruleSet: compiled,
    team,
    calendar,
    clock: createVirtualClock(start),
    storage,
    notifier: 'dropAll',
    trace: false,
  });
  const outcomes = new Set(compiled.source.followUp.outcomes.map((outcome) => outcome.id));
  const { results } = await driveStream(
    engine,
    arrivals,
    (_leadId, index) => {
      const behaviour = behaviours[index % behaviours.length]!;
      return outcomes.has(behaviour.outcome)
        ? behaviour
        : { ...behaviour, outcome: [...outcomes][0] ?? behaviour.outcome };
    },
    { settleMs: SETTLE_MS },
  );
  return slaGuaranteeViolation({ engine, compiled, team, calendar, arrivals: arrivals.length, results });
}

/**
 * The guarantees {@link checkSlaGuarantees} checks, on one engine that has been driven through a
 * stream (with {@link driveStream}) and settled: nothing lost (every payload answered, every
 * refused one kept in the quarantine); no accepted lead stuck (assigned or beyond, closed, or
 * escalated to a supervisor or waiting on a timer); no rep over daily capacity; every lead SLA
 * that ran past its target has a breach. Returns the first violation found, as a sentence, or
 * `undefined`. Use it in your own property tests over your own scenarios.
 *
 * @example
 * ```ts
 * import { driveStream, slaGuaranteeViolation } from 'leadflow/testing';
 * const { engine, results } = await driveStream(engine0, arrivals, behaviourFor, { settleMs: 90 * DAY });
 * expect(await slaGuaranteeViolation({ engine, compiled, team, calendar, arrivals: arrivals.length, results })).toBeUndefined();
 * ```
 * @category Testing
 */
export async function slaGuaranteeViolation(input: {
  readonly engine: Engine;
  readonly compiled: CompiledRuleSet;
  readonly team: Team;
  readonly calendar: BusinessCalendar;
  /** How many payloads were sent. */
  readonly arrivals: number;
  /** What the engine answered, one per payload (from driveStream). */
  readonly results: readonly IngestResult[];
}): Promise<string | undefined> {
  const { engine, compiled, team, calendar, results } = input;
  const storage = engine.storage;
  if (results.length !== input.arrivals)
    return `lost payloads: ${input.arrivals} arrived, ${results.length} answered`;
  const quarantined = results.filter((r) => r.status === 'quarantined').length;
  const stored = (await storage.listQuarantine()).length;
  if (stored !== quarantined) return `quarantine holds ${stored} records for ${quarantined} refused payloads`;

  const timers = await storage.listTimers();
  for (const result of results) {
    if (result.status !== 'accepted') continue;
    const record = await engine.getLead(result.leadId);
    if (record === undefined) return `lead ${result.leadId} was accepted but is not stored`;
    const state = stateValueToString(record.machine.value);
    if (OK_STATES.has(state)) continue;
    const escalated = record.machine.context.escalations.some((e) => e.to === 'supervisor');
    const waiting = timers.some((timer) => timer.entityId === result.leadId);
    if (!escalated && !waiting)
      return `lead ${result.leadId} is stuck in "${state}" with no escalation and no pending timer`;
  }

  const events = await storage.readEvents({ kind: 'lead' });
  const perRepDay = new Map<string, number>();
  const byLead = new Map<string, StoredEvent[]>();
  const dayFormatter = new Intl.DateTimeFormat('en-CA', { timeZone: calendar.zone });
  for (const event of events) {
    byLead.set(event.entityId, [...(byLead.get(event.entityId) ?? []), event]);
    if (event.type !== 'lead.assigned') continue;
    const repId = String((event.data as { repId?: unknown }).repId);
    const key = `${repId}@${dayFormatter.format(event.at)}`;
    const count = (perRepDay.get(key) ?? 0) + 1;
    perRepDay.set(key, count);
    const rep = team.reps.find((r) => r.id === repId);
    if (rep !== undefined && count > rep.dailyCapacity)
      return `rep ${repId} got ${count} leads on ${key.split('@')[1]} (capacity ${rep.dailyCapacity})`;
  }

  const asOf = engine.clock.now();
  for (const policy of compiled.sla.policies) {
    if (policy.entity !== 'lead' || policy.pauseOn.length > 0) continue;
    for (const [leadId, leadEvents] of byLead) {
      const started = leadEvents.find((e) => policy.startOn.includes(e.type));
      if (!started) continue;
      const stopped = leadEvents.find((e) => e.seq > started.seq && policy.stopOn.includes(e.type));
      const end = stopped?.at ?? asOf;
      const waited =
        policy.clock === 'business' ? calendar.businessTimeBetween(started.at, end) : end - started.at;
      if (waited < policy.target) continue;
      const breached = leadEvents.some(
        (e) =>
          e.type === 'sla.breached' &&
          (e.data as { policyId?: unknown }).policyId === policy.id &&
          e.seq > started.seq,
      );
      if (!breached)
        return `lead ${leadId} waited ${waited} ms (${policy.clock}) past "${policy.id}" (target ${policy.target} ms) without a breach`;
    }
  }
  return undefined;
}
