import type {
  EventInput,
  JsonValue,
  OutboxEnqueue,
  StoredTimer,
  TimerRecord,
  TimerRef,
} from '../adapters/storage/port.js';
import { CalendarError } from '../errors.js';
import { LEAD_TIMER_KEYS, type LeadContext, type LeadEvent, validateFollowUp } from '../machines/lead.js';
import {
  isSlaRecord,
  type SlaActionEffect,
  type SlaEffect,
  type SlaState,
  slaInitialState,
  slaOnEvent,
  slaOnTimer,
  slaStopAll,
} from '../machines/sla.js';
import {
  type PersistedSnapshot,
  type Stepper,
  stateValueToString,
  type TimerCommand,
} from '../machines/xstate-step.js';
import type { Lead } from '../model/lead.js';
import { MODEL_LIMITS } from '../model/limits.js';
import { leaveOn, type Rep } from '../model/rep.js';
import type { Team } from '../model/team.js';
import { type CompiledRuleSet, channelsOf, type ResolvedStrategy } from '../rules/compile.js';
import {
  type AssignmentDecision,
  type AssignmentState,
  decideLead,
  type LeadDecision,
  leadUnits,
  loadToday,
  recordAssignment,
  repUnavailability,
} from '../rules/decide.js';
import type { SlaEvent } from '../rules/ruleset.js';
import { formatBehaviourSnapshot, spokenDuration, summarizeBehaviours } from '../rules/templates.js';
import type { BusinessCalendar } from '../scheduler/calendar.js';
import { EngineError } from './errors.js';
import type { EngineEvents } from './events.js';
import { resolveRecipients } from './recipients.js';
import { renderTemplate } from './templates.js';
import { machineTimerOps, slaFiredTimer, slaTimerOps, type TimerOp, type WithoutAt } from './timer-ops.js';

/**
 * The stored state of one lead: the parsed lead, the lifecycle machine snapshot, the SLA
 * clocks and the decision trail. Plain JSON.
 *
 * @example
 * ```ts
 * const record = await engine.getLead('lead-1');
 * record?.machine.value; // 'assigned'
 * ```
 * @category Engine
 */
export interface LeadRecord {
  /** The lead as received, with the id the engine gave it. */
  readonly lead: Lead & { readonly id: string };
  readonly machine: PersistedSnapshot<LeadContext>;
  readonly sla: SlaState;
  readonly tags: readonly string[];
  readonly intentGrade: 'A' | 'B' | 'C';
  readonly qualified: boolean;
  readonly decisions: readonly {
    readonly at: number;
    readonly decision: AssignmentDecision;
    readonly explanation: LeadDecision['explanation'];
  }[];
  /** How many duplicate submissions were merged into this lead. */
  readonly duplicates: number;
  /** Generation per machine timer key (SLA timers carry their own). */
  readonly timerGenerations: Readonly<Record<string, number>>;
}

/**
 * A lifecycle event without its timestamp (the step stamps `at`).
 *
 * @example
 * ```ts
 * import type { DispatchableLeadEvent } from 'leadflow';
 * const event: DispatchableLeadEvent = { type: 'OPEN', repId: 'rep-a' };
 * ```
 * @category Engine
 */
export type DispatchableLeadEvent = WithoutAt<LeadEvent>;

/**
 * A follow-up as recorded by a rep. `outcome` may name one of the rule set's preset outcomes
 * (quoted / needs technical confirmation / comparing competitors / on hold), which moves the lead
 * and fills in `nextContactAt` when omitted.
 *
 * @example
 * ```ts
 * const followUp: FollowUpRequest = { status: '已报价', nextAction: '跟进报价反馈', outcome: 'quoted' };
 * ```
 * @category Engine
 */
export interface FollowUpRequest {
  readonly status?: string;
  readonly nextAction?: string;
  readonly nextContactAt?: number | Date;
  readonly outcome?: string;
  readonly repId?: string;
}

/**
 * Everything one lead step produced, as data: the domain events for the log, timer commands in
 * issue order, completed timers, outbox messages, events for the host's listeners, and the new
 * engine-wide assignment state when it changed. The engine commits it atomically.
 *
 * @example
 * ```ts
 * const { record, effects } = steps.apply(record, { type: 'OPEN', repId: 'rep-a' }, now, assignment);
 * effects.events.map((e) => e.type); // ['lead.opened', 'sla.met']
 * ```
 * @category Engine
 */
export interface LeadStepEffects {
  readonly events: EventInput[];
  /** Timer commands in the order they were issued; see {@link collapseTimers}. */
  readonly timerOps: TimerOp[];
  readonly completed: { entityId: string; timerKey: string; generation: number }[];
  readonly outbox: OutboxEnqueue[];
  readonly emits: { name: keyof EngineEvents; payload: EngineEvents[keyof EngineEvents] }[];
  /** Assignment state before the step (input). */
  readonly assignmentBase: AssignmentState;
  /** Assignment state after the step, when the step changed it. */
  assignment: AssignmentState | undefined;
}

type Pending = LeadStepEffects;
type MutableRecord = { -readonly [K in keyof LeadRecord]: LeadRecord[K] };

/**
 * The result of one pure lead step.
 *
 * @example
 * ```ts
 * const result: LeadStepResult = steps.fire(record, timer, now, assignment);
 * if (result.stale) console.log('timer superseded');
 * ```
 * @category Engine
 */
export interface LeadStepResult {
  readonly record: LeadRecord;
  readonly effects: LeadStepEffects;
  /** For timer firings: the timer was superseded (stale generation or already handled). */
  readonly stale?: boolean;
}

/**
 * What the lead steps need besides the record: the compiled rule set, the team, the business
 * calendar, the machine stepper and how to name a local business day. No I/O, no clock.
 *
 * @example
 * ```ts
 * const steps = createLeadSteps({ compiled, team, calendar, stepper: createStepper(leadMachine), localDay, trace: true });
 * ```
 * @category Engine
 */
