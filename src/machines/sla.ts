import { LeadflowError } from '../errors.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import type { SlaAction, SlaEvent, SlaPolicy } from '../rules/ruleset.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';

/*
 * A pure SLA tracker. Per entity (lead, opportunity, task) the engine keeps one {@link SlaState}
 * — plain JSON stored inside the entity's snapshot — and feeds it events and fired timers:
 *
 * - {@link slaOnEvent} starts, stops, pauses and resumes the clocks of the policies that name the
 *   event, in that fixed order: **stop, pause, resume, start** (so a policy that both stops and
 *   starts on one event closes its cycle and opens a new one);
 * - {@link slaOnTimer} handles a fired `warn` / `breach` timer, ignoring stale ones;
 * - {@link slaStopAll} cancels every live clock when the entity reaches a terminal state;
 * - {@link slaSummary} and {@link slaPendingTimers} read the state.
 *
 * Every function returns the next state, timer commands for the host's durable timer store, and
 * effects as data: action effects (escalate, notify, reassign, raise priority) and `sla.*`
 * records the engine turns into domain events. Nothing here reads the system time.
 *
 * Conventions:
 * - Elapsed and remaining times are in the policy's clock: business milliseconds
 *   (`calendar.businessTimeBetween`) for `clock: 'business'`, plain milliseconds for `'wall'`.
 *   Paused spans never count.
 * - A clock is breached from its due instant on: a stop at `at >= dueAt` is a breach, a stop at
 *   `at < dueAt` is met. The result does not depend on whether the engine fired the due timer
 *   before the stop event (a breach the timer did not report yet is recorded by the stop itself,
 *   `detectedBy: 'stop'`, without actions).
 * - Generations: each clock has one counter that every transition bumps (start, restart, pause,
 *   resume, stop, cancel) except a timer firing. A timer carries the generation it was scheduled
 *   in, so a firing from an earlier plan is recognized as stale.
 */

const STATE_VERSION = 1;

/**
 * The error thrown for input the tracker cannot apply: a non-finite instant, an event or timer
 * earlier than the clock's last transition, a timer fired before its due instant. Code
 * `SLA_INVALID`.
 *
 * @example
 * ```ts
 * import { SlaError, slaOnEvent } from 'leadflow/core';
 * try {
 *   slaOnEvent(state, { type: 'lead.assigned', at: Number.NaN }, context);
 * } catch (error) {
 *   if (error instanceof SlaError) console.error(error.code, error.message);
 * }
 * ```
 * @category State machines
 */
export class SlaError extends LeadflowError {
  declare readonly code: 'SLA_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super('SLA_INVALID', message, options);
  }
}

// ---------------------------------------------------------------------------------------------
// State

/**
 * How a policy counts time: business time of the calendar or wall time.
 *
 * @example
 * ```ts
 * import type { SlaClockKind } from 'leadflow';
 * const kind: SlaClockKind = 'business';
 * ```
 * @category State machines
 */
export type SlaClockKind = SlaPolicy['clock'];

/**
 * Which timer of a clock fired: the early warning or the breach.
 *
 * @example
 * ```ts
 * import type { SlaPhase } from 'leadflow/core';
 * const phase: SlaPhase = 'breach';
 * ```
 * @category State machines
 */
export type SlaPhase = 'warn' | 'breach';

/**
 * Lifecycle of one clock cycle as stored. A breached clock stays `running` (or `paused`) with a
 * `breachedAt` until it is stopped, so the time to stop can be reported.
 *
 * - `running`, `paused`: live;
 * - `met`: stopped before its due instant;
 * - `breachedThenStopped`: stopped at or after its due instant;
 * - `cancelled`: ended without a verdict — by {@link slaStopAll} or superseded by a restart.
 *
 * @example
 * ```ts
 * import type { SlaClockStatus } from 'leadflow/core';
 * const status: SlaClockStatus = 'breachedThenStopped';
 * ```
 * @category State machines
 */
export type SlaClockStatus = 'running' | 'paused' | 'met' | 'breachedThenStopped' | 'cancelled';

/**
 * One policy's clock, the latest cycle only. Plain JSON: numbers, strings, booleans and `null`.
 * The policy's `clock`, `target` and `warnBefore` are copied in when the cycle starts, so a rule
 * set edited mid-cycle does not change the arithmetic of a running clock.
 *
 * @example
 * ```ts
 * import type { SlaClockState } from 'leadflow/core';
 * const clock: SlaClockState = {
 *   policyId: 'unassigned-15m', clock: 'business', target: 900_000, warnBefore: null,
 *   status: 'running', cycle: 1, generation: 1,
 *   startedAt: 1_741_946_100_000, segmentStartedAt: 1_741_946_100_000, elapsedMs: 0, pausedAt: null,
 *   dueAt: 1_742_173_800_000, warnAt: null, warned: false, breachedAt: null, stoppedAt: null,
 * };
 * ```
 * @category State machines
 */
export interface SlaClockState {
  readonly policyId: string;
  readonly clock: SlaClockKind;
  /** Budget in the clock's milliseconds. */
  readonly target: number;
  /** Warn this long (clock ms) before the breach; `null` for no warning. */
  readonly warnBefore: number | null;
  readonly status: SlaClockStatus;
  /** 1 for the first cycle; each (re)start opens the next one. */
  readonly cycle: number;
  /** Bumped by every transition except a timer firing; timers carry it. */
  readonly generation: number;
  /** Instant the current cycle started. */
  readonly startedAt: number;
  /** Start of the current running segment (start or last resume); `null` unless running. */
  readonly segmentStartedAt: number | null;
  /** Clock ms elapsed before the current running segment; the total once paused or ended. */
  readonly elapsedMs: number;
  /** Instant the clock was paused; `null` unless paused. */
  readonly pausedAt: number | null;
  /**
   * The planned breach instant: while running, where the breach timer is (or was, once breached);
   * `null` while paused and after a resume of a breached clock. Kept as it was when the clock ended.
   */
  readonly dueAt: number | null;
  /** The planned warning instant of the current segment, `null` when none is planned. */
  readonly warnAt: number | null;
  /** Whether the warning of this cycle was issued. */
  readonly warned: boolean;
  /** The due instant that was missed, once the cycle is breached; `null` otherwise. */
  readonly breachedAt: number | null;
  /** Instant the cycle ended (stopped or cancelled); `null` while live. */
  readonly stoppedAt: number | null;
}

/**
 * The SLA state of one entity: a clock per policy that has ever started, keyed by policy id.
 * Plain JSON (no `Map`), safe to store in the entity's snapshot and to `JSON.parse` back.
 *
 * @example
 * ```ts
 * import { type SlaState, slaInitialState } from 'leadflow/core';
 * const state: SlaState = slaInitialState();
 * const restored: SlaState = JSON.parse(JSON.stringify(state));
 * ```
 * @category State machines
 */
export interface SlaState {
  /** Shape version of the persisted state. */
  readonly version: 1;
  readonly clocks: Readonly<Record<string, SlaClockState>>;
}