export interface LeadStepContext {
  readonly compiled: CompiledRuleSet;
  readonly team: Team;
  readonly calendar: BusinessCalendar;
  readonly stepper: Stepper<LeadContext, LeadEvent, unknown>;
  /** Local business day (`YYYY-MM-DD`) of an instant, for capacity and leave. */
  readonly localDay: (at: number) => string;
  /** Record condition traces in decisions. @default true */
  readonly trace?: boolean;
  /** Decision records kept per lead. @default 10 */
  readonly decisionHistory?: number;
}

/**
 * States a lead never leaves.
 *
 * @example
 * ```ts
 * import { TERMINAL_LEAD_STATES } from 'leadflow/core';
 * TERMINAL_LEAD_STATES.has('converted'); // true
 * ```
 * @category Engine
 */
export const TERMINAL_LEAD_STATES: ReadonlySet<string> = /* @__PURE__ */ (() =>
  new Set(['converted', 'disqualified', 'merged']))();
const TERMINAL_STATES = TERMINAL_LEAD_STATES;
/** States a `returnToPool` SLA action takes a lead from: held by a rep, or waiting in a queue. */
const POOL_RETURNABLE = /* @__PURE__ */ (() =>
  new Set(['assigned', 'opened', 'contacted', 'nurturing', 'awaitingAssignment.queued']))();

/** A shallow copy of a record, written out: a spread of it costs far more in this hot path. */
function copyRecord(current: LeadRecord): MutableRecord {
  return {
    lead: current.lead,
    machine: current.machine,
    sla: current.sla,
    tags: current.tags,
    intentGrade: current.intentGrade,
    qualified: current.qualified,
    decisions: current.decisions,
    duplicates: current.duplicates,
    timerGenerations: current.timerGenerations,
  };
}

function newEffects(assignmentBase: AssignmentState): Pending {
  return {
    events: [],
    timerOps: [],
    completed: [],
    outbox: [],
    emits: [],
    assignmentBase,
    assignment: undefined,
  };
}

/**
 * One step can schedule and cancel the same timer (a lead received and assigned in the same
 * instant starts and stops a clock). Storage applies cancels before schedules, so collapse the
 * ordered commands to the last one per key first.
 *
 * @example
 * ```ts
 * const timers = collapseTimers(result.effects); // { schedule, cancel, complete } for storage.commit
 * ```
 * @category Engine
 */
export function collapseTimers(effects: Pick<LeadStepEffects, 'timerOps' | 'completed'>): {
  schedule: TimerRecord[];
  cancel: TimerRef[];
  complete: LeadStepEffects['completed'];
} {
  const schedule: TimerRecord[] = [];
  const cancel: TimerRef[] = [];
  const ops = effects.timerOps;
  // A step issues a handful of commands: a backwards scan for a later command on the same
  // timer beats building a keyed map.
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const ref = op.op === 'schedule' ? op.timer : op.ref;
    let superseded = false;
    for (let j = i + 1; j < ops.length && !superseded; j++) {
      const later = ops[j]!;
      const other = later.op === 'schedule' ? later.timer : later.ref;
      superseded = other.timerKey === ref.timerKey && other.entityId === ref.entityId;
    }
    if (superseded) continue;
    if (op.op === 'schedule') schedule.push(op.timer);
    else cancel.push(op.ref);
  }
  return { schedule, cancel, complete: effects.completed };
}

/**
 * Whether two versions of a lead have the same storage lookups: same owner, both open or both
 * closed, same contact keys. Compared field by field: this runs on every commit.
 *
 * @internal
 * @example
 * ```ts
 * if (!sameLookups(before, after)) writeLookups();
 * ```
 */
export function sameLookups(a: LeadRecord, b: LeadRecord): boolean {
  if (a === b) return true;
  return (
    a.machine.context.ownerId === b.machine.context.ownerId &&
    // Most steps keep the lead itself: one reference instead of three field reads.
    (a.lead === b.lead ||
      (a.lead.company.uscc === b.lead.company.uscc &&
        a.lead.contact.phone === b.lead.contact.phone &&
        a.lead.contact.email === b.lead.contact.email)) &&
    (a.machine.value === b.machine.value ||
      (TERMINAL_STATES.has(stateValueToString(a.machine.value)) ===
        TERMINAL_STATES.has(stateValueToString(b.machine.value)) &&
        (a.machine.value === 'recycled') === (b.machine.value === 'recycled')))
  );
}

/**
 * The keys an open lead is deduplicated on: USCC, phone, lower-cased e-mail.
 *
 * @example
 * ```ts
 * dedupeKeys(lead); // ['uscc:91350100M000100Y43', 'phone:13800000000']
 * ```
 * @category Engine
 */
export function dedupeKeys(lead: Lead): string[] {
  const keys: string[] = [];
  if (lead.company.uscc) keys.push(`uscc:${lead.company.uscc}`);
  if (lead.contact.phone) keys.push(`phone:${lead.contact.phone}`);
  if (lead.contact.email) keys.push(`email:${lead.contact.email.toLowerCase()}`);
  return keys;
}

/**
 * The pure lead steps: `(record, input, now, assignment state) → (record, effects as data)`.
 * Machines run through the compiled stepper, SLA clocks through the SLA tracker, decisions
 * through the rules; nothing here reads a clock or touches storage — the engine commits the
 * effects and only then tells listeners. A refused event throws an {@link EngineError} and
 * produces nothing.
 *
 * @example
 * ```ts
 * import { createLeadSteps, createStepper, leadMachine } from 'leadflow/core';
 * const steps = createLeadSteps({ compiled, team, calendar, stepper: createStepper(leadMachine), localDay: (t) => '2026-03-02' });
 * const { record, effects } = steps.receive(lead, 'lead-1', now, assignmentState);
 * ```
 * @category Engine
 */