/**
 * A fresh SLA state with no clocks.
 *
 * @example
 * ```ts
 * import { slaInitialState } from 'leadflow/core';
 * const state = slaInitialState(); // { version: 1, clocks: {} }
 * ```
 * @category State machines
 */
export function slaInitialState(): SlaState {
  return { version: STATE_VERSION, clocks: {} };
}

// ---------------------------------------------------------------------------------------------
// Inputs and outputs

/**
 * What the tracker needs besides the state: the compiled SLA policies (only the lookup maps are
 * read), the business calendar and the id of the entity (copied into every effect).
 *
 * @example
 * ```ts
 * import { chinaCalendar, compileRuleSet, zhikongPreset } from 'leadflow';
 * import { type SlaContext } from 'leadflow/core';
 * const rules = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * const context: SlaContext = { policies: rules.sla, calendar: chinaCalendar({ years: [2025, 2026] }), entityId: 'lead-1' };
 * ```
 * @category State machines
 */
export interface SlaContext {
  readonly policies: Pick<
    CompiledRuleSet['sla'],
    'byId' | 'startingOn' | 'stoppingOn' | 'pausingOn' | 'resumingOn'
  >;
  readonly calendar: BusinessCalendar;
  readonly entityId: string;
}

/**
 * A lifecycle event of the entity at an instant (epoch ms).
 *
 * @example
 * ```ts
 * import type { SlaEventInput } from 'leadflow/core';
 * const event: SlaEventInput = { type: 'lead.received', at: Date.parse('2025-03-14T17:55:00+08:00') };
 * ```
 * @category State machines
 */
export interface SlaEventInput {
  readonly type: SlaEvent;
  readonly at: number;
}

/**
 * The payload of every SLA timer: which policy and which phase.
 *
 * @example
 * ```ts
 * import type { SlaTimerPayload } from 'leadflow/core';
 * const payload: SlaTimerPayload = { policyId: 'first-follow-up-24h', phase: 'warn' };
 * ```
 * @category State machines
 */
export interface SlaTimerPayload {
  readonly policyId: string;
  readonly phase: SlaPhase;
}

/**
 * Upsert a durable timer row `{ entityId, timerKey, generation, dueAt, payload }` (by key).
 *
 * @example
 * ```ts
 * import type { SlaScheduleTimer } from 'leadflow/core';
 * const command: SlaScheduleTimer = {
 *   type: 'schedule', timerKey: 'sla:unassigned-15m:breach', generation: 1,
 *   dueAt: Date.parse('2025-03-17T09:10:00+08:00'), payload: { policyId: 'unassigned-15m', phase: 'breach' },
 * };
 * ```
 * @category State machines
 */
export interface SlaScheduleTimer {
  readonly type: 'schedule';
  readonly timerKey: string;
  readonly generation: number;
  readonly dueAt: number;
  readonly payload: SlaTimerPayload;
}

/**
 * Delete the timer row with this key (a no-op when none is pending).
 *
 * @example
 * ```ts
 * import type { SlaCancelTimer } from 'leadflow/core';
 * const command: SlaCancelTimer = { type: 'cancel', timerKey: 'sla:unassigned-15m:breach' };
 * ```
 * @category State machines
 */
export interface SlaCancelTimer {
  readonly type: 'cancel';
  readonly timerKey: string;
}

/**
 * A timer command for the host's timer store. At most one command per key per step; apply them
 * in order, in the same commit as the new state.
 *
 * @example
 * ```ts
 * import type { SlaTimerCommand } from 'leadflow/core';
 * const timers = new Map<string, SlaTimerCommand>(); // a host's own timer table
 * function apply(entityId: string, command: SlaTimerCommand) {
 *   if (command.type === 'schedule') timers.set(`${entityId}/${command.timerKey}`, command);
 *   else timers.delete(`${entityId}/${command.timerKey}`);
 * }
 * ```
 * @category State machines
 */
export type SlaTimerCommand = SlaScheduleTimer | SlaCancelTimer;

/**
 * A timer the host's store reports as due, handed to {@link slaOnTimer}.
 *
 * @example
 * ```ts
 * import type { SlaFiredTimer } from 'leadflow/core';
 * const fired: SlaFiredTimer = {
 *   timerKey: 'sla:unassigned-15m:breach', generation: 1,
 *   payload: { policyId: 'unassigned-15m', phase: 'breach' }, at: Date.parse('2025-03-17T09:10:00+08:00'),
 * };
 * ```
 * @category State machines
 */
export interface SlaFiredTimer {
  readonly timerKey: string;
  readonly generation: number;
  readonly payload: SlaTimerPayload;
  /** The instant it is handled; not earlier than its due instant. */
  readonly at: number;
}

/**
 * The timer key of a policy's phase: `sla:<policyId>:warn` or `sla:<policyId>:breach`. Keys are
 * unique per entity; the host's timer rows are keyed by `(entityId, timerKey)`.
 *
 * @example
 * ```ts
 * import { slaTimerKey } from 'leadflow';
 * slaTimerKey('unassigned-15m', 'breach'); // 'sla:unassigned-15m:breach'
 * ```
 * @category State machines
 */
export function slaTimerKey(policyId: string, phase: SlaPhase): string {
  let keys = timerKeys.get(policyId);
  if (keys === undefined) {
    // Built once per policy: keys are compared and hashed on every step.
    keys = { warn: `sla:${policyId}:warn`, breach: `sla:${policyId}:breach` };
    if (timerKeys.size < 10_000) timerKeys.set(policyId, keys);
  }
  return keys[phase];
}
const timerKeys = /* @__PURE__ */ (() =>
  new Map<string, { readonly warn: string; readonly breach: string }>())();

// ---------------------------------------------------------------------------------------------
// Effects

/**
 * Fields every action effect carries: which entity and policy, which phase, when.
 *
 * @example
 * ```ts
 * import type { SlaActionContext } from 'leadflow';
 * const origin: SlaActionContext = { entityId: 'lead-1', policyId: 'unassigned-15m', phase: 'breach', at: 0 };
 * ```
 * @category State machines
 */
export interface SlaActionContext {
  readonly entityId: string;
  readonly policyId: string;
  readonly phase: SlaPhase;
  /** Instant the warning or breach was handled. */
  readonly at: number;
}

/**
 * Escalate the entity to a supervisor, manager or department head.
 *
 * @example
 * ```ts
 * import type { SlaEscalateEffect } from 'leadflow/core';
 * const effect: SlaEscalateEffect = { type: 'escalate', to: 'supervisor', entityId: 'lead-1', policyId: 'unassigned-15m', phase: 'breach', at: 0 };
 * ```
 * @category State machines
 */
export interface SlaEscalateEffect extends SlaActionContext {
  readonly type: 'escalate';
  readonly to: Extract<SlaAction, { type: 'escalate' }>['to'];
}

/**
 * Send a templated notification on a channel (`sms`, `wecom`, `email`, ...).
 *
 * @example
 * ```ts
 * import type { SlaNotifyEffect } from 'leadflow/core';
 * const effect: SlaNotifyEffect = {
 *   type: 'notify', channel: 'wecom', to: 'owner', template: 'unopened-reminder', includeBehaviourSnapshot: true,
 *   entityId: 'lead-1', policyId: 'unopened-30m', phase: 'breach', at: 0,
 * };
 * ```
 * @category State machines
 */
export interface SlaNotifyEffect extends SlaActionContext {
  readonly type: 'notify';
  readonly channel: string;
  readonly to: Extract<SlaAction, { type: 'notify' }>['to'];
  readonly template: string;
  readonly includeBehaviourSnapshot: boolean;
}

/**
 * Take the entity away from its owner and run assignment again.
 *
 * @example
 * ```ts
 * import type { SlaReassignEffect } from 'leadflow/core';
 * const effect: SlaReassignEffect = { type: 'reassign', entityId: 'lead-1', policyId: 'unopened-30m', phase: 'breach', at: 0 };
 * ```
 * @category State machines
 */
export interface SlaReassignEffect extends SlaActionContext {
  readonly type: 'reassign';
}

/**
 * Raise the entity's priority.
 *
 * @example
 * ```ts
 * import type { SlaRaisePriorityEffect } from 'leadflow/core';
 * const effect: SlaRaisePriorityEffect = { type: 'raisePriority', entityId: 'lead-1', policyId: 'p', phase: 'warn', at: 0 };
 * ```
 * @category State machines
 */
export interface SlaRaisePriorityEffect extends SlaActionContext {
  readonly type: 'raisePriority';
}

/**
 * Take the lead back to the pool (公海).
 *
 * @example
 * ```ts
 * import type { SlaReturnToPoolEffect } from 'leadflow/core';
 * const effect: SlaReturnToPoolEffect = { type: 'returnToPool', entityId: 'lead-1', policyId: 'p', phase: 'breach', at: 0 };
 * ```
 * @category State machines
 */
export interface SlaReturnToPoolEffect extends SlaActionContext {
  readonly type: 'returnToPool';
}

/**
 * An action of a policy's `onWarn` / `onBreach`, as data for the engine (outbox messages,
 * machine events).
 *
 * @example
 * ```ts
 * import type { SlaActionEffect } from 'leadflow/core';
 * function route(effect: SlaActionEffect) {
 *   if (effect.type === 'notify') outbox.push(effect);
 *   else machine.send(effect);
 * }
 * ```
 * @category State machines
 */
export type SlaActionEffect =
  | SlaEscalateEffect
  | SlaNotifyEffect
  | SlaReassignEffect
  | SlaRaisePriorityEffect
  | SlaReturnToPoolEffect;

/**
 * Fields every SLA record carries. Times are epoch ms; `elapsedMs` and `remainingMs` are in the
 * policy's clock as of `at` (`remainingMs = target - elapsedMs`, negative once overdue).
 *
 * @example
 * ```ts
 * import type { SlaRecordBase } from 'leadflow';
 * const describe = (r: SlaRecordBase) => `${r.policyId}#${r.cycle}: ${r.elapsedMs}/${r.target} ms`;
 * ```
 * @category State machines
 */
export interface SlaRecordBase {
  readonly entityId: string;
  readonly policyId: string;
  /** Instant of the transition the record reports. */
  readonly at: number;
  /** Which cycle of the policy's clock (1 for the first start). */
  readonly cycle: number;
  readonly clock: SlaClockKind;
  readonly target: number;
  readonly startedAt: number;
  /** The clock's planned breach instant after this transition (see {@link SlaClockState.dueAt}). */
  readonly dueAt: number | null;
  readonly elapsedMs: number;
  readonly remainingMs: number;
}

/**
 * A clock cycle started on `event`. `restarted` when it superseded a live cycle (which is
 * reported just before as `sla.cancelled` with reason `restarted`).
 *
 * @example
 * ```ts
 * import type { SlaStartedRecord } from 'leadflow/core';
 * const onStart = (r: SlaStartedRecord) => console.log(`${r.policyId} due ${new Date(r.dueAt).toISOString()}`);
 * ```
 * @category State machines
 */
export interface SlaStartedRecord extends SlaRecordBase {
  readonly type: 'sla.started';
  readonly event: SlaEvent;
  readonly dueAt: number;
  readonly warnAt: number | null;
  readonly restarted: boolean;
}

/**
 * The warning instant passed. `detectedBy: 'timer'` normally; `'pause'` when a pause event found
 * it overdue before the engine fired the timer.
 *
 * @example
 * ```ts
 * import type { SlaWarningRecord } from 'leadflow/core';
 * const onWarn = (r: SlaWarningRecord) => console.log(`${r.remainingMs} ms left on ${r.policyId}`);
 * ```
 * @category State machines
 */
export interface SlaWarningRecord extends SlaRecordBase {
  readonly type: 'sla.warning';
  readonly warnAt: number;
  readonly detectedBy: 'timer' | 'pause';
}

/**
 * The due instant passed: the SLA is missed. Reported once per cycle. `detectedBy` is `'timer'`
 * normally; `'pause'` or `'stop'` when that event found the clock overdue before the engine fired
 * the timer (a breach detected by a stop carries no actions: the entity already moved on).
 *
 * @example
 * ```ts
 * import type { SlaBreachedRecord } from 'leadflow/core';
 * const onBreach = (r: SlaBreachedRecord) => console.log(`${r.policyId} missed at ${r.dueAt}`);
 * ```
 * @category State machines
 */
export interface SlaBreachedRecord extends SlaRecordBase {
  readonly type: 'sla.breached';
  readonly dueAt: number;
  readonly detectedBy: 'timer' | 'pause' | 'stop';
}

/**
 * Stopped on `event` before the due instant: the SLA is met, in `elapsedMs`.
 *
 * @example
 * ```ts
 * import type { SlaMetRecord } from 'leadflow/core';
 * const onMet = (r: SlaMetRecord) => console.log(`${r.policyId} met in ${r.elapsedMs} ms`);
 * ```
 * @category State machines
 */
export interface SlaMetRecord extends SlaRecordBase {
  readonly type: 'sla.met';
  readonly event: SlaEvent;
}

/**
 * Stopped on `event` after a breach: `elapsedMs` is the time to stop, `overByMs` how late.
 *
 * @example
 * ```ts
 * import type { SlaStoppedRecord } from 'leadflow/core';
 * const onStop = (r: SlaStoppedRecord) => console.log(`${r.policyId} closed ${r.overByMs} ms late`);
 * ```
 * @category State machines
 */
export interface SlaStoppedRecord extends SlaRecordBase {
  readonly type: 'sla.stopped';
  readonly event: SlaEvent;
  readonly breachedAt: number;
  readonly overByMs: number;
}