export function createLeadSteps(ctx: LeadStepContext) {
  const { compiled, team, calendar, stepper, localDay } = ctx;
  const trace = ctx.trace ?? true;
  const decisionHistory = ctx.decisionHistory ?? 10;
  const repsById = new Map<string, Rep>(team.reps.map((rep) => [rep.id, rep]));
  const slaContextBase = { policies: compiled.sla, calendar };
  // A literal, not a spread: this runs several times per step.
  const slaContext = (entityId: string) => ({ policies: slaContextBase.policies, calendar, entityId });
  const outcomes = new Map(compiled.source.followUp.outcomes.map((outcome) => [outcome.id, outcome]));
  const broadcasts = new Map<string, BroadcastStrategy>();
  for (const rule of compiled.assignment.rules)
    if (rule.strategy.type === 'broadcast') broadcasts.set(rule.id, rule.strategy);
  let localTime: ((at: number) => string) | undefined;

  function emit(pending: Pending, name: keyof EngineEvents, payload: EngineEvents[keyof EngineEvents]): void {
    pending.emits.push({ name, payload });
  }

  function record(
    pending: Pending,
    leadId: string,
    type: string,
    at: number,
    data: Record<string, unknown> = {},
  ): void {
    pending.events.push({ entityId: leadId, kind: 'lead', type, at, data: data as JsonValue });
  }

  // --- lifecycle steps ---------------------------------------------------------------------

  function stateOf(rec: MutableRecord): string {
    return stateValueToString(rec.machine.value);
  }

  /** Step the machine; throws EVENT_NOT_ACCEPTED when the current state refuses the event. */
  function stepMachine(
    leadId: string,
    rec: MutableRecord,
    event: DispatchableLeadEvent,
    at: number,
    pending: Pending,
  ): void {
    const before = stateOf(rec);
    const result = stepper.step(rec.machine, event as never, at);
    if (!result.changed) {
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `lead "${leadId}": event ${event.type} is not accepted in state "${before}"${describeGuard(event, rec, at)}`,
      );
    }
    rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
    rec.timerGenerations = machineTimerOps(
      pending.timerOps,
      leadId,
      rec.timerGenerations,
      result.timers as readonly TimerCommand[],
    );
    const after = stateOf(rec);
    for (const slaEvent of slaEventsFor(event, before, after))
      applySlaEvent(leadId, rec, slaEvent, at, pending);
    if (TERMINAL_STATES.has(after) && !TERMINAL_STATES.has(before)) {
      const stopped = slaStopAll(rec.sla, at, slaContext(leadId));
      rec.sla = stopped.state;
      slaTimerOps(pending.timerOps, leadId, stopped.timers);
      recordSlaEffects(leadId, rec, stopped.effects, at, pending);
      emit(pending, 'lead.closed', {
        leadId,
        state: after,
        at,
        reason: rec.machine.context.reason ?? undefined,
      });
      record(pending, leadId, 'lead.closed', at, { state: after });
    }
  }

  /** The SLA events (and domain events) a machine transition means. */
  function slaEventsFor(event: DispatchableLeadEvent, before: string, after: string): SlaEvent[] {
    const events: SlaEvent[] = [];
    switch (event.type) {
      case 'DECIDED':
      case 'OFFER_EXPIRED':
      case 'INCUBATION_EXPIRED':
      case 'ASSIGN':
      case 'CLAIM':
      case 'REASSIGN':
        break;
      case 'OPEN':
        events.push('lead.opened');
        break;
      case 'FOLLOW_UP':
        events.push('lead.followedUp');
        break;
      default:
        break;
    }
    if (after !== before || event.type === 'REASSIGN') {
      if (after === 'assigned' && (before !== 'assigned' || event.type === 'REASSIGN'))
        events.push('lead.assigned');
      if (after === 'awaitingAssignment.offered') events.push('lead.offered');
      if (after === 'awaitingAssignment.queued') events.push('lead.queued');
      if (after === 'nurturing' && before !== 'nurturing') events.push('lead.nurturing');
      if (after === 'converted') events.push('lead.converted');
      if (after === 'disqualified') events.push('lead.disqualified');
      if (after === 'recycled') events.push('lead.recycled');
      if (after === 'merged') events.push('lead.merged');
    }
    return events;
  }

  function applySlaEvent(
    leadId: string,
    rec: MutableRecord,
    type: SlaEvent,
    at: number,
    pending: Pending,
  ): void {
    const context = rec.machine.context;
    switch (type) {
      case 'lead.assigned':
        record(pending, leadId, 'lead.assigned', at, { repId: context.ownerId, by: context.assignedBy });
        emit(pending, 'lead.assigned', {
          leadId,
          repId: context.ownerId ?? '',
          at,
          by: context.assignedBy ?? 'rule',
        });
        break;
      case 'lead.offered':
        record(pending, leadId, 'lead.offered', at, {
          repIds: context.offeredTo,
          ruleId: context.offerRuleId,
        });
        emit(pending, 'lead.offered', {
          leadId,
          repIds: context.offeredTo,
          at,
          ruleId: context.offerRuleId ?? '',
        });
        offerMessages(leadId, rec, at, pending);
        break;
      case 'lead.queued':
        record(pending, leadId, 'lead.queued', at, {
          supervisorId: context.supervisorId,
          reason: context.reason,
        });
        emit(pending, 'lead.queued', {
          leadId,
          supervisorId: context.supervisorId ?? undefined,
          at,
          reason: context.reason ?? '',
        });
        break;
      case 'lead.nurturing':
        record(pending, leadId, 'lead.nurturing', at, {
          until: context.nurturingUntil,
          reason: context.reason,
        });
        emit(pending, 'lead.nurturing', {
          leadId,
          until: context.nurturingUntil ?? at,
          at,
          reason: context.reason ?? '',
        });
        break;
      case 'lead.opened':
        record(pending, leadId, 'lead.opened', at, { repId: context.ownerId });
        emit(pending, 'lead.opened', { leadId, repId: context.ownerId ?? '', at });
        break;
      case 'lead.followedUp': {
        const last = context.followUps.at(-1);
        record(pending, leadId, 'lead.followedUp', at, {
          repId: context.ownerId,
          status: last?.status,
          outcome: last?.outcome,
          nextContactAt: last?.nextContactAt,
          moveTo: last?.moveTo,
          first: context.followUps.length === 1,
        });
        emit(pending, 'lead.followedUp', {
          leadId,
          repId: context.ownerId ?? undefined,
          at,
          status: last?.status ?? '',
          nextContactAt: last?.nextContactAt ?? at,
        });
        break;
      }
      case 'lead.recycled':
        record(pending, leadId, 'lead.recycled', at, { reason: context.reason, from: context.pooledFrom });
        emit(pending, 'lead.recycled', {
          leadId,
          from: context.pooledFrom ?? undefined,
          at,
          reason: context.reason ?? '',
        });
        break;
      default:
        record(pending, leadId, type, at, { reason: context.reason });
    }
    feedSla(leadId, rec, type, at, pending);
  }

  /** Tell the lead's SLA clocks of an event (they may start, stop, pause or resume on it). */
  function feedSla(leadId: string, rec: MutableRecord, type: SlaEvent, at: number, pending: Pending): void {
    if (compiled.sla.policies.length === 0) return;
    const step = slaOnEvent(rec.sla, { type, at }, slaContext(leadId));
    rec.sla = step.state;
    slaTimerOps(pending.timerOps, leadId, step.timers);
    recordSlaEffects(leadId, rec, step.effects, at, pending);
  }

  function recordSlaEffects(
    leadId: string,
    rec: MutableRecord,
    effects: readonly SlaEffect[],
    at: number,
    pending: Pending,
  ): void {
    for (const effect of effects) {
      if (isSlaRecord(effect)) {
        // Starts and cancels are bookkeeping; the log keeps the outcomes.
        if (effect.type === 'sla.started' || effect.type === 'sla.cancelled') continue;
        record(pending, leadId, effect.type, effect.at, {
          policyId: effect.policyId,
          dueAt: effect.dueAt,
          elapsedMs: effect.elapsedMs,
          cycle: effect.cycle,
        });
        if (effect.type === 'sla.warning')
          emit(pending, 'sla.warning', {
            entityId: leadId,
            entity: 'lead',
            policyId: effect.policyId,
            at: effect.at,
            dueAt: effect.dueAt ?? at,
          });
        if (effect.type === 'sla.breached')
          emit(pending, 'sla.breached', {
            entityId: leadId,
            entity: 'lead',
            policyId: effect.policyId,
            at: effect.at,
            dueAt: effect.dueAt,
          });
        if (effect.type === 'sla.met')
          emit(pending, 'sla.met', {
            entityId: leadId,
            entity: 'lead',
            policyId: effect.policyId,
            at: effect.at,
            elapsedMs: effect.elapsedMs,
          });
        continue;
      }
      applySlaAction(leadId, rec, effect, at, pending);
    }
  }

  function recipients(rec: MutableRecord, to: string): string[] {
    const context = rec.machine.context;
    return resolveRecipients(team, repsById, to, {
      ownerId: context.ownerId,
      supervisorId: context.supervisorId ?? compiled.assignment.fallback.supervisorId,
    });
  }

  function behaviourSnapshot(lead: Lead): string {
    return formatBehaviourSnapshot(summarizeBehaviours(lead.behaviours), compiled.source.language);
  }

  /** What the broadcast messages' templates read about the offer. */
  function offerData(offer: Pick<LeadContext, 'offeredTo' | 'offerRuleId'>, expiresAt: number) {
    const strategy = broadcastOf(offer.offerRuleId);
    const language = compiled.source.language;
    localTime ??= localTimeOf(calendar.zone);
    return {
      ruleId: offer.offerRuleId,
      deadline: localTime(expiresAt),
      claimTimeout: strategy ? spokenDuration(strategy.claimTimeoutMs, language) : '',
      reps: offer.offeredTo.length,
      repNames: offer.offeredTo
        .map((id) => repsById.get(id)?.name ?? id)
        .join(language === 'en' ? ', ' : '、'),
    };
  }

  /** The broadcast rule of an offer; a rule set swapped since the offer may no longer have it. */
  function broadcastOf(ruleId: string | null): BroadcastStrategy | undefined {
    return ruleId === null ? undefined : broadcasts.get(ruleId);
  }

  function message(
    templateId: string,
    data: Record<string, unknown>,
    fallbackText: string,
    payloadData: Record<string, unknown>,
  ): JsonValue {
    const template = compiled.source.templates[templateId];
    return {
      ...(template?.subject !== undefined ? { subject: template.subject } : {}),
      text: template ? renderTemplate(template.text, data) : fallbackText,
      template: templateId,
      data: payloadData,
    } as unknown as JsonValue;
  }

  /**
   * A new offer: one message per offered rep and channel. `n` (the generation of the offer's
   * expiry timer, one per offer) keeps a later offer of the same lead from reusing an id.
   */
  function offerMessages(leadId: string, rec: MutableRecord, at: number, pending: Pending): void {
    const context = rec.machine.context;
    if (context.offerExpiresAt === null) return;
    const expiresAt = context.offerExpiresAt;
    const { template, channel } = broadcastOf(context.offerRuleId)?.notify ?? DEFAULT_OFFER_NOTIFY;
    const n = rec.timerGenerations[OFFER_TIMER_KEY] ?? 0;
    const offer = offerData(context, expiresAt);
    const channels = channelsOf(compiled, template, channel);
    for (const repId of context.offeredTo) {
      const rep = repsById.get(repId);
      const payload = message(
        template,
        { lead: rec.lead, rep: rep ? { id: rep.id, name: rep.name } : { id: repId }, offer },
        `${context.offerRuleId ?? 'broadcast'}: claim ${leadId} before ${offer.deadline}`,
        { leadId, ruleId: context.offerRuleId, repId, offerExpiresAt: expiresAt },
      );
      for (const ch of channels) {
        pending.outbox.push({
          id: `${leadId}:offer:${n}:${repId}:${ch}`,
          channel: ch,
          to: [repId],
          createdAt: at,
          nextAttemptAt: at,
          payload,
        });
      }
    }
  }

  /**
   * An offer's claim window closed unclaimed (`offer`: the context before the expiry cleared it):
   * logged, told to the host, and escalated to the supervisor unless the rule says `none`. The
   * fall-through to the next rule follows in the caller.
   */
  function offerExpired(
    leadId: string,
    rec: MutableRecord,
    offer: LeadContext,
    at: number,
    n: number,
    pending: Pending,
  ): void {
    const expiresAt = offer.offerExpiresAt ?? at;
    const onExpiry = broadcastOf(offer.offerRuleId)?.onExpiry ?? DEFAULT_OFFER_EXPIRY;
    const to = onExpiry.escalateTo === 'none' ? [] : recipients(rec, 'supervisor');
    record(pending, leadId, 'lead.offerExpired', at, {
      repIds: offer.offeredTo,
      ruleId: offer.offerRuleId,
      expiresAt,
      escalatedTo: to,
    });
    emit(pending, 'lead.offerExpired', {
      leadId,
      repIds: offer.offeredTo,
      ruleId: offer.offerRuleId ?? '',
      at,
      expiresAt,
      escalatedTo: to,
    });
    feedSla(leadId, rec, 'lead.offerExpired', at, pending);
    if (onExpiry.escalateTo === 'none') return;
    const supervisor = team.supervisors.find((s) => s.id === to[0]);
    const payload = message(
      onExpiry.template,
      {
        lead: rec.lead,
        supervisor: supervisor ? { id: supervisor.id, name: supervisor.name } : {},
        offer: offerData(offer, expiresAt),
      },
      `${offer.offerRuleId ?? 'broadcast'}: ${leadId} not claimed by ${expiresAt}`,
      { leadId, ruleId: offer.offerRuleId, repIds: offer.offeredTo, offerExpiresAt: expiresAt },
    );
    for (const channel of channelsOf(compiled, onExpiry.template, onExpiry.channel)) {
      pending.outbox.push({
        id: `${leadId}:offer:${n}:expired:${channel}`,
        channel,
        to: to.length > 0 ? to : ['unrouted'],
        createdAt: at,
        nextAttemptAt: at,
        payload,
      });
    }
  }

  function applySlaAction(
    leadId: string,
    rec: MutableRecord,
    action: SlaActionEffect,
    at: number,
    pending: Pending,
  ): void {
    const policy = compiled.sla.byId.get(action.policyId);
    const cycle = rec.sla.clocks[action.policyId]?.cycle ?? 0;
    switch (action.type) {
      case 'escalate': {
        const to = recipients(rec, action.to);
        const state = stateOf(rec);
        if (!TERMINAL_STATES.has(state)) {
          const result = stepper.step(
            rec.machine,
            { type: 'ESCALATE', policyId: action.policyId, to: action.to, at } as never,
            at,
          );
          if (result.changed) rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
        }
        record(pending, leadId, 'lead.escalated', at, {
          policyId: action.policyId,
          to: action.to,
          recipientIds: to,
        });
        emit(pending, 'lead.escalated', {
          leadId,
          to: action.to,
          recipientIds: to,
          policyId: action.policyId,
          at,
        });
        break;
      }
      case 'notify': {
        const template = compiled.source.templates[action.template];
        const to = recipients(rec, action.to);
        const owner = rec.machine.context.ownerId ? repsById.get(rec.machine.context.ownerId) : undefined;
        const data = {
          lead: rec.lead,
          owner: owner ? { id: owner.id, name: owner.name } : {},
          policy: {
            id: action.policyId,
            target: policy ? spokenDuration(policy.target, compiled.source.language) : '',
            warnBefore: policy?.warnBefore ? spokenDuration(policy.warnBefore, compiled.source.language) : '',
          },
          snapshot: action.includeBehaviourSnapshot ? behaviourSnapshot(rec.lead) : '',
        };
        const payload = {
          ...(template?.subject !== undefined ? { subject: template.subject } : {}),
          text: template ? renderTemplate(template.text, data) : `${action.policyId} ${action.phase}`,
          template: action.template,
          data: {
            leadId,
            policyId: action.policyId,
            phase: action.phase,
            ...(action.includeBehaviourSnapshot ? { behaviourSnapshot: data.snapshot } : {}),
          },
        } as unknown as JsonValue;
        for (const channel of channelsOf(compiled, action.template, action.channel)) {
          pending.outbox.push({
            id: `${leadId}:${action.policyId}:${cycle}:${action.phase}:${channel}:${action.to}`,
            channel,
            to: to.length > 0 ? to : ['unrouted'],
            createdAt: at,
            nextAttemptAt: at,
            payload,
          });
        }
        break;
      }
      case 'raisePriority': {
        const result = stepper.step(rec.machine, { type: 'RAISE_PRIORITY', at } as never, at);
        if (result.changed) rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
        break;
      }
      case 'returnToPool': {
        // The ladder's last rung: only a lead someone holds (or a queue) goes back to the pool.
        if (POOL_RETURNABLE.has(stateOf(rec)))
          stepMachine(
            leadId,
            rec,
            { type: 'RECYCLE', reason: `SLA ${action.policyId}` } as DispatchableLeadEvent,
            at,
            pending,
          );
        break;
      }
      case 'reassign': {
        const from = rec.machine.context.ownerId ?? undefined;
        const decision = decide(rec, at, pending, { excludeReps: from ? new Set([from]) : undefined });
        if (decision.decision.kind === 'assign' && from !== undefined) {
          const result = stepper.step(
            rec.machine,
            {
              type: 'REASSIGN',
              repId: decision.decision.repId,
              reason: `SLA ${action.policyId}`,
              at,
            } as never,
            at,
          );
          if (result.changed) {
            rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
            rec.timerGenerations = machineTimerOps(
              pending.timerOps,
              leadId,
              rec.timerGenerations,
              result.timers as readonly TimerCommand[],
            );
            pending.assignment = decision.state;
            emit(pending, 'lead.reassigned', {
              leadId,
              from,
              to: decision.decision.repId,
              at,
              reason: `SLA ${action.policyId}`,
            });
            applySlaEvent(leadId, rec, 'lead.assigned', at, pending);
          }
        }
        break;
      }
    }
  }

  function decide(
    rec: MutableRecord,
    at: number,
    pending: Pending,
    extra: {
      skipRules?: ReadonlySet<string>;
      excludeReps?: ReadonlySet<string> | undefined;
      arrivedAt?: number;
    } = {},
  ) {
    const day = localDay(at);
    const current = pending.assignment ?? pending.assignmentBase;
    const result = decideLead(compiled, rec.lead, team, current, {
      now: at,
      day,
      trace,
      ...(extra.skipRules ? { skipRules: extra.skipRules } : {}),
      ...(extra.excludeReps ? { excludeReps: extra.excludeReps } : {}),
      ...(extra.arrivedAt !== undefined ? { arrivedAt: extra.arrivedAt } : {}),
    });
    rec.decisions = [
      ...rec.decisions,
      { at, decision: result.decision, explanation: result.explanation },
    ].slice(-decisionHistory);
    return result;
  }

  /** Apply a DECIDED for a fresh decision, including re-decisions after an expired offer. */
  function applyDecision(
    leadId: string,
    rec: MutableRecord,
    at: number,
    pending: Pending,
    skipRules?: ReadonlySet<string>,
    arrivedAt?: number,
  ): void {
    const result = decide(rec, at, pending, {
      ...(skipRules ? { skipRules } : {}),
      ...(arrivedAt !== undefined ? { arrivedAt } : {}),
    });
    rec.tags = result.tags;
    rec.intentGrade = result.intentGrade;
    rec.qualified = result.qualified;
    if (result.state !== (pending.assignment ?? pending.assignmentBase)) pending.assignment = result.state;
    emit(pending, 'decision', { leadId, decision: result.decision, at });
    stepMachine(
      leadId,
      rec,
      { type: 'DECIDED', decision: result.decision, at } as DispatchableLeadEvent,
      at,
      pending,
    );
  }

  /**
   * A claim from the pool (公海): under the rep's holding cap (客保数量), and not by the rep the
   * lead was taken from before `leadPool.formerOwnerWait` has passed.
   */
  function requirePoolClaim(
    rec: MutableRecord,
    repId: string,
    at: number,
    pool: PoolClaimContext | undefined,
  ): void {
    const rules = compiled.source.leadPool;
    const context = rec.machine.context;
    const wait = rules.formerOwnerWait;
    const since = context.pooledAt ?? null;
    if (wait !== undefined && context.pooledFrom === repId && since !== null && at < since + wait) {
      localTime ??= localTimeOf(calendar.zone);
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `claim: rep "${repId}" gave this lead up at ${localTime(since)} and may claim it back from ${localTime(since + wait)} (leadPool.formerOwnerWait)`,
      );
    }
    const own = Object.hasOwn(rules.holdingCaps, repId);
    const cap = own ? rules.holdingCaps[repId] : rules.holdingCap;
    if (cap === undefined) return;
    if (pool === undefined)
      throw new EngineError('ENGINE_INVALID', 'claim from the pool: the holding count was not given');
    if (pool.holding >= cap) {
      const held = `${pool.holding} open lead${pool.holding === 1 ? '' : 's'}`;
      const option = own ? `leadPool.holdingCaps.${repId} = ${cap}` : `leadPool.holdingCap = ${cap}`;
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `claim: rep "${repId}" holds ${held}, its holding cap (${option})`,
      );
    }
  }

  /**
   * Daily capacity, leave and availability hold for claims and manual assignments too, not only
   * for rules: an away or off-shift rep is refused, and a lead uses its grade's capacity units.
   */
  function requireCapacity(
    repId: string,
    at: number,
    operation: string,
    pending: Pending,
    units: number,
  ): void {
    const rep = repsById.get(repId);
    if (rep === undefined)
      throw new EngineError('ENGINE_INVALID', `${operation}: rep "${repId}" is not in the team`);
    const current = pending.assignment ?? pending.assignmentBase;
    if (!rep.active) throw new EngineError('EVENT_NOT_ACCEPTED', `${operation}: rep "${repId}" is inactive`);
    const day = localDay(at);
    const leave = leaveOn(rep, day);
    if (leave) {
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `${operation}: rep "${repId}" is on leave ${leave.from}..${leave.to}`,
      );
    }
    const unavailable = repUnavailability(compiled, rep, at);
    if (unavailable.length > 0) {
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `${operation}: rep "${repId}" is not available (${unavailable.join('; ')})`,
      );
    }
    const load = loadToday(current, repId, day);
    if (load + units > rep.dailyCapacity) {
      const weighed = units === 1 ? '' : ` (this lead weighs ${units})`;
      throw new EngineError(
        'EVENT_NOT_ACCEPTED',
        `${operation}: rep "${repId}" is at daily capacity ${load}/${rep.dailyCapacity}${weighed}`,
      );
    }
  }

  function startReceived(
    leadId: string,
    rec: MutableRecord,
    at: number,
    arrivedAt: number,
    pending: Pending,
  ): void {
    const contact = rec.lead.contact;
    record(pending, leadId, 'lead.received', at, {
      channel: rec.lead.channel,
      receivedAt: rec.lead.receivedAt,
      // Reported, never hidden: how long the lead took to reach leadflow (negative when the
      // source's clock runs ahead of ours; clocks then start at ingestion).
      ingestionGapMs: at - rec.lead.receivedAt,
      // Which of the fields sales needs are filled (data-completeness KPI).
      complete: {
        contactPoint:
          contact.phone !== undefined || contact.email !== undefined || contact.wecomId !== undefined,
        contactName: contact.name !== undefined,
        budget: rec.lead.budget !== undefined,
        need: (rec.lead.need ?? '').length > 0,
        city: rec.lead.company.city !== undefined,
      },
      // Filled in by receive() once decided; present from the start so the object keeps its layout.
      qualified: null,
      tags: null,
    });
    if (compiled.sla.policies.length > 0) {
      // Lead SLAs count from the lead's arrival, not from when it reached us.
      const step = slaOnEvent(rec.sla, { type: 'lead.received', at: arrivedAt }, slaContext(leadId));
      rec.sla = step.state;
      slaTimerOps(pending.timerOps, leadId, step.timers);
      recordSlaEffects(leadId, rec, step.effects, at, pending);
    }
  }

  return {
    /** A new, validated lead arrives: start its clocks, decide, step the machine. */
    receive(lead: Lead, leadId: string, at: number, assignment: AssignmentState): LeadStepResult {
      const pending = newEffects(assignment);
      const initial = stepper.initial({ leadId, receivedAt: lead.receivedAt, priority: lead.priority }, at);
      const rec: MutableRecord = {
        lead: { ...lead, id: leadId },
        machine: initial.snapshot as PersistedSnapshot<LeadContext>,
        sla: slaInitialState(),
        tags: [],
        intentGrade: 'C',
        qualified: false,
        decisions: [],
        duplicates: 0,
        timerGenerations: {},
      };
      rec.timerGenerations = machineTimerOps(
        pending.timerOps,
        leadId,
        rec.timerGenerations,
        initial.timers as readonly TimerCommand[],
      );
      const arrivedAt = arrivalOf(lead, at);
      startReceived(leadId, rec, at, arrivedAt, pending);
      applyDecision(leadId, rec, at, pending, undefined, arrivedAt);
      // The received event carries the qualification so metrics know the assignable population.
      const received = pending.events[0]!.data as Record<string, unknown>;
      received.qualified = rec.qualified;
      received.tags = [...rec.tags];
      pending.emits.unshift({
        name: 'lead.received',
        payload: {
          leadId,
          at,
          receivedAt: lead.receivedAt,
          ingestionGapMs: at - lead.receivedAt,
          channel: lead.channel,
          tags: rec.tags,
        },
      });
      return { record: rec, effects: pending };
    },

    /** Any lifecycle event; throws EVENT_NOT_ACCEPTED when the current state refuses it. */
    apply(
      current: LeadRecord,
      event: DispatchableLeadEvent,
      at: number,
      assignment: AssignmentState,
      pool?: PoolClaimContext,
    ): LeadStepResult {
      const rec = copyRecord(current);
      const pending = newEffects(assignment);
      const leadId = rec.lead.id;
      const units = leadUnits(compiled, rec.intentGrade);
      if (event.type === 'CLAIM' || event.type === 'ASSIGN') {
        requireCapacity(event.repId, at, event.type === 'CLAIM' ? 'claim' : 'assign', pending, units);
      }
      if (event.type === 'CLAIM' && stateOf(rec) === 'recycled') requirePoolClaim(rec, event.repId, at, pool);
      stepMachine(leadId, rec, event, at, pending);
      if (event.type === 'CLAIM' || event.type === 'ASSIGN') {
        pending.assignment = recordAssignment(
          pending.assignment ?? pending.assignmentBase,
          event.repId,
          localDay(at),
          units,
        );
      }
      return { record: rec, effects: pending };
    },

    /** A follow-up: exactly status, next action and next contact time (a preset outcome fills the latter). */
    followUp(
      current: LeadRecord,
      request: FollowUpRequest,
      at: number,
      assignment: AssignmentState,
    ): LeadStepResult {
      const leadId = current.lead.id;
      const outcome = request.outcome !== undefined ? outcomes.get(request.outcome) : undefined;
      if (
        request.outcome !== undefined &&
        outcome === undefined &&
        compiled.source.followUp.outcomes.length > 0
      ) {
        throw new EngineError(
          'FOLLOW_UP_INVALID',
          `lead "${leadId}": follow-up outcome "${request.outcome}" is not one of ${compiled.source.followUp.outcomes.map((o) => o.id).join(', ')}`,
        );
      }
      const nextContactAt =
        request.nextContactAt !== undefined
          ? typeof request.nextContactAt === 'number'
            ? request.nextContactAt
            : request.nextContactAt.getTime()
          : outcome
            ? outcome.landOn === 'anyTime'
              ? at + outcome.nextContactIn
              : onWorkingTime(calendar, at + outcome.nextContactIn)
            : undefined;
      const input: Record<string, unknown> = {
        status: request.status,
        nextAction: request.nextAction,
        nextContactAt,
      };
      if (request.outcome !== undefined) input.outcome = request.outcome;
      if (outcome) input.moveTo = outcome.moveTo;
      if (outcome?.moveTo === 'nurturing') input.nurtureUntil = at + compiled.qualification.incubationMs;
      const validation = validateFollowUp(input);
      if (!validation.ok) {
        throw new EngineError(
          'FOLLOW_UP_INVALID',
          `lead "${leadId}": ${validation.message} (a follow-up needs status, nextAction and nextContactAt)`,
        );
      }
      return this.apply(
        current,
        { type: 'FOLLOW_UP', ...validation.followUp, at } as DispatchableLeadEvent,
        at,
        assignment,
      );
    },

    /** A durable timer of this lead fired at `at`. Stale timers produce only their completion. */
    fire(
      current: LeadRecord,
      timer: Pick<StoredTimer, 'entityId' | 'timerKey' | 'generation' | 'payload'>,
      at: number,
      assignment: AssignmentState,
    ): LeadStepResult {
      const rec = copyRecord(current);
      const pending = newEffects(assignment);
      pending.completed.push({
        entityId: timer.entityId,
        timerKey: timer.timerKey,
        generation: timer.generation,
      });
      const payload = (timer.payload ?? {}) as Record<string, unknown>;
      let stale = false;
      if (payload.source === 'sla') {
        const result = slaOnTimer(rec.sla, slaFiredTimer(timer, at), slaContext(timer.entityId));
        stale = result.stale;
        rec.sla = result.state;
        slaTimerOps(pending.timerOps, timer.entityId, result.timers);
        recordSlaEffects(timer.entityId, rec, result.effects, at, pending);
      } else if (payload.source === 'machine' && rec.timerGenerations[timer.timerKey] === timer.generation) {
        const event = payload.event as unknown as DispatchableLeadEvent;
        const result = stepper.step(rec.machine, event as never, at);
        if (!result.changed) stale = true;
        else {
          const before = stateOf(rec);
          const offer = rec.machine.context;
          rec.machine = result.snapshot as PersistedSnapshot<LeadContext>;
          rec.timerGenerations = machineTimerOps(
            pending.timerOps,
            timer.entityId,
            rec.timerGenerations,
            result.timers as readonly TimerCommand[],
          );
          const after = stateOf(rec);
          for (const slaEvent of slaEventsFor(event, before, after))
            applySlaEvent(timer.entityId, rec, slaEvent, at, pending);
          // An unclaimed broadcast is escalated, then falls through to the next assignment rule.
          if (event.type === 'OFFER_EXPIRED' && after === 'received') {
            offerExpired(timer.entityId, rec, offer, at, timer.generation, pending);
            applyDecision(timer.entityId, rec, at, pending, new Set(rec.machine.context.skipRules));
          }
        }
      } else {
        stale = true;
      }
      return { record: rec, effects: pending, stale };
    },

    /** A duplicate submission merged into this open lead: counted, newest behaviours kept. */
    mergeDuplicate(
      current: LeadRecord,
      duplicate: Lead,
      matchedOn: string,
      at: number,
      assignment: AssignmentState,
    ): LeadStepResult {
      const rec = copyRecord(current);
      const pending = newEffects(assignment);
      const leadId = rec.lead.id;
      rec.duplicates += 1;
      const behaviours = [...rec.lead.behaviours, ...duplicate.behaviours].slice(-MODEL_LIMITS.behaviours);
      rec.lead = { ...rec.lead, behaviours };
      record(pending, leadId, 'lead.duplicate', at, {
        matchedOn,
        channel: duplicate.channel,
        count: rec.duplicates,
      });
      emit(pending, 'lead.duplicate', { leadId, duplicateOf: leadId, at, matchedOn, count: rec.duplicates });
      return { record: rec, effects: pending };
    },

    stateOf: (rec: LeadRecord) => stateOf(rec as MutableRecord),
  };
}