/**
 * Paused on `event`; `remainingMs` is the budget kept for the resume.
 *
 * @example
 * ```ts
 * import type { SlaPausedRecord } from 'leadflow/core';
 * const onPause = (r: SlaPausedRecord) => console.log(`${r.policyId} paused with ${r.remainingMs} ms left`);
 * ```
 * @category State machines
 */
export interface SlaPausedRecord extends SlaRecordBase {
  readonly type: 'sla.paused';
  readonly event: SlaEvent;
  readonly breached: boolean;
}

/**
 * Resumed on `event` after `pausedMs` of wall time; `dueAt` is the new due instant
 * (`null` if the cycle was already breached).
 *
 * @example
 * ```ts
 * import type { SlaResumedRecord } from 'leadflow/core';
 * const onResume = (r: SlaResumedRecord) => console.log(`${r.policyId} now due ${r.dueAt}`);
 * ```
 * @category State machines
 */
export interface SlaResumedRecord extends SlaRecordBase {
  readonly type: 'sla.resumed';
  readonly event: SlaEvent;
  readonly pausedMs: number;
  readonly warnAt: number | null;
  readonly breached: boolean;
}

/**
 * A live cycle ended without a verdict: `reason: 'stopAll'` ({@link slaStopAll}) or
 * `'restarted'` (a start event superseded it). `overdue` when it was running past its due
 * instant without a breach reported yet; `breached` when a breach had been reported.
 *
 * @example
 * ```ts
 * import type { SlaCancelledRecord } from 'leadflow/core';
 * const onCancel = (r: SlaCancelledRecord) => console.log(`${r.policyId} cancelled (${r.reason})`);
 * ```
 * @category State machines
 */
export interface SlaCancelledRecord extends SlaRecordBase {
  readonly type: 'sla.cancelled';
  readonly reason: 'stopAll' | 'restarted';
  readonly breached: boolean;
  readonly overdue: boolean;
}

/**
 * An SLA fact for the event log (the engine turns it into a domain event). Every record type
 * starts with `sla.`.
 *
 * @example
 * ```ts
 * import type { SlaRecord } from 'leadflow/core';
 * const missed = (records: SlaRecord[]) => records.filter((r) => r.type === 'sla.breached').length;
 * ```
 * @category State machines
 */
export type SlaRecord =
  | SlaStartedRecord
  | SlaWarningRecord
  | SlaBreachedRecord
  | SlaMetRecord
  | SlaStoppedRecord
  | SlaPausedRecord
  | SlaResumedRecord
  | SlaCancelledRecord;

/**
 * Everything a step asks the engine to do or record: action effects and `sla.*` records, in the
 * order they happened (a record precedes the actions it triggers).
 *
 * @example
 * ```ts
 * import { isSlaRecord } from 'leadflow/core';
 * import { type SlaEffect } from 'leadflow/core';
 * const split = (effects: SlaEffect[]) => ({
 *   records: effects.filter(isSlaRecord),
 *   actions: effects.filter((e) => !isSlaRecord(e)),
 * });
 * ```
 * @category State machines
 */
export type SlaEffect = SlaActionEffect | SlaRecord;

/**
 * Whether an effect is an `sla.*` record (as opposed to an action).
 *
 * @example
 * ```ts
 * import { isSlaRecord } from 'leadflow/core';
 * const records = result.effects.filter(isSlaRecord);
 * ```
 * @category State machines
 */
export function isSlaRecord(effect: SlaEffect): effect is SlaRecord {
  return effect.type.startsWith('sla.');
}

/**
 * What every tracker step returns: the next state (the same object when nothing changed), timer
 * commands and effects.
 *
 * @example
 * ```ts
 * import type { SlaStepResult } from 'leadflow/core';
 * function commit(result: SlaStepResult) {
 *   snapshot.sla = result.state;
 *   for (const command of result.timers) timers.apply(entityId, command);
 *   for (const effect of result.effects) effects.push(effect);
 * }
 * ```
 * @category State machines
 */
export interface SlaStepResult {
  readonly state: SlaState;
  readonly timers: SlaTimerCommand[];
  readonly effects: SlaEffect[];
}

/**
 * Why a fired timer was ignored: no clock for its policy, its key does not match its payload, its
 * generation is not the clock's, the clock is not running, or its phase was already handled.
 *
 * @example
 * ```ts
 * import type { SlaStaleReason } from 'leadflow/core';
 * const reason: SlaStaleReason = 'generation';
 * ```
 * @category State machines
 */
export type SlaStaleReason = 'unknownClock' | 'keyMismatch' | 'generation' | 'notRunning' | 'alreadyHandled';

/**
 * The result of {@link slaOnTimer}: a step, plus `stale: true` (and why) when the firing was
 * ignored — then `state` is the input state and `timers` and `effects` are empty.
 *
 * @example
 * ```ts
 * import { slaOnTimer } from 'leadflow/core';
 * const result = slaOnTimer(state, fired, context);
 * if (result.stale) console.debug(`ignored ${fired.timerKey}: ${result.staleReason}`);
 * ```
 * @category State machines
 */
export interface SlaTimerResult extends SlaStepResult {
  readonly stale: boolean;
  readonly staleReason?: SlaStaleReason;
}

// ---------------------------------------------------------------------------------------------
// Internals

interface Draft {
  readonly context: SlaContext;
  readonly base: SlaState;
  clocks: Record<string, SlaClockState>;
  changed: boolean;
  /** At most one command per timer key, in first-issued order (a later command replaces it). */
  readonly timers: SlaTimerCommand[];
  readonly effects: SlaEffect[];
}

function newDraft(state: SlaState, context: SlaContext): Draft {
  return {
    context,
    base: state,
    clocks: state.clocks as Record<string, SlaClockState>,
    changed: false,
    timers: [],
    effects: [],
  };
}

function setTimer(draft: Draft, command: SlaTimerCommand): void {
  const timers = draft.timers;
  for (let i = 0; i < timers.length; i++) {
    if (timers[i]!.timerKey === command.timerKey) {
      timers[i] = command;
      return;
    }
  }
  timers.push(command);
}

function finish(draft: Draft): SlaStepResult {
  return {
    state: draft.changed ? { version: STATE_VERSION, clocks: draft.clocks } : draft.base,
    timers: draft.timers,
    effects: draft.effects,
  };
}

function clockOf(
  clocks: Readonly<Record<string, SlaClockState>>,
  policyId: string,
): SlaClockState | undefined {
  return Object.hasOwn(clocks, policyId) ? clocks[policyId] : undefined;
}

function put(draft: Draft, clock: SlaClockState): void {
  if (!draft.changed) {
    draft.clocks = { ...draft.clocks };
    draft.changed = true;
  }
  draft.clocks[clock.policyId] = clock;
}

function isLive(clock: SlaClockState): boolean {
  return clock.status === 'running' || clock.status === 'paused';
}

function assertInstant(at: unknown, field: string): asserts at is number {
  if (typeof at !== 'number' || !Number.isFinite(at)) {
    throw new SlaError(`${field} must be a finite epoch-ms number, got ${String(at)}`);
  }
}

/** The instant the clock last moved; later input must not precede it. */
function lastTransitionAt(clock: SlaClockState): number {
  return Math.max(
    clock.startedAt,
    clock.segmentStartedAt ?? clock.startedAt,
    clock.pausedAt ?? clock.startedAt,
  );
}

function assertInOrder(clock: SlaClockState, at: number, what: string): void {
  const last = lastTransitionAt(clock);
  if (at < last) {
    throw new SlaError(
      `${what} at ${at} precedes the last transition of SLA clock "${clock.policyId}" at ${last}; apply events and timers in time order`,
    );
  }
}

function between(kind: SlaClockKind, calendar: BusinessCalendar, a: number, b: number): number {
  return kind === 'wall' ? b - a : calendar.businessTimeBetween(a, b);
}

function addTime(kind: SlaClockKind, calendar: BusinessCalendar, t: number, ms: number): number {
  return kind === 'wall' ? t + ms : calendar.addBusinessTime(t, ms);
}

/** Clock ms elapsed in the cycle as of `at` (a running segment counts up to `at`, never below 0). */
function elapsedAt(clock: SlaClockState, at: number, calendar: BusinessCalendar): number {
  if (clock.status !== 'running' || clock.segmentStartedAt === null) return clock.elapsedMs;
  return clock.elapsedMs + Math.max(0, between(clock.clock, calendar, clock.segmentStartedAt, at));
}

/** The timers a clock has pending in the host's store, according to its state. */
function pendingOf(clock: SlaClockState): readonly SlaScheduleTimer[] {
  const warnAt = pendingDue(clock, 'warn');
  const dueAt = pendingDue(clock, 'breach');
  if (warnAt === null && dueAt === null) return NO_TIMERS;
  const pending: SlaScheduleTimer[] = [];
  if (warnAt !== null) pending.push(scheduleCommand(clock, 'warn', warnAt));
  if (dueAt !== null) pending.push(scheduleCommand(clock, 'breach', dueAt));
  return pending;
}

const NO_TIMERS: readonly SlaScheduleTimer[] = /* @__PURE__ */ (() => Object.freeze([]))();

function scheduleCommand(clock: SlaClockState, phase: SlaPhase, dueAt: number): SlaScheduleTimer {
  return {
    type: 'schedule',
    timerKey: slaTimerKey(clock.policyId, phase),
    generation: clock.generation,
    dueAt,
    payload: { policyId: clock.policyId, phase },
  };
}

/**
 * Emit the commands that turn the pending timers of `before` into those of `after`. A key whose
 * timer just fired (and so left the store) is not cancelled again.
 */
function syncTimers(
  draft: Draft,
  before: SlaClockState | undefined,
  after: SlaClockState,
  fired?: string,
): void {
  // Compared phase by phase from the clock states, without building the old commands: this runs
  // on every clock transition. Cancels first, then schedules, warn before breach (as pendingOf).
  const oldWarn = before ? pendingDue(before, 'warn') : null;
  const oldBreach = before ? pendingDue(before, 'breach') : null;
  const newWarn = pendingDue(after, 'warn');
  const newBreach = pendingDue(after, 'breach');
  if (oldWarn !== null && newWarn === null) cancelPhase(draft, after, 'warn', fired);
  if (oldBreach !== null && newBreach === null) cancelPhase(draft, after, 'breach', fired);
  const sameGeneration = before !== undefined && before.generation === after.generation;
  if (newWarn !== null && !(sameGeneration && oldWarn === newWarn))
    setTimer(draft, scheduleCommand(after, 'warn', newWarn));
  if (newBreach !== null && !(sameGeneration && oldBreach === newBreach))
    setTimer(draft, scheduleCommand(after, 'breach', newBreach));
}

/**
 * Due instant of a clock's pending timer for `phase`, or null when none is pending: the one rule
 * of which timers a clock keeps in the host's store (pendingOf and syncTimers both ask it).
 */
function pendingDue(clock: SlaClockState, phase: SlaPhase): number | null {
  if (clock.status !== 'running' || clock.breachedAt !== null) return null;
  if (phase === 'breach') return clock.dueAt;
  return !clock.warned && clock.warnAt !== null ? clock.warnAt : null;
}

function cancelPhase(draft: Draft, clock: SlaClockState, phase: SlaPhase, fired: string | undefined): void {
  const key = slaTimerKey(clock.policyId, phase);
  if (key !== fired) setTimer(draft, { type: 'cancel', timerKey: key });
}

function recordBase(draft: Draft, clock: SlaClockState, at: number, elapsedMs: number): SlaRecordBase {
  return {
    entityId: draft.context.entityId,
    policyId: clock.policyId,
    at,
    cycle: clock.cycle,
    clock: clock.clock,
    target: clock.target,
    startedAt: clock.startedAt,
    dueAt: clock.dueAt,
    elapsedMs,
    remainingMs: clock.target - elapsedMs,
  };
}

function actionEffect(action: SlaAction, origin: SlaActionContext): SlaActionEffect {
  switch (action.type) {
    case 'escalate':
      return { type: 'escalate', to: action.to, ...origin };
    case 'notify':
      return {
        type: 'notify',
        channel: action.channel,
        to: action.to,
        template: action.template,
        includeBehaviourSnapshot: action.includeBehaviourSnapshot ?? false,
        ...origin,
      };
    case 'reassign':
      return { type: 'reassign', ...origin };
    case 'raisePriority':
      return { type: 'raisePriority', ...origin };
    case 'returnToPool':
      return { type: 'returnToPool', ...origin };
  }
}

function emitActions(draft: Draft, clock: SlaClockState, phase: SlaPhase, at: number): void {
  // Actions come from the policy as it is now; a policy removed from the rule set has none.
  const policy = draft.context.policies.byId.get(clock.policyId);
  if (!policy) return;
  const origin: SlaActionContext = { entityId: draft.context.entityId, policyId: clock.policyId, phase, at };
  for (const action of phase === 'warn' ? policy.onWarn : policy.onBreach) {
    draft.effects.push(actionEffect(action, origin));
  }
}

type MutableClock = { -readonly [K in keyof SlaClockState]: SlaClockState[K] };

/**
 * A copy of a clock as one object literal with every field, for the caller to change: V8 keeps
 * all fields inside the object, where a spread copy's layout depends on how warm its copy cache
 * was (and may leave most fields in a separate property array). TypeScript fails this function
 * when a field is added to SlaClockState and not here.
 */
function copyClock(clock: SlaClockState): MutableClock {
  return {
    policyId: clock.policyId,
    clock: clock.clock,
    target: clock.target,
    warnBefore: clock.warnBefore,
    status: clock.status,
    cycle: clock.cycle,
    generation: clock.generation,
    startedAt: clock.startedAt,
    segmentStartedAt: clock.segmentStartedAt,
    elapsedMs: clock.elapsedMs,
    pausedAt: clock.pausedAt,
    dueAt: clock.dueAt,
    warnAt: clock.warnAt,
    warned: clock.warned,
    breachedAt: clock.breachedAt,
    stoppedAt: clock.stoppedAt,
  };
}