/**
 * `t` moved forward to the calendar's next working time; beyond the calendar's holiday data (a
 * `CalendarError`) `t` itself, since nobody can say which days are worked then.
 */
/**
 * When a lead's clocks start: its own `receivedAt`, but never after it was ingested (a source
 * whose clock runs ahead must not postpone an SLA).
 * @category Engine
 */
export function arrivalOf(lead: Pick<Lead, 'receivedAt'>, ingestedAt: number): number {
  return Math.min(lead.receivedAt, ingestedAt);
}

function onWorkingTime(calendar: BusinessCalendar, t: number): number {
  try {
    return calendar.nextBusinessTime(t);
  } catch (error) {
    if (error instanceof CalendarError) return t;
    throw error;
  }
}

type BroadcastStrategy = Extract<ResolvedStrategy, { type: 'broadcast' }>;
const OFFER_TIMER_KEY = `machine:${LEAD_TIMER_KEYS.offerExpiry}`;
// The schema's defaults, for an offer whose rule the current rule set no longer has.
const DEFAULT_OFFER_NOTIFY: BroadcastStrategy['notify'] = { template: 'broadcast-offer', channel: 'wecom' };
const DEFAULT_OFFER_EXPIRY: BroadcastStrategy['onExpiry'] = {
  escalateTo: 'supervisor',
  template: 'broadcast-offer-expired',
  channel: 'wecom',
};

/** `YYYY-MM-DD HH:mm` (with `:ss` when not on the minute) of an instant in `zone`, for messages. */
function localTimeOf(zone: string): (at: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return (at) => {
    const part: Record<string, string> = {};
    for (const { type, value } of format.formatToParts(at)) part[type] = value;
    const seconds = part.second === '00' ? '' : `:${part.second}`;
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}${seconds}`;
  };
}

/**
 * The pure lead steps made by {@link createLeadSteps}.
 *
 * @example
 * ```ts
 * const steps: LeadSteps = createLeadSteps(context);
 * ```
 * @category Engine
 */
export type LeadSteps = ReturnType<typeof createLeadSteps>;

/**
 * What a claim from the pool needs to know besides the lead: how many open leads the rep holds.
 *
 * @category Engine
 */
export interface PoolClaimContext {
  readonly holding: number;
}

function describeGuard(event: DispatchableLeadEvent, rec: MutableRecord, at: number): string {
  const context = rec.machine.context;
  if (event.type === 'CLAIM') {
    const closed =
      context.offerExpiresAt !== null && at >= context.offerExpiresAt
        ? `; the claim window closed at ${new Date(context.offerExpiresAt).toISOString()}`
        : '';
    return ` (offered to: ${context.offeredTo.join(', ') || 'nobody'}${closed})`;
  }
  if (event.type === 'OPEN') return ` (owner: ${context.ownerId ?? 'none'})`;
  return '';
}