/** A live clock ended at `at` (met, stopped after a breach, or cancelled): no segment, no timers due. */
function endedClock(
  clock: SlaClockState,
  status: SlaClockStatus,
  elapsedMs: number,
  at: number,
): SlaClockState {
  const ended = copyClock(clock);
  ended.status = status;
  ended.generation = clock.generation + 1;
  ended.segmentStartedAt = null;
  ended.pausedAt = null;
  ended.elapsedMs = elapsedMs;
  ended.warnAt = null;
  ended.stoppedAt = at;
  return ended;
}

/** Report the warning of a running clock; returns the clock marked warned. */
function warn(draft: Draft, clock: SlaClockState, at: number, detectedBy: 'timer' | 'pause'): SlaClockState {
  const warnAt = clock.warnAt ?? at;
  const next = copyClock(clock);
  next.warned = true;
  const elapsed = elapsedAt(next, at, draft.context.calendar);
  draft.effects.push({ type: 'sla.warning', ...recordBase(draft, next, at, elapsed), warnAt, detectedBy });
  emitActions(draft, next, 'warn', at);
  return next;
}

/** Report the breach of a running clock; returns the clock marked breached. */
function breach(
  draft: Draft,
  clock: SlaClockState,
  at: number,
  detectedBy: 'timer' | 'pause' | 'stop',
): SlaClockState {
  const dueAt = clock.dueAt ?? at;
  const next = copyClock(clock);
  next.dueAt = dueAt;
  next.breachedAt = dueAt;
  const elapsed = elapsedAt(next, at, draft.context.calendar);
  draft.effects.push({ type: 'sla.breached', ...recordBase(draft, next, at, elapsed), dueAt, detectedBy });
  if (detectedBy !== 'stop') emitActions(draft, next, 'breach', at);
  return next;
}

function isOverdue(clock: SlaClockState, at: number): boolean {
  return clock.status === 'running' && clock.breachedAt === null && clock.dueAt !== null && at >= clock.dueAt;
}

function startClock(draft: Draft, policy: SlaPolicy, event: SlaEventInput): void {
  const { calendar } = draft.context;
  const { at } = event;
  const previous = clockOf(draft.clocks, policy.id);
  let restarted = false;
  if (previous && isLive(previous)) {
    assertInOrder(previous, at, `event ${event.type}`);
    const elapsed = elapsedAt(previous, at, calendar);
    // Only reported: the new cycle below replaces it.
    const cancelled = endedClock(previous, 'cancelled', elapsed, at);
    draft.effects.push({
      type: 'sla.cancelled',
      ...recordBase(draft, cancelled, at, elapsed),
      reason: 'restarted',
      breached: previous.breachedAt !== null,
      overdue: isOverdue(previous, at),
    });
    restarted = true;
  }
  const target = policy.target;
  const warnBefore = policy.warnBefore ?? null;
  const clock: SlaClockState = {
    policyId: policy.id,
    clock: policy.clock,
    target,
    warnBefore,
    status: 'running',
    cycle: (previous?.cycle ?? 0) + 1,
    generation: (previous?.generation ?? 0) + 1,
    startedAt: at,
    segmentStartedAt: at,
    elapsedMs: 0,
    pausedAt: null,
    dueAt: addTime(policy.clock, calendar, at, target),
    warnAt:
      warnBefore === null ? null : addTime(policy.clock, calendar, at, Math.max(0, target - warnBefore)),
    warned: false,
    breachedAt: null,
    stoppedAt: null,
  };
  syncTimers(draft, previous, clock);
  put(draft, clock);
  draft.effects.push({
    type: 'sla.started',
    ...recordBase(draft, clock, at, 0),
    dueAt: clock.dueAt as number,
    event: event.type,
    warnAt: clock.warnAt,
    restarted,
  });
}

function stopClock(draft: Draft, policyId: string, event: SlaEventInput): void {
  const previous = clockOf(draft.clocks, policyId);
  if (!previous || !isLive(previous)) return;
  const { at } = event;
  assertInOrder(previous, at, `event ${event.type}`);
  let clock = previous;
  // The engine fires due timers before the event; if it has not, the stop still sees the breach.
  if (isOverdue(clock, at)) clock = breach(draft, clock, at, 'stop');
  const elapsed = elapsedAt(clock, at, draft.context.calendar);
  const breachedAt = clock.breachedAt;
  const stopped = endedClock(clock, breachedAt === null ? 'met' : 'breachedThenStopped', elapsed, at);
  syncTimers(draft, previous, stopped);
  put(draft, stopped);
  const base = recordBase(draft, stopped, at, elapsed);
  if (breachedAt === null) {
    draft.effects.push({ type: 'sla.met', ...base, event: event.type });
  } else {
    draft.effects.push({
      type: 'sla.stopped',
      ...base,
      event: event.type,
      breachedAt,
      overByMs: elapsed - stopped.target,
    });
  }
}

function pauseClock(draft: Draft, policyId: string, event: SlaEventInput): void {
  const previous = clockOf(draft.clocks, policyId);
  if (previous?.status !== 'running') return;
  const { at } = event;
  assertInOrder(previous, at, `event ${event.type}`);
  let clock = previous;
  // Catch up on timers the engine has not fired yet: the pause does not resolve the SLA.
  if (clock.breachedAt === null && !clock.warned && clock.warnAt !== null && at >= clock.warnAt) {
    clock = warn(draft, clock, at, 'pause');
  }
  if (isOverdue(clock, at)) clock = breach(draft, clock, at, 'pause');
  const elapsed = elapsedAt(clock, at, draft.context.calendar);
  const paused = copyClock(clock);
  paused.status = 'paused';
  paused.generation = clock.generation + 1;
  paused.segmentStartedAt = null;
  paused.pausedAt = at;
  paused.elapsedMs = elapsed;
  paused.dueAt = null;
  paused.warnAt = null;
  syncTimers(draft, previous, paused);
  put(draft, paused);
  draft.effects.push({
    type: 'sla.paused',
    ...recordBase(draft, paused, at, elapsed),
    event: event.type,
    breached: paused.breachedAt !== null,
  });
}

function resumeClock(draft: Draft, policyId: string, event: SlaEventInput): void {
  const previous = clockOf(draft.clocks, policyId);
  if (previous?.status !== 'paused' || previous.pausedAt === null) return;
  const { calendar } = draft.context;
  const { at } = event;
  assertInOrder(previous, at, `event ${event.type}`);
  const breached = previous.breachedAt !== null;
  const remaining = previous.target - previous.elapsedMs;
  const warnBudget = previous.warnBefore === null ? null : remaining - previous.warnBefore;
  const resumed = copyClock(previous);
  resumed.status = 'running';
  resumed.generation = previous.generation + 1;
  resumed.segmentStartedAt = at;
  resumed.pausedAt = null;
  resumed.dueAt = breached ? null : addTime(previous.clock, calendar, at, Math.max(0, remaining));
  resumed.warnAt =
    breached || previous.warned || warnBudget === null
      ? null
      : addTime(previous.clock, calendar, at, Math.max(0, warnBudget));
  syncTimers(draft, previous, resumed);
  put(draft, resumed);
  draft.effects.push({
    type: 'sla.resumed',
    ...recordBase(draft, resumed, at, resumed.elapsedMs),
    event: event.type,
    pausedMs: at - previous.pausedAt,
    warnAt: resumed.warnAt,
    breached,
  });
}

/** Deduplicated policies per index and event, computed once: every step asks four times. */
const policiesOnCache = /* @__PURE__ */ (() =>
  new WeakMap<ReadonlyMap<string, readonly SlaPolicy[]>, Map<string, SlaPolicy[]>>())();
const NO_POLICIES: SlaPolicy[] = [];

function policiesOn(map: ReadonlyMap<string, readonly SlaPolicy[]>, event: string): readonly SlaPolicy[] {
  const listed = map.get(event);
  if (listed === undefined || listed.length === 0) return NO_POLICIES;
  let byEvent = policiesOnCache.get(map);
  if (byEvent === undefined) {
    byEvent = new Map();
    policiesOnCache.set(map, byEvent);
  }
  let policies = byEvent.get(event);
  if (policies === undefined) {
    const seen = new Set<string>();
    policies = [];
    for (const policy of listed) {
      if (seen.has(policy.id)) continue;
      seen.add(policy.id);
      policies.push(policy);
    }
    byEvent.set(event, policies);
  }
  return policies;
}

function sortedIds(clocks: Readonly<Record<string, SlaClockState>>): string[] {
  return Object.keys(clocks).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Public steps

/**
 * Apply one lifecycle event: for the policies that name it, **stop** (met or
 * breached-then-stopped), **pause**, **resume**, then **start** — in that order, each group in
 * rule-set order.
 *
 * - Start: a new cycle with `dueAt = calendar.addBusinessTime(at, target)` (business) or
 *   `at + target` (wall), a breach timer and, with `warnBefore`, a warn timer at the instant
 *   `target - warnBefore` clock ms have elapsed. A start while a cycle is live **restarts** it:
 *   the old cycle is reported `sla.cancelled` (reason `restarted`) and the budget starts over —
 *   e.g. `opportunity.stageEntered` restarts the stalled clock on every stage entered.
 * - Stop: a live cycle ends as `met` (`at < dueAt`) or `breachedThenStopped`, timers cancelled,
 *   with `elapsedMs` = clock time from start to stop minus paused spans. Stop of a clock that
 *   is not live is ignored.
 * - Pause: elapsed time is banked and timers cancelled (ignored unless running). Resume:
 *   timers rescheduled from `at` with the remaining budget, e.g.
 *   `calendar.addBusinessTime(at, target - elapsed)` (ignored unless paused).
 *
 * @throws {SlaError} when `event.at` is not finite or precedes the last transition of a clock
 * the event touches.
 * @example
 * ```ts
 * import { chinaCalendar, compileRuleSet, zhikongPreset } from 'leadflow';
 * import { slaInitialState, slaOnEvent } from 'leadflow/core';
 * const rules = compileRuleSet(zhikongPreset.ruleSet, { team: zhikongPreset.team });
 * const context = { policies: rules.sla, calendar: chinaCalendar({ years: [2025, 2026] }), entityId: 'lead-1' };
 * const received = slaOnEvent(slaInitialState(), { type: 'lead.received', at: Date.parse('2025-03-14T17:55:00+08:00') }, context);
 * received.timers; // [{ type: 'schedule', timerKey: 'sla:unassigned-15m:breach', dueAt: <Mon 2025-03-17 09:10 +08:00>, ... }]
 * const assigned = slaOnEvent(received.state, { type: 'lead.assigned', at: Date.parse('2025-03-14T17:58:00+08:00') }, context);
 * assigned.effects[0]; // { type: 'sla.met', policyId: 'unassigned-15m', elapsedMs: 180000, ... }
 * ```
 * @category State machines
 */
export function slaOnEvent(state: SlaState, event: SlaEventInput, context: SlaContext): SlaStepResult {
  assertInstant(event?.at, 'event.at');
  const { policies } = context;
  const stops = policiesOn(policies.stoppingOn, event.type);
  const pauses = policiesOn(policies.pausingOn, event.type);
  const resumes = policiesOn(policies.resumingOn, event.type);
  const starts = policiesOn(policies.startingOn, event.type);
  // Most lifecycle events concern no policy: nothing to draft.
  if (stops.length + pauses.length + resumes.length + starts.length === 0)
    return { state, timers: [], effects: [] };
  const draft = newDraft(state, context);
  for (const policy of stops) stopClock(draft, policy.id, event);
  for (const policy of pauses) pauseClock(draft, policy.id, event);
  for (const policy of resumes) resumeClock(draft, policy.id, event);
  for (const policy of starts) startClock(draft, policy, event);
  return finish(draft);
}

/**
 * Handle a fired SLA timer. A firing is **stale** — a no-op with `stale: true`, the input state
 * and no commands or effects — when its policy has no clock, its key does not match its payload,
 * its generation is not the clock's current one, the clock is not running, or its phase was
 * already handled (a breach is reported once per cycle; a warning after the breach is dropped).
 *
 * Otherwise: `warn` → an `sla.warning` record and the policy's `onWarn` actions; `breach` → an
 * `sla.breached` record and the `onBreach` actions, the clock marked breached (it keeps running
 * until stopped, so the time to stop is reported; no timer is scheduled for it again).
 *
 * @throws {SlaError} when `fired.at` is not finite, precedes the clock's last transition, or
 * precedes the due instant of the phase.
 * @example
 * ```ts
 * import { slaOnTimer } from 'leadflow/core';
 * const result = slaOnTimer(state, {
 *   timerKey: 'sla:unassigned-15m:breach', generation: 1,
 *   payload: { policyId: 'unassigned-15m', phase: 'breach' }, at: Date.parse('2025-03-17T09:10:00+08:00'),
 * }, context);
 * result.effects.map((e) => e.type); // ['sla.breached', 'escalate', 'notify']
 * ```
 * @category State machines
 */
export function slaOnTimer(state: SlaState, fired: SlaFiredTimer, context: SlaContext): SlaTimerResult {
  assertInstant(fired?.at, 'timer.at');
  const stale = (staleReason: SlaStaleReason): SlaTimerResult => ({
    state,
    timers: [],
    effects: [],
    stale: true,
    staleReason,
  });
  const policyId = fired.payload?.policyId;
  const phase = fired.payload?.phase;
  const clock = typeof policyId === 'string' ? clockOf(state.clocks, policyId) : undefined;
  if (!clock) return stale('unknownClock');
  if ((phase !== 'warn' && phase !== 'breach') || fired.timerKey !== slaTimerKey(clock.policyId, phase)) {
    return stale('keyMismatch');
  }
  if (fired.generation !== clock.generation) return stale('generation');
  if (clock.status !== 'running') return stale('notRunning');
  const due = phase === 'warn' ? clock.warnAt : clock.dueAt;
  if (clock.breachedAt !== null || due === null || (phase === 'warn' && clock.warned)) {
    return stale('alreadyHandled');
  }
  assertInOrder(clock, fired.at, `timer ${fired.timerKey}`);
  if (fired.at < due) {
    throw new SlaError(
      `timer ${fired.timerKey} handled at ${fired.at}, before its due instant ${due}; fire timers only once due`,
    );
  }
  const draft = newDraft(state, context);
  const next =
    phase === 'warn' ? warn(draft, clock, fired.at, 'timer') : breach(draft, clock, fired.at, 'timer');
  syncTimers(draft, clock, next, fired.timerKey);
  put(draft, next);
  return { ...finish(draft), stale: false };
}

/**
 * End every live clock without a verdict, for terminal states (entity closed, merged away,
 * deleted): timers cancelled, no breach reported, each clock `cancelled` with an
 * `sla.cancelled` record (reason `stopAll`; `overdue` when it was past due without a breach
 * reported, `breached` when one had been). Clocks already ended are left alone.
 *
 * Takes the calendar and entity id (any {@link SlaContext} fits) so the records carry the
 * elapsed time and the entity.
 *
 * @throws {SlaError} when `at` is not finite or precedes the last transition of a live clock.
 * @example
 * ```ts
 * import { slaStopAll } from 'leadflow/core';
 * const closed = slaStopAll(state, Date.parse('2025-03-20T10:00:00+08:00'), context);
 * closed.timers; // a cancel per pending timer
 * ```
 * @category State machines
 */
export function slaStopAll(
  state: SlaState,
  at: number,
  context: Pick<SlaContext, 'calendar' | 'entityId'>,
): SlaStepResult {
  assertInstant(at, 'at');
  const draft = newDraft(state, { ...context, policies: EMPTY_POLICIES });
  for (const policyId of sortedIds(state.clocks)) {
    const previous = clockOf(state.clocks, policyId);
    if (!previous || !isLive(previous)) continue;
    assertInOrder(previous, at, 'slaStopAll');
    const elapsed = elapsedAt(previous, at, context.calendar);
    const cancelled = endedClock(previous, 'cancelled', elapsed, at);
    syncTimers(draft, previous, cancelled);
    put(draft, cancelled);
    draft.effects.push({
      type: 'sla.cancelled',
      ...recordBase(draft, cancelled, at, elapsed),
      reason: 'stopAll',
      breached: previous.breachedAt !== null,
      overdue: isOverdue(previous, at),
    });
  }
  return finish(draft);
}

const EMPTY_POLICIES: SlaContext['policies'] = /* @__PURE__ */ (() => ({
  byId: new Map(),
  startingOn: new Map(),
  stoppingOn: new Map(),
  pausingOn: new Map(),
  resumingOn: new Map(),
}))();

/**
 * The timers the state says are pending, as `schedule` commands: a breach timer for every running
 * clock not yet breached, a warn timer while its warning is still due. Use it to rebuild or audit
 * the host's timer rows for an entity.
 *
 * @example
 * ```ts
 * import { slaPendingTimers } from 'leadflow';
 * for (const command of slaPendingTimers(snapshot.sla)) timers.upsert(entityId, command.timerKey, command);
 * ```
 * @category State machines
 */
export function slaPendingTimers(state: SlaState): SlaScheduleTimer[] {
  return sortedIds(state.clocks).flatMap((id) => {
    const clock = clockOf(state.clocks, id);
    return clock ? pendingOf(clock) : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Summary

/**
 * Status of a clock for reports: `breached` is a running clock past its due instant; a paused
 * clock is `paused` whether breached or not (see `breached`).
 *
 * @example
 * ```ts
 * import type { SlaSummaryStatus } from 'leadflow/core';
 * const late: SlaSummaryStatus[] = ['breached', 'breachedThenStopped'];
 * ```
 * @category State machines
 */
export type SlaSummaryStatus =
  | 'running'
  | 'paused'
  | 'met'
  | 'breached'
  | 'breachedThenStopped'
  | 'cancelled';

/**
 * One policy's clock as of an instant, for `explain()` and the playground.
 *
 * @example
 * ```ts
 * import type { SlaSummaryEntry } from 'leadflow/core';
 * const line = (e: SlaSummaryEntry) => `${e.policyId}: ${e.status}, ${Math.round(e.remainingMs / 60_000)} min left`;
 * ```
 * @category State machines
 */
export interface SlaSummaryEntry {
  readonly policyId: string;
  readonly status: SlaSummaryStatus;
  readonly clock: SlaClockKind;
  readonly target: number;
  readonly cycle: number;
  readonly startedAt: number;
  /** Planned breach instant (`null` while paused); see {@link SlaClockState.dueAt}. */
  readonly dueAt: number | null;
  readonly warnAt: number | null;
  /** Clock ms elapsed as of `now` (as of the stop for an ended cycle), paused spans excluded. */
  readonly elapsedMs: number;
  /** `target - elapsedMs` in the policy's clock; negative once overdue. */
  readonly remainingMs: number;
  readonly warned: boolean;
  readonly breached: boolean;
  readonly breachedAt: number | null;
  readonly stoppedAt: number | null;
}

/**
 * Summarize every clock as of `now`, sorted by policy id. Reading only: the state is not changed
 * and no breach is reported — an overdue running clock whose timer has not fired yet shows as
 * `breached` with a negative `remainingMs`.
 *
 * @example
 * ```ts
 * import { slaSummary } from 'leadflow/core';
 * for (const entry of slaSummary(state, clock.now(), calendar)) {
 *   console.log(entry.policyId, entry.status, entry.remainingMs);
 * }
 * ```
 * @category State machines
 */
export function slaSummary(state: SlaState, now: number, calendar: BusinessCalendar): SlaSummaryEntry[] {
  assertInstant(now, 'now');
  return sortedIds(state.clocks).flatMap((id): SlaSummaryEntry[] => {
    const clock = clockOf(state.clocks, id);
    if (!clock) return [];
    const elapsed = elapsedAt(clock, now, calendar);
    const breached = clock.breachedAt !== null || isOverdue(clock, now);
    const status: SlaSummaryStatus = clock.status === 'running' && breached ? 'breached' : clock.status;
    return [
      {
        policyId: clock.policyId,
        status,
        clock: clock.clock,
        target: clock.target,
        cycle: clock.cycle,
        startedAt: clock.startedAt,
        dueAt: clock.dueAt,
        warnAt: clock.warnAt,
        elapsedMs: elapsed,
        remainingMs: clock.target - elapsed,
        warned: clock.warned,
        breached,
        breachedAt: clock.breachedAt ?? (breached ? clock.dueAt : null),
        stoppedAt: clock.stoppedAt,
      },
    ];
  });
}
